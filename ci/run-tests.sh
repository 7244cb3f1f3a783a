#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make test`: the host-side unit tests, then, on every guest kernel, a
# guest booted with two ivshmem devices running the guest suite while the
# host agent cross-checks the backing files. One line per check; the last
# line is `N passed, N failed`; exit status 1 on any failure.
#
# KERNELS="6.1" limits the run to some series; TIMEOUT bounds each guest.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${BUILD:-$top/build}
bin=$build/bin
logs=$build/logs
mkdir -p "$logs"

passed=0 failed=0
# count PREFIX: echo each check line of stdin with PREFIX, tally it.
count() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok - "*) passed=$((passed + 1)); echo "ok - $1${line#ok - }" ;;
		"FAIL - "*) failed=$((failed + 1)); echo "FAIL - $1${line#FAIL - }" ;;
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
		echo "FAIL - $1"
	fi
}

# suite PREFIX CMD...: run a test program, count its lines; a program that
# fails without saying which check failed counts as one failure.
suite() {
	local prefix=$1 out rc before=$failed
	shift
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

echo "== host: unit tests =="
suite "region: " "$bin/region-test"
suite "mailbox: " "$bin/mailbox-test"
suite "server: " "$bin/ivshmem-server-test"
suite "host tools: " "$here/host-tests.sh" "$bin"
suite "host peers: " "$here/host-peer-tests.sh" "$bin"
suite "lint: " "$here/lint.sh"

# kernels.mk holds lines "KERNEL_6_1 := 6.1.0-56-amd64".
while read -r var _ rel; do
	series=${var#KERNEL_}
	series=${series//_/.}
	case " ${KERNELS:-6.1 6.12} " in *" $series "*) ;; *) continue ;; esac

	echo
	echo "== guest: Linux $rel =="
	shm=/dev/shm/pcimem-test-$$-$series
	"$bin/ivshmem-host" create "$shm-a" 16M >/dev/null &&
	"$bin/ivshmem-host" create "$shm-b" 4M >/dev/null &&
	"$bin/ivshmem-host" fill "$shm-b" hostdata >/dev/null
	result "[$series] host: backing files created, 4 MiB one seeded with hostdata" $?

	# guest LAB APPEND: boot the guest on both files for one lab, count its lines.
	guest() {
		local lab=$1 log=$logs/$1-$series.log judged
		"$top/qemu-device/launch-vm.sh" --kernel "$build/kernels/$rel/vmlinuz" \
			--initrd "$build/guest/$rel/initramfs.cpio.gz" --log "$log" \
			--timeout "${TIMEOUT:-900}" --agent "$bin/ivshmem-host" \
			--append "lab=$lab $2" \
			--shm "$shm-a:16M" --shm "$shm-b:4M" --edu >"$log.judge" 2>&1
		judged=$?
		count "[$series] " < <(sed -n '/^--- dmesg ---$/,/^--- end of dmesg ---$/!p' "$log" |
			tr -d '\r')
		result "[$series $lab] the guest reached its last line" \
			"$([ $judged -eq 2 ] && echo 1 || echo 0)"
		result "[$series $lab] the kernel log holds no BUG, WARNING, Oops, call trace or PAT conflict" \
			"$([ $judged -eq 1 ] && echo 1 || echo 0)"
		[ $judged -ne 0 ] && sed 's/^/    /' "$log.judge"
		echo "   (console: $log)"
	}
	guest test ""
	# After the guest is gone, the data it left is still in the files.
	"$bin/ivshmem-host" verify "$shm-a" abcd >/dev/null
	result "[$series] host: after power-off the 16 MiB file still holds abcd everywhere" $?
	"$bin/ivshmem-host" verify "$shm-b" abcd >/dev/null
	result "[$series] host: after power-off the 4 MiB file holds abcd everywhere" $?

	"$bin/ivshmem-host" create "$shm-a" 16M >/dev/null
	guest robust "unbind_cycles=${UNBIND_CYCLES:-20} remove_cycles=5 hotplug_cycles=${HOTPLUG_CYCLES:-5}"
	rm -f "$shm-a" "$shm-b"

	suite "[$series doorbell] " "$here/doorbell-tests.sh" "$rel"
done <"$build/kernels.mk"

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
