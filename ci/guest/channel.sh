#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guests of ci/channel-lab.sh: channel streams (pcimem send/recv)
# between a guest and host peers, and between two guests. The kernel
# parameter role= says which guest this is:
#   one  an ivshmem-doorbell device at 00:04.0 (1 vector, our server) and
#        an ivshmem-plain one at 00:05.0: SIZE bytes guest to host and host
#        to guest on each, the same sha256 at both ends (the host ends
#        through the host agent, ci/channel-agent.sh); then a host recv
#        and a host send killed mid-stream (the guest's send fails, its
#        recv reports the stream truncated);
#   a, b two guests on one server: a sends SIZE bytes to b.
# size=BYTES (default 16 MiB): the data, from /dev/urandom, summed here.
# shellcheck disable=SC2154 # role, size: kernel parameters; reply: host()
# shellcheck source=ci/guest/lib.sh
. /pcimem/lib.sh

D=00:04.0
P=00:05.0
SIZE=${size:-16777216}
hostlink_open

# sum FILE: its sha256.
sum() { sha256sum "$1" | cut -c1-64; }

# value: what the host's last reply said after "RC 0 ".
value() { v=${reply#RC 0}; echo "${v# }"; }

# guest_to_host SLOT NODE PEER_HINT: a host recv, the guest sends to it.
guest_to_host() {
	slot=$1 dev=$2 what=$3
	if ! host info "$slot" chrecv "g2h-$slot" >/dev/null; then
		echo "FAIL - $what: the host's recv starts"
		echo "    | host: $reply"
		return
	fi
	peer=$(value)
	case $peer in "id "*) peer=${peer#id } ;; *) peer=0 ;; esac
	check "$what: pcimem send $SIZE bytes to host peer $peer" \
		sh -c "pcimem send $dev $peer --timeout 60000 </tmp/g.data"
	host_is "$what: the host received them with the same sha256" \
		"rc 0 sha $gsha" info "$slot" chjoin "g2h-$slot"
}

# host_to_guest SLOT NODE PEER: a host send to PEER, the guest receives.
host_to_guest() {
	slot=$1 dev=$2 peer=$3 what=$4
	host info "$slot" chsend "h2g-$slot" "$peer" "$SIZE" >/dev/null
	check "$what: pcimem recv takes the host's stream to the end" \
		sh -c "pcimem recv $dev --timeout 60000 >/tmp/h.data"
	check "$what: $SIZE bytes arrived" test "$(wc -c </tmp/h.data)" -eq "$SIZE"
	host_is "$what: the host sent them with the same sha256" \
		"rc 0 sha $(sum /tmp/h.data)" info "$slot" chjoin "h2g-$slot"
	rm -f /tmp/h.data
}

# bounded_wait PID: its exit status, or 143 after 30 s (then killed).
bounded_wait() {
	(sleep 30; kill "$1" 2>/dev/null) &
	guard=$!
	wait "$1"
	st=$?
	kill "$guard" 2>/dev/null
	wait "$guard" 2>/dev/null
	return $st
}

# The host's recv killed mid-stream: the guest's send fails (the guest
# hears no leave from the server: the heartbeat stops).
killed_receiver() {
	host info $D chrecv kr >/dev/null
	peer=$(value)
	peer=${peer#id }
	(while head -c 65536 /dev/zero; do sleep 0.05; done) |
		pcimem send "$node" "$peer" --timeout 60000 2>/tmp/kr.err &
	pid=$!
	sleep 2
	host info $D chkill kr >/dev/null
	bounded_wait $pid
	rc=$?
	if [ $rc = 3 ] && grep -q "went away mid-stream" /tmp/kr.err; then
		echo "ok - the host's recv killed mid-stream: send exits 3, $(sed 's/^[^:]*: [^:]*: //' /tmp/kr.err)"
	else
		echo "FAIL - the host's recv killed mid-stream: send exits 3: exit $rc"
		sed 's/^/    | /' /tmp/kr.err
	fi
}

# The host's send killed mid-stream: the guest's recv reports it truncated.
killed_sender() {
	pcimem recv "$node" --timeout 60000 >/tmp/ks.data 2>/tmp/ks.err &
	pid=$!
	host info $D chtrickle ks "$id" >/dev/null
	i=0
	while [ "$(wc -c </tmp/ks.data)" -lt 262144 ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	host info $D chkill ks >/dev/null
	bounded_wait $pid
	rc=$?
	if [ $rc = 3 ] && grep -q "truncated stream" /tmp/ks.err; then
		echo "ok - the host's send killed mid-stream: recv exits 3, $(sed 's/^[^:]*: [^:]*: //' /tmp/ks.err)"
	else
		echo "FAIL - the host's send killed mid-stream: recv exits 3: exit $rc"
		sed 's/^/    | /' /tmp/ks.err
	fi
	rm -f /tmp/ks.data
}

section "channel streams, guest $role"
check "insmod pcimem.ko pattern= (the memory is shared)" insmod "$KO" pattern=
head -c "$SIZE" /dev/urandom >/tmp/g.data
gsha=$(sum /tmp/g.data)
node=$(node_of $D)
id=$(pcimem id "$node")

case $role in
one)
	check "$D is a doorbell device, peer ID $id" \
		sh -c "pcimem info $node | grep -qx 'irq_mode: msix'"
	guest_to_host $D "$node" "doorbell, guest to host"
	host_to_guest $D "$node" "$id" "doorbell, host to guest"
	pnode=$(node_of $P)
	check "$P is ivshmem-plain (no peer ID, no interrupts)" \
		sh -c "pcimem info $pnode | grep -qx 'vectors: 0'"
	# Without doorbells the peers are slots: the host's recv takes 0.
	guest_to_host $P "$pnode" "plain, guest to host"
	host_to_guest $P "$pnode" 0 "plain, host to guest"
	expect_fail "send to a peer that never comes: exit 3" 3 "has not joined" \
		pcimem send "$node" 999 --timeout 300 </dev/null
	killed_receiver
	killed_sender
	;;
b)
	host info $D set b-id "$id" >/dev/null
	check "b: pcimem recv takes a's stream to the end" \
		sh -c "pcimem recv $node --timeout 120000 >/tmp/a.data"
	host info $D set b-sha "$(sum /tmp/a.data)" >/dev/null
	host info $D get a-sha >/dev/null
	check "b: $SIZE bytes from a, the sha256 a sent" \
		test "$(wc -c </tmp/a.data)-$(sum /tmp/a.data)" = "$SIZE-$(value)"
	;;
a)
	host info $D set a-sha "$gsha" >/dev/null
	host info $D get b-id >/dev/null
	b=$(value)
	check "a: pcimem send $SIZE bytes to guest b (peer $b)" \
		sh -c "pcimem send $node $b --timeout 60000 </tmp/g.data"
	host info $D get b-sha >/dev/null
	check "a: b received the same sha256" test "$(value)" = "$gsha"
	;;
*)
	echo "FAIL - unknown role '$role'"
	;;
esac
rm -f /tmp/g.data /tmp/a.data
check "rmmod pcimem" rmmod pcimem
