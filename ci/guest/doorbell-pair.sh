#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guests of doorbell-tests.sh's two-guest scenario: three guests, one
# ivshmem server, one shared memory, each with an ivshmem-doorbell device
# (1 vector, MSI-X) at 00:04.0. The kernel parameter role= says which:
#   b  boots with a and answers a's pings (pcimem pong), sees a leave, rings
#      the departed a harmlessly, then answers c's pings;
#   a  pings b, compares event counts with b, powers off;
#   c  joins after a left, gets a fresh peer ID, pings b.
# They meet through the host agent (doorbell-agent.sh: set/get KEY), and a
# pinger starts only once the pong has cleared its reply slot: the pong
# took its interrupt baseline before that, so no ring can slip past it.
# The host posts a-gone once a's QEMU has exited.
#
# Kernel parameters: rounds=N (messages a -> b, default 200; c -> b: N/2).
# shellcheck source=lib.sh # /pcimem/ is ci/guest/ in the initramfs
. /pcimem/lib.sh

D=00:04.0
role=${role-}	# a kernel parameter; when missing, an unknown role below
N=${rounds:-200}
NC=$((N / 2))
REPLY_SEQ=0x100100	# mailbox at 1 MiB: the reply slot's sequence number
MARK=0x6d61726b		# "mark": not a sequence number pong would write
hostlink_open

# get KEY: what another guest or the host posted ($value); waits for it.
get() {
	host info $D get "$1" >/dev/null
	value=${reply#RC 0}
	value=${value# }
	case $reply in "RC 0"|"RC 0 "*) return 0 ;; esac
	echo "FAIL - $1 was never posted"
	echo "    | host: $reply"
	return 1
}

post() {
	host info $D set "$@" >/dev/null
}

count() {
	pcimem events "$node" | sed -n "s/^vector 0: //p"
}

# pong_ready KEY N: mark the reply slot, post KEY = own ID, answer N pings.
pong_for() {
	check "mark the mailbox's reply slot" pcimem write "$node" $REPLY_SEQ $MARK 64
	post "$1" "$id"
	check "answers $2 pings (pcimem pong)" \
		sh -c "pcimem pong $node --count $2 --timeout 120000 | grep -qx 'pong: $2 messages answered'"
}

# ping_to KEY N: wait for the pong posted as KEY, then ping it N times.
ping_to() {
	get "$1" || return 1
	peer=$value
	host_is "pong on peer $peer cleared its reply slot: it is ready" \
		"cleared $REPLY_SEQ" info $D clear $REPLY_SEQ
	check "$2 round trips with peer $peer, none lost or extra (pcimem ping)" \
		sh -c "pcimem ping $node $peer --count $2 --timeout 20000 | grep -qx 'ping: $2 round trips ok'"
}

section "guest $role"
check "insmod pcimem.ko pattern= (the memory is shared)" insmod "$KO" pattern=
node=$(node_of $D)
id=$(pcimem id "$node")
check "$D is a doorbell device with 1 MSI-X vector, peer ID $id" \
	sh -c "pcimem info $node | grep -qx 'irq_mode: msix' && pcimem info $node | grep -qx 'vectors: 1'"
post "$role-id" "$id"

case $role in
b)
	pong_for b-ready "$N"
	check "exactly $N interrupts, one per request" test "$(count)" -eq "$N"
	post b-events "$(count)"
	get a-events && check "a counted exactly the $N replies b rang" test "$value" -eq "$N"
	get a-id && a=$value

	section "a leaves"
	get a-gone
	host_is "the host's peer list no longer holds a (peer $a), only b" \
		"ids: $id" info $D gone "$a"
	check "ringing the departed a is accepted (the driver cannot know)" \
		pcimem ring "$node" "$a" 0
	expect_fail "nothing comes back from the departed a (wait times out)" 1 "timeout after 500 ms" \
		pcimem wait "$node" 0 --timeout 500
	check "still exactly $N interrupts" test "$(count)" -eq "$N"

	section "c joins"
	pong_for b-ready2 "$NC"
	check "exactly $((N + NC)) interrupts in all" test "$(count)" -eq $((N + NC))
	post b-events2 "$(count)"
	get c-events && check "c counted exactly the $NC replies b rang" test "$value" -eq "$NC"
	;;
a)
	get b-id && b=$value
	pair=$(printf '%s\n' "$id" "$b" | sort -n | tr '\n' ' ')
	host_is "the host lists a and b (peers $id and $b)" "ids: ${pair% }" info $D ids
	ping_to b-ready "$N"
	check "exactly $N interrupts, one per reply" test "$(count)" -eq "$N"
	post a-events "$(count)"
	get b-events && check "b counted exactly the $N requests a rang" test "$value" -eq "$N"
	;;
c)
	get a-id && a=$value
	check "a fresh peer ID $id, not the departed a's ($a)" test "$id" != "$a"
	ping_to b-ready2 "$NC"
	check "exactly $NC interrupts, one per reply" test "$(count)" -eq "$NC"
	post c-events "$(count)"
	get b-events2 && check "b counted $N + $NC requests, from a and c" \
		test "$value" -eq $((N + NC))
	;;
*)
	echo "FAIL - unknown role '$role'"
	;;
esac
check "rmmod pcimem" rmmod pcimem
