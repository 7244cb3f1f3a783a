#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lab=bench-smoke, in make test: every benchmark program and path of
# `make bench` once, on tiny sizes, so that none rots. Nothing here is
# timed or judged by its figures: each check says that a program ran and
# that its output parsed into `bench ...` lines; the host agent
# (ci/bench-smoke-agent.sh) then runs the host side (pcimem-bench hostmem,
# ivshmem-host fill and verify under pcimem-bench time), turns the lines
# into tables and a CSV with ci/bench-report.sh, and plots them where
# gnuplot is installed. One ivshmem-plain device of 16 MiB at 00:04.0; boot
# with iomem=relaxed (resource2 beside pcimem). What needs an ivshmem
# server (round trips, rings, epong) runs in make bench only.
# shellcheck source=ci/guest/lib.sh
. /pcimem/lib.sh
# shellcheck source=ci/guest/bench-lib.sh
. /pcimem/bench-lib.sh

D=00:04.0
R=1
SIZES="4K 64K"
BWMIN=64K
MAPSIZES=4
SPLITSIZE=4
: >/tmp/lines

# smoke NAME CMD...: run CMD; its `bench` lines are kept; ok when it
# printed at least one and no FAIL.
smoke() {
	name=$1
	shift
	"$@" >/tmp/smoke.out 2>&1
	grep '^bench ' /tmp/smoke.out >>/tmp/lines
	n=$(grep -c '^bench ' /tmp/smoke.out)
	if [ "$n" -gt 0 ] && ! grep -q '^FAIL' /tmp/smoke.out; then
		echo "ok - $name ($n lines)"
	else
		echo "FAIL - $name: $n bench lines, output:"
		grep -v '^bench ' /tmp/smoke.out | sed 's/^/    | /' | head -n 20
	fi
}

check "insmod pcimem.ko pattern=" insmod "$KO" pattern=
node=$(node_of $D)
bench_pcimem_paths "$node" "$D"

faults() {
	for p in $paths; do
		case $p in pcimem*) bench_faults "$dbg/faults" "$p" 4 ;; esac
	done
}
smoke "bench: debugfs fault counts of one 4 MiB maptouch per pcimem path" faults
# shellcheck disable=SC2086 # the paths are separate arguments
smoke "bench: maptouch of 4 MiB through $paths" bench_maps $paths
# shellcheck disable=SC2086 # the paths are separate arguments
smoke "bench: mapsplit of 4 MiB through $paths" bench_mapsplit $paths
smoke "bench: bw of 4 KiB and 64 KiB through every bandwidth target" \
	bench_bw ram=ram "pcimem-uc=mmap:$node:uc" "pcimem-wc=mmap:$node:wc" \
	"pcimem-wb=mmap:$node:wb" "pcimem-rw=rw:$node" "resource2=file:$res" \
	"resource2_wc=file:${res}_wc" "rw-model=bounce4:$node" "rw-model-16=bounce16:$node"
check "bench: pcimem-bench memcpy of 1 MiB in uc, wc and wb reports each type" sh -c \
	"pcimem-bench memcpy $node 1M uc wc wb | grep -c '^memcpy \(uc\|wc\|wb\) 1 MiB: \(write [0-9]* MiB/s, read [0-9]* MiB/s\|refused\)' | grep -qx 3"

# The probe fill, as ci/guest/bench.sh times it, and the module's figures.
insmods() {
	rmmod pcimem || { echo "FAIL - rmmod pcimem"; return; }
	for mt in uc wc wb; do
		for pat in none abcd; do
			arg="pattern=$pat"
			[ $pat = none ] && arg="pattern="
			if out=$(pcimem-bench time insmod "$KO" "$arg" ram_memtype=$mt 2>&1); then
				ms=$(echo "$out" | sed -n 's/^time: \([0-9.]*\) ms$/\1/p')
				if [ -n "$ms" ]; then echo "bench insmod $mt $pat $ms"; else
					echo "FAIL - pcimem-bench time insmod: $out"; fi
				[ $pat = abcd ] && bench_kfill "$dbg" | sed "s/kfill /kfill $mt-/"
			fi
			rmmod pcimem || echo "FAIL - insmod $arg ram_memtype=$mt, then rmmod: $out"
		done
	done
	insmod "$KO" pattern=
}
smoke "bench: insmod pattern= and pattern=abcd per ram_memtype under pcimem-bench time" insmods
[ -e "$dbg/probe_fill" ] || echo "    (no probe_fill or ram_memset in debugfs: not checked)"

# The host half: every line to the agent, its host measurements, the report.
hostlink_open
sent=0
while IFS= read -r l; do
	echo "info $D line $l" >&7
	read -r reply <&7
	case $reply in "RC 0"*) sent=$((sent + 1)) ;; esac
done </tmp/lines
check "bench: the host agent kept all $(wc -l </tmp/lines) bench lines" test "$sent" -eq "$(wc -l </tmp/lines)"
host_is "bench: the host's fill and verify against memset and memcmp ran, one line each" \
	"host: 6 lines" info $D host
host "info $D report" >/dev/null
case $reply in
"RC 0 report:"*) echo "ok - bench: bench-report.sh made tables and a CSV of every section${reply#RC 0 report:}" ;;
*) echo "FAIL - bench: the host's report: $reply" ;;
esac
