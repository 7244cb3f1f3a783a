#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's tables of a `make bench` run, in Markdown, from its CSV:
#
#   ci/bench-markdown.sh [CSV]     (default build/bench/bench.csv)
#
# Per kernel: mapping (16 MiB, 256 MiB, 1 GiB; the IOMMU boot's rows
# after the main boot's), mapping in parts (256 MiB), bandwidth (read 4 KiB,
# 1 MiB, 256 MiB; write and copy 1 MiB and 256 MiB; of the IOMMU boot only
# vfio-pci's rows), doorbell round trips, rings and the probe fill; then the
# host's fill and verify. Only what the CSV holds: a figure it lacks is "-".
# Exit status 0, 2 on bad usage.
set -u
# shellcheck source=ci/paths.sh
. "$(dirname "$0")/paths.sh"
csv=${1:-$build/bench/bench.csv}
if [ $# -gt 1 ] || [ ! -r "$csv" ]; then
	echo "usage: ci/bench-markdown.sh [CSV]" >&2
	exit 2
fi
awk -F, '
NR == 1 { next }
{
	k = $1; sec = $2; p = $3; op = $4; sz = $5
	if (!(k in kseen)) { kseen[k] = 1; kord[++nk] = k }
	key = sec SUBSEP k
	if (!((key, p) in pseen)) { pseen[key, p] = 1; pord[key, ++np[key]] = p }
	val[k, sec, p, op, sz] = $6; rr[k, sec, p, op, sz] = $8; ra[k, sec, p, op, sz] = $9
	has[k, sec, p, op, sz] = 1
	if (sec == "host") hsz = sz
}
function cell(k, sec, p, op, sz, two) {
	if (!has[k, sec, p, op, sz]) return "-"
	if (two) return sprintf("%.0f (%s, %s)", val[k, sec, p, op, sz], rr[k, sec, p, op, sz], ra[k, sec, p, op, sz])
	return sprintf("%.2f (%s)", val[k, sec, p, op, sz], ra[k, sec, p, op, sz])
}
function plain(k, sec, p, op, sz, fmt) {
	return has[k, sec, p, op, sz] ? sprintf(fmt, val[k, sec, p, op, sz]) : "-"
}
function short(k) { s = k; sub(/\+iommu$/, "", s); return s }
END {
	for (i = 1; i <= nk; i++) {
		rel = kord[i]
		if (rel == "host" || rel ~ /\+iommu$/) continue
		io = rel "+iommu"
		match(rel, /^[0-9]+\.[0-9]+/); ver = substr(rel, RSTART, RLENGTH)
		printf "Linux %s (%s):\n\n", ver, rel
		nb = 0; boots[++nb] = rel; suffix[nb] = ""
		if (io in kseen) { boots[++nb] = io; suffix[nb] = ", IOMMU boot" }

		print "| mmap + touch, ms (ratio to resource2) | 16 MiB | 256 MiB | 1 GiB |"
		print "|---|---|---|---|"
		for (b = 1; b <= nb; b++) {
			k = boots[b]; key = "map" SUBSEP k
			for (j = 1; j <= np[key]; j++) {
				p = pord[key, j]
				printf "| %s%s | %s | %s | %s |\n", p, suffix[b], cell(k, "map", p, "mmap+touch", 16777216), \
					cell(k, "map", p, "mmap+touch", 268435456), cell(k, "map", p, "mmap+touch", 1073741824)
			}
		}
		print ""
		if (np["mapsplit" SUBSEP rel]) {
			print "| 256 MiB in parts, ms (ratio to resource2'\''s mmap + first touch) | mmap | first touch | mmap + first touch | second touch | munmap | mmap + 1 byte per 2 MiB |"
			print "|---|---|---|---|---|---|---|"
			for (b = 1; b <= nb; b++) {
				k = boots[b]; key = "mapsplit" SUBSEP k; s = 268435456
				for (j = 1; j <= np[key]; j++) {
					p = pord[key, j]
					printf "| %s%s | %s | %s | %s | %s | %s | %s |\n", p, suffix[b], \
						plain(k, "mapsplit", p, "mmap", s, "%.2f"), plain(k, "mapsplit", p, "first", s, "%.2f"), \
						cell(k, "mapsplit", p, "mmap+first", s), cell(k, "mapsplit", p, "second", s), \
						plain(k, "mapsplit", p, "munmap", s, "%.2f"), cell(k, "mapsplit", p, "sparse", s)
				}
			}
			print ""
		}
		print "| MiB/s (ratio to RAM, to the better resource2) | read 4 KiB | read 1 MiB | read 256 MiB | write 1 MiB | write 256 MiB | copy 1 MiB | copy 256 MiB |"
		print "|---|---|---|---|---|---|---|---|"
		for (b = 1; b <= nb; b++) {
			k = boots[b]; key = "bw" SUBSEP k
			for (j = 1; j <= np[key]; j++) {
				p = pord[key, j]
				if (b > 1 && p !~ /^vfio/) continue
				printf "| %s%s | %s | %s | %s | %s | %s | %s | %s |\n", p, suffix[b], \
					cell(k, "bw", p, "read", 4096, 1), cell(k, "bw", p, "read", 1048576, 1), \
					cell(k, "bw", p, "read", 268435456, 1), cell(k, "bw", p, "write", 1048576, 1), \
					cell(k, "bw", p, "write", 268435456, 1), cell(k, "bw", p, "copy", 1048576, 1), \
					cell(k, "bw", p, "copy", 268435456, 1)
			}
		}
		print ""
		print "| doorbell round trip, us | p50 | p99 | max | trips/s |"
		print "|---|---|---|---|---|"
		for (b = 1; b <= nb; b++) {
			k = boots[b]; key = "latency" SUBSEP k
			for (j = 1; j <= np[key]; j++) {
				p = pord[key, j]
				printf "| %s%s | %s | %s | %s | %s |\n", p, suffix[b], plain(k, "latency", p, "p50", "", "%.1f"), \
					plain(k, "latency", p, "p99", "", "%.1f"), plain(k, "latency", p, "max", "", "%.1f"), \
					plain(k, "latency", p, "trips/s", "", "%.0f")
			}
		}
		print ""
		line = ""
		key = "rings" SUBSEP rel
		for (j = 1; j <= np[key]; j++) {
			p = pord[key, j]
			line = line (j > 1 ? ", " : "Rings per second: ") p " " plain(rel, "rings", p, "rings/s", "", "%.0f")
		}
		if (line != "") line = line ". "
		key = "probe" SUBSEP rel
		for (j = 1; j <= np[key]; j++) {
			p = pord[key, j]; t = p; sub(/^ram_memtype=/, "", t)
			line = line (j > 1 ? ", " : "Probe fill of the 1 GiB BAR (MiB/s; ratio to the guest'\''s RAM write at 256 MiB): ") \
				t " " plain(rel, "probe", p, "fill", 1073741824, "%.0f") " (" rr[rel, "probe", p, "fill", 1073741824] ")"
		}
		if (np[key]) line = line "."
		key = "kfill" SUBSEP rel
		for (j = 1; j <= np[key]; j++) {
			p = pord[key, j]; t = p; sub(/^ram_memtype=/, "", t)
			line = line (j > 1 ? ", " : " The module'\''s own (debugfs), probe fill against a kernel memset of RAM, MiB/s: ") \
				t " " plain(rel, "kfill", p, "probe_fill", "", "%.0f") " against " \
				plain(rel, "kfill", p, "ram_memset", "", "%.0f") " (" ra[rel, "kfill", p, "probe_fill", ""] ")"
		}
		if (np[key]) line = line "."
		if (line != "") print line "\n"
	}
	if ("host" in kseen) {
		print "| host, 1 GiB in /dev/shm, median ms of fresh processes | ms | ratio: baseline / this |"
		print "|---|---|---|"
		key = "host" SUBSEP "host"
		for (o = 1; o <= 2; o++) {
			op = o == 1 ? "fill" : "verify"
			for (j = 1; j <= np[key]; j++) {
				p = pord[key, j]
				if (has["host", "host", p, op, hsz])
					printf "| %s %s | %.1f | %s |\n", p, op, val["host", "host", p, op, hsz], \
						ra["host", "host", p, op, hsz]
			}
		}
		print ""
	}
}' "$csv"
