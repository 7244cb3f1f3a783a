#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem-host as the host agent sees it (launch-vm.sh --agent THIS), plus
# host-side doorbell requests for the guest scripts of doorbell-tests.sh and
# bench.sh. The agent runs `THIS COMMAND FILE ARGS...` for a guest request
# `COMMAND SLOT ARGS...`; every request but `info FILE VERB ...` below goes
# to the real ivshmem-host unchanged. FILE is the backing file of the slot;
# its server socket comes from DOORBELL_SOCKETS.
#
#   info FILE peer CMD ARGS...   ivshmem-host peer SOCKET CMD ARGS (bounded);
#                                its output on one line, lines joined by ';'
#   info FILE timed CMD ARGS...  the same, then "time: N ms" it took
#   info FILE ids                the other peers' IDs on SOCKET, one line
#   info FILE gone ID            wait until peer ID is no longer listed
#   info FILE bg NAME CMD ARGS   start `ivshmem-host peer SOCKET CMD ARGS` in
#                                the background; prints "id N", its peer ID
#   info FILE join NAME          wait for it to end: its exit status, and its
#                                output on one line
#   info FILE set KEY [VALUE]    post KEY (VALUE) for another guest or the host
#   info FILE get KEY            wait until KEY is posted; print its VALUE
#   info FILE clear OFFSET       wait until the 64-bit word at OFFSET of FILE
#                                reads 0 (a mailbox slot a pong cleared)
#
# Environment: DOORBELL_TOOL (ivshmem-host), DOORBELL_SOCKETS ("FILE=SOCKET
# ..."), DOORBELL_STATE (a directory shared by the guests of one test),
# DOORBELL_LIMIT (seconds any one request may take, default 60).
set -u
tool=${DOORBELL_TOOL:?DOORBELL_TOOL is not set}
state=${DOORBELL_STATE:?DOORBELL_STATE is not set}
limit=${DOORBELL_LIMIT:-60}
mkdir -p "$state"

if [ "${1:-}" != info ] || [ $# -lt 3 ]; then
	exec "$tool" "$@"
fi
file=$2 verb=$3
shift 3
# socket_of and settled_ids: peer-ids.sh.
. "$(dirname "$0")/peer-ids.sh"
sock=$(socket_of "$file")
need_sock() {
	[ -n "$sock" ] && return
	echo "doorbell-agent: no server socket for $file"
	exit 2
}

# ids: the IDs the server lists, sorted, once they settle.
ids() { settled_ids "$tool" "$sock"; }

# await SECONDS CMD...: poll CMD every 50 ms until it succeeds.
await() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
}

# What the verbs below await.
# not_listed ID: the server no longer lists peer ID.
not_listed() { ! grep -qw "$1" <<<"$(ids)"; }
# newcomer: the bg peer $name has ended, or an ID not in $before is listed
# (it lands in $new).
newcomer() {
	local id
	[ -e "$state/bg-$name.rc" ] && return 0	# it ended already
	for id in $(ids); do
		case $before in *" $id "*) ;; *) new=$id; return 0 ;; esac
	done
	return 1
}
# ended NAME: the bg peer NAME has exited (its status is written).
ended() { [ -s "$state/bg-$1.rc" ]; }
# posted KEY: someone posted KEY.
posted() { [ -e "$state/key-$1" ]; }
# zero OFFSET: the 64-bit word at OFFSET of the backing file reads 0.
zero() { [ "$("$tool" read "$file" "$1" 64 2>/dev/null)" = 0x0000000000000000 ]; }

case $verb in
peer|timed)
	need_sock
	start=$(date +%s%N)
	out=$(timeout "$limit" "$tool" peer "$sock" "$@" 2>&1)
	rc=$?
	[ "$verb" = timed ] &&
		out+=$(printf '\ntime: %d ms' $((($(date +%s%N) - start) / 1000000)))
	printf '%s\n' "$out" | tr '\n' ';' | sed 's/^;//; s/;$//'
	echo
	exit $rc ;;
ids)
	need_sock
	out=$(ids) || { echo "doorbell-agent: the peer list does not settle"; exit 1; }
	echo "ids: $out"
	exit 0 ;;
gone)
	need_sock
	id=$1
	if await 20 not_listed "$id"; then
		echo "ids: $(ids)"
		exit 0
	fi
	echo "doorbell-agent: peer $id is still listed: $(ids)"
	exit 1 ;;
bg)
	need_sock
	name=$1
	shift
	before=" $(ids) "
	rm -f "$state/bg-$name".*
	# Detached from the agent's output pipe; the exit status lands in a file.
	# shellcheck disable=SC2016 # the inner bash expands $$, $1, $2 and $?
	setsid bash -c 'echo $$ >"$2.pid"; timeout "$1" "${@:3}" >"$2.out" 2>&1; echo $? >"$2.rc"' \
		bg "$limit" "$state/bg-$name" "$tool" peer "$sock" "$@" </dev/null >/dev/null 2>&1 &
	new=
	if await 20 newcomer && [ -n "$new" ]; then
		echo "id $new"
		exit 0
	fi
	echo "doorbell-agent: $name did not join: $(cat "$state/bg-$name.out" 2>/dev/null)"
	exit 1 ;;
join)
	name=$1
	if ! await "$limit" ended "$name"; then
		echo "doorbell-agent: $name did not end within ${limit}s"
		exit 1
	fi
	tr '\n' ';' <"$state/bg-$name.out" | sed 's/;$//'
	echo
	exit "$(cat "$state/bg-$name.rc")" ;;
set)
	printf '%s\n' "${2:-}" >"$state/key-$1.tmp" && mv "$state/key-$1.tmp" "$state/key-$1"
	echo "set $1 ${2:-}"
	exit 0 ;;
get)
	if await "$limit" posted "$1"; then
		cat "$state/key-$1"
		exit 0
	fi
	echo "doorbell-agent: nobody posted $1 within ${limit}s"
	exit 1 ;;
clear)
	if await 20 zero "$1"; then
		echo "cleared $1"
		exit 0
	fi
	echo "doorbell-agent: $1 still reads $("$tool" read "$file" "$1" 64 2>&1)"
	exit 1 ;;
*)
	exec "$tool" info "$file" "$verb" "$@" ;;
esac
