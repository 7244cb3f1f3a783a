#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lab=tools: pcimem's command line on real devices. The host started the
# default devices of the test lab: ivshmem-plain at 00:04.0 (16 MiB) and
# 00:05.0 (4 MiB), edu at 00:06.0, pci-testdev at 00:07.0. Without the
# module, then device selection (-s, -d), --json on the driver's answers,
# numbers with suffixes, verify --all and write errors on standard output.
# One line per check; the host counts.
# shellcheck source=lib.sh # /pcimem/ is ci/guest/ in the initramfs
. /pcimem/lib.sh

A=00:04.0
E=00:06.0
T=00:07.0

section "without the module"
expect_fail "info says the module is not loaded, exit 3" 3 \
	"^pcimem: the pcimem module is not loaded" pcimem info /dev/pcimem0
expect_fail "-s says so too, exit 3" 3 "the pcimem module is not loaded" pcimem -s $A info
check "list still lists both ivshmem devices, without a driver" \
	sh -c "pcimem list 2>/dev/null | grep -q '^0000:00:04.0 1af4:1110' &&
	       pcimem list 2>/dev/null | grep -q '^0000:00:05.0 1af4:1110' &&
	       pcimem list 2>/dev/null | grep -q '  driver: none'"
check "list --json says module_loaded false" \
	sh -c "pcimem list --json 2>/dev/null | grep -q '^{\"module_loaded\": false, '"

section "device selection as lspci's -s and -d"
check "insmod pcimem.ko" insmod "$KO"
check "-s $A picks the 16 MiB device" sh -c "pcimem -s $A info | grep -q '^bar_size: 16777216 '"
check "-s after the command picks the 4 MiB one (0:5.0)" \
	sh -c "pcimem info -s 0:5.0 | grep -q '^bar_size: 4194304 '"
check "-d 1234:11e8 picks edu" sh -c "pcimem -d 1234:11e8 info | grep -q '^device: 0x11e8'"
expect_fail "-d 1af4:1110 matches both ivshmem devices: exit 2" 2 "more than one device" \
	pcimem -d 1af4:1110 info
expect_fail "-s $T, not bound to pcimem: exit 3" 3 "no device bound to pcimem matches" \
	pcimem -s $T info
check "verify through -s" pcimem -s $A verify abcd
override_bind $T
check "list shows pci-testdev bound by driver_override" \
	sh -c "pcimem list | grep -q '^0000:00:07.0 1b36:0005'"
check "-d 1b36: picks it" sh -c "pcimem -d 1b36: info | grep -q '^vendor: 0x1b36'"
override_unbind $T

section "--json on the driver's answers"
check "info --json: address, size, memtype" \
	sh -c "pcimem info --json /dev/pcimem0 | grep -q '^{\"address\": \"0000:00:04.0\", .*\"bar_size\": 16777216, .*\"memtype\": \"[uw][cb]\", '"
check "bars --json: BAR2 is ram, mappable" \
	sh -c "pcimem bars /dev/pcimem0 --json | grep -q '{\"bar\": 2, \"kind\": \"ram\", \"size\": 16777216, .*\"mmap\": true}'"
check "events --json on edu: one document" \
	sh -c "pcimem events --json $(node_of $E) | grep -q '^{\"node\": \"/dev/pcimem[0-9]*\", \"vectors\": \[.*\]}\$'"
check "list --json: the node of $A" \
	sh -c "pcimem list --json | grep -q '\"address\": \"0000:00:04.0\", [^}]*\"node\": \"/dev/pcimem0\"'"

section "numbers, verify --all, standard output"
check "an offset with a suffix: write at 1M, read at 0x100000" \
	sh -c "pcimem write /dev/pcimem0 1M 0x12345678 &&
	       test \$(pcimem read /dev/pcimem0 0x100000) = 0x12345678 &&
	       pcimem write /dev/pcimem0 1MiB 0x64636261"
check "010 is decimal ten" \
	sh -c "pcimem write /dev/pcimem1 010 0x7a 8 && test \$(pcimem read /dev/pcimem1 10 8) = 0x7a &&
	       pcimem write /dev/pcimem1 10 0x63 8"
check "... and the BAR holds abcd again" pcimem verify /dev/pcimem1 abcd
pcimem write /dev/pcimem1 0x100 0 8
pcimem write /dev/pcimem1 0x3ffffe 0x7171 16
check "verify --all lists both bad ranges, then the summary (exit 1)" \
	sh -c "out=\$(pcimem verify --all /dev/pcimem1 abcd); test \$? -eq 1 &&
	       printf '%s\n' \"\$out\" | grep -qx \"mismatch: 0x100-0x100 (1 bytes), first expected 0x61 'a', found 0x00\" &&
	       printf '%s\n' \"\$out\" | grep -qx \"mismatch: 0x3ffffe-0x3fffff (2 bytes), first expected 0x63 'c', found 0x71 'q'\" &&
	       printf '%s\n' \"\$out\" | grep -q '^verify: first mismatch at 0x100 '"
pcimem write /dev/pcimem1 0x100 0x61 8
pcimem write /dev/pcimem1 0x3ffffe 0x6463 16
check "... and abcd is back" pcimem verify /dev/pcimem1 abcd
expect_fail "info > /dev/full: exit 5" 5 "standard output" sh -c "pcimem info /dev/pcimem0 >/dev/full"
expect_fail "an empty pattern is refused before the device is touched" 2 "bad pattern" \
	pcimem fill /dev/pcimem0 ''
check "rmmod pcimem" rmmod pcimem

kernel_log
