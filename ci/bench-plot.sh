#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The plots of ci/bench.sh, with gnuplot, from its CSV:
#
#   ci/bench-plot.sh CSV OUTDIR
#
# Per kernel in CSV: KERNEL-bandwidth-OP.{png,svg} (MiB/s against size, one
# line per path, for OP read, write and copy) and KERNEL-mapping.{png,svg}
# (mmap and touch time against window size, one line per path). Exit
# status: 0, 1 when gnuplot failed, 2 on bad usage. An SVG's second line
# is an SPDX comment.
set -u
if [ $# -ne 2 ] || [ ! -r "$1" ] || [ ! -d "$2" ]; then
	echo "usage: ci/bench-plot.sh CSV OUTDIR" >&2
	exit 2
fi
csv=$1 out=$2
tmp=$(mktemp -d /tmp/pcimem-plot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rc=0

# plot NAME TITLE XLABEL YLABEL SECTION OP KERNEL: one PNG and one SVG.
plot() {
	local name=$1 title=$2 xlabel=$3 ylabel=$4 sec=$5 op=$6 rel=$7 paths p cmd='' term
	paths=$(awk -F, -v r="$rel" -v s="$sec" -v o="$op" \
		'$1 == r && $2 == s && $4 == o && !seen[$3]++ { print $3 }' "$csv")
	[ -n "$paths" ] || return 0
	for p in $paths; do
		awk -F, -v r="$rel" -v s="$sec" -v o="$op" -v p="$p" \
			'$1 == r && $2 == s && $4 == o && $3 == p { print $5 / 1024, $6 }' \
			"$csv" >"$tmp/$p.dat"
		cmd+="${cmd:+, }'$tmp/$p.dat' using 1:2 with linespoints title '$p'"
	done
	for term in "pngcairo size 900,560 font ',10'" "svg size 900,560 dynamic font ',10'"; do
		local ext=png
		case $term in svg*) ext=svg ;; esac
		gnuplot <<-EOF >"$tmp/gnuplot.log" 2>&1 || { rc=1; cat "$tmp/gnuplot.log" >&2; }
			set terminal $term noenhanced
			set output '$out/$rel-$name.$ext'
			set title "$title"
			set xlabel '$xlabel'
			set ylabel '$ylabel'
			set logscale xy 2
			set grid
			set offsets graph 0.03, graph 0.03, 0, 0
			set key outside right
			set xtics ('4K' 4, '16K' 16, '64K' 64, '256K' 256, '1M' 1024, '4M' 4096, \\
				'16M' 16384, '64M' 65536, '256M' 262144, '1G' 1048576)
			plot $cmd
		EOF
		# A licence line, so that a plot can live in the tree (ci/lint.sh).
		[ $ext = svg ] && sed -i '1a <!-- SPDX-License-Identifier: GPL-2.0 -->' "$out/$rel-$name.$ext"
	done
}

awk -F, 'NR > 1 && $1 != "host" && !seen[$1]++ { print $1 }' "$csv" >"$tmp/kernels"
while read -r rel; do
	for op in read write copy; do
		plot "bandwidth-$op" "Bandwidth, sequential $op, Linux $rel" "size" "MiB/s" bw "$op" "$rel"
	done
	plot mapping "mmap + touch every page + munmap, Linux $rel" "window" "ms" map mmap+touch "$rel"
done <"$tmp/kernels"
exit "$rc"
