#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of doorbell-tests.sh, one guest with three devices:
#   00:04.0 ivshmem-doorbell, 4 vectors, MSI-X   (server 1, 4 vectors)
#   00:05.0 ivshmem-doorbell, 1 vector, msi=off  (server 2, 1 vector: INTx)
#   00:06.0 ivshmem-plain
# The host agent is doorbell-agent.sh: it runs host peers on the servers for
# us. Interrupts are paced by the mailbox (pcimem ping / host pong), one
# ring in flight at a time, so every ring must be counted exactly: QEMU
# folds rings that pile up in an eventfd into one interrupt.
#
# Kernel parameters: rounds=N (messages per vector, default 30), rings=K
# (guest rings per host vector, default 20).
. /pcimem/lib.sh

M=00:04.0
I=00:05.0
P=00:06.0
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

# host_is NAME WANT REQUEST...: the agent answers REQUEST with "RC 0 WANT".
host_is() {
	name=$1 want=$2
	shift 2
	host "$@" >/dev/null
	if [ "$reply" = "RC 0 $want" ]; then
		echo "ok - $name"
	else
		echo "FAIL - $name"
		echo "    | host: $reply (want: RC 0 $want)"
	fi
}

# doorbells SLOT NODE VECTORS: host <-> guest on every vector.
doorbells() {
	slot=$1 node=$2 vectors=$3
	last=$((vectors - 1))
	for v in $(seq 0 $last); do
		before=$(count "$node" $v)
		if ! host info "$slot" bg pong$v pong --count "$N" --vector $v --timeout 20000; then
			echo "FAIL - $slot vector $v: a host peer answering pings joins ($reply)"
			continue
		fi
		hid=${reply##* }
		check "$slot vector $v: $N round trips with host peer $hid (pcimem ping)" \
			sh -c "pcimem ping $node $hid --count $N --vector $v --timeout 20000 |
				grep -qx 'ping: $N round trips ok'"
		host_is "$slot vector $v: the host peer answered all $N (host pong)" \
			"pong: $N messages answered" info "$slot" join pong$v
		check "$slot vector $v: the guest counted exactly $N host rings" \
			test "$(count "$node" $v)" -eq $((before + N))
	done

	# The guest rings a host peer K times on each vector; eventfds add up.
	if ! host info "$slot" bg waitall wait --count $((vectors * K)) --timeout 30000; then
		echo "FAIL - $slot: a host peer waiting for rings joins ($reply)"
		return
	fi
	hid=${reply##* }
	bad=0
	for v in $(seq 0 $last); do
		for i in $(seq "$K"); do
			pcimem ring "$node" "$hid" $v || bad=$((bad + 1))
		done
	done
	check "$slot: $((vectors * K)) guest rings of host peer $hid accepted" test $bad -eq 0
	host info "$slot" join waitall
	for v in $(seq 0 $last); do
		case ";${reply#RC 0 };" in
		*";vector $v: +$K (total $K);"*) echo "ok - $slot vector $v: the host peer counted exactly $K guest rings" ;;
		*) echo "FAIL - $slot vector $v: the host peer counted exactly $K guest rings: $reply" ;;
		esac
	done
	for v in $(seq 0 $last); do
		check "$slot vector $v: still $N interrupts: ringing others raised none here" \
			test "$(count "$node" $v)" -eq "$N"
	done
}

section "three devices, the driver's view"
check "insmod pcimem.ko pattern= (the shared memory stays the server's)" insmod "$KO" pattern=
DM=$(node_of $M)
DI=$(node_of $I)
DP=$(node_of $P)
check "$M, $I, $P have nodes ($DM $DI $DP)" test -c "$DM" -a -c "$DI" -a -c "$DP"
check "$M (doorbell): irq_mode msix" test "$(field "$DM" irq_mode)" = msix
check "$M (doorbell): 4 vectors" test "$(field "$DM" vectors)" = 4
check "$I (doorbell, msi=off): irq_mode intx" test "$(field "$DI" irq_mode)" = intx
check "$I (doorbell, msi=off): 1 vector" test "$(field "$DI" vectors)" = 1
check "$P (plain): irq_mode none, 0 vectors, peer_id -1" \
	test "$(field "$DP" irq_mode) $(field "$DP" vectors) $(field "$DP" peer_id)" = "none 0 -1"
for dev in $M $I; do
	node=$(node_of $dev)
	id=$(pcimem id "$node")
	host_is "$dev: peer ID $id (IVPosition) is the one peer the server lists" \
		"ids: $id" info $dev ids
	check "$dev: no interrupt before anyone rang" \
		sh -c "! pcimem events $node | grep -qv ': 0$'"
done

section "MSI-X: host <-> guest on 4 vectors ($M)"
doorbells $M "$DM" 4
cat /proc/interrupts | grep -i pcimem | sed 's/^/    /'

section "INTx: host <-> guest on 1 vector ($I)"
doorbells $I "$DI" 1

section "bad input"
expect_fail "ring peer 65536: the tool refuses it, exit 2" 2 "bad peer '65536'" \
	pcimem ring "$DM" 65536 0
expect_fail "ring peer 65536: the driver says EINVAL" 1 "ring: EINVAL" \
	pcimem-bench ring "$DM" 65536 0
expect_fail "ring vector 4 of 4: the tool refuses it, exit 2" 2 "vector 4 out of range (device has 4)" \
	pcimem ring "$DM" 0 4
expect_fail "ring vector 4 of 4: the driver says EINVAL" 1 "ring: EINVAL" \
	pcimem-bench ring "$DM" 0 4
expect_fail "ring vector 1 of the 1-vector INTx device: EINVAL" 1 "ring: EINVAL" \
	pcimem-bench ring "$DI" 0 1
expect_fail "ring vector 0xffffffff: EINVAL" 1 "ring: EINVAL" \
	pcimem-bench ring "$DM" 0 0xffffffff
expect_fail "ring on ivshmem-plain: the tool says no doorbell, exit 2" 2 "has no doorbell" \
	pcimem ring "$DP" 0 0
expect_fail "ring on ivshmem-plain: the driver says EOPNOTSUPP" 1 "ring: EOPNOTSUPP" \
	pcimem-bench ring "$DP" 0 0
expect_fail "wait on quiet vector 3 times out, exit 1" 1 "timeout after 300 ms: 0 of 1 interrupts on vector 3" \
	pcimem wait "$DM" 3 --timeout 300
expect_fail "wait on the INTx device with nothing rung times out, exit 1" 1 "timeout after 300 ms" \
	pcimem wait "$DI" --timeout 300
expect_fail "wait on ivshmem-plain: no interrupts, exit 2" 2 "has no interrupts" \
	pcimem wait "$DP" --timeout 300
expect_fail "ping from ivshmem-plain: no doorbell, exit 2" 2 "no doorbell" \
	pcimem ping "$DP" 0
check "the refused rings raised nothing: still $N per vector on $M" \
	test "$(pcimem events "$DM" | tr '\n' ' ')" = "vector 0: $N vector 1: $N vector 2: $N vector 3: $N "
check "rmmod pcimem frees the vectors" rmmod pcimem
check "no pcimem interrupt left in /proc/interrupts" sh -c "! grep -q pcimem /proc/interrupts"
echo "--- dmesg ---"
dmesg | tail -n 30
echo "--- end of dmesg ---"
