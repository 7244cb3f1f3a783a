#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of ci/bench.sh. Two guests share one ivshmem server
# (1 vector, 1 GiB), each with an ivshmem-doorbell device at 00:04.0;
# the host agent is doorbell-agent.sh. role=peer answers the other guest's
# pings and powers off; role=vfio-peer pings the IOMMU boot's guest
# (bench-vfio.sh) and prints its latency lines; role=main measures, and prints one `bench ...`
# line per result for the host to tabulate:
#   bench latency WHO P50_US P99_US MAX_US COUNT WALL_MS
#   bench rings WHO COUNT WALL_MS RECEIVED
#   bench insmod TYPE PATTERN WALL_MS
#   bench map, mapsplit, faults, bw, kfill ... (bench-lib.sh)
# Kernel parameters: count=N round trips (default 10000), rings=M
# (default 100000), rounds=R of mapping and bandwidth (default 5),
# bwsizes=SIZE,... (default 4K,64K,1M,16M,256M), bwmin=BYTES each
# bandwidth pass moves at least (default 16M).
# shellcheck source=ci/guest/lib.sh
. /pcimem/lib.sh
# shellcheck source=ci/guest/bench-lib.sh
. /pcimem/bench-lib.sh

D=00:04.0
N=${count:-10000}
M=${rings:-100000}
R=${rounds:-5}
SIZES=$(echo "${bwsizes:-4K,64K,1M,16M,256M}" | tr , " ")
BWMIN=${bwmin:-16M}
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
vfio-peer)
	# The IOMMU boot's other guest (ci/bench.sh bench_vfio): it pings the
	# q35 guest's pong, woken first by pcimem's counts, then by vfio-pci's
	# MSI-X eventfd, through mailboxes at 2 MiB; the q35 guest posts
	# pong-pcimem and pong-vfio (its peer ID) once each pong is about to run.
	for kind in pcimem vfio; do
		who="guest->guest->guest"
		[ $kind = vfio ] && who="guest->guest(vfio-pci)->guest"
		# The q35 guest measures for minutes between the two: ask again.
		got=
		for _ in 1 2 3 4 5 6; do
			host info $D get "pong-$kind" >/dev/null && { got=${reply##* }; break; }
		done
		if [ -z "$got" ]; then
			echo "FAIL - $who: the q35 guest never posted pong-$kind"
			continue
		fi
		host info $D clear 0x200100 >/dev/null
		out=$(pcimem-bench time pcimem ping "$node" "$got" --count "$N" --offset 0x200000 \
			--latency --timeout 20000 2>&1)
		printf '%s\n' "$out" | sed 's/^/    /'
		latency "$who" "$out"
	done
	;;
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

	bench_hostping "host->guest->host" pcimem pong "$node" --count "$N" --timeout 60000
	# The same with the guest woken by an eventfd (PCIMEM_IOC_SET_EVENTFD).
	bench_hostping "host->guest(eventfd)->host" pcimem-bench epong "$node" "$id" "$N"

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
	# pcimem-4k: the same node at an address no 2 MiB entry fits, where
	# the kernel has huge entries at all. Memory types: PCIMEM_IOC_SELECT.
	bench_pcimem_paths "$node" "$D"
	for p in $paths; do
		case $p in pcimem*) ;; *) continue ;; esac
		bench_faults "$dbg/faults" "$p" 16
		bench_faults "$dbg/faults" "$p" 256
	done
	# shellcheck disable=SC2086 # the paths are separate arguments
	bench_maps $paths
	# shellcheck disable=SC2086 # the paths are separate arguments
	bench_mapsplit $paths
	# pcimem-rw-model: read()/write()'s copies replayed in user space
	# (bounce4: 4-byte moves on the BAR side, as memcpy_fromio); -16: the
	# same with memcpy's 16-byte moves.
	bench_bw ram=ram "pcimem-uc=mmap:$node:uc" "pcimem-wc=mmap:$node:wc" \
		"pcimem-wb=mmap:$node:wb" "pcimem-rw=rw:$node" "resource2=file:$res" \
		"resource2_wc=file:${res}_wc" "rw-model=bounce4:$node" "rw-model-16=bounce16:$node"

	section "insmod: the pattern over the 1 GiB BAR, twice per type"
	check "rmmod pcimem" rmmod pcimem
	for mt in uc wc wb uc wc wb; do
		for pat in none abcd; do
			arg="pattern=$pat"
			[ $pat = none ] && arg="pattern="
			if out=$(pcimem-bench time insmod "$KO" "$arg" ram_memtype=$mt 2>&1); then
				echo "bench insmod $mt $pat $(echo "$out" | sed -n 's/^time: \([0-9.]*\) ms/\1/p')"
				[ $pat = abcd ] && bench_kfill "$dbg" | sed "s/kfill /kfill $mt-/"
			fi
			if ! rmmod pcimem; then
				echo "FAIL - insmod $arg ram_memtype=$mt, then rmmod"
				printf '%s\n' "$out" | sed 's/^/    | /'
			fi
		done
	done
	insmod "$KO" pattern=
	check "the last fill left abcd over the whole 1 GiB" pcimem verify "$(node_of $D)" abcd
	;;
esac
