#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of doorbell-tests.sh's one-guest runs. The host agent is
# doorbell-agent.sh: it runs host peers on the ivshmem servers for us.
#
# mode=msix (default): 00:04.0 ivshmem-doorbell with 4 vectors (MSI-X) on a
#   4-vector server, 00:05.0 ivshmem-plain. Modes and vectors, the peer ID
#   against the server's list, exact ring counts both ways on every vector,
#   bad input.
# mode=nomsi (booted with pci=nomsi): 00:04.0 ivshmem-doorbell with 1 vector
#   on a 1-vector server, MSI-X unavailable. QEMU 7.2's ivshmem-doorbell has
#   no msi=off and no INTx pin: the driver must bind it without interrupts.
#
# Host -> guest rings are paced by the mailbox (pcimem ping against a host
# pong), one ring in flight at a time: QEMU folds rings that pile up in an
# eventfd into one interrupt, so only paced rings can be counted exactly.
# Kernel parameters: rounds=N (round trips per vector, default 30),
# rings=K (guest rings per host vector, default 20).
# shellcheck source=lib.sh # /pcimem/ is ci/guest/ in the initramfs
. /pcimem/lib.sh

D=00:04.0
P=00:05.0
N=${rounds:-30}
K=${rings:-20}
hostlink_open

# field NODE NAME: one line of `pcimem info NODE`.
field() {
	pcimem info "$1" | sed -n "s/^$2: //p"
}

# count NODE VECTOR: the interrupts of VECTOR since probe.
count() {
	pcimem events "$1" | sed -n "s/^vector $2: //p"
}

# host_to_guest NODE VECTORS: host rings paced by ping/pong on every vector.
host_to_guest() {
	node=$1 last=$(($2 - 1))
	for v in $(seq 0 "$last"); do
		before=$(count "$node" "$v")
		if ! host info $D bg "pong$v" pong --count "$N" --vector "$v" --timeout 20000 >/dev/null; then
			echo "FAIL - vector $v: a host peer answering pings joins"
			echo "    | host: $reply"
			continue
		fi
		hid=${reply##* }
		check "vector $v: $N round trips with host peer $hid (pcimem ping)" \
			sh -c "pcimem ping $node $hid --count $N --vector $v --timeout 20000 |
				grep -qx 'ping: $N round trips ok'"
		host_is "vector $v: the host peer answered all $N (host pong)" \
			"pong: $N messages answered" info $D join "pong$v"
		check "vector $v: the guest counted exactly $N interrupts, one per host ring" \
			test "$(count "$node" "$v")" -eq $((before + N))
	done
}

# guest_to_host NODE VECTORS: K rings of a host peer's every vector.
guest_to_host() {
	node=$1 vectors=$2 last=$(($2 - 1))
	if ! host info $D bg waitall wait --count $((vectors * K)) --timeout 30000 >/dev/null; then
		echo "FAIL - a host peer waiting for rings joins"
		echo "    | host: $reply"
		return
	fi
	hid=${reply##* }
	bad=0
	for v in $(seq 0 "$last"); do
		for _ in $(seq "$K"); do
			pcimem ring "$node" "$hid" "$v" || bad=$((bad + 1))
		done
	done
	check "the driver took $((vectors * K)) rings of host peer $hid" test $bad -eq 0
	host info $D join waitall >/dev/null
	for v in $(seq 0 "$last"); do
		case ";${reply#RC 0 };" in
		*";vector $v: +$K (total $K);"*)
			echo "ok - vector $v: the host peer counted exactly $K guest rings" ;;
		*)	echo "FAIL - vector $v: the host peer counted exactly $K guest rings"
			echo "    | host: $reply" ;;
		esac
	done
}

# same_id NODE: the device's IVPosition is the one peer the server lists.
same_id() {
	id=$(pcimem id "$1")
	host_is "peer ID $id (IVPosition) is the one peer the server lists" \
		"ids: $id" info $D ids
}

check "insmod pcimem.ko pattern= (the shared memory stays the server's)" insmod "$KO" pattern=
node=$(node_of $D)
if [ ! -c "$node" ]; then
	echo "FAIL - the doorbell device $D is bound and has a node (mode ${mode:-msix})"
	lspci -vv -s $D | grep -E 'Interrupt:|MSI-X:' | sed 's/^[[:space:]]*/    | lspci: /'
	dmesg | grep 'pcimem.*00:04.0' | sed 's/^/    | /'
	exit 1
fi

case ${mode:-msix} in
msix)
	section "MSI-X: 4 vectors"
	plain=$(node_of $P)
	check "$D (doorbell): irq_mode msix" test "$(field "$node" irq_mode)" = msix
	check "$D (doorbell): 4 vectors" test "$(field "$node" vectors)" = 4
	check "$P (plain): irq_mode none, 0 vectors" \
		test "$(field "$plain" irq_mode) $(field "$plain" vectors)" = "none 0"
	check "4 interrupts named pcimem0-0 .. pcimem0-3 in /proc/interrupts" \
		test "$(grep -c ' pcimem0-[0-3]$' /proc/interrupts)" -eq 4
	same_id "$node"
	check "no interrupt before anyone rang" \
		test "$(pcimem events "$node" | tr '\n' ' ')" = "vector 0: 0 vector 1: 0 vector 2: 0 vector 3: 0 "

	section "host -> guest, guest -> host on every vector"
	host_to_guest "$node" 4
	guest_to_host "$node" 4
	check "ringing the host raised nothing here: still $N interrupts per vector" \
		test "$(pcimem events "$node" | tr '\n' ' ')" = "vector 0: $N vector 1: $N vector 2: $N vector 3: $N "

	section "bad input"
	expect_fail "ring peer 65536: the tool refuses it, exit 2" 2 "bad peer '65536'" \
		pcimem ring "$node" 65536 0
	expect_fail "ring peer 65536: the driver says EINVAL" 1 "ring: EINVAL" \
		pcimem-bench ring "$node" 65536 0
	expect_fail "ring peer 0xffffffff: EINVAL" 1 "ring: EINVAL" \
		pcimem-bench ring "$node" 0xffffffff 0
	expect_fail "ring vector 4 of 4: the tool refuses it, exit 2" 2 "vector 4 out of range (device has 4)" \
		pcimem ring "$node" 0 4
	expect_fail "ring vector 4 of 4: the driver says EINVAL" 1 "ring: EINVAL" \
		pcimem-bench ring "$node" 0 4
	expect_fail "ring vector 0xffffffff: EINVAL" 1 "ring: EINVAL" \
		pcimem-bench ring "$node" 0 0xffffffff
	expect_fail "ring on ivshmem-plain: the tool says no doorbell, exit 2" 2 "has no doorbell" \
		pcimem ring "$plain" 0 0
	expect_fail "ring on ivshmem-plain: the driver says EOPNOTSUPP" 1 "ring: EOPNOTSUPP" \
		pcimem-bench ring "$plain" 0 0
	expect_fail "wait on quiet vector 3 times out, exit 1" 1 \
		"timeout after 300 ms: 0 of 1 interrupts on vector 3" \
		pcimem wait "$node" 3 --timeout 300
	expect_fail "wait on ivshmem-plain: no interrupts, exit 2" 2 "has no interrupts" \
		pcimem wait "$plain" --timeout 300
	expect_fail "ping from ivshmem-plain: no doorbell, exit 2" 2 "no doorbell" \
		pcimem ping "$plain" 0
	check "the refused rings raised nothing: still $N per vector" \
		test "$(pcimem events "$node" | tr '\n' ' ')" = "vector 0: $N vector 1: $N vector 2: $N vector 3: $N "
	;;
nomsi)
	# QEMU 7.2's ivshmem-doorbell has no INTx pin and signals only through
	# MSI-X: without MSI the device still has its memory, but no interrupts.
	section "MSI-X unavailable (pci=nomsi): memory without interrupts"
	check "$D (doorbell): irq_mode none, 0 vectors" \
		test "$(field "$node" irq_mode) $(field "$node" vectors)" = "none 0"
	same_id "$node"
	check "no pcimem interrupt in /proc/interrupts" sh -c "! grep -q pcimem /proc/interrupts"
	check "the guest stores 0x600df00d at 0x1000 of the shared memory" \
		pcimem write "$node" 0x1000 0x600df00d
	host_is "the host reads it from the server's memory" 0x600df00d read $D 0x1000 32
	expect_fail "ring: the tool says no doorbell, exit 2" 2 "has no doorbell" \
		pcimem ring "$node" 0 0
	expect_fail "ring: the driver says EOPNOTSUPP" 1 "ring: EOPNOTSUPP" \
		pcimem-bench ring "$node" 0 0
	expect_fail "wait: no interrupts, exit 2" 2 "has no interrupts" \
		pcimem wait "$node" --timeout 300
	;;
esac

check "rmmod pcimem frees the vectors" rmmod pcimem
check "no pcimem interrupt is left in /proc/interrupts" sh -c "! grep -q pcimem /proc/interrupts"
echo "--- dmesg ---"
dmesg | tail -n 30
echo "--- end of dmesg ---"
