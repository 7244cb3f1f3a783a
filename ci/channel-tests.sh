#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Channel streams on the host, without a VM: `ivshmem-host peer SOCKET
# send/recv` through our ivshmem server (doorbells on the server's
# eventfds) and `ivshmem-host send/recv FILE` on a backing file (no
# doorbells: polling). A stream of SIZE bytes (default 1G) of
# deterministic data (AES-CTR of zeros, by openssl) arrives with the same
# sha256 as it left (sent from a file in /dev/shm, summed as it is
# received); a receiver or sender killed mid-stream makes the
# other side fail (exit 3), never hang and never pass off a truncated
# stream as complete; a busy stream rings few doorbells; and the library
# installed by `make install-lib` builds programs, shared and static,
# with pkg-config's flags. One line per
# check; every command is bounded by a timeout.
#
#   channel-tests.sh BIN_DIR [SIZE]
set -u
# shellcheck source=test-lib.sh
. "$(dirname "$0")/test-lib.sh"
bin=$1
size=${2:-1G}
limit=120			# seconds, for any one transfer
# ok, fail, bg_pids and server_setup (host, server, dir, sock, server_pid):
# test-lib.sh.
server_setup "$bin" /dev/shm/channel-tests.XXXXXX

# data BYTES: the same BYTES bytes every time.
data() {
	openssl enc -aes-128-ctr -pass pass:pcimem -nosalt -pbkdf2 -in /dev/zero 2>/dev/null |
		head -c "$1"
}

# trickle: 64 KiB of zeros every 10 ms, forever (a stream to cut short).
trickle() {
	while head -c 65536 /dev/zero; do
		sleep 0.01
	done
}

# json_field FILE NAME: the number NAME in the JSON summary in FILE.
json_field() {
	sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p" "$1" | tail -n 1
}

# grows FILE BYTES: wait up to 20 s for FILE to hold BYTES bytes.
grows() {
	local i
	for i in $(seq 200); do
		[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# peer_of PATTERN: the ID of the one other peer of the server, once a
# `peers` shows exactly one.
peer_of() {
	local i out
	for i in $(seq 100); do
		out=$(timeout 10 "$host" peer "$sock" peers 2>/dev/null)
		if [ "$(grep -c '^peer ' <<<"$out")" -eq 1 ]; then
			sed -n 's/^peer \([0-9]*\):.*/\1/p' <<<"$out"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# transfer NAME SEND_CMD... -- RECV_CMD...: $dir/data (or $dir/small
# with small=1) through the two (recv first), the sha256 received
# compared with the sent one; summaries in $dir/NAME.send and .recv.
transfer() {
	local name=$1 send=() recv=() rc_recv rc_send src=$dir/data
	shift
	while [ "$1" != -- ]; do send+=("$1"); shift; done
	shift
	recv=("$@")
	[ "${small:-0}" = 1 ] && src=$dir/small
	(
		set -o pipefail
		timeout "$limit" "${recv[@]}" --json 2>"$dir/$name.recv" |
			sha256sum >"$dir/$name.out"
	) &
	bg_pids+=($!)
	local recv_pid=$!
	sleep 0.2
	[ -n "$peer" ] || peer=$(peer_of)
	timeout "$limit" "${send[@]}" "$peer" --json <"$src" 2>"$dir/$name.send"
	rc_send=$?
	wait "$recv_pid"
	rc_recv=$?
	if [ "$rc_send" -eq 0 ] && [ "$rc_recv" -eq 0 ] &&
	   cmp -s "$src.sha256" "$dir/$name.out"; then
		ok "$name: $(stat -c %s "$src") bytes arrive with the same sha256 ($(cut -c1-16 "$dir/$name.out"))"
	else
		fail "$name: $(stat -c %s "$src") bytes arrive with the same sha256" \
			"send exit $rc_send, recv exit $rc_recv: $(cat "$dir/$name.send") recv: $(cat "$dir/$name.recv") sha256 $(cat "$src.sha256") vs $(cat "$dir/$name.out")"
	fi
	if [ "$(json_field "$dir/$name.recv" bytes)" = "$(json_field "$dir/$name.send" bytes)" ]; then
		ok "$name: both ends count $(json_field "$dir/$name.recv" bytes) bytes"
	else
		fail "$name: both ends count the same bytes" \
			"$(cat "$dir/$name.send") vs $(cat "$dir/$name.recv")"
	fi
}

# killed NAME VICTIM OTHER_RC OTHER_PATTERN SEND_CMD... -- RECV_CMD...:
# a trickling stream, VICTIM (send or recv) killed with SIGKILL once
# 256 KiB have arrived; the other must exit OTHER_RC within 20 s, saying
# OTHER_PATTERN.
killed() {
	local name=$1 victim=$2 want=$3 pat=$4 send=() recv=() send_pid recv_pid rc
	shift 4
	while [ "$1" != -- ]; do send+=("$1"); shift; done
	shift
	recv=("$@")
	"${recv[@]}" >"$dir/$name.part" 2>"$dir/$name.recv" &
	recv_pid=$!
	bg_pids+=("$recv_pid")
	sleep 0.2
	[ -n "$peer" ] || peer=$(peer_of)
	trickle | "${send[@]}" "$peer" 2>"$dir/$name.send" &
	send_pid=$!
	bg_pids+=("$send_pid")
	if ! grows "$dir/$name.part" 262144; then
		fail "$name" "nothing arrived: $(cat "$dir/$name.send" "$dir/$name.recv")"
		kill "$send_pid" "$recv_pid" 2>/dev/null
		return
	fi
	local other_pid=$recv_pid log=$dir/$name.recv
	if [ "$victim" = recv ]; then
		kill -KILL "$recv_pid"
		other_pid=$send_pid log=$dir/$name.send
	else
		kill -KILL "$send_pid"
	fi
	# The other side, bounded: killed after 20 s if it hangs.
	( sleep 20; kill "$other_pid" 2>/dev/null ) &
	local guard=$!
	wait "$other_pid" 2>/dev/null	# (and bash's word on the one killed)
	rc=$?
	kill "$guard" 2>/dev/null
	wait "$guard" 2>/dev/null
	if [ "$rc" -eq "$want" ] && grep -q -- "$pat" "$log"; then
		ok "$name: exit $rc, \"$(head -n 1 "$log" | sed 's/^[^:]*: [^:]*: //')\""
	else
		fail "$name" "exit $rc (want $want, 143 means it hung): $(cat "$log")"
	fi
	kill "$send_pid" "$recv_pid" 2>/dev/null
	wait "$send_pid" "$recv_pid" 2>/dev/null
}

if ! command -v openssl >/dev/null; then
	fail "openssl is installed (the test data)" "not found"
	report
	exit 1
fi

# The data, made once: $size bytes and 1 MiB, with their sha256.
data "$size" >"$dir/data"
sha256sum <"$dir/data" >"$dir/data.sha256"
data 1M >"$dir/small"
sha256sum <"$dir/small" >"$dir/small.sha256"

# ---- through the server: doorbells ----
"$server" -F -S "$sock" -n 2 -l 64M -m /dev/shm >"$dir/server.log" 2>&1 &
server_pid=$!
for i in $(seq 50); do
	timeout 10 "$host" peer "$sock" id >/dev/null 2>&1 && break
	sleep 0.1
done
if [ "$i" -eq 50 ]; then
	fail "ivshmem-server listens on $sock" "$(cat "$dir/server.log")"
	report
	exit 1
fi
ok "ivshmem-server -F -n 2 -l 64M listens"

peer=
transfer "server" "$host" peer "$sock" send -- "$host" peer "$sock" recv
# Event suppression: a side rings only when the other asked, which it
# does only before it sleeps; ringing every message would ring as many
# doorbells as messages. Here the receiver (sha256sum behind it) is the
# slower: it never sleeps, and the sender sleeps once per half a ring.
msgs=$(json_field "$dir/server.send" messages)
rings=$(( $(json_field "$dir/server.send" doorbells) + $(json_field "$dir/server.recv" doorbells) ))
if [ -n "$msgs" ] && [ "$msgs" -gt 0 ] && [ $((rings * 4)) -lt "$msgs" ]; then
	ok "server: a busy stream rings few doorbells ($rings for $msgs messages, both ways)"
else
	fail "server: a busy stream rings few doorbells" "$rings for '$msgs' messages"
fi

# An idle receiver sleeps until the doorbell: the sender rings it.
peer=
timeout 30 "$host" peer "$sock" recv --json >"$dir/slow.out" 2>"$dir/slow.recv" &
slow_pid=$!
bg_pids+=("$slow_pid")
peer=$(peer_of)
{ printf first; sleep 1; printf second; } |
	timeout 30 "$host" peer "$sock" send "$peer" --json 2>"$dir/slow.send"
rc=$?
wait "$slow_pid"
rc_recv=$?
if [ "$rc" -eq 0 ] && [ "$rc_recv" -eq 0 ] && [ "$(cat "$dir/slow.out")" = firstsecond ] &&
   [ "$(json_field "$dir/slow.send" doorbells)" -ge 1 ] &&
   [ "$(json_field "$dir/slow.recv" sleeps)" -ge 1 ]; then
	ok "server: an idle receiver sleeps and the sender rings it ($(json_field "$dir/slow.send" doorbells) doorbells)"
else
	fail "server: an idle receiver sleeps and the sender rings it" \
		"exit $rc/$rc_recv, got '$(cat "$dir/slow.out")': $(cat "$dir/slow.send" "$dir/slow.recv")"
fi

peer=
killed "server: receiver killed mid-stream, the sender fails" recv 3 "went away mid-stream" \
	"$host" peer "$sock" send -- "$host" peer "$sock" recv
peer=
killed "server: sender killed mid-stream, the receiver reports a truncated stream" send 3 \
	"truncated stream" "$host" peer "$sock" send -- "$host" peer "$sock" recv

# The slots the killed peers left behind are taken over.
peer=
small=1 transfer "server, after the kills" "$host" peer "$sock" send -- "$host" peer "$sock" recv

out=$(timeout 10 "$host" peer "$sock" send 9 --timeout 300 </dev/null 2>&1)
rc=$?
if [ "$rc" -eq 3 ] && grep -q "has not joined" <<<"$out"; then
	ok "server: send to a peer that never comes: exit 3 after --timeout"
else
	fail "server: send to a peer that never comes: exit 3" "exit $rc: $out"
fi

# The server going away mid-stream: recv says so, send fails, neither hangs.
"$server" -F -S "$dir/gone.sock" -n 1 -l 4M -m /dev/shm >"$dir/gone.log" 2>&1 &
gone_pid=$!
bg_pids+=("$gone_pid")
for _ in $(seq 50); do
	timeout 10 "$host" peer "$dir/gone.sock" id >/dev/null 2>&1 && break
	sleep 0.1
done
timeout 30 "$host" peer "$dir/gone.sock" recv >/dev/null 2>"$dir/gone.recv" &
g_recv=$!
bg_pids+=("$g_recv")
sleep 0.3
g_peer=$(timeout 10 "$host" peer "$dir/gone.sock" peers | sed -n 's/^peer \([0-9]*\):.*/\1/p')
trickle | timeout 30 "$host" peer "$dir/gone.sock" send "$g_peer" 2>"$dir/gone.send" &
g_send=$!
bg_pids+=("$g_send")
sleep 1
kill "$gone_pid"
wait "$gone_pid" 2>/dev/null
wait "$g_recv"
rc_recv=$?
wait "$g_send" 2>/dev/null
rc_send=$?
if [ "$rc_recv" -eq 3 ] && grep -q "the server closed the connection" "$dir/gone.recv" &&
   [ "$rc_send" -eq 3 ]; then
	ok "server: the server gone mid-stream: recv says so and exits 3, send exits 3"
else
	fail "server: the server gone mid-stream: both exit 3" \
		"recv $rc_recv: $(cat "$dir/gone.recv"); send $rc_send: $(cat "$dir/gone.send")"
fi

# ---- on a backing file: polling ----
"$host" create "$dir/file" 64M
# (no server: the peers are slots, recv takes 0)
peer=0
transfer "file" "$host" send "$dir/file" -- "$host" recv "$dir/file"
if [ "$(json_field "$dir/file.send" doorbells)" = 0 ]; then
	ok "file: no doorbells without a server"
else
	fail "file: no doorbells without a server" "$(cat "$dir/file.send")"
fi

"$host" create "$dir/file-r" 4M
peer=0
killed "file: receiver killed mid-stream, the sender fails" recv 3 "heartbeat stopped" \
	"$host" send "$dir/file-r" -- "$host" recv "$dir/file-r"
"$host" create "$dir/file-s" 4M
peer=0
killed "file: sender killed mid-stream, the receiver reports a truncated stream" send 3 \
	"truncated stream" "$host" send "$dir/file-s" -- "$host" recv "$dir/file-s"

# recv PEER leaves other senders' streams alone: they are not told they
# were delivered. (No server: PEER is a slot; recv 2 takes slot 0, the
# first sender slot 1, the second slot 2.)
"$host" create "$dir/file-p" 4M
timeout 30 "$host" recv "$dir/file-p" 2 >"$dir/p.out" 2>"$dir/p.recv" &
p_recv=$!
bg_pids+=("$p_recv")
sleep 0.3
printf other | timeout 30 "$host" send "$dir/file-p" 0 >"$dir/p.other" 2>&1 &
p_other=$!
bg_pids+=("$p_other")
sleep 1
printf wanted | timeout 30 "$host" send "$dir/file-p" 0 >"$dir/p.send" 2>&1
rc=$?
wait "$p_recv"
rc_recv=$?
wait "$p_other"
rc_other=$?
if [ "$rc" -eq 0 ] && [ "$rc_recv" -eq 0 ] && [ "$(cat "$dir/p.out")" = wanted ] &&
   [ "$rc_other" -eq 3 ] && grep -q "went away mid-stream" "$dir/p.other"; then
	ok "file: recv PEER takes PEER's stream only; another sender is told it was not delivered (exit 3)"
else
	fail "file: recv PEER takes PEER's stream only" \
		"send $rc, recv $rc_recv '$(cat "$dir/p.out")', other sender $rc_other: $(cat "$dir/p.other" "$dir/p.recv")"
fi

# Data that is not a channel is left alone without --force.
"$host" create "$dir/file-data" 1M
"$host" fill "$dir/file-data" keep >/dev/null
out=$(timeout 10 "$host" recv "$dir/file-data" --timeout 100 2>&1)
rc=$?
if [ "$rc" -eq 2 ] && grep -q "not a channel.*--force" <<<"$out" &&
   timeout 10 "$host" verify "$dir/file-data" keep >/dev/null; then
	ok "file: recv refuses a region holding other data (exit 2), the data intact"
else
	fail "file: recv refuses a region holding other data" "exit $rc: $out"
fi
out=$(timeout 10 "$host" recv "$dir/file-data" --force --timeout 100 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && grep -q "no stream began" <<<"$out"; then
	ok "file: recv --force formats it, then times out waiting (exit 1)"
else
	fail "file: recv --force formats it, then times out waiting" "exit $rc: $out"
fi

# ---- the library, installed: header, static and shared, pkg-config ----
top=$(cd "$(dirname "$0")/.." && pwd)
root=$dir/root
cat >"$dir/lib-user.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <pcimem/channel.h>
#include <stdio.h>
#include <string.h>

static unsigned char mem[1 << 16] __attribute__((aligned(64)));

int main(void)
{
	struct channel ch;
	struct channel_ring tx, rx;
	char got[16] = "";

	if (pcimem_channel_create(&ch, mem, sizeof(mem), 2, 4096, false, 10) ||
	    pcimem_channel_ring_open(&ch, 0, 1, true, &tx) ||
	    pcimem_channel_ring_open(&ch, 0, 1, false, &rx) ||
	    pcimem_channel_send(&tx, "hello", 5) ||
	    pcimem_channel_recv(&rx, got, sizeof(got)) != 5 || strcmp(got, "hello"))
		return 1;
	puts("hello through a channel");
	return 0;
}
EOF
out=$(make -s -C "$top/userspace" BUILD="$(dirname "$bin")" install-lib \
	DESTDIR="$root" PREFIX=/usr 2>&1)
rc=$?
pc() {
	PKG_CONFIG_PATH='' PKG_CONFIG_LIBDIR=$root/usr/lib/pkgconfig \
		PKG_CONFIG_SYSROOT_DIR=$root pkg-config "$@" pcimem-channel
}
if [ "$rc" -eq 0 ] && [ -e "$root/usr/include/pcimem/channel.h" ] &&
   [ "$(pc --modversion)" = "$(make -s -C "$top/userspace" version)" ]; then
	ok "make install-lib: <pcimem/channel.h>, the libraries and pcimem-channel.pc $(pc --modversion)"
else
	fail "make install-lib installs the header, the libraries and pcimem-channel.pc" "exit $rc: $out"
fi
# shellcheck disable=SC2046 # pkg-config's words
out=$(cc -std=c11 -Wall -Werror -o "$dir/lib-shared" "$dir/lib-user.c" $(pc --cflags --libs) 2>&1 &&
	readelf -d "$dir/lib-shared" | grep NEEDED &&
	LD_LIBRARY_PATH=$root/usr/lib "$dir/lib-shared" 2>&1)
if grep -q "libpcimem-channel.so.0" <<<"$out" && grep -q "hello through a channel" <<<"$out"; then
	ok "a program built with pkg-config's flags links the shared library (libpcimem-channel.so.0) and runs"
else
	fail "a program built with pkg-config's flags links the shared library and runs" "$out"
fi
# shellcheck disable=SC2046 # pkg-config's words
out=$(cc -std=c11 -Wall -Werror -o "$dir/lib-static" "$dir/lib-user.c" $(pc --cflags) \
	"$root/usr/lib/libpcimem-channel.a" 2>&1 &&
	! readelf -d "$dir/lib-static" | grep -q libpcimem && "$dir/lib-static" 2>&1)
if grep -q "hello through a channel" <<<"$out"; then
	ok "the same program linked with libpcimem-channel.a needs no shared library"
else
	fail "the same program linked with libpcimem-channel.a runs" "$out"
fi

# pcimem-stream-data, which makes and checks the channel lab's 1 GiB
# streams in guests: its check takes the stream, and refuses a changed
# byte, a stream cut short and one too long, each with its own message.
sd=$bin/pcimem-stream-data
out=$("$sd" 1048576 | "$sd" --check 1048576 2>&1)
check "pcimem-stream-data --check takes the 1 MiB stream it made" $? "$out"
out=$({ printf '~'; "$sd" 1048576 | tail -c +2; } | "$sd" --check 1048576 2>&1)
st=$?
[ "$st" -eq 1 ] && grep -q 'byte 0 differs' <<<"$out"
check "pcimem-stream-data --check refuses a changed first byte (exit 1, byte 0)" $? "exit $st: $out"
out=$("$sd" 1048576 | head -c 1048000 | "$sd" --check 1048576 2>&1)
st=$?
[ "$st" -eq 1 ] && grep -q '1048000 bytes of the 1048576' <<<"$out"
check "pcimem-stream-data --check refuses a stream cut short (exit 1)" $? "exit $st: $out"
out=$({ "$sd" 1048576; echo; } | "$sd" --check 1048576 2>&1)
st=$?
[ "$st" -eq 1 ] && grep -q 'more than the 1048576 bytes' <<<"$out"
check "pcimem-stream-data --check refuses a stream too long (exit 1)" $? "exit $st: $out"
# The stream itself, pinned: word 0 is splitmix64(0), little-endian, so
# that generator and checker cannot agree on something else.
out=$("$sd" 8 | od -An -tx1 | tr -d ' \n')
check "pcimem-stream-data's first 8 bytes are splitmix64(0): af cd 1d 7b 39 a8 20 e2" \
	"$([ "$out" = afcd1d7b39a820e2 ] && echo 0 || echo 1)" "got $out"
# Beyond the first 1 MiB chunk: 3 MiB whose second MiB repeats the first
# (a block sent twice) is refused at its first byte.
out=$({ "$sd" 1048576; "$sd" 1048576; "$sd" 3145728 | tail -c +2097153; } |
	"$sd" --check 3145728 2>&1)
st=$?
[ "$st" -eq 1 ] && grep -q 'byte 1048576 differs' <<<"$out"
check "pcimem-stream-data --check refuses a repeated second MiB at byte 1048576 (exit 1)" $? \
	"exit $st: $out"
out=$("$sd" 3145728 | "$sd" --check 3145728 2>&1)
check "pcimem-stream-data --check takes a 3 MiB stream it made (three chunks)" $? "$out"
out=$("$sd" 12 2>&1)
st=$?
[ "$st" -eq 2 ] && grep -q 'a multiple of 8' <<<"$out"
check "pcimem-stream-data refuses a SIZE not a multiple of 8 (exit 2)" $? "exit $st: $out"

report
