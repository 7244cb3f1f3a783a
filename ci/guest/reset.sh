#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lab=reset: function resets under load. The host booted QEMU's q35 with
# an edu device at 01:00.0 and a 16 MiB ivshmem-plain at 02:00.0, each
# behind a PCIe root port of its own, so that a bus reset reaches it
# (neither has FLR). One line per check; the host counts.
# shellcheck source=lib.sh # /pcimem/ is ci/guest/ in the initramfs
. /pcimem/lib.sh

E=01:00.0
A=02:00.0

section "function resets with the device in use"
check "insmod pcimem.ko" insmod "$KO"
check "edu at $E is bound to pcimem" bound_to_pcimem $E
check "ivshmem at $A is bound to pcimem" bound_to_pcimem $A
check "the PCI core can reset $E (reset_method: $(cat /sys/bus/pci/devices/0000:$E/reset_method 2>&1))" \
	test -w /sys/bus/pci/devices/0000:$E/reset
pcimem-fault-test reset "$(node_of $E)" $E "$(node_of $A)" $A
check "$A still holds abcd everywhere after its reset" pcimem verify "$(node_of $A)" abcd
check "rmmod pcimem" rmmod pcimem

kernel_log
