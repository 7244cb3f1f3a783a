#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Shared by the bench guests (bench.sh, bench-vfio.sh): mapping and
# bandwidth, each path measured in turn within every round, so that the
# load of a shared host falls on all of them alike, and each round starting
# one path later than the last (round 1: A B C, round 2: B C A, ...), so
# that no path always runs first, on a cold cache, or right after another.
# The caller sets node, then bench_pcimem_paths (or its own file_of():
# PATH -> what maptouch opens), R (rounds), SIZES and BWMIN;
# MAPSIZES (MiB, default 16 256 1024) and SPLITSIZE (MiB, default 256) the
# windows. Lines for the host:
#   bench map PATH SIZE_MIB BEST_MS MEDIAN_MS     (3 mappings)
#   bench mapsplit PATH SIZE_MIB MMAP_MS FIRST_MS SECOND_MS MUNMAP_MS SPARSE_MS
#   bench faults PATH SIZE_MIB PTE PMD PREFAULT   (debugfs, one maptouch)
#   bench bw PATH OP SIZE_BYTES MIB_S             (one pass each)
#   bench kfill WHAT BYTES NS                     (debugfs probe_fill, ram_memset)

# bench_pcimem_paths NODE SLOT: the ways to one ivshmem BAR2, for
# bench_maps, bench_mapsplit and bench_bw: sets res (its sysfs resource2),
# dbg (its pcimem debugfs folder) and paths: pcimem, and pcimem-4k (the
# same node at an address no 2 MiB entry fits) where the kernel has huge
# entries at all, resource2, resource2_wc. file_of() below names their
# files; a guest with other paths (bench-vfio.sh) defines its own.
# shellcheck disable=SC2034 # res, dbg and paths are the caller's
bench_pcimem_paths() {
	res=/sys/bus/pci/devices/0000:$2/resource2
	dbg=/sys/kernel/debug/pcimem/$(basename "$1")
	paths="pcimem resource2 resource2_wc"
	if grep -q '^huge pmd' "$dbg/faults" 2>/dev/null; then
		paths="pcimem pcimem-4k resource2 resource2_wc"
	fi
}

# file_of PATH: what maptouch opens for a path of bench_pcimem_paths.
# shellcheck disable=SC2154 # node: the caller's
file_of() {
	case $1 in
	pcimem*) echo "$node" ;;
	resource2) echo "$res" ;;
	resource2_wc) echo "${res}_wc" ;;
	esac
}

# rotated ROUND PATH...: the PATHs in their order of round ROUND (from 1):
# rotated left by ROUND - 1, one word each (no PATH holds a blank or a
# glob character: the callers split the output).
rotated() {
	[ $# -ge 2 ] || return 0
	k=$((($1 - 1) % ($# - 1)))
	shift
	i=0
	for p in "$@"; do
		[ $i -ge $k ] && printf '%s ' "$p"
		i=$((i + 1))
	done
	i=0
	for p in "$@"; do
		[ $i -lt $k ] && printf '%s ' "$p"
		i=$((i + 1))
	done
}

# bench_rounds OP SIZE_MIB TAG SED PATH...: R rounds of pcimem-bench OP
# (maptouch, mapsplit) of SIZE_MIB MiB through every PATH in turn
# (rotated), 3 mappings each (pcimem-4k's at an address no 2 MiB entry
# fits); each output shown, then "bench TAG PATH SIZE_MIB NUMBERS" with the
# numbers SED's script picks out of it, or a FAIL line.
bench_rounds() {
	op=$1 mib=$2 tag=$3 pick=$4
	shift 4
	for round in $(seq "$R"); do
		for p in $(rotated "$round" "$@"); do
			extra=
			[ "$p" = pcimem-4k ] && extra=4k
			# shellcheck disable=SC2086 # extra is one word or none
			out=$(pcimem-bench "$op" "$(file_of "$p")" "${mib}M" 3 $extra 2>&1)
			echo "    $p round $round: $out"
			nums=$(echo "$out" | sed -n "$pick")
			if [ -n "$nums" ]; then echo "bench $tag $p $mib $nums"; else
				echo "FAIL - $op $p $mib MiB: $out"; fi
		done
	done
}

# bench_maps PATH...: mmap and touch every page of 16 MiB, 256 MiB, 1 GiB.
# pcimem-4k is pcimem at an address no 2 MiB entry fits.
bench_maps() {
	for size in ${MAPSIZES:-16 256 1024}; do
		section "mmap and touch every page of $size MiB, $R rounds: $*"
		bench_rounds maptouch "$size" map \
			's/^maptouch: best \([0-9.]*\) ms, median \([0-9.]*\) ms/\1 \2/p' "$@"
	done
}

# bench_mapsplit PATH...: the parts of a mapping's cost (pcimem-bench
# mapsplit: mmap, first touch of every page, a second touch, munmap, and
# mmap + one byte per 2 MiB) of a SPLITSIZE MiB window, 3 mappings per path
# and round, every path in turn.
bench_mapsplit() {
	size=${SPLITSIZE:-256}
	section "mapping in parts, $size MiB, $R rounds: $*"
	bench_rounds mapsplit "$size" mapsplit \
		's/^mapsplit: mmap \([0-9.]*\) ms, first \([0-9.]*\) ms, second \([0-9.]*\) ms, munmap \([0-9.]*\) ms, sparse \([0-9.]*\) ms$/\1 \2 \3 \4 \5/p' "$@"
}

# bench_faults FAULTS PATH SIZE_MIB: the debugfs fault counts (file FAULTS)
# one maptouch of SIZE_MIB of the node took, for a pcimem PATH.
bench_faults() {
	extra=
	[ "$2" = pcimem-4k ] && extra=4k
	before=$(tr '\n' ' ' <"$1")
	# shellcheck disable=SC2086 # extra is one word or none
	if ! out=$(pcimem-bench maptouch "$(file_of "$2")" "${3}M" 1 $extra 2>&1); then
		echo "FAIL - maptouch $2 $3 MiB for the fault counts: $out"
		return
	fi
	after=$(tr '\n' ' ' <"$1")
	echo "$before|$after" | awk -v p="$2" -v s="$3" -F'|' '{ split($1, a, " "); split($2, b, " ")
		if (a[1] == "pte" && b[3] == "pmd" && b[5] == "prefault")
			print "bench faults", p, s, b[2] - a[2], b[4] - a[4], b[6] - a[6]
		else print "FAIL - fault counts of " p ": " $0 }'
}

# bench_kfill DEBUGFS: the module's own figures, where it has them:
# probe_fill (the pattern fill of the last probe) and ram_memset (a kernel
# memset of as much RAM, run as the file is read), each "bytes=N ns=N".
bench_kfill() {
	for f in probe_fill ram_memset; do
		[ -r "$1/$f" ] || continue
		if ! line=$(cat "$1/$f" 2>&1); then
			# ram_memset: ENOMEM where the guest lacks that much RAM.
			echo "    ($1/$f: $line)"
		elif echo "$line" | grep -qx 'bytes=[0-9]* ns=[0-9]*'; then
			echo "$line" | sed "s/^bytes=\([0-9]*\) ns=\([0-9]*\)$/bench kfill $f \1 \2/"
		else
			echo "FAIL - $1/$f reads \"$line\", not bytes=N ns=N"
		fi
	done
}

# bench_bw NAME=TARGET...: read, write and copy of every size in SIZES
# through each pcimem-bench bw TARGET, R rounds, one pass each.
bench_bw() {
	section "bandwidth, $R rounds, sizes $SIZES: $*"
	for size in $SIZES; do
		for round in $(seq "$R"); do
			for nt in $(rotated "$round" "$@"); do
				if ! PCIMEM_BENCH_PASSES=1 pcimem-bench bw "${nt%%=*}" "${nt#*=}" "$BWMIN" \
					"$size" >/tmp/bw.out 2>&1; then
					echo "FAIL - bandwidth through ${nt%%=*}, $size, round $round:"
					sed 's/^/    | /' /tmp/bw.out
				fi
				sed 's/^bw /bench bw /' /tmp/bw.out
			done
		done
	done
}

# bench_hostping WHO PONG...: the host pings PONG, a mailbox pong the guest
# runs for N messages at the default offset (1 MiB), through the device at
# slot D whose peer ID is id: "bench latency WHO P50 P99 MAX COUNT MS".
# Once more when the reply came without its latency report (the control
# line has dropped the start of a long reply line under load).
# shellcheck disable=SC2154 # id: the caller's; reply: lib.sh's host
bench_hostping() {
	who=$1
	shift
	for try in 1 2; do
		host write "$D" 0x100100 0x6d61726b 64 >/dev/null
		"$@" >/tmp/pong.out 2>&1 &
		pong=$!
		host info "$D" clear 0x100100 >/dev/null
		host info "$D" timed ping "$id" --count "$N" --latency --timeout 20000
		wait $pong
		sed 's/^/    /' /tmp/pong.out
		line=$(printf '%s\n' "${reply#RC 0 }" | tr ';' '\n' | awk -v who="$who" -v n="$N" '
			/latency p50/ { p50 = $4; p99 = $7; max = $10 }
			/^time:/ { ms = $2 }
			END { if (p50 != "") print "bench latency", who, p50, p99, max, n, ms }')
		if [ -n "$line" ]; then
			echo "$line"
			return
		fi
		echo "    (try $try: no latency report in the host's reply)"
	done
	echo "FAIL - $who: no latency report"
}
