#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The tables of ci/bench.sh from its raw lines, and their CSV rows:
#
#   ci/bench-report.sh KERNEL LINES CSV
#
# LINES holds a guest's `bench ...` lines (ci/guest/bench.sh), or the host
# side's `host OP NAME MS` lines (KERNEL "host"). Prints the tables and
# appends to CSV: kernel,section,path,op,size_bytes,value,unit,ratio_ram,
# ratio_anchor. Ratios: bandwidth to the guest's RAM (the ceiling) and to
# the better of resource2 and resource2_wc (the anchor) at the same size
# and operation; mapping time to resource2's; host times as baseline time
# over tool time (1.0: as fast as memset/memcmp). Exit status 0, 2 on bad
# usage.
set -u
if [ $# -ne 3 ] || [ ! -r "$2" ]; then
	echo "usage: ci/bench-report.sh KERNEL LINES CSV" >&2
	exit 2
fi
awk -v rel="$1" -v csv="$3" '
function median(list,   a, k, i, j, t) {
	k = split(list, a, " ")
	for (i = 1; i <= k; i++)
		for (j = i + 1; j <= k; j++)
			if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return k ? a[int((k + 1) / 2)] : ""
}
function human(b) {
	return b >= 1073741824 ? b / 1073741824 "G" : b >= 1048576 ? b / 1048576 "M" : b / 1024 "K"
}
function row(sec, path, op, size, val, unit, rr, ra) {
	printf "%s,%s,%s,%s,%s,%s,%s,%s,%s\n", rel, sec, path, op, size, val, unit, rr, ra >>csv
}
function add(list, key) { if (!((list, key) in seen)) { seen[list, key] = 1; order[list, ++n[list]] = key } }
$1 == "bench" && $2 == "latency" { add("lat", $3); lat[$3] = $0 }
$1 == "bench" && $2 == "rings" { add("ring", $3); ring[$3] = $0 }
$1 == "bench" && $2 == "faults" { add("flt", $3 " " $4); flt[$3 " " $4] = $5 " " $6 " " $7 }
$1 == "bench" && $2 == "mapsplit" { add("split", $3); splitsize = $4
	for (k = 0; k < 5; k++) split_l[$3, k] = split_l[$3, k] " " $(5 + k) }
$1 == "bench" && $2 == "kfill" { w = $3; sub(/-.*/, "", w); what = $3; sub(/^[^-]*-/, "", what)
	add("kf", w); if ($5 > 0) kf[w, what] = kf[w, what] " " $4 / 1048576 / ($5 / 1e9) }
$1 == "bench" && $2 == "map" { add("map", $3); add("msize", $4); mapm[$3, $4] = mapm[$3, $4] " " $6 }
$1 == "bench" && $2 == "bw" && $4 == "refused:" { add("bw", $3); refused[$3] = 1 }
$1 == "bench" && $2 == "bw" && $4 != "refused:" { add("bw", $3); add("bop", $4); add("bsize", $5); bwl[$3, $4, $5] = bwl[$3, $4, $5] " " $6 }
$1 == "bench" && $2 == "insmod" { add("ins", $3); ins[$3, $4] = ins[$3, $4] " " $5 }
$1 == "host" && $2 == "size" { hsize = $3; next }
$1 == "host" { add("hop", $2); add("h" $2, $3); host[$2, $3] = host[$2, $3] " " $4 }
END {
	for (k in bwl) bw[k] = median(bwl[k])
	if (n["lat"]) {
		print "Doorbell round trips: write a message, ring, wait for the reply ring (us)"
		printf "  %-28s %9s %9s %9s %8s %12s\n", "first -> second -> first", "p50", "p99", "max", "count", "trips/s"
		for (i = 1; i <= n["lat"]; i++) {
			w = order["lat", i]; split(lat[w], f, " ")
			rate = f[8] > 0 ? sprintf("%.0f", f[7] * 1000 / f[8]) : "-"
			printf "  %-28s %9s %9s %9s %8s %12s\n", w, f[4], f[5], f[6], f[7], rate
			row("latency", w, "p50", "", f[4], "us", "", ""); row("latency", w, "p99", "", f[5], "us", "", "")
			row("latency", w, "max", "", f[6], "us", "", ""); row("latency", w, "trips/s", "", rate, "1/s", "", "")
		}
		print "  (counts+poll: pcimem pong; eventfd: pcimem-bench epong on PCIMEM_IOC_SET_EVENTFD;"
		print "   trips/s over the whole run, with the pinger'\''s start-up)"
		print ""
	}
	if (n["ring"]) {
		print "Rings as fast as the sender goes (1 vector)"
		printf "  %-16s %10s %10s %12s %10s\n", "direction", "rings", "ms", "rings/s", "received"
		for (i = 1; i <= n["ring"]; i++) {
			w = order["ring", i]; split(ring[w], f, " ")
			rate = f[5] > 0 ? sprintf("%.0f", f[4] * 1000 / f[5]) : "-"
			printf "  %-16s %10s %10.0f %12s %10s\n", w, f[4], f[5], rate, f[6]
			row("rings", w, "rings/s", "", rate, "1/s", "", "")
		}
		print "  (received: rings the host peer counted, interrupts the guest counted;"
		print "   QEMU merges the rings pending in one eventfd into one interrupt)"
		print ""
	}
	if (n["map"]) {
		print "Mapping: mmap, touch every page, munmap (median ms of " \
			"the rounds'\'' medians; ratio to resource2)"
		printf "  %-14s", "path"
		for (j = 1; j <= n["msize"]; j++) printf " %20s", order["msize", j] " MiB"
		print ""
		for (j = 1; j <= n["msize"]; j++) ref[j] = median(mapm["resource2", order["msize", j]])
		for (i = 1; i <= n["map"]; i++) {
			p = order["map", i]; printf "  %-14s", p
			for (j = 1; j <= n["msize"]; j++) {
				s = order["msize", j]; m = median(mapm[p, s])
				r = ref[j] > 0 && m != "" ? sprintf("%.2f", m / ref[j]) : "-"
				printf " %20s", m == "" ? "-" : sprintf("%.2f (%s)", m, r)
				if (m != "") row("map", p, "mmap+touch", s * 1048576, m, "ms", "", r)
			}
			print ""
		}
		if (n["flt"]) {
			print "  faults one touch of every page took (debugfs: pte and pmd faults, pages prefaulted):"
			for (i = 1; i <= n["flt"]; i++) {
				k = order["flt", i]; split(k, pk, " "); split(flt[k], f, " ")
				printf "    %-12s %5s MiB: %6d pte, %4d pmd, %7d prefault\n", pk[1], pk[2], f[1], f[2], f[3]
				row("faults", pk[1], "pte", pk[2] * 1048576, f[1], "faults", "", "")
				row("faults", pk[1], "pmd", pk[2] * 1048576, f[2], "faults", "", "")
				row("faults", pk[1], "prefault", pk[2] * 1048576, f[3], "pages", "", "")
			}
		}
		print ""
	}
	if (n["split"]) {
		print "Mapping in parts, " splitsize " MiB (median ms; in brackets: ratio to resource2'\''s mmap + first touch)"
		printf "  %-14s %16s %16s %16s %16s %16s %16s\n", "path", "mmap", "first touch", \
			"mmap+first", "second touch", "munmap", "mmap+1 B/2 MiB"
		ra = median(split_l["resource2", 0]) + median(split_l["resource2", 1])
		for (i = 1; i <= n["split"]; i++) {
			p = order["split", i]
			for (k = 0; k < 5; k++) sv[k] = median(split_l[p, k])
			sa = sv[0] + sv[1]
			printf "  %-14s", p
			printf " %16s", sprintf("%.2f", sv[0])
			printf " %16s", sprintf("%.2f", sv[1])
			printf " %16s", sprintf("%.2f (%.2f)", sa, ra > 0 ? sa / ra : 0)
			printf " %16s", sprintf("%.2f (%.2f)", sv[2], ra > 0 ? sv[2] / ra : 0)
			printf " %16s", sprintf("%.2f", sv[3])
			printf " %16s\n", sprintf("%.2f (%.2f)", sv[4], ra > 0 ? sv[4] / ra : 0)
			nm[0] = "mmap"; nm[1] = "first"; nm[2] = "second"; nm[3] = "munmap"; nm[4] = "sparse"
			for (k = 0; k < 5; k++)
				row("mapsplit", p, nm[k], splitsize * 1048576, sv[k], "ms", "", ra > 0 ? sprintf("%.2f", sv[k] / ra) : "")
			row("mapsplit", p, "mmap+first", splitsize * 1048576, sa, "ms", "", ra > 0 ? sprintf("%.2f", sa / ra) : "")
		}
		print "  (second touch: the same pages again, no fault: the touching alone; mmap+1 B/2 MiB:"
		print "   a fresh mapping read once per 2 MiB, the faults with little touching)"
		print ""
	}
	if (n["kf"]) {
		print "The module'\''s own figures (debugfs; median MiB/s): the pattern fill at probe against"
		print "a kernel memset of as much RAM"
		for (i = 1; i <= n["kf"]; i++) {
			t = order["kf", i]; pf = median(kf[t, "probe_fill"]); rm = median(kf[t, "ram_memset"])
			r = rm > 0 && pf != "" ? sprintf("%.2f", pf / rm) : "-"
			printf "  %-4s probe_fill %8s MiB/s, ram_memset %8s MiB/s: %s\n", t, \
				pf == "" ? "-" : sprintf("%.0f", pf), rm == "" ? "-" : sprintf("%.0f", rm), r
			if (pf != "") row("kfill", "ram_memtype=" t, "probe_fill", "", sprintf("%.0f", pf), "MiB/s", "", r)
			if (rm != "") row("kfill", "ram_memtype=" t, "ram_memset", "", sprintf("%.0f", rm), "MiB/s", "", "")
		}
		print ""
	}
	for (o = 1; o <= n["bop"]; o++) {
		op = order["bop", o]
		print "Bandwidth, " op " (MiB/s, median of the rounds; ratio to RAM, ratio to the better resource2)"
		printf "  %-14s", "path"
		for (j = 1; j <= n["bsize"]; j++) printf " %22s", human(order["bsize", j])
		print ""
		for (i = 1; i <= n["bw"]; i++) {
			p = order["bw", i]; printf "  %-14s", p
			for (j = 1; j <= n["bsize"]; j++) {
				s = order["bsize", j]
				if (refused[p]) { printf " %22s", "refused"; continue }
				v = bw[p, op, s]; ram = bw["ram", op, s]
				anc = bw["resource2", op, s]
				if (bw["resource2_wc", op, s] + 0 > anc + 0) anc = bw["resource2_wc", op, s]
				rr = ram > 0 ? sprintf("%.2f", v / ram) : ""
				ra = anc > 0 ? sprintf("%.2f", v / anc) : ""
				printf " %22s", v == "" ? "-" : sprintf("%.0f (%s, %s)", v, rr, ra)
				if (v != "") row("bw", p, op, s, v, "MiB/s", rr, ra)
			}
			print ""
		}
		print ""
	}
	if (n["ins"]) {
		print "insmod with the 1 GiB BAR: the pattern fill at probe (best ms; fill MiB/s; ratio to the"
		print "guest'\''s RAM write at the largest size)"
		big = order["bsize", n["bsize"]]
		for (i = 1; i <= n["ins"]; i++) {
			t = order["ins", i]
			split(ins[t, "none"], a, " "); none = a[1]; for (k in a) if (a[k] + 0 < none + 0) none = a[k]
			split(ins[t, "abcd"], a, " "); abcd = a[1]; for (k in a) if (a[k] + 0 < abcd + 0) abcd = a[k]
			fill = abcd - none; rate = fill > 0 ? 1024000 / fill : 0
			rr = bw["ram", "write", big] > 0 && rate > 0 ? sprintf("%.2f", rate / bw["ram", "write", big]) : "-"
			printf "  %-4s pattern= %8.1f ms, pattern=abcd %8.1f ms: %8.0f MiB/s (%s)\n", t, none, abcd, rate, rr
			row("probe", "ram_memtype=" t, "fill", 1073741824, sprintf("%.0f", rate), "MiB/s", rr, "")
		}
		print ""
	}
	for (o = 1; o <= n["hop"]; o++) {
		op = order["hop", o]
		print "Host " op " of the file (median ms of the runs, each a fresh process; GiB/s; ratio: baseline / this)"
		base = op == "verify" ? "memcmp" : "memset"
		b = median(host[op, base])
		for (i = 1; i <= n["h" op]; i++) {
			w = order["h" op, i]; m = median(host[op, w])
			r = m > 0 ? sprintf("%.2f", b / m) : "-"
			printf "  %-14s %10.1f ms %8.2f GiB/s   %s\n", w, m, (m > 0 ? hsize / 1073741824 * 1000 / m : 0), r
			row("host", w, op, hsize, m, "ms", "", r)
		}
		print ""
	}
}' "$2"
