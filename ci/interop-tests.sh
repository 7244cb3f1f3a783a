#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Our ivshmem server and our host peer against QEMU's own reference
# programs, contrib/ivshmem-server and contrib/ivshmem-client of QEMU 7.2
# (built from Debian's source by ci/qemu-reference.sh), on the host:
#
# 1. two QEMU clients through our server, and the same checks through
#    QEMU's server (the reference the checks are measured on): IDs, join
#    and leave announcements, a ring on every vector in both directions,
#    a broadcast, a third client after one left;
# 2. our host peers (ivshmem-host peer) through QEMU's server: ping/pong,
#    ring/wait, peers, the memory commands, the default mailbox in 1 MiB;
#    and a channel stream (peer send | peer recv) through QEMU's server;
# 3. a QEMU client and our host peer together, on our server and on QEMU's.
#
# QEMU's client is interactive: it reads commands ("int PEER VECTOR", "int
# PEER all", "int all", "dump") from stdin and, with -v, prints what the
# server tells it. Its stdin is a fifo this script holds open (at EOF it
# would spin printing its prompt); it is stopped with a signal.
#
#   ci/interop-tests.sh BIN_DIR       (BUILD=... as run-tests.sh)
#
# One line per check, then `N passed, N failed`; exit 1 on any failure.
# Every command is bounded by a timeout; servers, clients and the
# temporary folder are gone when the script exits.
set -u
. "$(dirname "$0")/paths.sh"
# shellcheck source=test-lib.sh
. "$here/test-lib.sh"
bin=${1:?usage: interop-tests.sh BIN_DIR}
host=$bin/ivshmem-host
ours=$bin/ivshmem-server
limit=20			# seconds, for any one command
vectors=4
dir=$(mktemp -d /tmp/interop-tests.XXXXXX)
declare -A client_fd client_pid server_pid

# ok, fail, check, t, bg (pid in $last_pid), finish: test-lib.sh; servers,
# clients and background peers all go into its bg_pids, for stop_bg.
cleanup() {
	# shellcheck disable=SC2119 # stop_bg's PIDs are optional
	stop_bg
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# yes CMD...: 0 or 1, as CMD succeeds, for check.
yes() { "$@" && echo 0 || echo 1; }

# lines FILE PATTERN: how many lines of FILE match PATTERN, once the
# prompts QEMU's client prints without a newline ("cmd> ") are removed.
lines() { sed 's/^\(cmd> \)*//' "$1" | grep -c -- "$2"; }
# await FILE PATTERN [N]: wait (10 s at most) until FILE holds N (1) lines
# matching PATTERN.
await() {
	local _
	for _ in $(seq 200); do
		[ "$(lines "$1" "$2")" -ge "${3:-1}" ] && return 0
		sleep 0.05
	done
	return 1
}

# ---- servers ----

# serve NAME KIND SIZE: KIND (ours or qemu) listening on $dir/NAME.sock
# with SIZE of memory in an unnamed file in /dev/shm and $vectors vectors,
# once a peer can join.
serve() {
	local sock=$dir/$1.sock prog=$ours
	[ "$2" = qemu ] && prog=$ref/ivshmem-server
	"$prog" -F -S "$sock" -m /dev/shm -l "$3" -n "$vectors" >"$dir/$1.log" 2>&1 &
	bg_pids+=($!)
	server_pid[$1]=$!
	for _ in $(seq 50); do
		timeout "$limit" "$host" peer "$sock" id >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# ---- QEMU's client ----

# client NAME SOCKET: start QEMU's ivshmem-client, its stdin the fifo
# $dir/NAME.in (held open here), its output line-buffered in $dir/NAME.out;
# its peer ID in $id once it has its own vectors.
client() {
	local fd
	mkfifo "$dir/$1.in"
	exec {fd}<>"$dir/$1.in"
	client_fd[$1]=$fd
	timeout 120 stdbuf -oL "$ref/ivshmem-client" -v -S "$2" <"$dir/$1.in" \
		>"$dir/$1.out" 2>&1 &
	bg_pids+=($!)
	client_pid[$1]=$!
	id=
	await "$dir/$1.out" '^our_id=' || return 1
	id=$(sed -n 's/^\(cmd> \)*our_id=\([0-9]*\)$/\2/p' "$dir/$1.out")
	await "$dir/$1.out" "new vector $((vectors - 1)) (fd=[0-9]*) for peer id $id\$"
}

# say NAME COMMAND: type COMMAND into client NAME.
say() { echo "$2" >&"${client_fd[$1]}"; }

# stop NAME: end client NAME (it leaves the server) and close its fifo.
stop() {
	local fd=${client_fd[$1]}
	kill "${client_pid[$1]}" 2>/dev/null
	wait "${client_pid[$1]}" 2>/dev/null
	exec {fd}>&-
}

# rung NAME VECTOR: the "receive notification" lines of client NAME for
# VECTOR (the client names itself as the peer: its own doorbell rang).
rung() { lines "$dir/$1.out" "^receive notification from peer_id=[0-9]* vector=$2\$"; }

# rung_all NAME N: wait until client NAME was rung N times on every vector;
# then exactly N times each.
rung_all() {
	local v
	for v in $(seq 0 $((vectors - 1))); do
		await "$dir/$1.out" "^receive notification from peer_id=[0-9]* vector=$v\$" "$2" ||
			return 1
	done
	for v in $(seq 0 $((vectors - 1))); do
		[ "$(rung "$1" "$v")" -eq "$2" ] || return 1
	done
}

# learned NAME PEER: client NAME was told PEER joined, with every vector.
learned() {
	await "$dir/$1.out" "^new peer id = $2\$" &&
	await "$dir/$1.out" "new vector $((vectors - 1)) (fd=[0-9]*) for peer id $2\$"
}

# learned_only NAME PEER GONE: client NAME was told of PEER, never of GONE.
learned_only() {
	learned "$1" "$2" && [ "$(lines "$dir/$1.out" "^new peer id = $3\$")" -eq 0 ]
}

# sane NAME...: the clients met nothing they call invalid and never lost
# the server.
sane() {
	local n
	for n in "$@"; do
		! grep -q 'invalid\|disconnected from server\|Too many vectors\|cannot' \
			"$dir/$n.out" || return 1
	done
}

# ---- 1. two QEMU clients ----

# qemu_clients TAG LABEL SOCKET: clients $TAG-a, -b, -c; checks named LABEL.
qemu_clients() {
	local T=$1 L=$2 sock=$3 a b c v
	client "$T-a" "$sock"
	a=$id
	check "$L: QEMU's client a joins as peer $a with its $vectors vectors" \
		"$(yes test -n "$a")" "$(cat "$dir/$T-a.out")"
	client "$T-b" "$sock"
	b=$id
	check "$L: client b joins as peer $b, another ID" \
		"$(yes test -n "$b" -a "$b" != "$a")" "$(cat "$dir/$T-b.out")"
	check "$L: a is told b joined, with $vectors vectors" "$(yes learned "$T-a" "$b")" \
		"$(cat "$dir/$T-a.out")"
	check "$L: b learns of a at its handshake, with $vectors vectors" \
		"$(yes learned "$T-b" "$a")" "$(cat "$dir/$T-b.out")"

	for v in $(seq 0 $((vectors - 1))); do say "$T-a" "int $b $v"; done
	check "$L: a rings b on each vector 0-$((vectors - 1)): b sees each once" \
		"$(yes rung_all "$T-b" 1)" "$(cat "$dir/$T-b.out")"
	say "$T-b" "int $a all"
	check "$L: b rings all of a's vectors (int PEER all): a sees each once" \
		"$(yes rung_all "$T-a" 1)" "$(cat "$dir/$T-a.out")"
	say "$T-a" "int all"
	check "$L: a rings every peer's every vector (int all): b sees each once more" \
		"$(yes rung_all "$T-b" 2)" "$(cat "$dir/$T-b.out")"
	check "$L: nobody rang a meanwhile (still once per vector)" \
		"$(yes rung_all "$T-a" 1)" "$(cat "$dir/$T-a.out")"

	say "$T-b" dump
	check "$L: b's dump lists peer $a with vector $((vectors - 1)) enabled" \
		"$(yes await "$dir/$T-b.out" "^peer_id = $a\$")" "$(cat "$dir/$T-b.out")"

	stop "$T-b"
	check "$L: a is told b ($b) left" \
		"$(yes await "$dir/$T-a.out" "^delete peer id = $b\$")" "$(cat "$dir/$T-a.out")"
	client "$T-c" "$sock"
	c=$id
	check "$L: client c joins after b left with a fresh ID ($c; a $a, b $b)" \
		"$(yes test -n "$c" -a "$c" != "$a" -a "$c" != "$b")" "$(cat "$dir/$T-c.out")"
	check "$L: a is told c joined" "$(yes learned "$T-a" "$c")" "$(cat "$dir/$T-a.out")"
	check "$L: c learns of a, not of the departed b" \
		"$(yes learned_only "$T-c" "$a" "$b")" \
		"$(cat "$dir/$T-c.out")"
	say "$T-a" "int $c $((vectors - 1))"
	check "$L: a rings c's last vector, c sees it" \
		"$(yes await "$dir/$T-c.out" "^receive notification from peer_id=$c vector=$((vectors - 1))\$")" \
		"$(cat "$dir/$T-c.out")"
	stop "$T-c"
	stop "$T-a"
	check "$L: no client reported an invalid message or lost the server" \
		"$(yes sane "$T-a" "$T-b" "$T-c")" \
		"$(grep -h 'invalid\|disconnected\|Too many\|cannot' "$dir/$T"-*.out)"
}

# ---- 2. our host peers ----

# settled_ids TOOL SOCKET: the IDs the server lists, once two looks agree.
. "$here/peer-ids.sh"

# host_peer_id SOCKET [NOT]: wait until the server lists one peer besides
# NOT (settled: one that just left may linger a moment); its ID in $hid.
host_peer_id() {
	local _ ids
	for _ in $(seq 50); do
		ids=$(settled_ids "$host" "$1" | tr ' ' '\n' | grep -vx -- "${2:-none}")
		if [ "$(grep -c . <<<"$ids")" -eq 1 ]; then
			hid=$ids
			return 0
		fi
		sleep 0.1
	done
	hid=
	return 1
}

# nobody SOCKET: wait until the server lists no peer.
nobody() {
	local _
	for _ in $(seq 50); do
		[ -z "$(settled_ids "$host" "$1")" ] && return 0
		sleep 0.1
	done
	return 1
}

# host_peers LABEL SOCKET SIZE
host_peers() {
	local L=$1 sock=$2 n first second
	t "$L: id prints a peer ID" 0 "^[0-9][0-9]*$" "$host" peer "$sock" id
	first=$(timeout "$limit" "$host" peer "$sock" id 2>/dev/null)
	second=$(timeout "$limit" "$host" peer "$sock" id 2>/dev/null)
	check "$L: IDs are handed out monotonically ($first, then $second)" \
		"$(yes test -n "$first" -a -n "$second" -a "$second" -gt "$first")"
	check "$L: peers lists nobody when nobody else is connected" "$(yes nobody "$sock")" \
		"$(timeout "$limit" "$host" peer "$sock" peers 2>&1)"

	bg "$L: pong answers 1000 messages" "$host" peer "$sock" pong --count 1000
	n=$last_pid
	if host_peer_id "$sock"; then
		t "$L: peers lists pong as peer $hid with $vectors vectors" 0 \
			"^peer $hid: $vectors vectors$" "$host" peer "$sock" peers
		t "$L: ping: 1000 round trips with pong through the server's doorbells" 0 \
			"^ping: 1000 round trips ok$" "$host" peer "$sock" ping "$hid" --count 1000
	else
		fail "$L: pong is connected" "$(cat "$dir/$L: pong answers 1000 messages")"
	fi
	finish "$L: pong answers 1000 messages" "$n" 0 "^pong: 1000 messages answered$"
	t "$L: the last request is in the shared memory at 1 MiB + 16" 0 "" \
		"$host" peer "$sock" expect 0x100010 "ping 1000"

	bg "$L: pong on vector 3 at 2 MiB" "$host" peer "$sock" pong --count 50 --vector 3 --offset 2M
	n=$last_pid
	host_peer_id "$sock" &&
		t "$L: ping on vector 3 at 2 MiB" 0 "^ping: 50 round trips ok$" \
			"$host" peer "$sock" ping "$hid" --count 50 --vector 3 --offset 2M
	finish "$L: pong on vector 3 at 2 MiB" "$n" 0 "^pong: 50 messages answered$"

	bg "$L: wait counts 2 rings on vector 1 and 1 on vector 2" \
		"$host" peer "$sock" wait --count 3 --timeout 10000
	n=$last_pid
	if host_peer_id "$sock"; then
		t "$L: ring vector 1 twice" 0 "" "$host" peer "$sock" ring "$hid" 1 --count 2
		t "$L: ring vector 2 once" 0 "" "$host" peer "$sock" ring "$hid" 2
	fi
	finish "$L: wait counts 2 rings on vector 1 and 1 on vector 2" "$n" 0 \
		"vector 1: +2 (total 2)" "vector 2: +1 (total 1)"

	bg "$L: pong answers 1 message then leaves" "$host" peer "$sock" pong --count 1
	n=$last_pid
	host_peer_id "$sock" &&
		t "$L: ping notices its partner left, exit 3" 3 "the peer left\|no such peer" \
			"$host" peer "$sock" ping "$hid" --count 3
	finish "$L: pong answers 1 message then leaves" "$n" 0 "^pong: 1 messages answered$"
	t "$L: a peer that left is not listed, exit 3 to ring it" 3 "is not connected" \
		"$host" peer "$sock" ring "${hid:-0}" 0

	t "$L: fill the shared memory through the server's fd" 0 "4194304 bytes" \
		"$host" peer "$sock" fill xyz
	t "$L: verify it, mapped and with --rw" 0 "OK" \
		sh -c "'$host' peer '$sock' verify xyz && '$host' --rw peer '$sock' verify xyz"
}

# ---- 3. a QEMU client and our host peer ----

# mixed TAG LABEL SOCKET: client $TAG-q; checks named LABEL.
mixed() {
	local T=$1 L=$2 sock=$3 q h n v pats
	client "$T-q" "$sock"
	q=$id
	check "$L: QEMU's client joins as peer $q" "$(yes test -n "$q")" "$(cat "$dir/$T-q.out")"
	t "$L: our host peer lists the QEMU client with $vectors vectors" 0 \
		"^peer $q: $vectors vectors$" "$host" peer "$sock" peers

	bg "$L: our host peer's wait sees a ring on every vector" \
		"$host" peer "$sock" wait --count "$vectors" --timeout 10000
	n=$last_pid
	host_peer_id "$sock" "$q"
	h=$hid
	check "$L: the QEMU client is told our host peer ($h) joined, with $vectors vectors" \
		"$(yes learned "$T-q" "${h:-none}")" "$(cat "$dir/$T-q.out")"
	say "$T-q" "int ${h:-0} all"
	pats=()
	for v in $(seq 0 $((vectors - 1))); do pats+=("vector $v: +1 (total 1)"); done
	finish "$L: our host peer's wait sees a ring on every vector" "$n" 0 "${pats[@]}"
	check "$L: the QEMU client is told our host peer left" \
		"$(yes await "$dir/$T-q.out" "^delete peer id = ${h:-none}\$")" "$(cat "$dir/$T-q.out")"

	for v in $(seq 0 $((vectors - 1))); do
		timeout "$limit" "$host" peer "$sock" ring "$q" "$v" || break
	done
	check "$L: our host peer rings the QEMU client on each vector: each seen once" \
		"$(yes rung_all "$T-q" 1)" "$(cat "$dir/$T-q.out")"
	stop "$T-q"
	check "$L: once the QEMU client is gone, our host peer lists nobody" \
		"$(yes nobody "$sock")" "$(timeout "$limit" "$host" peer "$sock" peers 2>&1)"
	check "$L: the QEMU client reported no invalid message" "$(yes sane "$T-q")" \
		"$(cat "$dir/$T-q.out")"
}

# ---- the reference programs ----

if ! ref=$("$here/qemu-reference.sh" "$build" 2>"$dir/reference.log"); then
	fail "QEMU's ivshmem-server and ivshmem-client are built (ci/qemu-reference.sh)" \
		"$(tail -n 15 "$dir/reference.log")"
	report
	exit 1
fi
ok "QEMU's ivshmem-server and ivshmem-client are built ($(basename "$ref"))"

# 1. Two QEMU clients through our server; the same through QEMU's.
if serve our1 ours 4M; then
	ok "our server listens ($vectors vectors, 4 MiB)"
	qemu_clients our1 "our server, two QEMU clients" "$dir/our1.sock"
else
	fail "our server listens" "$(cat "$dir/our1.log")"
fi
if serve qemu1 qemu 4M; then
	ok "QEMU's server listens ($vectors vectors, 4 MiB)"
	qemu_clients qemu1 "QEMU's server, two QEMU clients" "$dir/qemu1.sock"
else
	fail "QEMU's server listens" "$(cat "$dir/qemu1.log")"
fi

# 2. Our host peers through QEMU's server.
if serve qemu2 qemu 4M; then
	host_peers "QEMU's server, our host peers" "$dir/qemu2.sock"
	# The mailbox's default offset in QEMU's 1 MiB: its last 512 bytes.
	if serve qemu3 qemu 1M; then
		bg "QEMU's server 1 MiB: pong with the default mailbox" \
			"$host" peer "$dir/qemu3.sock" pong --count 10
		n=$last_pid
		host_peer_id "$dir/qemu3.sock" &&
			t "QEMU's server 1 MiB: ping with the default mailbox, 10 round trips" 0 \
				"^ping: 10 round trips ok$" "$host" peer "$dir/qemu3.sock" ping "$hid" --count 10
		finish "QEMU's server 1 MiB: pong with the default mailbox" "$n" 0 \
			"^pong: 10 messages answered$"
		t "QEMU's server 1 MiB: reply 10 is in its last 512 bytes (0xfff10)" 0 "" \
			"$host" peer "$dir/qemu3.sock" expect 0xfff10 "pong 10"
	else
		fail "QEMU's server listens with 1 MiB" "$(cat "$dir/qemu3.log")"
	fi
	bg "QEMU's server: wait notices the server is gone, exit 3" \
		"$host" peer "$dir/qemu2.sock" wait
	n=$last_pid
	if host_peer_id "$dir/qemu2.sock"; then
		kill "${server_pid[qemu2]}" 2>/dev/null
	fi
	finish "QEMU's server: wait notices the server is gone, exit 3" "$n" 3 \
		"the server closed the connection"
else
	fail "QEMU's server listens" "$(cat "$dir/qemu2.log")"
fi

# Channel streams (ivshmem-host peer send and recv) through QEMU's server:
# its doorbells and its IDs carry them as well as ours do.
if serve qemu5 qemu 4M; then
	head -c 3M /dev/urandom >"$dir/stream"
	timeout "$limit" "$host" peer "$dir/qemu5.sock" recv >"$dir/stream.out" \
		2>"$dir/stream.recv" &
	bg_pids+=($!)
	n=$!
	if host_peer_id "$dir/qemu5.sock"; then
		t "QEMU's server: send streams 3 MiB to recv (peer $hid)" 0 "" \
			sh -c "'$host' peer '$dir/qemu5.sock' send '$hid' <'$dir/stream'"
	else
		fail "QEMU's server: recv joins" "$(cat "$dir/stream.recv")"
	fi
	wait "$n"
	rc=$?
	check "QEMU's server: recv exits 0 (exit $rc) with the stream byte for byte" \
		"$(yes test "$rc" -eq 0 -a "$(sha256sum <"$dir/stream")" = \
			"$(sha256sum <"$dir/stream.out")")" "$(cat "$dir/stream.recv")"
else
	fail "QEMU's server listens" "$(cat "$dir/qemu5.log")"
fi

# 3. A QEMU client and our host peer, on each server.
if serve our4 ours 4M; then
	mixed our4 "our server, QEMU client and our host peer" "$dir/our4.sock"
else
	fail "our server listens" "$(cat "$dir/our4.log")"
fi
if serve qemu4 qemu 4M; then
	mixed qemu4 "QEMU's server, QEMU client and our host peer" "$dir/qemu4.sock"
else
	fail "QEMU's server listens" "$(cat "$dir/qemu4.log")"
fi

report
