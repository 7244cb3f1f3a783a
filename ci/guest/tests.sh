#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of `make test`. The host started two ivshmem-plain devices,
# 00:04.0 (16 MiB, an empty file) and 00:05.0 (4 MiB, which the host filled
# with "hostdata" before boot), an edu device at 00:06.0 and a pci-testdev
# at 00:07.0. Every check prints one line; the host counts.
# shellcheck source=lib.sh # /pcimem/ is ci/guest/ in the initramfs
. /pcimem/lib.sh

A=00:04.0
B=00:05.0
E=00:06.0
T=00:07.0
F=00:08.0
hostlink_open

section "PCI devices before the driver"
check "lspci sees two ivshmem devices (1af4:1110)" \
	test "$(lspci -n -d 1af4:1110 | wc -l)" -eq 2
check "no driver is bound to $A yet" test -z "$(driver_of $A)"

section "an empty pattern keeps what the host wrote"
check "insmod pcimem.ko pattern= (empty)" insmod "$KO" pattern=
lspci -nnk -d 1af4:1110
check "lspci -k: $A is bound to pcimem" bound_to_pcimem $A
check "lspci -k: $B is bound to pcimem" bound_to_pcimem $B
check "$B keeps the host's data (mmap)" pcimem verify $B hostdata
check "$B keeps the host's data (read)" pcimem --rw verify $B hostdata
check "$B keeps the host's data (host file)" host verify $B hostdata
for dev in $A $B; do
	dbg=/sys/kernel/debug/pcimem/$(basename "$(node_of "$dev")")
	check "$dev: debugfs probe_fill says the empty pattern wrote nothing" \
		test "$(cat "$dbg/probe_fill")" = "bytes=0 ns=0"
done
check "rmmod pcimem" rmmod pcimem
check "no /dev/pcimem node after rmmod" test -z "$(ls /dev/pcimem* 2>/dev/null)"

section "the driver writes its pattern through the kernel mapping"
check "insmod pcimem.ko (pattern abcd)" insmod "$KO"
for dev in $A $B; do
	node=$(node_of "$dev")
	check "$dev has a node ($node)" test -c "$node"
	check "$dev: abcd everywhere (mmap)" pcimem verify "$node" abcd
	check "$dev: abcd everywhere (read)" pcimem --rw verify "$node" abcd
	check "$dev: abcd everywhere (host file)" host verify "$dev" abcd
	# The module's own figures (make bench reads them): the fill wrote
	# the whole BAR in a measurable time; a kernel memset of as much RAM.
	dbg=/sys/kernel/debug/pcimem/$(basename "$node")
	bytes=$(pcimem info "$node" | sed -n 's/^bar_size: \([0-9]*\) .*/\1/p')
	check "$dev: debugfs probe_fill is bytes=$bytes (the BAR) ns>0" \
		grep -qx "bytes=$bytes ns=[1-9][0-9]*" "$dbg/probe_fill"
	check "$dev: debugfs ram_memset is bytes=$bytes ns>0" \
		grep -qx "bytes=$bytes ns=[1-9][0-9]*" "$dbg/ram_memset"
	check "$dev: debugfs probe_fill and ram_memset are root's only (0400)" \
		test "$(stat -c %a "$dbg/probe_fill")-$(stat -c %a "$dbg/ram_memset")" = 400-400
done
pcimem dump "$(node_of $A)" 0 64

section "nodes, sizes and sysfs"
check "$A is /dev/pcimem0" test "$(node_of $A)" = /dev/pcimem0
check "$B is /dev/pcimem1" test "$(node_of $B)" = /dev/pcimem1
check "/dev/pcimem0 is 16 MiB, as its BAR" \
	sh -c "pcimem info /dev/pcimem0 | grep -q 'bar_size: 16777216 '"
check "/dev/pcimem1 is 4 MiB, as its BAR" \
	sh -c "pcimem info /dev/pcimem1 | grep -q 'bar_size: 4194304 '"
check "/sys/class/pcimem/pcimem0/device links to 0000:$A" \
	test "$(readlink -f /sys/class/pcimem/pcimem0/device)" = "/sys/devices/pci0000:00/0000:$A"
check "/dev/pcimem0 is root-only (crw-------)" \
	sh -c "ls -l /dev/pcimem0 | grep -q '^crw------- '"
check "pcimem list shows both devices, the driver and their nodes" \
	sh -c "pcimem list | grep -c pcimem0 && pcimem list | grep -q pcimem1"

section "the node's contract ($A, with the host)"
pcimem-contract --host $A "$(node_of $A)"
section "the node's contract ($B)"
pcimem-contract "$(node_of $B)"

section "edu, register BARs and memory types"
check "lspci -k: edu at $E is bound to pcimem" bound_to_pcimem $E
check "edu at $E is /dev/pcimem2" test "$(node_of $E)" = /dev/pcimem2
pcimem-bar-test "$(node_of $A)" $A "$(node_of $E)"

section "faults: killable, huge where the kernel can ($A)"
# Huge PFN mappings: Linux 6.12 and later, with transparent huge pages.
huge=nohuge
case $(uname -r) in
6.[0-9].*|6.1[01].*) ;;
*) [ -d /sys/kernel/mm/transparent_hugepage ] && huge=huge ;;
esac
echo "    this kernel: $huge"
pcimem-fault-test faults "$(node_of $A)" $huge

section "privileges decided at open"
pcimem-fault-test deputy "$(node_of $E)" /usr/bin/pcimem-suid-write
pcimem-fault-test intrstatus "$(node_of $A)"

section "module parameters"
check "rmmod pcimem" rmmod pcimem
check "insmod pcimem.ko ram_memtype=wc" insmod "$KO" ram_memtype=wc
check "the parameter reads back as wc" \
	test "$(cat /sys/module/pcimem/parameters/ram_memtype)" = wc
check "sysfs: BAR2 of $A is mapped write-combining" \
	grep -qx "2 ram 16777216 wc mmap" /sys/class/pcimem/pcimem0/bars
check "sysfs: BAR0 of $A stays uncached registers" \
	grep -qx "0 regs 256 uc no-mmap" /sys/class/pcimem/pcimem0/bars
check "wc: $A still verifies through mmap" pcimem verify "$(node_of $A)" abcd
check "rmmod pcimem" rmmod pcimem
# busybox insmod exits with the errno: 22, EINVAL.
expect_fail "insmod with ram_memtype=fast is refused (EINVAL)" 22 "Invalid argument" \
	insmod "$KO" ram_memtype=fast
check "the kernel log names the bad value" \
	sh -c "dmesg | grep -q 'ram_memtype: \"fast\" is not uc, wc or wb'"
check "insmod pcimem.ko (defaults)" insmod "$KO"
# Asked write-back (ram_memtype's default), BAR2 is what PAT gives it: the
# firmware's MTRRs mark the 32-bit PCI hole uncachable, so uncached-minus.
check "sysfs: BAR2 reports the type the kernel gave it, not the one asked (uc)" \
	grep -qx "2 ram 16777216 uc mmap" /sys/class/pcimem/pcimem0/bars
check "the kernel log says so: asked for wb, mapped uc" \
	sh -c "dmesg | grep -q '0000:$A: BAR2: asked for wb, the kernel mapped it uc'"
check "sysfs: peer_id of plain ivshmem is 0, irq_mode none" \
	test "$(cat /sys/class/pcimem/pcimem0/peer_id)/$(cat /sys/class/pcimem/pcimem0/irq_mode)" = 0/none
check "sysfs: edu uses one MSI vector" \
	test "$(cat /sys/class/pcimem/pcimem2/irq_mode)/$(cat /sys/class/pcimem/pcimem2/vectors)" = msi/1

section "the pcimem tool"
check "write then read 64 bits through mmap" \
	sh -c "pcimem write /dev/pcimem1 0x100 0x6867666564636261 64 &&
	       test \$(pcimem read /dev/pcimem1 0x100 64) = 0x6867666564636261"
check "write then read 16 bits through read/write" \
	sh -c "pcimem --rw write /dev/pcimem1 0x108 0xbeef 16 &&
	       test \$(pcimem --rw read /dev/pcimem1 0x108 16) = 0xbeef"
check "the host sees the 64-bit value as little-endian bytes" \
	host expect $B 0x100 abcdefgh
check "fill then verify a new pattern, seen by the host" \
	sh -c "pcimem fill /dev/pcimem1 'xyz' && pcimem verify /dev/pcimem1 xyz"
check "host: the new pattern is in the file" host verify $B xyz
expect_fail "an offset beyond the BAR is refused, naming BAR and size" \
	2 "offset 0x2000000 beyond BAR2 (16 MiB)" pcimem read /dev/pcimem0 0x2000000
expect_fail "a dump past the end is refused" 2 "beyond BAR2" \
	pcimem dump /dev/pcimem1 0x3ffff0 0x20
expect_fail "a missing device is reported" 3 "/dev/pcimem9" pcimem info /dev/pcimem9
expect_fail "an unprivileged user is refused" 4 "Permission denied" \
	su -s /bin/sh nobody -c "pcimem info /dev/pcimem0"
expect_fail "a bad width is refused" 2 "width" pcimem read /dev/pcimem0 0 12
expect_fail "a value too wide for its width is refused" 2 "0x1ff" \
	pcimem write /dev/pcimem0 0 0x1ff 8
expect_fail "an unaligned access is refused" 2 "align" pcimem read /dev/pcimem0 2 32
expect_fail "a bad number is refused" 2 "12zz" pcimem read /dev/pcimem0 12zz
expect_fail "verify reports the first mismatch and exits 1" 1 "first mismatch at 0x0" \
	pcimem verify /dev/pcimem0 zzzz
expect_fail "an unknown command is a usage error" 2 "" pcimem frobnicate

section "unbind and bind"
i=0
while [ $i -lt 10 ]; do
	echo 0000:$A >$DRV/unbind || break
	{ [ -z "$(driver_of $A)" ] && [ ! -e /dev/pcimem0 ]; } || break
	echo 0000:$A >$DRV/bind || break
	{ bound_to_pcimem $A && [ "$(node_of $A)" = /dev/pcimem0 ]; } || break
	i=$((i + 1))
done
check "10 unbind/bind cycles: the node goes and comes back ($i done)" test $i -eq 10
check "after the cycles $A still maps and verifies" pcimem verify /dev/pcimem0 abcd

section "a node's number is not handed out again while its files are open"
exec 8</dev/pcimem0
echo 0000:$A >$DRV/unbind
echo 0000:$A >$DRV/bind
anode=$(node_of $A)
check "with a file of the old /dev/pcimem0 open, $A comes back as another node ($anode)" \
	test -n "$anode" -a "$anode" != /dev/pcimem0
exec 8<&-
echo 0000:$A >$DRV/unbind
echo 0000:$A >$DRV/bind
check "once that file is closed, $A is /dev/pcimem0 again" test "$(node_of $A)" = /dev/pcimem0

section "rmmod and insmod"
i=0
while [ $i -lt 5 ]; do
	rmmod pcimem || break
	{ [ ! -e /dev/pcimem0 ] && [ ! -e /dev/pcimem1 ]; } || break
	insmod "$KO" || break
	{ bound_to_pcimem $A && bound_to_pcimem $B; } || break
	i=$((i + 1))
done
check "5 rmmod/insmod cycles ($i done)" test $i -eq 5
exec 8</dev/pcimem0
expect_fail "rmmod while a node is open is refused" 1 "can't unload module 'pcimem'" rmmod pcimem
check "the node still works after the refused rmmod" pcimem verify /dev/pcimem0 abcd
exec 8<&-

section "new_id and driver_override"
echo 0000:$A >$DRV/unbind
# All seven fields: with fewer, the PCI core refuses an ID already in the
# driver's own table (EEXIST).
newid="1af4 1110 ffffffff ffffffff 0 0 0"
check "new_id ($newid) binds the device again" \
	sh -c "echo '$newid' >$DRV/new_id && test \"\$(lspci -k -s $A | sed -n 's/.*in use: //p')\" = pcimem"
check "remove_id takes the ID away again" sh -c "echo '$newid' >$DRV/remove_id"
echo 0000:$A >$DRV/unbind
override_bind $A
check "driver_override binds the device" bound_to_pcimem $A
echo >/sys/bus/pci/devices/0000:$A/driver_override
check "the device still verifies after both" pcimem verify "$(node_of $A)" abcd

section "teardown quiesces edu ($E)"
pcimem-fault-test quiesce "$(node_of $E)" $E
echo 0000:$E >$DRV/bind
check "edu binds again afterwards, as /dev/pcimem2" test "$(node_of $E)" = /dev/pcimem2

section "a device pcimem does not know: pci-testdev at $T, by driver_override"
check "pcimem leaves $T (1b36:0005) alone" test -z "$(driver_of $T)"
override_bind $T
check "driver_override binds it" bound_to_pcimem $T
tnode=$(node_of $T)
check "its main BAR is the first mappable one, BAR0 (4 KiB of registers)" \
	sh -c "pcimem info $tnode | grep -q '^main_bar: 0' && pcimem info $tnode | grep -q '^bar_size: 4096 '"
check "sysfs lists BAR1 as 256 I/O ports and BAR2 as 1 MiB of memory, write-combining" \
	sh -c "grep -qx '1 io 256 uc no-mmap' /sys/class/pcimem/${tnode#/dev/}/bars &&
	       grep -qx '2 ram 1048576 wc mmap' /sys/class/pcimem/${tnode#/dev/}/bars"
check "no pattern went into an unknown device's memory (BAR2 all zero)" \
	pcimem --bar 2 verify "$tnode" hex:00
check "no interrupts and no peer ID for an unknown device" \
	sh -c "pcimem info $tnode | grep -q '^irq_mode: none' && pcimem info $tnode | grep -q '^peer_id: -1'"
check "the I/O BAR reads a byte at a time through read()" \
	pcimem --rw --bar 1 read "$tnode" 0 8
expect_fail "the I/O BAR cannot be mapped" 2 "" pcimem --bar 1 read "$tnode" 0 8
expect_fail "write-combining on the I/O BAR is refused" 2 "" \
	pcimem --rw --bar 1 --memtype wc read "$tnode" 0 8
override_unbind $T
check "unbound again, its node is gone" test ! -e "$tnode"

section "memory types, honestly: a framebuffer (bochs-display at $F) and x86 PAT"
check "pcimem leaves $F (1234:1111) alone" test -z "$(driver_of $F)"
override_bind $F
check "driver_override binds it" bound_to_pcimem $F
fnode=$(node_of $F)
pcimem-fault-test framebuffer "$fnode"
pcimem-fault-test memtypes /dev/pcimem0 /dev/pcimem1 "$(node_of $E)" "$fnode"
override_unbind $F

section "the kernel log"
kmemleak_check
check "no x86/PAT complaint in the kernel log" \
	sh -c "! dmesg | grep 'x86/PAT: ' | grep -v 'x86/PAT: Configuration'"

# For good: nothing after this may need BAR access.
section "kernel lockdown, checked on every access ($A)"
pcimem-fault-test lockdown "$(node_of $A)"
echo "--- dmesg ---"
dmesg
echo "--- end of dmesg ---"
