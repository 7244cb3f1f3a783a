#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host agent of the channel lab (ci/channel-lab.sh): the host ends of
# the guests' channel streams, the rest handed to doorbell-agent.sh (set,
# get, ids, ...). A guest request `info SLOT VERB ...` arrives here as
# `info FILE VERB ...`; FILE's server socket comes from DOORBELL_SOCKETS,
# and a FILE without one is an ivshmem-plain backing file.
#
#   info FILE chrecv NAME           start a host recv (any peer) whose
#                                   output goes to sha256sum; with a
#                                   server, prints "id N", its peer ID
#   info FILE chsend NAME PEER SIZE start a host send of SIZE bytes of
#                                   deterministic data to PEER
#   info FILE chstream NAME PEER SIZE
#                                   the same with SIZE bytes of
#                                   pcimem-stream-data (next to the tool)
#   info FILE chjoin NAME           wait for it to end: "rc N sha SHA256"
#                                   (of what it received or sent)
#   info FILE chtrickle NAME PEER   start a host send to PEER of 64 KiB of
#                                   zeros every 50 ms, without end
#   info FILE chkill NAME           kill it (SIGKILL), mid-stream
#
# Environment: as doorbell-agent.sh (DOORBELL_TOOL, DOORBELL_SOCKETS,
# DOORBELL_STATE, DOORBELL_LIMIT).
set -u
tool=${DOORBELL_TOOL:?DOORBELL_TOOL is not set}
state=${DOORBELL_STATE:?DOORBELL_STATE is not set}
limit=${DOORBELL_LIMIT:-120}
here=$(dirname "$0")

case "${1:-} ${3:-}" in
"info chrecv"|"info chsend"|"info chstream"|"info chjoin"|"info chtrickle"|"info chkill") ;;
*) exec "$here/doorbell-agent.sh" "$@" ;;
esac
file=$2 verb=$3
shift 3
# shellcheck source=ci/peer-ids.sh
. "$here/peer-ids.sh"
sock=$(socket_of "$file")
# The command's target: peer SOCKET CMD, or CMD FILE.
target() {
	if [ -n "$sock" ]; then
		echo "peer $sock $1"
	else
		echo "$1 $file"
	fi
}

# start NAME SCRIPT ARGS...: run bash SCRIPT in its own session (its ID
# in $state/ch-NAME.pid), its status in $state/ch-NAME.rc.
start() {
	local name=$1
	shift
	rm -f "$state/ch-$name".*
	# shellcheck disable=SC2016 # expanded by the inner bash
	setsid bash -c 'echo $$ >"$1.pid"; timeout "$2" bash -c "${@:3}" >"$1.log" 2>&1; echo $? >"$1.rc"' \
		bg "$state/ch-$name" "$limit" "$@" </dev/null >/dev/null 2>&1 &
}

case $verb in
chrecv)
	name=$1
	before=" $( [ -n "$sock" ] && settled_ids "$tool" "$sock") "
	# shellcheck disable=SC2016 # expanded by the inner bash
	start "$name" 'set -o pipefail; "$0" $1 --json 2>"$2.err" | sha256sum >"$2.sha"' \
		"$tool" "$(target recv)" "$state/ch-$name"
	if [ -z "$sock" ]; then
		echo "started"
		exit 0
	fi
	for _ in $(seq 200); do
		for id in $(settled_ids "$tool" "$sock"); do
			case $before in *" $id "*) ;; *) echo "id $id"; exit 0 ;; esac
		done
		[ -e "$state/ch-$name.rc" ] && break
		sleep 0.1
	done
	echo "channel-agent: recv $name did not join: $(cat "$state/ch-$name".* 2>/dev/null)"
	exit 1 ;;
chsend|chstream)
	name=$1 peer=$2 size=$3
	# The data: openssl's AES-CTR, cut by head (openssl ends on SIGPIPE
	# once head has enough: the pipeline's status is send's), or the
	# stream of pcimem-stream-data, under pipefail.
	# shellcheck disable=SC2016 # expanded by the inner bash
	if [ "$verb" = chsend ]; then
		data='openssl enc -aes-128-ctr -pass pass:pcimem -nosalt -pbkdf2 -in /dev/zero 2>/dev/null |
			head -c "$3"'
	else
		data='set -o pipefail; "$(dirname "$0")/pcimem-stream-data" "$3"'
	fi
	# shellcheck disable=SC2016 # expanded by the inner bash
	start "$name" "$data"' | tee >(sha256sum >"$2.sha") |
		"$0" $1 "$4" --timeout 60000 --json 2>"$2.err"' \
		"$tool" "$(target send)" "$state/ch-$name" "$size" "$peer"
	echo "started"
	exit 0 ;;
chtrickle)
	name=$1 peer=$2
	# shellcheck disable=SC2016 # expanded by the inner bash
	start "$name" 'while head -c 65536 /dev/zero; do sleep 0.05; done |
		"$0" $1 "$3" --timeout 60000 2>"$2.err"' \
		"$tool" "$(target send)" "$state/ch-$name" "$peer"
	echo "started"
	exit 0 ;;
chkill)
	name=$1
	# Its whole session: timeout(1) puts what it runs in a group of its own.
	if [ -e "$state/ch-$name.pid" ] && pkill -KILL -s "$(cat "$state/ch-$name.pid")"; then
		echo "killed $name"
		exit 0
	fi
	echo "channel-agent: $name is not running"
	exit 1 ;;
chjoin)
	name=$1
	for _ in $(seq $((limit * 10))); do
		[ -s "$state/ch-$name.rc" ] && break
		sleep 0.1
	done
	sleep 0.2	# tee's sha256sum
	rc=$(cat "$state/ch-$name.rc" 2>/dev/null || echo none)
	line="rc $rc sha $(cut -c1-64 "$state/ch-$name.sha" 2>/dev/null)"
	[ "$rc" = 0 ] || line+=" ($(tr '\n' ';' <"$state/ch-$name.err" 2>/dev/null))"
	echo "$line"
	exit 0 ;;
esac
