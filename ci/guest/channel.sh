#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guests of ci/channel-lab.sh: channel streams (pcimem send/recv)
# between a guest and host peers, and between two guests. The kernel
# parameter role= says which guest this is:
#   one  an ivshmem-doorbell device at 00:04.0 (1 vector, our server) and
#        an ivshmem-plain one at 00:05.0: SIZE bytes guest to host and host
#        to guest on each, the same sha256 at both ends (the host ends
#        through the host agent, ci/channel-agent.sh); with big=BYTES,
#        BYTES each way on the doorbell device, never kept: from the host
#        with h2g=sha its AES-CTR data, summed as they arrive, else the
#        stream of pcimem-stream-data, checked as it arrives; to the host
#        that stream, whose sha256 the host knows (bigsha=); then, each
#        side in turn killed mid-stream (SIGKILL) under the other: the
#        guest's send fails and its recv reports the stream truncated
#        (exit 3) when a host peer is killed, and so do the host's when
#        the guest's recv or send is killed;
#   a, b two guests on one server and one plain backing file: a sends SIZE
#        bytes to b on each (without doorbells the two poll), with
#        big=BYTES then BYTES of pcimem-stream-data, which b checks byte
#        for byte as they arrive; then b's recv killed under a's send, and
#        a's send under b's recv.
# size=BYTES (default 16 MiB): the data, from /dev/urandom, summed here.
# The guests hear no leave notice from the server when a process dies
# (the device stays): the heartbeat tells them, within some 3 s.
# shellcheck disable=SC2154 # role, size, big, bigsha, h2g: kernel parameters; reply: host()
# shellcheck source=ci/guest/lib.sh
. /pcimem/lib.sh

D=00:04.0
P=00:05.0
SIZE=${size:-16777216}
BIG=${big:-0}
BIGSHA=${bigsha:-}
H2G=${h2g:-stream}
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

# trickle: 64 KiB of zeros every 50 ms, without end (a stream to cut).
trickle() { while head -c 65536 /dev/zero; do sleep 0.05; done; }

# grown FILE: wait (30 s at most) until FILE holds 256 KiB (FILE: the
# output of a command started in the background, which may not have
# opened it yet). A send's input copied there by tee: once 256 KiB are
# in, send has read some beyond the pipe's 64 KiB, so it found its peer
# and began the stream (it reads only then, a message of at most 64 KiB
# at a time).
grown() {
	i=0
	while n=$(wc -c 2>/dev/null <"$1"); [ "${n:-0}" -lt 262144 ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# exited WHAT WANT PATTERN RC ERRORS: the side that stayed exited WANT
# (it did RC) with a line matching PATTERN in ERRORS, which it shows.
exited() {
	line=$(printf '%s\n' "$5" | grep -m 1 -- "$3")
	if [ "$4" = "$2" ] && [ -n "$line" ]; then
		echo "ok - $1 exits $2, $(echo "$line" | sed 's/^[^:]*: [^:]*: //')"
	else
		echo "FAIL - $1 exits $2: exit $4 (143: it hung)"
		printf '%s\n' "$5" | sed 's/^/    | /'
	fi
}

# host_ended NAME: what the host agent's chjoin NAME said: its exit status
# in $hrc, its standard error in $herr.
host_ended() {
	host info $D chjoin "$1" >/dev/null
	hrc=$(value | sed 's/^rc \([^ ]*\).*/\1/')
	herr=$(value | sed -n 's/^[^(]*(\(.*\))$/\1/p' | tr ';' '\n')
}

# The host's recv killed mid-stream: the guest's send fails.
killed_host_recv() {
	host info $D chrecv kr >/dev/null
	peer=$(value)
	peer=${peer#id }
	trickle | tee /tmp/kr.in | pcimem send "$node" "$peer" --timeout 60000 2>/tmp/kr.err &
	pid=$!			# (pcimem's: the pipeline's last)
	grown /tmp/kr.in
	host info $D chkill kr >/dev/null
	bounded_wait $pid
	exited "the host's recv killed mid-stream: the guest's send" 3 \
		"went away mid-stream" $? "$(cat /tmp/kr.err)"
}

# The host's send killed mid-stream: the guest's recv reports it truncated.
killed_host_send() {
	pcimem recv "$node" --timeout 60000 >/tmp/ks.data 2>/tmp/ks.err &
	pid=$!
	host info $D chtrickle ks "$id" >/dev/null
	grown /tmp/ks.data
	host info $D chkill ks >/dev/null
	bounded_wait $pid
	exited "the host's send killed mid-stream: the guest's recv" 3 \
		"truncated stream" $? "$(cat /tmp/ks.err)"
	rm -f /tmp/ks.data
}

# The guest's recv killed mid-stream: the host's send fails.
killed_guest_recv() {
	host info $D chtrickle gr "$id" >/dev/null
	pcimem recv "$node" --timeout 60000 >/tmp/gr.data 2>/tmp/gr.err &
	pid=$!
	grown /tmp/gr.data
	kill -KILL $pid
	wait $pid
	rm -f /tmp/gr.data
	host_ended gr
	exited "the guest's recv killed mid-stream: the host's send" 3 \
		"went away mid-stream" "$hrc" "$herr
(the guest's recv: $(cat /tmp/gr.err))"
}

# The guest's send killed mid-stream: the host's recv reports it truncated.
killed_guest_send() {
	host info $D chrecv gs >/dev/null
	peer=$(value)
	peer=${peer#id }
	trickle | tee /tmp/gs.in | pcimem send "$node" "$peer" --timeout 60000 2>/dev/null &
	pid=$!
	grown /tmp/gs.in
	kill -KILL $pid
	wait $pid
	rm -f /tmp/kr.in /tmp/gs.in
	host_ended gs
	exited "the guest's send killed mid-stream: the host's recv" 3 \
		"truncated stream" "$hrc" "$herr"
}

# big_from_guest: BIG bytes of pcimem-stream-data to a host recv, which
# sums them: the stream's sha256, BIGSHA, is the host's (summed natively).
big_from_guest() {
	host info $D chrecv big-g2h >/dev/null
	peer=$(value)
	peer=${peer#id }
	check "doorbell, guest to host: pcimem send streams $BIG bytes of pcimem-stream-data" \
		sh -c "set -o pipefail; pcimem-stream-data $BIG | pcimem send $node $peer --timeout 60000"
	host_is "doorbell, guest to host: the host received $BIG bytes with the stream's sha256" \
		"rc 0 sha $BIGSHA" info $D chjoin big-g2h
}

# big_recv TIMEOUT_MS: pcimem recv of a BIG stream from the first peer
# that sends, each byte checked against pcimem-stream-data's as it
# arrives, none kept; big_checked says how it went.
big_recv() {
	{ pcimem recv "$node" --timeout "$1" 2>/tmp/big.recv.err; echo $? >/tmp/big.rc; } |
		pcimem-stream-data --check "$BIG" 2>/tmp/big.err
	echo "$?" >/tmp/big.check
}

# big_checked: the recv of a BIG stream exited 0 (/tmp/big.rc) and
# pcimem-stream-data --check found every byte (/tmp/big.check), else what
# the two said (/tmp/big.recv.err, /tmp/big.err).
big_checked() {
	test "$(cat /tmp/big.rc)-$(cat /tmp/big.check)" = 0-0 ||
		{ cat /tmp/big.recv.err /tmp/big.err; false; }
}

# big_to_guest: BIG bytes from a host send, none of them kept (the guest
# has less RAM than BIG). With h2g=sha the host's AES-CTR data, summed here
# as they arrive (sha256sum: a minute per GiB under TCG); else the stream
# of pcimem-stream-data, checked byte for byte as it arrives.
big_to_guest() {
	if [ "$H2G" = sha ]; then
		host info $D chsend big "$id" "$BIG" >/dev/null
		{ pcimem recv "$node" --timeout 60000; echo $? >/tmp/big.rc; } | sum - >/tmp/big.sha
		check "doorbell, host to guest: pcimem recv streams $BIG bytes, summed on the fly" \
			test "$(cat /tmp/big.rc)" = 0
		host_is "doorbell, host to guest: the host sent $BIG bytes with that sha256" \
			"rc 0 sha $(cat /tmp/big.sha)" info $D chjoin big
		return
	fi
	host info $D chstream big "$id" "$BIG" >/dev/null
	big_recv 60000
	check "doorbell, host to guest: pcimem recv streams $BIG bytes of pcimem-stream-data, checked byte for byte" \
		big_checked
	# (the host sums what its send took from the same program: this says
	# the send ended well; the guest's check above says what arrived)
	host_is "doorbell, host to guest: the host's send of the $BIG bytes exited 0" \
		"rc 0 sha $BIGSHA" info $D chjoin big
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
	if [ "$BIG" -gt 0 ]; then
		big_to_guest
		big_from_guest
	fi
	pnode=$(node_of $P)
	check "$P is ivshmem-plain (no peer ID, no interrupts)" \
		sh -c "pcimem info $pnode | grep -qx 'vectors: 0'"
	# Without doorbells the peers are slots: the host's recv takes 0.
	guest_to_host $P "$pnode" "plain, guest to host"
	host_to_guest $P "$pnode" 0 "plain, host to guest"
	expect_fail "send to a peer that never comes: exit 3" 3 "has not joined" \
		pcimem send "$node" 999 --timeout 300 </dev/null
	killed_host_recv
	killed_host_send
	killed_guest_recv
	killed_guest_send
	;;
b)
	host info $D set b-id "$id" >/dev/null
	check "b: pcimem recv takes a's stream to the end" \
		sh -c "pcimem recv $node --timeout 120000 >/tmp/a.data"
	host info $D set b-sha "$(sum /tmp/a.data)" >/dev/null
	host info $D get a-sha >/dev/null
	asha=$(value)
	check "b: $SIZE bytes from a, the sha256 a sent" \
		test "$(wc -c </tmp/a.data)-$(sum /tmp/a.data)" = "$SIZE-$asha"
	# ivshmem-plain: the lowest free slot, 0, is the one a sends to.
	pnode=$(node_of $P)
	check "b: pcimem recv takes a's stream on $P (plain: both poll)" \
		sh -c "pcimem recv $pnode --timeout 120000 >/tmp/a.data"
	host info $D set b-psha "$(sum /tmp/a.data)" >/dev/null
	check "b: $SIZE bytes from a on $P, the sha256 a sent" \
		test "$(wc -c </tmp/a.data)-$(sum /tmp/a.data)" = "$SIZE-$asha"
	rm -f /tmp/a.data
	if [ "$BIG" -gt 0 ]; then
		big_recv 120000
		check "b: pcimem recv takes a's $BIG-byte stream, checked byte for byte as it arrives" \
			big_checked
	fi
	# b's recv killed under a's send (a checks that its send fails).
	pcimem recv "$node" --timeout 60000 >/tmp/k.data 2>/dev/null &
	pid=$!
	host info $D set b-kill >/dev/null
	grown /tmp/k.data
	kill -KILL $pid
	wait $pid
	# a's send killed under b's recv.
	pcimem recv "$node" --timeout 60000 >/tmp/k.data 2>/tmp/k.err &
	pid=$!
	host info $D set b-cut >/dev/null
	grown /tmp/k.data
	host info $D set b-cut-now >/dev/null
	bounded_wait $pid
	exited "b: a's send killed mid-stream: b's recv" 3 "truncated stream" $? \
		"$(cat /tmp/k.err)"
	rm -f /tmp/k.data
	;;
a)
	host info $D set a-sha "$gsha" >/dev/null
	host info $D get b-id >/dev/null
	b=$(value)
	check "a: pcimem send $SIZE bytes to guest b (peer $b)" \
		sh -c "pcimem send $node $b --timeout 60000 </tmp/g.data"
	host info $D get b-sha >/dev/null
	check "a: b received the same sha256" test "$(value)" = "$gsha"
	pnode=$(node_of $P)
	check "a: pcimem send $SIZE bytes to guest b on $P (slot 0; plain: both poll)" \
		sh -c "pcimem send $pnode 0 --timeout 60000 </tmp/g.data"
	host info $D get b-psha >/dev/null
	check "a: b received the same sha256 on $P" test "$(value)" = "$gsha"
	[ "$BIG" -gt 0 ] &&
		check "a: pcimem send streams $BIG bytes of pcimem-stream-data to guest b" \
			sh -c "set -o pipefail; pcimem-stream-data $BIG | pcimem send $node $b --timeout 120000"
	host info $D get b-kill >/dev/null
	trickle | pcimem send "$node" "$b" --timeout 60000 2>/tmp/k.err &
	pid=$!
	bounded_wait $pid
	exited "a: b's recv killed mid-stream: a's send" 3 "went away mid-stream" $? \
		"$(cat /tmp/k.err)"
	host info $D get b-cut >/dev/null
	trickle | pcimem send "$node" "$b" --timeout 60000 2>/dev/null &
	pid=$!
	host info $D get b-cut-now >/dev/null
	kill -KILL $pid
	wait $pid
	;;
*)
	echo "FAIL - unknown role '$role'"
	;;
esac
rm -f /tmp/g.data /tmp/a.data
check "rmmod pcimem" rmmod pcimem
