#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make run`: boots one guest (KERNEL=6.1 or 6.12, default 6.1) with an
# ivshmem-plain device backed by /dev/shm/pcimem-demo, and shows the driver
# binding, user space reading the kernel's pattern through its mapping, and
# tokens crossing between guest and host. Ends with a one-line verdict.
set -u
. "$(dirname "$0")/paths.sh"
series=${KERNEL:-6.1}
rel=$(sed -n "s/^KERNEL_${series//./_} := //p" "$build/kernels.mk")
[ -n "$rel" ] || { echo "make run: no guest kernel for KERNEL=$series" >&2; exit 2; }

shm=/dev/shm/pcimem-demo
log=$logs/run.log
mkdir -p "$logs"

bold() { printf '\033[1m%s\033[0m\n' "$*"; }
bold "pcimem: booting Linux $rel under QEMU (${ACCEL:-tcg}) with ivshmem-plain backed by $shm"
"$bin/ivshmem-host" create --force "$shm" 16M || exit 1

AGENT_ECHO=1 "$top/qemu-device/launch-vm.sh" --kernel "$build/kernels/$rel/vmlinuz" \
	--initrd "$build/guest/$rel/initramfs.cpio.gz" --log "$log" --timeout 300 \
	--agent "$bin/ivshmem-host" --append "lab=demo quiet" --shm "$shm:16M" --show
judged=$?

echo
bold "The host reads the same bytes from $shm after the guest is gone:"
"$bin/ivshmem-host" dump "$shm" 0 32
"$bin/ivshmem-host" verify "$shm" abcd
host=$?

if [ $judged -eq 0 ] && [ $host -eq 0 ] && grep -aq '^pcimem-guest: demo PASS' "$log"; then
	bold "make run: PASS - pcimem bound ivshmem, user space mapped BAR2, host and guest agree on every byte"
	exit 0
fi
bold "make run: FAIL - see $log"
exit 1
