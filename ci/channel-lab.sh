#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Channel streams with guests, on one guest kernel (ci/guest/channel.sh):
#   1. one guest with an ivshmem-doorbell device (our server, 1 vector)
#      and an ivshmem-plain one: SIZE bytes guest to host and host to
#      guest on each, through pcimem send/recv and the host's ivshmem-host
#      send/recv (ci/channel-agent.sh), the same sha256 at both ends;
#   2. two guests on one server: a sends SIZE bytes to b.
# One line per check; the caller counts.
#
#   ci/channel-lab.sh KERNEL_RELEASE      (BUILD=... as run-tests.sh)
#
# SIZE (default 16M): under TCG a guest moves some MB/s (urandom, sha256,
# the copies), and the guest keeps what it sends and receives in its RAM;
# 16 MiB each way keeps the lab (three guests) under a minute; the 1 GiB
# transfers are the host's (ci/channel-tests.sh). VMLINUZ, INITRD and
# EXTRA_APPEND as for doorbell-tests.sh. Servers, files, QEMUs and host
# peers are gone when the script exits.
set -u
rel=${1:?usage: channel-lab.sh KERNEL_RELEASE}
# shellcheck source=ci/paths.sh
. "$(dirname "$0")/paths.sh"
kernel=${VMLINUZ:-$build/kernels/$rel/vmlinuz}
initrd=${INITRD:-$build/guest/$rel/initramfs.cpio.gz}
size=${SIZE:-16M}
mkdir -p "$logs"
export MEM=${MEM:-256}

dir=$(mktemp -d /tmp/pcimem-channel.XXXXXX)
tag=pcimem-ch-$$-${dir##*.}	# /dev/shm/$tag-*: the servers' memory
groups=()
servers=()

cleanup() {
	local p f
	for p in "${groups[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
	# The host ends' sessions (timeout(1) makes process groups within).
	for f in "$dir"/*/ch-*.pid "$dir"/*/bg-*.pid; do
		[ -e "$f" ] && pkill -TERM -s "$(cat "$f")" 2>/dev/null
	done
	for p in "${servers[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${groups[@]}" "${servers[@]}"; do wait "$p" 2>/dev/null; done
	rm -f /dev/shm/"$tag"-*
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok - $1"; }
fail() {
	echo "FAIL - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | head -n 15 | sed 's/^/    | /'
	return 0
}
check() { if [ "$2" -eq 0 ]; then ok "$1"; else fail "$1" "${3:-}"; fi; }

# server NAME: our ivshmem server, 1 vector, 4 MiB of /dev/shm/$tag-NAME.
server() {
	local sock=$dir/$1.sock
	"$bin/ivshmem-server" -F -S "$sock" -M "$tag-$1" -l 4M -n 1 \
		>"$dir/$1.server.log" 2>&1 &
	servers+=("$!")
	for _ in $(seq 50); do
		timeout 10 "$bin/ivshmem-host" peer "$sock" id >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$dir/$1.server.log"
	return 1
}

# vm NAME STATE LIMIT APPEND DEVICE_ARGS...: a guest in its own process
# group with channel-agent.sh as its host agent; its pid in $vm_pid.
vm() {
	local name=$1 state=$2 limit=$3 append=$4
	shift 4
	mkdir -p "$state"
	DOORBELL_STATE=$state DOORBELL_TOOL=$bin/ivshmem-host DOORBELL_LIMIT=120 \
	setsid "$top/qemu-device/launch-vm.sh" --kernel "$kernel" --initrd "$initrd" \
		--log "$logs/channel-$rel-$name.log" --timeout "$limit" \
		--agent "$here/channel-agent.sh" --append "$append ${EXTRA_APPEND:-}" "$@" \
		>"$dir/$name.judge" 2>&1 &
	vm_pid=$!
	groups+=("$vm_pid")
}

# finish NAME PID: wait for the guest, echo its checks, judge its console.
finish() {
	local name=$1 log=$logs/channel-$rel-$1.log rc line
	wait "$2"
	rc=$?
	sed -n '/^--- dmesg ---$/,/^--- end of dmesg ---$/!p' "$log" | tr -d '\r' |
	while IFS= read -r line; do
		case $line in
		"ok - "*) echo "ok - $name: ${line#ok - }" ;;
		"FAIL - "*) echo "FAIL - $name: ${line#FAIL - }" ;;
		"    "*) echo "$line" ;;
		esac
	done
	check "$name: the console reached its last line, no kernel report (judge-log.sh)" \
		"$rc" "$(cat "$dir/$name.judge") (console: $log)"
}

if [ ! -e "$kernel" ] || [ ! -e "$initrd" ]; then
	fail "kernel $rel and its initramfs are built" "missing $kernel or $initrd"
	exit 1
fi
bytes=$(numfmt --from=iec "$size")

# ---- 1. one guest: doorbell and plain, both directions ----
server one
check "server 1 (1 vector) listens" $?
"$bin/ivshmem-host" create "/dev/shm/$tag-plain" 4M >/dev/null
check "host: a 4 MiB file for the plain device" $?
export DOORBELL_SOCKETS="/dev/shm/$tag-one=$dir/one.sock"
vm one "$dir/one" 300 "lab=channel role=one size=$bytes" \
	--doorbell "$dir/one.sock:1:/dev/shm/$tag-one" --shm "/dev/shm/$tag-plain:4M"
finish one "$vm_pid"

# ---- 2. two guests, one server: a sends to b ----
server pair
check "server 2 (1 vector) listens" $?
export DOORBELL_SOCKETS="/dev/shm/$tag-pair=$dir/pair.sock"
vm b "$dir/pair" 300 "lab=channel role=b size=$bytes" --doorbell "$dir/pair.sock:1:/dev/shm/$tag-pair"
b_pid=$vm_pid
vm a "$dir/pair" 300 "lab=channel role=a size=$bytes" --doorbell "$dir/pair.sock:1:/dev/shm/$tag-pair"
finish a "$vm_pid"
finish b "$b_pid"
