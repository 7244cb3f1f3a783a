#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host agent of lab=bench-smoke (launch-vm.sh --agent THIS): ivshmem-host
# as the agent sees it, plus the host half of the benchmarks' smoke test, so
# that `make test` runs every benchmark program once, on tiny sizes, and
# checks that it runs and that its output parses (never the figures).
# Requests `info FILE VERB ...` (FILE: the slot's backing file):
#
#   info FILE line TEXT...   keep TEXT, one `bench ...` line of the guest's
#   info FILE host           ci/bench.sh's host measurements on a 4 MiB file
#                            (pcimem-bench time/hostmem, ivshmem-host fill and
#                            verify), one round: "host: N lines"
#   info FILE report         ci/bench-report.sh on the lines kept and the
#                            host's, into a CSV; the CSV must hold a row of
#                            every section the lines had; ci/bench-plot.sh
#                            too where gnuplot is installed: "report: ..."
#
# Everything else goes to ivshmem-host unchanged. The lines live beside
# FILE (FILE.bench-smoke/), removed by report.
set -u
# shellcheck source=ci/paths.sh
. "$(dirname "$0")/paths.sh"
tool=$bin/ivshmem-host
if [ "${1:-}" != info ] || [ $# -lt 3 ]; then
	exec "$tool" "$@"
fi
file=$2 verb=$3
shift 3
state=$file.bench-smoke
mkdir -p "$state"

case $verb in
line)
	echo "$*" >>"$state/lines"
	echo "kept"
	;;
host)
	f=$state/host-file
	if ! "$tool" create --force "$f" 4M >/dev/null || ! "$tool" fill "$f" abcd --quiet >/dev/null; then
		echo "host: cannot create and fill $f"
		exit 1
	fi
	echo "host size $(stat -c %s "$f")" >"$state/host.lines"
	# t NAME OP CMD...: one run under pcimem-bench time, as ci/bench.sh's bench_host.
	t() {
		local name=$1 op=$2 out ms
		shift 2
		out=$("$bin/pcimem-bench" time "$@" 2>&1)
		ms=$(printf '%s\n' "$out" | sed -n 's/^time: \([0-9.]*\) ms$/\1/p')
		if [ -z "$ms" ]; then
			echo "host: $op $name gave no time: $(printf '%s' "$out" | tr '\n' ' ')"
			exit 1
		fi
		echo "host $op $name $ms" >>"$state/host.lines"
	}
	t memset fill "$bin/pcimem-bench" hostmem "$f" memset abcd
	t pattern-copy fill "$bin/pcimem-bench" hostmem "$f" fill abcd
	t ivshmem-host fill "$tool" fill "$f" abcd --quiet
	t memcmp verify "$bin/pcimem-bench" hostmem "$f" memcmp abcd
	t ivshmem-host verify "$tool" verify "$f" abcd --quiet
	rm -f "$f"
	echo "host: $(wc -l <"$state/host.lines") lines"
	;;
report)
	csv=$state/bench.csv rc=0
	echo "kernel,section,path,op,size_bytes,value,unit,ratio_ram,ratio_anchor" >"$csv"
	[ -s "$state/lines" ] || { echo "report: no bench lines were kept"; exit 1; }
	"$here/bench-report.sh" smoke "$state/lines" "$csv" >"$state/tables" 2>&1 || rc=1
	if [ -s "$state/host.lines" ]; then
		"$here/bench-report.sh" host "$state/host.lines" "$csv" >>"$state/tables" 2>&1 || rc=1
	fi
	# The sections the lines name, as the CSV names them.
	want=$(awk '$1 == "host" { print "host"; next }
		{ s = $2 == "insmod" ? "probe" : $2 == "rings" ? "rings" : $2 == "latency" ? "latency" : $2
		  print s }' "$state/lines" "$state/host.lines" 2>/dev/null | sort -u)
	missing=
	for s in $want; do
		grep -q "^[^,]*,$s," "$csv" || missing+=" $s"
	done
	plots=none
	if command -v gnuplot >/dev/null; then
		mkdir -p "$state/plots"
		if "$here/bench-plot.sh" "$csv" "$state/plots" >"$state/plot.log" 2>&1; then
			plots="$(find "$state/plots" -name '*.svg' | wc -l) svg"
		else
			plots="failed ($(tail -1 "$state/plot.log"))"
			rc=1
		fi
	fi
	rows=$(($(wc -l <"$csv") - 1))
	if [ $rc -ne 0 ] || [ -n "$missing" ] || [ "$rows" -lt 1 ]; then
		echo "report: bench-report.sh rc $rc, $rows rows, sections missing:${missing:- none}," \
			"plots $plots; $(tail -3 "$state/tables" | tr '\n' ' ')"
		rc=1
	else
		echo "report: $rows CSV rows, sections $(echo "$want" | tr '\n' ' ')plots $plots"
	fi
	rm -rf "$state"
	exit $rc
	;;
*)
	echo "bench-smoke-agent: unknown request $verb"
	exit 2
	;;
esac
