#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: doorbell round trips, ring rates, memcpy through mmap per
# memory type and the driver's pattern fill at probe, measured in guests
# under QEMU against our ivshmem server. Not part of `make test`.
#
#   ci/bench.sh [KERNEL_RELEASE]     (default: the 6.1 kernel of kernels.mk)
#
# Two guests (ci/guest/bench.sh) share one server: 1 vector, 256 MiB. The
# guests' host agent is doorbell-agent.sh, which runs the host's peers.
# COUNT (round trips, default 10000) and RINGS (default 100000) scale it;
# INITRD=... replaces the guest's initramfs.
# Prints tables; exit status 1 when a guest failed to report.
set -u
. "$(dirname "$0")/paths.sh"
rel=${1:-$(sed -n 's/^KERNEL_6_1 := //p' "$build/kernels.mk")}
kernel=$build/kernels/$rel/vmlinuz
initrd=${INITRD:-$build/guest/$rel/initramfs.cpio.gz}
count=${COUNT:-10000}
rings=${RINGS:-100000}
mkdir -p "$logs"
export MEM=${MEM:-256}		# guest RAM, for a launch-vm.sh that takes MEM

dir=$(mktemp -d /tmp/pcimem-bench.XXXXXX)
tag=pcimem-bench-$$-${dir##*.}
groups=()
server_pid=

cleanup() {
	local p f
	for p in "${groups[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
	for f in "$dir"/state/bg-*.pid; do
		[ -e "$f" ] && kill -TERM -- "-$(cat "$f")" 2>/dev/null
	done
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	for p in "${groups[@]}" $server_pid; do wait "$p" 2>/dev/null; done
	rm -f /dev/shm/"$tag"-*
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ ! -e "$kernel" ] || [ ! -e "$initrd" ]; then
	echo "bench: no kernel $rel or initramfs; run make build" >&2
	exit 1
fi

sock=$dir/bench.sock
shm=/dev/shm/$tag-mem
"$bin/ivshmem-server" -F -S "$sock" -M "$tag-mem" -l 256M -n 1 >"$dir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
	timeout 10 "$bin/ivshmem-host" peer "$sock" id >/dev/null 2>&1 && break
	sleep 0.1
done

export DOORBELL_TOOL=$bin/ivshmem-host DOORBELL_STATE=$dir/state
export DOORBELL_SOCKETS="$shm=$sock" DOORBELL_LIMIT=300
# vm ROLE: a guest in its own process group; its pid in $vm_pid.
vm() {
	setsid "$top/qemu-device/launch-vm.sh" --kernel "$kernel" --initrd "$initrd" \
		--log "$logs/bench-$1.log" --timeout 600 --agent "$here/doorbell-agent.sh" \
		--append "lab=bench role=$1 count=$count rings=$rings iomem=relaxed" \
		--doorbell "$sock:1:$shm" >"$dir/$1.judge" 2>&1 &
	vm_pid=$!
	groups+=("$vm_pid")
}

echo "pcimem bench: Linux $rel, QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')" \
	"(${ACCEL:-tcg}), $(nproc) host CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
start=$SECONDS
vm peer
peer_pid=$vm_pid
vm main
main_pid=$vm_pid
wait "$main_pid"
main_rc=$?
wait "$peer_pid"
peer_rc=$?
echo "($((SECONDS - start)) s; consoles: $logs/bench-main.log, $logs/bench-peer.log)"

lines=$(tr -d '\r' <"$logs/bench-main.log" | grep -a '^bench ')
fails=$(cat "$logs/bench-main.log" "$logs/bench-peer.log" | tr -d '\r' | grep -a '^FAIL')

echo
echo "Round trips through the mailbox: write a message, ring, wait for the reply's ring ($count each)"
printf '  %-22s %10s %10s %10s %14s\n' "path" "p50 (us)" "p99 (us)" "max (us)" "round trips/s"
awk '$2 == "latency" {
	rate = $8 > 0 ? sprintf("%.0f", $7 * 1000 / $8) : "-"
	printf "  %-22s %10s %10s %10s %14s\n", $3, $4, $5, $6, rate }' <<<"$lines"
echo "  (first -> second -> first: who pings whom; round trips/s over the whole"
echo "   run, with the pinger's start-up and, for the host, its join to the server)"

echo
echo "Rings as fast as the sender goes (1 vector)"
printf '  %-14s %10s %12s %12s %10s\n' "direction" "rings" "time (ms)" "rings/s" "received"
awk '$2 == "rings" {
	rate = $5 > 0 ? sprintf("%.0f", $4 * 1000 / $5) : "-"
	printf "  %-14s %10s %12.0f %12s %10s\n", $3, $4, $5, rate, $6 }' <<<"$lines"
echo "  (received: rings the host peer counted, interrupts the guest counted. An"
echo "   eventfd adds rings up; QEMU turns the rings pending in one into a single"
echo "   interrupt, so a guest only counts every ring when they are paced)"
echo

echo "Mapping 256 MiB of BAR2: mmap, touch every page, munmap (ms; 5 rounds of 5, interleaved)"
printf '  %-14s %10s %12s %22s\n' "path" "best" "median" "median / resource2's"
awk '$2 == "map" { if (!($3 in best) || $5 < best[$3]) best[$3] = $5
	med[$3] = med[$3] " " $6; if (!seen[$3]++) order[n++] = $3 }
function median(list,   a, k, i, j, t) { k = split(list, a, " ")
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return a[int((k + 1) / 2)] }
END { ref = median(med["resource2"])
	for (i = 0; i < n; i++) { p = order[i]; m = median(med[p])
		printf "  %-14s %10.2f %12.2f %22s\n", p, best[p], m, (ref > 0 ? sprintf("%.2f", m / ref) : "-") } }' <<<"$lines"
echo "  (resource2 is the PCI core's own mmap, io_remap_pfn_range at mmap time;"
echo "   pcimem maps at fault time: 2 MiB entries where the kernel has huge PFN"
echo "   mappings, 4 KiB ones a page table at a time elsewhere)"
echo

echo "memcpy through an mmap of BAR2 (64 MiB, best of 3), per memory type (PCIMEM_IOC_SELECT)"
printf '  %-6s %14s %14s\n' "type" "write MiB/s" "read MiB/s"
awk '$2 == "memcpy" { printf "  %-6s %14s %14s\n", $3, $5, $6 }' <<<"$lines"

echo
echo "insmod with a 256 MiB ivshmem BAR (best of 3): the pattern fill at probe, per ram_memtype"
printf '  %-6s %16s %16s %16s\n' "type" "pattern= (ms)" "abcd (ms)" "fill MiB/s"
awk '$2 == "insmod" { k = $3 " " $4; if (!(k in t) || $5 < t[k]) t[k] = $5
	if (!seen[$3]++) order[n++] = $3 }
END { for (i = 0; i < n; i++) { m = order[i]; none = t[m " none"]; abcd = t[m " abcd"]
	fill = abcd - none
	rate = fill > 0 ? sprintf("%.0f", 256000 / fill) : "-"
	printf "  %-6s %16.1f %16.1f %16s\n", m, none, abcd, rate } }' <<<"$lines"

echo
echo "Under TCG every guest access is emulated: uc, wc and wb map the same host"
echo "memory at the same speed here, and none of these numbers reflects real"
echo "caching or interrupt latency. Run with ACCEL=kvm on a host with KVM for those."
if [ -n "$fails" ] || [ "$main_rc" -ne 0 ] || [ "$peer_rc" -ne 0 ] || [ -z "$lines" ]; then
	echo
	echo "bench: something failed:"
	printf '%s\n' "$fails" | sed 's/^/    /'
	cat "$dir/main.judge" "$dir/peer.judge" | sed 's/^/    /'
	exit 1
fi
