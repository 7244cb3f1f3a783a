#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make test`: the host-side unit tests, then, on every guest kernel, a
# guest booted with two ivshmem devices running the guest suite while the
# host agent cross-checks the backing files. One line per check; the last
# line is `N passed, N failed`; exit status 1 on any failure.
#
# KERNELS="6.1 6.12 debug debug-6.12" (the default) picks the kernels:
# Debian's two and the sanitizer kernels built by ci/debug-kernel.sh from
# linux-source-6.1 (debug) and linux-source-6.12 (debug-6.12). TIMEOUT bounds each
# guest; UNBIND_CYCLES, HOTPLUG_CYCLES (DEBUG_...) the removal cycles.
# LABS="testdev channel" (for working on one part; make test leaves it
# unset) runs only the named labs: host, test, tools, robust, reset,
# doorbell, channel, testdev, testdev-reset.
set -u
. "$(dirname "$0")/paths.sh"
mkdir -p "$logs"

passed=0 failed=0
# Every FAIL line of this run, shown again above the last line so that a
# log's tail says what failed.
failures=$(mktemp "${TMPDIR:-/tmp}/pcimem-run-tests.XXXXXX")
trap 'rm -f "$failures"' EXIT

# wanted LAB: whether LABS (unset: every lab) names LAB.
wanted() {
	case " ${LABS:-$1} " in *" $1 "*) return 0 ;; esac
	return 1
}
# count PREFIX: echo each check line of stdin with PREFIX, tally it.
count() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok - "*) passed=$((passed + 1)); echo "ok - $1${line#ok - }" ;;
		"FAIL - "*) failed=$((failed + 1)); echo "FAIL - $1${line#FAIL - }" |
			tee -a "$failures" ;;
		"    "*|"=== "*) echo "$line" ;;
		esac
	done
}
# result NAME STATUS: one check of the runner's own.
result() {
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok - $1"
	else
		failed=$((failed + 1))
		echo "FAIL - $1" | tee -a "$failures"
	fi
}

# suite PREFIX CMD...: run a test program, count its lines; a program that
# fails without saying which check failed counts as one failure.
suite() {
	local prefix=$1 out rc before=$failed
	shift
	case $prefix in
	*" doorbell] ") wanted doorbell || return 0 ;;
	*" channel] ") wanted channel || return 0 ;;
	"["*) ;;
	*) wanted host || return 0 ;;
	esac
	out=$(mktemp)
	"$@" >"$out" 2>&1
	rc=$?
	count "$prefix" <"$out"
	if [ $rc -ne 0 ] && [ $failed -eq $before ]; then
		result "${prefix}$(basename "$1") exited $rc:" 1
		tail -n 5 "$out" | sed 's/^/    /'
	fi
	rm -f "$out"
}

# What takes longest to build, QEMU with our device model and the sanitizer
# kernels, builds in the background from the start, at the lowest priority:
# every guest runs on one vCPU, so while the Debian kernels' labs run one
# core is mostly idle, and the builds take it (some 10 minutes of make test
# on two cores). The labs that need them wait for them.
prefetch_qemu='' prefetch_debug=''
if wanted testdev || wanted testdev-reset; then
	nice -n 19 "$here/qemu-build.sh" "$build" >/dev/null 2>"$logs/qemu-build-prefetch.log" &
	prefetch_qemu=$!
fi
debug_series=()
case " ${KERNELS:-6.1 6.12 debug debug-6.12} " in *" debug "*) debug_series+=(6.1) ;; esac
case " ${KERNELS:-6.1 6.12 debug debug-6.12} " in *" debug-6.12 "*) debug_series+=(6.12) ;; esac
if [ ${#debug_series[@]} -gt 0 ]; then
	(for s in "${debug_series[@]}"; do
		nice -n 19 "$here/debug-kernel.sh" "$build" "$s" || exit
	done) >"$logs/debug-kernel-prefetch.log" 2>&1 &
	prefetch_debug=$!
fi

echo "== host: unit tests =="
suite "region: " "$bin/region-test"
suite "mailbox: " "$bin/mailbox-test"
suite "server: " "$bin/ivshmem-server-lib-test"
suite "server: " "$bin/ivshmem-server-test"
suite "host tools: " "$here/host-tests.sh" "$bin"
suite "tools: " "$here/tools-tests.sh" "$bin"
suite "channel: " "$bin/channel-test"
suite "host peers: " "$here/host-peer-tests.sh" "$bin"
suite "channel streams: " "$here/channel-tests.sh" "$bin"
suite "interop: " "$here/interop-tests.sh" "$bin"
suite "lint: " "$here/lint.sh"
suite "packages: " "$here/package-tests.sh"

# guest SERIES LAB APPEND [DEVICE OPTION...]: boot the guest kernel
# $vmlinuz with $initrd, by default on the backing files $shm-a and $shm-b
# with an edu device, a pci-testdev and a bochs-display, run the guest lab,
# and count its lines and the judge's verdict on its console.
guest() {
	local series=$1 lab=$2 append=$3 log=$logs/$2-$1.log judged start=$SECONDS
	wanted "$lab" || return 0
	shift 3
	[ $# -eq 0 ] && set -- --shm "$shm-a:16M" --shm "$shm-b:4M" --edu --testdev --bochs
	"$top/qemu-device/launch-vm.sh" --kernel "$vmlinuz" --initrd "$initrd" --log "$log" \
		--timeout "${TIMEOUT:-1800}" --agent "$bin/ivshmem-host" \
		--append "lab=$lab $append" "$@" >"$log.judge" 2>&1
	judged=$?
	count "[$series] " < <(sed -n '/^--- dmesg ---$/,/^--- end of dmesg ---$/!p' "$log" |
		tr -d '\r')
	result "[$series $lab] the guest reached its last line" \
		"$([ $judged -eq 2 ] && echo 1 || echo 0)"
	result "[$series $lab] the kernel log holds no BUG, WARNING, Oops, call trace, sanitizer or PAT report" \
		"$([ $judged -eq 1 ] && echo 1 || echo 0)"
	[ $judged -ne 0 ] && sed 's/^/    /' "$log.judge"
	echo "   (console: $log; $((SECONDS - start)) s)"
}

# suite_kernel SERIES RELEASE APPEND UNBIND_CYCLES HOTPLUG_CYCLES: every guest
# suite on one kernel.
#
# USER_LABS=yes (the Debian kernels) adds the labs of user space, the
# tools' command line and the channel's streams; the sanitizer kernels
# skip them (the driver paths they take are the test and doorbell labs'),
# which keeps make test near 55 minutes on two cores.
suite_kernel() {
	local series=$1 rel=$2 append=$3 user=${USER_LABS:-yes}
	vmlinuz=${VMLINUZ:-$build/kernels/$rel/vmlinuz}
	initrd=$build/guest/$rel/initramfs.cpio.gz
	shm=/dev/shm/pcimem-test-$$-$series

	echo
	echo "== guest: Linux $rel =="
	"$bin/ivshmem-host" create "$shm-a" 16M >/dev/null &&
	"$bin/ivshmem-host" create "$shm-b" 4M >/dev/null &&
	"$bin/ivshmem-host" fill "$shm-b" hostdata >/dev/null
	result "[$series] host: backing files created, 4 MiB one seeded with hostdata" $?

	guest "$series" test "$append"
	# After the guest is gone, the data it left is still in the files.
	if wanted test; then
		"$bin/ivshmem-host" verify "$shm-a" abcd >/dev/null
		result "[$series] host: after power-off the 16 MiB file still holds abcd everywhere" $?
		"$bin/ivshmem-host" verify "$shm-b" abcd >/dev/null
		result "[$series] host: after power-off the 4 MiB file holds abcd everywhere" $?
	fi
	# pcimem's command line on these devices (restores what it changes):
	# user space, so on Debian's kernels only (see "user" below).
	[ "$user" = yes ] && guest "$series" tools "$append"
	# Every benchmark program once on tiny sizes, host side by its agent.
	[ "$user" = yes ] && guest "$series" bench-smoke "$append iomem=relaxed" \
		--shm "$shm-a:16M" --agent "$here/bench-smoke-agent.sh"

	"$bin/ivshmem-host" create --force "$shm-a" 16M >/dev/null
	guest "$series" robust "$append unbind_cycles=$4 remove_cycles=5 hotplug_cycles=$5"

	# Function resets: q35, each device behind a root port of its own.
	"$bin/ivshmem-host" create --force "$shm-a" 16M >/dev/null
	guest "$series" reset "$append" --q35 --edu --shm "$shm-a:16M"
	rm -f "$shm-a" "$shm-b"

	VMLINUZ=$vmlinuz EXTRA_APPEND=$append suite "[$series doorbell] " \
		"$here/doorbell-tests.sh" "$rel"
	[ "$user" = yes ] && VMLINUZ=$vmlinuz EXTRA_APPEND=$append suite "[$series channel] " \
		"$here/channel-lab.sh" "$rel"

	testdev_lab "$series" "$append"
}

# The layouts of lab=testdev, at 00:04.0, 00:05.0, ... in this order
# (ci/guest/testdev.sh expects each where it is). intx=off wherever INTx is
# not the point: on the sanitizer kernels under TCG, routing a pin through
# ACPI costs some 13 s at each probe and each remove.
# shellcheck disable=SC2054 # an element is one device's comma-separated properties
TESTDEV_LAYOUTS=(
	msix-vectors=64,msix-bar=4,bar4-size=4K,bar4-kind=mem32,msix-exclusive=on,intx=off
	msi-vectors=32,intx=off
	msi-vectors=0
	bar0-size=128,bar1-size=256,bar1-kind=mem32,bar4-size=32,bar4-kind=io,bar5-size=1M,bar5-kind=mem32-pref,intx=off
	bar2-size=16G,intx=off
	bar2-size=64G,intx=off
	msix-vectors=8,msix-bar=2,msix-table-offset=0x10000,msix-pba-offset=0x11000,intx=off
	msix-vectors=4,msix-bar=0,msix-table-offset=0,intx=off
	regs-bar=1,bar0-size=0,bar1-size=4K,bar1-kind=mem32,intx=off
	bar0-kind=io,bar0-size=256,intx=off
	vendor-id=0x1af4,device-id=0x1110,regs-bar=1,bar0-size=0,bar1-size=4K,bar1-kind=mem32,intx=off
	device-id=0x11e8,bar0-size=128,intx=off
	vendor-id=0x1af4,device-id=0x1110,regs=ivshmem,ivposition=3,bar0-size=256,msi-vectors=0
	vendor-id=0x1af4,device-id=0x1110,msix-vectors=4,msix-bar=2,msix-table-offset=0x10000,intx=off
	device-id=0x0001,msix-vectors=4,msix-bar=4,bar4-size=4K,bar4-kind=mem32,msix-exclusive=on,intx=off
	bar4-size=16,bar4-kind=mem64-pref,intx=off,msi-vectors=0
	msi-vectors=0
	msix-vectors=4,msix-bar=2,msix-table-offset=0x10000,msix-pba-offset=0x30000,intx=off
)

# testdev_lab SERIES APPEND: pcimem against our device model, in the QEMU
# built from Debian's source with it (ci/qemu-build.sh, cached): the
# layouts on the PC, then function resets on q35.
testdev_lab() {
	local qemu layout args=()
	wanted testdev || wanted testdev-reset || return 0
	[ -n "$prefetch_qemu" ] && wait "$prefetch_qemu"
	prefetch_qemu=''
	qemu=$("$here/qemu-build.sh" "$build" 2>"$logs/qemu-build-$1.log")
	result "[$1] QEMU with pcimem-testdev is built (log: $logs/qemu-build-$1.log)" $?
	[ -x "$qemu" ] || return
	for layout in "${TESTDEV_LAYOUTS[@]}"; do
		args+=(--pcimem-testdev "$layout")
	done
	QEMU=$qemu guest "$1" testdev "$2" "${args[@]}"
	QEMU=$qemu guest "$1" testdev-reset "$2" --q35 \
		--pcimem-testdev msix-vectors=4,msix-bar=4,bar4-size=4K,bar4-kind=mem32,msix-exclusive=on,intx=off \
		--pcimem-testdev flr=off,intx=off --pcimem-testdev-pair flr=off,intx=off
}

# kernels.mk holds lines "KERNEL_6_1 := 6.1.0-56-amd64".
while read -r var _ rel; do
	series=${var#KERNEL_}
	series=${series//_/.}
	case " ${KERNELS:-6.1 6.12 debug debug-6.12} " in *" $series "*) ;; *) continue ;; esac
	suite_kernel "$series" "$rel" "" "${UNBIND_CYCLES:-20}" "${HOTPLUG_CYCLES:-5}"
done <"$build/kernels.mk"

# The sanitizer kernels: KASAN, KFENCE, lockdep, UBSAN, kmemleak. A warning
# panics them (panic_on_warn), so nothing they report can scroll past.
# debug is the 6.1 one (link current), debug-6.12 the 6.12 one (current-6.12).
for dseries in 6.1 6.12; do
	if [ "$dseries" = 6.1 ]; then name=debug link=current; else
		name=debug-$dseries link=current-$dseries; fi
	case " ${KERNELS:-6.1 6.12 debug debug-6.12} " in *" $name "*) ;; *) continue ;; esac
	echo
	echo "== the sanitizer kernel ($dseries) =="
	# The background build's log, when it failed, is in
	# $logs/debug-kernel-prefetch.log; a failure here repeats it.
	[ -n "$prefetch_debug" ] && wait "$prefetch_debug"
	prefetch_debug=''
	"$here/debug-kernel.sh" "$build" "$dseries" >"$logs/$name-kernel.log" 2>&1 &&
		make --no-print-directory -C "$top" -f ci/build.mk BUILD="$build" "$name" \
			>>"$logs/$name-kernel.log" 2>&1
	result "[$name] the sanitizer kernel and pcimem.ko for it are built (log: $logs/$name-kernel.log)" $?
	rel=$(cat "$build/debug-kernel/$link/release" 2>/dev/null)
	[ -n "$rel" ] && USER_LABS=no VMLINUZ=$build/debug-kernel/$link/vmlinuz suite_kernel "$name" "$rel" \
		"panic_on_warn=1 kmemleak=on" "${DEBUG_UNBIND_CYCLES:-50}" "${DEBUG_HOTPLUG_CYCLES:-12}"
done

if [ -s "$failures" ]; then
	echo
	echo "== the failed checks, again =="
	cat "$failures"
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
