#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host as ivshmem peers, without a VM: our ivshmem server on a
# temporary socket, and `ivshmem-host peer` clients ringing each other and
# bouncing mailbox messages (the protocol pcimem ping/pong speak in a
# guest). One line per check; every command is bounded by a timeout, and
# the server and its socket are gone when the script exits.
#
#   host-peer-tests.sh BIN_DIR
set -u
# shellcheck source=test-lib.sh
. "$(dirname "$0")/test-lib.sh"
bin=$1
limit=20			# seconds, for any one command
# ok, fail, t, bg (pid in $last_pid), finish and server_setup (host,
# server, dir, sock, server_pid): test-lib.sh.
server_setup "$bin" /tmp/host-peer-tests.XXXXXX

# peers_up N: wait until N other peers are connected, the same in two
# looks 0.1 s apart (a client that just exited may linger a moment);
# their IDs in $ids, the `peers` lines in $peers.
peers_up() {
	local i last=none
	for i in $(seq 100); do
		peers=$(timeout "$limit" "$host" peer "$sock" peers 2>/dev/null)
		if [ "$(grep -c '^peer ' <<<"$peers")" -eq "$1" ] &&
		   [ "$peers" = "$last" ]; then
			ids=$(sed -n 's/^peer \([0-9]*\):.*/\1/p' <<<"$peers")
			return 0
		fi
		last=$peers
		sleep 0.1
	done
	ids=
	return 1
}

"$server" -F -S "$sock" -n 4 -l 4M -m /dev/shm >"$dir/server.log" 2>&1 &
server_pid=$!
# Listening once a peer can join (the socket file comes before listen()).
for i in $(seq 50); do
	timeout "$limit" "$host" peer "$sock" id >/dev/null 2>&1 && break
	sleep 0.1
done
if [ "$i" -eq 50 ]; then
	fail "ivshmem-server listens on $sock" "$(cat "$dir/server.log")"
	exit 1
fi
ok "ivshmem-server -F -n 4 -l 4M -m /dev/shm listens"

t "id prints a peer ID" 0 "^[0-9][0-9]*$" "$host" peer "$sock" id
# Peers that left are gone once the server has seen them go.
if peers_up 0; then
	ok "peers lists nobody when nobody else is connected"
else
	fail "peers lists nobody when nobody else is connected" "'$peers'"
fi

# Two host peers bouncing 100 messages.
bg "pong answers 100 messages" "$host" peer "$sock" pong --count 100
pong_pid=$last_pid
if peers_up 1 && [ "$peers" = "peer $ids: 4 vectors" ]; then
	ok "pong is connected as peer $ids with 4 vectors"
	t "ping: 100 round trips through the mailbox and doorbells" 0 \
		"^ping: 100 round trips ok$" "$host" peer "$sock" ping "$ids" --count 100
else
	fail "pong is connected with 4 vectors" "peers: '$peers'"
fi
finish "pong answers 100 messages" "$pong_pid" 0 "^pong: 100 messages answered$"
t "the last reply is in the shared memory at 1 MiB + 256" 0 "" \
	"$host" peer "$sock" expect 0x100110 "pong 100"
t "the last request is at 1 MiB" 0 "" \
	"$host" peer "$sock" expect 0x100010 "ping 100"

# Another vector, another mailbox offset, and the latency report.
bg "pong on vector 3 at 2 MiB" "$host" peer "$sock" pong --count 50 --vector 3 --offset 2M
pong_pid=$last_pid
if peers_up 1; then
	t "ping --latency on vector 3 at 2 MiB" 0 "latency p50 .* us, p99 .* us, max .* us" \
		"$host" peer "$sock" ping "$ids" --count 50 --vector 3 --offset 0x200000 --latency
fi
finish "pong on vector 3 at 2 MiB" "$pong_pid" 0 "^pong: 50 messages answered$"

# Rings are counted: three rings, on two vectors, all seen.
bg "wait sees 2 rings on vector 1 and 1 on vector 2" "$host" peer "$sock" wait --count 3 --timeout 10000
wait_pid=$last_pid
if peers_up 1; then
	t "ring vector 1 twice" 0 "" "$host" peer "$sock" ring "$ids" 1 --count 2
	t "ring vector 2 once" 0 "" "$host" peer "$sock" ring "$ids" 2
fi
finish "wait sees 2 rings on vector 1 and 1 on vector 2" "$wait_pid" 0 \
	"vector 1: +2 (total 2)"
if grep -q "vector 2: +1 (total 1)" "$dir/wait sees 2 rings on vector 1 and 1 on vector 2"; then
	ok "wait reports vector 2 too"
else
	fail "wait reports vector 2 too" "$(cat "$dir/wait sees 2 rings on vector 1 and 1 on vector 2")"
fi

# How things fail.
t "wait with nothing rung times out, exit 1" 1 "timeout after 200 ms: 0 of 1 rings" \
	"$host" peer "$sock" wait 0 --timeout 200
t "pong with nobody pinging times out, exit 1" 1 "request 1: no ring on vector 0 within 200 ms" \
	"$host" peer "$sock" pong --timeout 200
t "ringing a peer that is not there, exit 3" 3 "peer 9 is not connected" \
	"$host" peer "$sock" ring 9 0
t "ping to a peer that is not there, exit 3" 3 "peer 9 is not connected" \
	"$host" peer "$sock" ping 9
t "a vector the server does not give, exit 2" 2 "vector 4 out of range (the server gives 4)" \
	"$host" peer "$sock" wait 4
t "a mailbox beyond the shared memory, exit 2" 2 "beyond shared memory (4 MiB)" \
	"$host" peer "$sock" pong --offset 4M
t "a bad peer ID, exit 2" 2 "bad peer '65536'" "$host" peer "$sock" ring 65536 0
t "an unknown peer command, exit 2" 2 "unknown peer command" "$host" peer "$sock" frob

bg "pong answers 1 message then leaves" "$host" peer "$sock" pong --count 1
pong_pid=$last_pid
if peers_up 1; then
	t "ping notices its partner left, exit 3" 3 "the peer left\|no such peer" \
		"$host" peer "$sock" ping "$ids" --count 3
fi
finish "pong answers 1 message then leaves" "$pong_pid" 0 "^pong: 1 messages answered$"

t "fill the shared memory through the server's fd" 0 "4194304 bytes" \
	"$host" peer "$sock" fill xyz
t "verify it, mapped and with --rw" 0 "OK" \
	sh -c "'$host' peer '$sock' verify xyz && '$host' --rw peer '$sock' verify xyz"

# The default mailbox fits every region the server hands out (a power of
# two, a page and up): 1 MiB in where 1 MiB + 512 bytes fit, else the
# region's last 512 bytes. (Smaller regions: mailbox-test.)
# small_server SIZE: our server with SIZE of memory on $dir/small-SIZE.sock.
small_server() {
	local s=$dir/small-$1.sock
	"$server" -F -S "$s" -n 1 -l "$1" -m /dev/shm >"$dir/server-$1.log" 2>&1 &
	bg_pids+=($!)
	for i in $(seq 50); do
		timeout "$limit" "$host" peer "$s" id >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "ivshmem-server -l $1 listens" "$(cat "$dir/server-$1.log")"
	return 1
}
for size in 1M 4K; do
	case $size in 1M) reply=0xfff10 ;; 4K) reply=0xf10 ;; esac
	small_server "$size" || continue
	ssock=$dir/small-$size.sock
	bg "pong with the default offset in $size answers 5 messages" \
		"$host" peer "$ssock" pong --count 5
	pong_pid=$last_pid
	sid=
	for i in $(seq 100); do
		sid=$(timeout "$limit" "$host" peer "$ssock" peers 2>/dev/null |
			sed -n 's/^peer \([0-9]*\):.*/\1/p')
		[ -n "$sid" ] && break
		sleep 0.1
	done
	t "ping with the default offset in $size: 5 round trips" 0 "^ping: 5 round trips ok$" \
		"$host" peer "$ssock" ping "${sid:-0}" --count 5
	finish "pong with the default offset in $size answers 5 messages" "$pong_pid" 0 \
		"^pong: 5 messages answered$"
	t "in $size the mailbox is the last 512 bytes (reply 5 at $reply)" 0 "" \
		"$host" peer "$ssock" expect "$reply" "pong 5"
done
bg "wait notices the server is gone, exit 3" "$host" peer "$sock" wait
wait_pid=$last_pid
if peers_up 1; then
	kill "$server_pid"
	wait "$server_pid" 2>/dev/null
	server_pid=
fi
finish "wait notices the server is gone, exit 3" "$wait_pid" 3 "the server closed the connection"
t "no server: exit 3" 3 "no ivshmem server listening" "$host" peer "$sock" id
report
