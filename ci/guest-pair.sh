# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154 # here, top, build, bin, logs: paths.sh; lab, agent, rel: the lab
#
# Guests on ivshmem servers, for the labs that boot them by the pair
# (doorbell-tests.sh, channel-lab.sh), sourced after paths.sh: our
# servers, the guests with a host agent each, their checks and the
# judge's verdict on their consoles, and a cleanup that leaves nothing
# behind. One line per check (ci/test-lib.sh); the caller counts.
#
# The lab sets, before it sources this file:
#   lab      its name: the consoles are $logs/$lab-$rel-GUEST.log, the
#            work folder /tmp/pcimem-$lab.XXXXXX
#   agent    the host agent of its guests (launch-vm.sh --agent)
#   rel      the guest kernel's release
# and takes from the environment VMLINUZ and INITRD (the kernel image and
# initramfs, default the build's for rel), EXTRA_APPEND (added to every
# guest's command line), MEM (guest RAM in MiB, default 256) and
# DOORBELL_LIMIT (seconds any one agent request may take, the agent's).
# After it: $dir (the work folder), $tag (/dev/shm/$tag-*: the servers'
# memory and the lab's backing files, removed at exit), $kernel, $initrd.

# shellcheck source=ci/test-lib.sh
. "$here/test-lib.sh"

kernel=${VMLINUZ:-$build/kernels/$rel/vmlinuz}
initrd=${INITRD:-$build/guest/$rel/initramfs.cpio.gz}
mkdir -p "$logs"
export MEM=${MEM:-256}		# guest RAM, for a launch-vm.sh that takes MEM

dir=$(mktemp -d "/tmp/pcimem-$lab.XXXXXX")
tag=pcimem-$lab-$$-${dir##*.}
groups=()			# process groups: QEMUs with their launchers
servers=()

# The QEMUs, the host peers the agents left running (each in a session of
# its own, whose ID is in STATE/bg-NAME.pid or STATE/ch-NAME.pid; timeout(1)
# makes process groups within), the servers, the files.
pair_cleanup() {
	local p f
	for p in "${groups[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
	for f in "$dir"/*/bg-*.pid "$dir"/*/ch-*.pid; do
		[ -e "$f" ] && pkill -TERM -s "$(cat "$f")" 2>/dev/null
	done
	for p in "${servers[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${groups[@]}" "${servers[@]}"; do wait "$p" 2>/dev/null; done
	rm -f /dev/shm/"$tag"-*
	rm -rf "$dir"
}
trap pair_cleanup EXIT
trap 'exit 1' INT TERM

# server NAME VECTORS [PROGRAM]: our ivshmem server (or PROGRAM, which
# takes the same options: QEMU's) on $dir/NAME.sock with 4 MiB of
# /dev/shm/$tag-NAME; succeeds once a peer can join.
server() {
	local sock=$dir/$1.sock
	"${3:-$bin/ivshmem-server}" -F -S "$sock" -M "$tag-$1" -l 4M -n "$2" \
		>"$dir/$1.server.log" 2>&1 &
	servers+=("$!")
	for _ in $(seq 50); do
		timeout 10 "$bin/ivshmem-host" peer "$sock" id >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$dir/$1.server.log"
	return 1
}

# vm NAME STATE LIMIT APPEND DEVICE_ARGS...: boot a guest for at most LIMIT
# seconds in its own process group, its host agent $agent with the state
# folder STATE (shared by the guests that talk to each other); its pid in
# $vm_pid.
vm() {
	local name=$1 state=$2 limit=$3 append=$4
	shift 4
	mkdir -p "$state"
	DOORBELL_STATE=$state DOORBELL_TOOL=$bin/ivshmem-host \
	setsid "$top/qemu-device/launch-vm.sh" --kernel "$kernel" --initrd "$initrd" \
		--log "$logs/$lab-$rel-$name.log" --timeout "$limit" \
		--agent "$agent" --append "$append ${EXTRA_APPEND:-}" "$@" \
		>"$dir/$name.judge" 2>&1 &
	vm_pid=$!
	groups+=("$vm_pid")
}

# reap NAME PID: wait for the guest, echo its checks prefixed with NAME,
# and judge its console.
reap() {
	local name=$1 log=$logs/$lab-$rel-$1.log rc line
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

# built: the kernel and its initramfs exist (else a failed check, false).
built() {
	[ -e "$kernel" ] && [ -e "$initrd" ] && return 0
	fail "kernel $rel and its initramfs are built" "missing $kernel or $initrd"
	return 1
}
