#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of `make run`: shows, step by step, the driver binding,
# user space reading the pattern the kernel wrote, and bytes crossing
# between guest and host through one shared BAR.
# shellcheck source=lib.sh # /pcimem/ is ci/guest/ in the initramfs
. /pcimem/lib.sh

A=00:04.0
failed=0
step() { printf '\n\033[1m--- %s ---\033[0m\n' "$*"; }
run() {
	echo "# $*"
	"$@" || { failed=$((failed + 1)); echo "pcimem-guest: FAILED: $*"; }
}
hostlink_open

step "1. The ivshmem device as the guest sees it, no driver yet"
run lspci -nn -d 1af4:1110

step "2. Load pcimem: it binds, maps the BARs for the kernel and writes \"abcd\" into BAR2"
run insmod "$KO"
dmesg | grep pcimem
run lspci -nnk -s $A
run sh -c "lspci -k -s $A | grep -q 'Kernel driver in use: pcimem'"
run ls -l /dev/pcimem0 /sys/class/pcimem/pcimem0/device

step "3. User space maps /dev/pcimem0 and reads what the kernel wrote"
run pcimem info /dev/pcimem0
run pcimem dump /dev/pcimem0 0 64
run pcimem verify /dev/pcimem0 abcd

step "4. The host checks every byte through its backing file"
run host verify $A abcd

step "5. Tokens cross the BAR: guest -> host file, host file -> live guest mapping"
run pcimem-contract --host $A --tokens /dev/pcimem0

if [ $failed -eq 0 ]; then
	say "demo PASS"
else
	say "demo FAIL ($failed steps failed)"
fi
