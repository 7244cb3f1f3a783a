#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lab=testdev: pcimem against our own QEMU device model, pcimem-testdev
# (qemu-device/testdev/pcimem-testdev.rst), in the QEMU that
# ci/qemu-build.sh builds. One line per check; the host counts.
#
# lab=testdev (QEMU's PC): the layouts of TESTDEV_LAYOUTS in
# ci/run-tests.sh, in that order from 00:04.0 on; each binds or is refused
# with its message, the contracts hold for every BAR of the bound ones,
# INTx, MSI and MSI-X count exactly, a storm, DMA, privileges, ivshmem's
# INTx path (a testdev with ivshmem's registers, regs=ivshmem) on a line
# shared with a testdev, a shared INTx line with a device off the bus on
# it, a device
# that falls off the bus and is hot-unplugged, and last the driver's
# pattern around MSI-X tables in the main BAR.
# lab=testdev-reset (q35, each device behind a root port of its own): a
# device with FLR at 01:00.0 and one without at 02:00.0, each reset through
# sysfs while threads read it; then two functions behind one port (03:00.0,
# 03:00.1) reset together by the port's reset_subordinate (6.12, 6.1.y), which
# holds both devices' locks at once: lockdep must not call it recursion.
# shellcheck source=ci/guest/lib.sh
. /pcimem/lib.sh

hostlink_open

# tdt ARGS...: pcimem-testdev-test, whose failed checks speak for
# themselves (exit 1); any other failure is one more.
tdt() {
	pcimem-testdev-test "$@"
	rc=$?
	[ $rc -le 1 ] || echo "FAIL - pcimem-testdev-test $1 $2 exited $rc"
}

# wait_node SLOT: up to 10 s for the device to have a node.
wait_node() {
	for _ in $(seq 50); do
		[ -n "$(node_of "$1")" ] && return 0
		sleep 0.2
	done
	return 1
}

not_bound() {
	! bound_to_pcimem "$1"
}

# refused SLOT TEXT: the device is not bound, and the kernel log names it
# with TEXT.
is_refused() {
	! bound_to_pcimem "$1" && dmesg | grep -F "0000:$1" | grep -qF "$2"
}
refused() {
	check "$1 is refused: \"$2\"" is_refused "$1" "$2"
}

# irq_mode_is SLOT MODE [VECTORS]: sysfs says how its interrupts come.
irq_mode_is() {
	d=/sys/class/pcimem/$(basename "$(node_of "$1")")
	[ "$(cat "$d/irq_mode")" = "$2" ] && { [ -z "${3:-}" ] || [ "$(cat "$d/vectors")" = "$3" ]; }
}

# vector0 NODE: vector 0's interrupts since probe (pcimem events).
vector0() {
	pcimem events "$1" | sed -n 's/^vector 0: //p'
}

# ring_count NODE PEER N: N rings of PEER's vector 0 by pcimem ring count N
# on NODE's vector 0, and no more once they all arrived.
ring_count() {
	before=$(vector0 "$1")
	[ -n "$before" ] || return 1
	for _ in $(seq "$3"); do
		pcimem ring "$1" "$2" 0 || return 1
	done
	for _ in $(seq 50); do
		[ "$(vector0 "$1")" -ge $((before + $3)) ] && break
		sleep 0.1
	done
	sleep 0.2
	[ "$(vector0 "$1")" -eq $((before + $3)) ]
}

# above_4g SLOT BAR: the PCI core placed the BAR above 4 GiB.
above_4g() {
	start=$(sed -n "$(($2 + 1))p" "/sys/bus/pci/devices/0000:$1/resource" | cut -d' ' -f1)
	[ $((start)) -ge $((1 << 32)) ]
}

# bars SLOT WHAT: the device is bound; every BAR's contract holds.
bars() {
	check "$1 ($2) is bound to pcimem" bound_to_pcimem "$1"
	node=$(node_of "$1")
	[ -n "$node" ] || return
	tdt bars "$node" "$1"
	check "$1: the tools show it (pcimem info, pcimem bars)" \
		sh -c "pcimem info $node >/dev/null && pcimem bars $node >/dev/null"
}

if [ "${lab:-}" = testdev-reset ]; then
	section "function resets of pcimem-testdev (q35)"
	check "insmod pcimem.ko" insmod "$KO"
	check "01:00.0 offers FLR (reset_method: $(cat /sys/bus/pci/devices/0000:01:00.0/reset_method 2>&1))" \
		grep -qw flr /sys/bus/pci/devices/0000:01:00.0/reset_method
	check "02:00.0, without FLR, is reset through its port (reset_method: $(cat /sys/bus/pci/devices/0000:02:00.0/reset_method 2>&1))" \
		sh -c "! grep -qw flr /sys/bus/pci/devices/0000:02:00.0/reset_method"
	for slot in 01:00.0 02:00.0; do
		node=$(node_of $slot)
		check "$slot is bound to pcimem ($node)" test -c "$node"
		tdt reset "$node" $slot
	done
	port=/sys/bus/pci/devices/0000:00:06.0
	for slot in 03:00.0 03:00.1; do
		check "$slot, a function behind port 00:06.0, is bound to pcimem ($(node_of $slot))" \
			test -c "$(node_of $slot)"
	done
	if [ -e $port/reset_subordinate ]; then
		check "1 into 00:06.0's reset_subordinate resets 03:00.0 and 03:00.1 in one bus reset" \
			sh -c "echo 1 >$port/reset_subordinate"
		check "that reset, holding both functions' locks, draws no recursive-locking report (each pd->lock a class of its own)" \
			sh -c "! dmesg | grep -q 'possible recursive locking'"
		for slot in 03:00.0 03:00.1; do
			check "$slot answers after the bus reset (pcimem info: its lock was let go)" \
				timeout 10 pcimem info "$(node_of $slot)"
		done
	else
		check "not applicable here: Linux $(uname -r) has no reset_subordinate, so no bus reset from user space holds both functions' locks" \
			test ! -e $port/reset_subordinate
	fi
	check "rmmod pcimem" rmmod pcimem
else
	section "the layouts: bound or refused, never a crash"
	# No pattern: a 64 GiB BAR is far too big to fill under TCG.
	check "insmod pcimem.ko pattern= (empty)" insmod "$KO" pattern=
	lspci -nn -d 1234:11e9
	lspci -nn -d 1af4:1110
	bars 00:04.0 "64 MSI-X vectors in a BAR of their own"
	bars 00:05.0 "MSI, 32 vectors asked"
	bars 00:06.0 "INTx only"
	bars 00:07.0 "sub-page memory, I/O ports, 32-bit prefetchable"
	bars 00:08.0 "16 GiB, 64-bit, above 4 GiB"
	bars 00:09.0 "64 GiB"
	bars 00:0a.0 "the MSI-X table inside the main BAR"
	refused 00:0b.0 "in BAR0, which is only the MSI-X table"
	refused 00:0c.0 "in BAR0, which is absent"
	refused 00:0d.0 "in BAR0, which is 256 I/O ports"
	refused 00:0e.0 "in BAR0, which is absent"
	check "00:0e.0, refused, is a pcimem-testdev posing as ivshmem (1af4:1110)" \
		sh -c "lspci -n -s 00:0e.0 | grep -q 1af4:1110"
	refused 00:0f.0 "its registers need 160 bytes of memory in BAR0, which is 128 bytes of memory"
	check "00:10.0, posing as ivshmem with INTx and no MSI-X, is bound" bound_to_pcimem 00:10.0
	check "00:10.0 takes ivshmem's INTx path" irq_mode_is 00:10.0 intx 1
	bars 00:11.0 "posing as ivshmem, its MSI-X table in the shared memory BAR2"
	check "00:12.0, an ID pcimem does not know (1234:0001), is left alone" not_bound 00:12.0
	override_bind 00:12.0
	bars 00:12.0 "a device pcimem does not know, by driver_override"
	check "00:12.0, unknown, gets no interrupts, though it has MSI-X" irq_mode_is 00:12.0 none 0
	check "00:12.0: its prefetchable BAR2 is write-combining, not known to be RAM" \
		grep -q '^2 ram 1048576 wc mmap$' "/sys/class/pcimem/$(basename "$(node_of 00:12.0)")/bars"
	bars 00:13.0 "a 16-byte 64-bit prefetchable BAR4, no interrupts"
	check "00:13.0: its 16-byte BAR4, sharing a page, is uncached and not mapped" \
		grep -q '^4 ram 16 uc no-mmap$' "/sys/class/pcimem/$(basename "$(node_of 00:13.0)")/bars"
	check "00:15.0 (the MSI-X table and its PBA apart in BAR2) is bound" bound_to_pcimem 00:15.0
	tdt gap "$(node_of 00:15.0)" 2 0x10000 0x30000
	check "00:08.0's 16 GiB BAR2 lies above 4 GiB" above_4g 00:08.0 2
	check "00:09.0's 64 GiB BAR2 lies above 4 GiB" above_4g 00:09.0 2
	for slot in 00:04.0 00:09.0; do
		node=$(node_of $slot)
		[ -n "$node" ] && pcimem-contract "$node"
	done

	section "interrupts: exact counts"
	check "00:04.0 uses MSI-X with 64 vectors" irq_mode_is 00:04.0 msix 64
	check "00:05.0 uses MSI" irq_mode_is 00:05.0 msi
	check "00:06.0 uses INTx" irq_mode_is 00:06.0 intx 1
	check "00:0a.0 uses MSI-X with 8 vectors, its table in the main BAR" irq_mode_is 00:0a.0 msix 8
	check "00:11.0, as ivshmem, uses MSI-X with 4 vectors" irq_mode_is 00:11.0 msix 4
	for slot in 00:04.0 00:05.0 00:06.0 00:0a.0 00:11.0; do
		tdt irq "$(node_of $slot)"
	done

	section "an interrupt storm"
	tdt storm "$(node_of 00:04.0)" 00:04.0

	section "DMA and privileges"
	tdt dma "$(node_of 00:05.0)" busmaster
	tdt dma "$(node_of 00:06.0)" nobusmaster
	tdt privileges "$(node_of 00:05.0)"
	tdt privileges "$(node_of 00:06.0)"
	# No pin, no interrupts, no bus mastering (until the test sets it
	# behind the kernel's back).
	tdt privileges "$(node_of 00:13.0)"

	section "ivshmem's INTx path, on a line shared with a pcimem-testdev"
	# 00:10.0 and 00:14.0 use pin A of slots 16 and 20: the PC routes
	# both to PIRQ A ((slot + pin - 1) mod 4), one line. 00:10.0 has
	# ivshmem's registers (regs=ivshmem) with IVPosition 3.
	check "00:14.0 (INTx only, the line of 00:10.0) is bound" bound_to_pcimem 00:14.0
	ivs=$(node_of 00:10.0)
	tdt ivshmem-intx "$ivs" 00:10.0 3 "$(node_of 00:14.0)" 00:14.0
	check "00:10.0: 5 rings to itself by the command line (pcimem ring $ivs 3 0) count 5" \
		ring_count "$ivs" 3 5

	section "a shared INTx line, one device on it off the bus"
	tdt shared "$(node_of 00:10.0)" 00:10.0 "$(node_of 00:14.0)" 00:14.0

	section "a device that falls off the bus, then goes"
	tdt fail "$(node_of 00:06.0)" 00:06.0
	check "the host plugs it back (device_add), healthy" host plug 00:06.0
	check "it is bound again, with a node" wait_node 00:06.0
	tdt irq "$(node_of 00:06.0)"
	# The others still work after it.
	tdt irq "$(node_of 00:05.0)"
	check "rmmod pcimem" rmmod pcimem

	section "the pattern, around the MSI-X table"
	# Not the 16 and 64 GiB BARs: filling them would take minutes.
	for slot in 00:08.0 00:09.0; do
		echo none >/sys/bus/pci/devices/0000:$slot/driver_override
	done
	# A 3-byte pattern: 0x11000, where the table of 00:11.0 ends, is no
	# multiple of 3, so a fill that lost its phase there would show.
	check "insmod pcimem.ko pattern=xyz, the big BARs left out" insmod "$KO" pattern=xyz
	check "00:09.0 is left alone" not_bound 00:09.0
	for slot in 00:0a.0 00:11.0; do
		tdt pattern "$(node_of $slot)" xyz
		# The table was not written over: every vector still counts.
		tdt irq "$(node_of $slot)"
	done
	check "rmmod pcimem" rmmod pcimem
fi

kernel_log
