#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of ci/bench.sh. Two guests share one ivshmem server
# (1 vector, 256 MiB), each with an ivshmem-doorbell device at 00:04.0;
# the host agent is doorbell-agent.sh. role=peer answers the other guest's
# pings and powers off; role=main measures, and prints one `bench ...`
# line per result for the host to tabulate:
#   bench latency WHO P50_US P99_US MAX_US COUNT WALL_MS
#   bench rings WHO COUNT WALL_MS RECEIVED
#   bench memcpy TYPE SIZE_MIB WRITE_MIBS READ_MIBS
#   bench insmod TYPE PATTERN WALL_MS
#   bench map PATH SIZE_MIB BEST_MS MEDIAN_MS
# Kernel parameters: count=N round trips (default 10000), rings=M
# (default 100000).
. /pcimem/lib.sh

D=00:04.0
N=${count:-10000}
M=${rings:-100000}
MARK=0x6d61726b
hostlink_open

check "insmod pcimem.ko pattern= (the memory is shared)" insmod "$KO" pattern=
node=$(node_of $D)
id=$(pcimem id "$node")

# latency WHO OUTPUT: the bench line from ping --latency and time output.
latency() {
	printf '%s\n' "$2" | tr ';' '\n' | awk -v who="$1" -v n="$N" '
		/latency p50/ { p50 = $4; p99 = $7; max = $10 }
		/^time:/ { ms = $2 }
		END { if (p50 != "") print "bench latency", who, p50, p99, max, n, ms
		      else print "FAIL - " who ": no latency report" }'
}

case ${role:-main} in
peer)
	# Guest to guest: the main guest pings through a mailbox at 2 MiB.
	pcimem write "$node" 0x200100 $MARK 64
	host info $D set g2-id "$id" >/dev/null
	check "peer: answered $N pings of the other guest" \
		sh -c "pcimem pong $node --count $N --offset 0x200000 --timeout 120000 |
			grep -qx 'pong: $N messages answered'"
	;;
main)
	section "round trips"
	host info $D get g2-id >/dev/null
	g2=${reply##* }
	host info $D clear 0x200100 >/dev/null
	out=$(pcimem-bench time pcimem ping "$node" "$g2" --count "$N" --offset 0x200000 \
		--latency --timeout 20000 2>&1)
	printf '%s\n' "$out" | sed 's/^/    /'
	latency "guest->guest->guest" "$out"

	pcimem write "$node" 0x100100 $MARK 64
	pcimem pong "$node" --count "$N" --timeout 60000 >/tmp/pong.out 2>&1 &
	pong=$!
	host info $D clear 0x100100 >/dev/null
	host info $D timed ping "$id" --count "$N" --latency --timeout 20000
	wait $pong
	cat /tmp/pong.out | sed 's/^/    /'
	latency "host->guest->host" "${reply#RC 0 }"

	if host info $D bg hpong pong --count "$N" --timeout 20000; then
		out=$(pcimem-bench time pcimem ping "$node" "${reply##* }" --count "$N" \
			--latency --timeout 20000 2>&1)
		printf '%s\n' "$out" | sed 's/^/    /'
		latency "guest->host->guest" "$out"
		host info $D join hpong
	fi

	section "rings"
	if host info $D bg hwait wait --count "$M" --timeout 60000; then
		out=$(pcimem-bench rings "$node" "${reply##* }" 0 "$M")
		echo "    $out"
		host info $D join hwait
		got=$(echo "$reply" | sed -n 's/.*vector 0: +\([0-9]*\).*/\1/p')
		echo "$out" | awk -v got="${got:-0}" \
			'{ printf "bench rings guest->host %d %.0f %d\n", $2, $4 * 1000, got }'
	fi
	before=$(pcimem events "$node" | sed -n 's/^vector 0: //p')
	host info $D timed ring "$id" 0 --count "$M"
	ms=$(echo "$reply" | sed -n 's/.*time: \([0-9]*\) ms.*/\1/p')
	# Let the last interrupts land: a quiet second.
	pcimem wait "$node" 0 --count "$M" --timeout 1000 >/dev/null 2>&1
	after=$(pcimem events "$node" | sed -n 's/^vector 0: //p')
	echo "bench rings host->guest $M ${ms:-0} $((after - before))"

	# The PCI core's resource files beside /dev/pcimemN, interleaved, in
	# one boot (iomem=relaxed lets sysfs map a BAR that pcimem holds).
	section "mmap and touch every page of 256 MiB, interleaved, 5 x 5 times each"
	res=/sys/bus/pci/devices/0000:$D/resource2
	for round in 1 2 3 4 5; do
		for path in "$node" "$res" "${res}_wc"; do
			out=$(pcimem-bench maptouch "$path" 256M 5 2>&1)
			echo "    $path: $out"
			best=$(echo "$out" | sed -n 's/^maptouch: best \([0-9.]*\) ms, median \([0-9.]*\) ms/\1 \2/p')
			case $path in
			/dev/*) name=pcimem ;;
			*_wc) name=resource2_wc ;;
			*) name=resource2 ;;
			esac
			if [ -n "$best" ]; then echo "bench map $name 256 $best"; else
				echo "FAIL - maptouch $path: $out"; fi
		done
	done

	section "memcpy through mmap, 64 MiB"
	pcimem-bench memcpy "$node" 64M uc wc wb | tee /tmp/memcpy.out | sed 's/^/    /'
	awk '/^memcpy.*MiB\/s/ { sub(":", "", $2); print "bench memcpy", $2, $3, $6, $9 }
	     /^memcpy.*refused/ { print "bench memcpy", $2, $3, "refused", "refused" }' /tmp/memcpy.out

	section "insmod: the pattern over the 256 MiB BAR, three times per type"
	check "rmmod pcimem" rmmod pcimem
	for mt in uc wc wb uc wc wb uc wc wb; do
		for pat in none abcd; do
			arg="pattern=$pat"
			[ $pat = none ] && arg="pattern="
			if out=$(pcimem-bench time insmod "$KO" "$arg" ram_memtype=$mt 2>&1) &&
			   rmmod pcimem; then
				echo "bench insmod $mt $pat $(echo "$out" | sed -n 's/^time: \([0-9.]*\) ms/\1/p')"
			else
				echo "FAIL - insmod $arg ram_memtype=$mt, then rmmod"
				printf '%s\n' "$out" | sed 's/^/    | /'
			fi
		done
	done
	insmod "$KO" pattern=
	check "the last fill left abcd over the whole 256 MiB" pcimem verify "$(node_of $D)" abcd
	;;
esac
