#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: every path to the ivshmem BAR side by side with the PCI
# core's resource files and the guest's own RAM, one guest boot per kernel,
# then the host tools against memset/memcmp natively. Not part of
# `make test`.
#
#   ci/bench.sh [KERNEL_RELEASE...]    (default: every kernel of kernels.mk)
#
# Per kernel, two guests (ci/guest/bench.sh) share one ivshmem server:
# 1 vector, 1 GiB. The guests' host agent is doorbell-agent.sh, which runs
# the host's peers. The main guest measures mapping (mmap and touch every
# page of 16 MiB, 256 MiB, 1 GiB), bandwidth (read, write, copy, 4 KiB to
# 256 MiB), doorbell round trips and rings, and the pattern fill at probe.
# Then one more boot (ci/guest/bench-vfio.sh, VFIO=0 skips it): q35 with
# QEMU's Intel IOMMU, mapping and bandwidth through pcimem, then vfio-pci
# (its modules from the kernel's Debian package, apt-get download), each
# beside resource2.
#
# Writes build/bench/: bench.csv (every figure, its ratios), REL.txt (the
# tables), REL.lines (the guest's raw `bench` lines), REL+iommu.* (the
# vfio-pci boot's), host.txt, and the
# plots (ci/bench-plot.sh, gnuplot: installed here when missing and run as
# root) REL-bandwidth-{read,write,copy}.{png,svg}, REL-mapping.{png,svg}.
#
# Environment: COUNT (round trips, default 10000), RINGS (default 100000),
# ROUNDS (of mapping, 3 mappings per path and window, and of bandwidth, one
# pass per path and size; every path in turn in each round; default 5),
# BW_SIZES (default 4K,64K,1M,16M,256M), BW_MIN (bytes each bandwidth pass
# moves at least, default 16M), HOST_SIZE (the host's file, default 1G), HOST_REPS
# (default 5), ACCEL (tcg or kvm), INITRD=... replaces the guest's initramfs,
# OUT=DIR writes there instead of build/bench. PROFILE=1 (PDUR, PHASES, QEMU):
# only the profile boot, see bench_profile below.
# Exit status: 0, or 1 when a guest or a host measurement failed.
set -u
# shellcheck source=ci/paths.sh
. "$(dirname "$0")/paths.sh"
out=${OUT:-$build/bench}
mkdir -p "$logs" "$out"
rels=("$@")
if [ ${#rels[@]} -eq 0 ]; then
	mapfile -t rels < <(sed -n 's/^KERNEL_6_[0-9]* := //p' "$build/kernels.mk")
fi
count=${COUNT:-10000}
rings=${RINGS:-100000}
rounds=${ROUNDS:-5}
bwsizes=${BW_SIZES:-4K,64K,1M,16M,256M}
bwmin=${BW_MIN:-16M}
export MEM=${MEM:-1536}		# guest RAM: bandwidth needs 3 x 256 MiB of it

dir=$(mktemp -d /tmp/pcimem-bench.XXXXXX)
tag=pcimem-bench-$$-${dir##*.}
groups=()
server_pid=
failed=0

# shellcheck disable=SC2317 # run by the EXIT trap
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

host_line() {
	echo "machine: $(nproc) host CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))," \
		"QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')" \
		"(${ACCEL:-tcg}), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# start_server NAME: an ivshmem server (1 GiB, 1 vector) on $dir/NAME.sock
# whose memory is /dev/shm/$tag-NAME ($sock, $shm), up and answering, and
# the doorbell agent's environment for it.
start_server() {
	sock=$dir/$1.sock
	shm=/dev/shm/$tag-$1
	"$bin/ivshmem-server" -F -S "$sock" -M "$tag-$1" -l 1G -n 1 >"$dir/server-$1.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 50); do
		timeout 10 "$bin/ivshmem-host" peer "$sock" id >/dev/null 2>&1 && break
		sleep 0.1
	done
	rm -rf "$dir/state"
	export DOORBELL_TOOL=$bin/ivshmem-host DOORBELL_STATE=$dir/state
	export DOORBELL_SOCKETS="$shm=$sock" DOORBELL_LIMIT=300
}

stop_server() {
	[ -n "$server_pid" ] || return 0
	kill "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	server_pid=
}

# boot NAME KERNEL INITRD APPEND [LAUNCH-OPTION...]: one guest in the
# background (a process group of its own), console $logs/bench-NAME.log;
# its pid in boot_pid.
boot() {
	local name=$1 kernel=$2 initrd=$3 append=$4
	shift 4
	setsid "$top/qemu-device/launch-vm.sh" --kernel "$kernel" --initrd "$initrd" \
		--log "$logs/bench-$name.log" --timeout 1200 --append "$append" "$@" \
		>"$dir/$name.judge" 2>&1 &
	boot_pid=$!
	groups+=("$boot_pid")
}

# finish LINES NAME:PID...: wait for the guests; their `bench` lines into
# LINES; 1 when a guest failed or printed a FAIL, or none gave a line.
finish() {
	local lines=$1 np name rc=0 start=$SECONDS consoles=
	shift
	for np in "$@"; do
		wait "${np#*:}" || rc=1
		consoles+=" $logs/bench-${np%%:*}.log"
	done
	echo "($((SECONDS - start)) s more; consoles:$consoles)"
	: >"$lines"
	for np in "$@"; do
		name=${np%%:*}
		tr -d '\r' <"$logs/bench-$name.log" | grep -a '^bench ' >>"$lines"
		if tr -d '\r' <"$logs/bench-$name.log" | grep -aq '^FAIL' || [ $rc -ne 0 ]; then
			echo "bench: the guest $name failed:"
			tr -d '\r' <"$logs/bench-$name.log" | grep -a '^FAIL' | sed 's/^/    /'
			sed 's/^/    /' "$dir/$name.judge"
			rc=1
		fi
	done
	[ -s "$lines" ] || { echo "bench: no bench lines from $*"; rc=1; }
	return $rc
}

kernel_of() { echo "$build/kernels/$1/vmlinuz"; }
initrd_of() { echo "${INITRD:-$build/guest/$1/initramfs.cpio.gz}"; }

# bench_kernel REL: one boot of two guests; the main guest's lines in REL.lines.
bench_kernel() {
	local rel=$1 kernel initrd peer append rc
	kernel=$(kernel_of "$rel")
	initrd=$(initrd_of "$rel")
	if [ ! -e "$kernel" ] || [ ! -e "$initrd" ]; then
		echo "bench: no kernel $rel or initramfs; run make build" >&2
		return 1
	fi
	start_server "$rel"
	append="count=$count rings=$rings rounds=$rounds bwsizes=$bwsizes bwmin=$bwmin iomem=relaxed"
	boot "$rel-peer" "$kernel" "$initrd" "lab=bench role=peer $append" \
		--agent "$here/doorbell-agent.sh" --doorbell "$sock:1:$shm"
	peer=$boot_pid
	boot "$rel-main" "$kernel" "$initrd" "lab=bench role=main $append" \
		--agent "$here/doorbell-agent.sh" --doorbell "$sock:1:$shm"
	finish "$out/$rel.lines" "$rel-main:$boot_pid" "$rel-peer:$peer"
	rc=$?
	stop_server
	return $rc
}

# vfio_initrd REL FILE: the guest's initramfs plus vfio's modules from
# the same Debian package (downloaded once into build/bench/kmods,
# decompressed for busybox insmod) in /lib/modules/REL/vfio.
vfio_initrd() {
	local rel=$1 kmods=$build/bench/kmods m f root=$dir/vfio-root
	local mods="virt/lib/irqbypass drivers/vfio/vfio drivers/vfio/vfio_iommu_type1
		drivers/vfio/vfio_virqfd drivers/vfio/pci/vfio-pci-core drivers/vfio/pci/vfio-pci"
	mkdir -p "$kmods"
	if [ ! -e "$kmods/lib/modules/$rel/kernel/drivers/vfio/pci/vfio-pci.ko" ]; then
		(cd "$kmods" && apt-get download -q "linux-image-$rel" >/dev/null 2>&1) || {
			echo "bench: cannot download linux-image-$rel for vfio's modules" >&2; return 1; }
		dpkg-deb --fsys-tarfile "$kmods"/linux-image-"$rel"_*.deb |
			tar -x -C "$kmods" --wildcards "./lib/modules/$rel/kernel/drivers/vfio/*" \
				"./lib/modules/$rel/kernel/virt/lib/*" || return 1
		find "$kmods/lib/modules/$rel" -name '*.ko.xz' -exec xz -d -f {} + || return 1
		rm -f "$kmods"/linux-image-"$rel"_*.deb
	fi
	rm -rf "$root"
	mkdir -p "$root/lib/modules/$rel/vfio"
	for m in $mods; do
		f=$kmods/lib/modules/$rel/kernel/$m.ko
		# vfio_virqfd is part of vfio from 6.2 on.
		[ -e "$f" ] && cp "$f" "$root/lib/modules/$rel/vfio/"
	done
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip) >"$dir/vfio.cpio.gz" || return 1
	cat "$(initrd_of "$rel")" "$dir/vfio.cpio.gz" >"$2"
}

# bench_vfio REL: one boot on q35 with QEMU's Intel IOMMU, pcimem then
# vfio-pci on an ivshmem-doorbell device of 1 GiB (a server of its own, 1
# vector), beside a PC guest on the same server that pings it; their lines
# in REL+iommu.lines.
bench_vfio() {
	local rel=$1 rc peer
	vfio_initrd "$rel" "$dir/vfio-initrd.gz" || return 1
	start_server vfio
	# The other guest pings the q35 guest's pongs (guest to guest).
	MEM=512 boot "$rel-vfio-peer" "$(kernel_of "$rel")" "$(initrd_of "$rel")" \
		"lab=bench role=vfio-peer count=$count" \
		--agent "$here/doorbell-agent.sh" --doorbell "$sock:1:$shm"
	peer=$boot_pid
	boot "$rel-vfio" "$(kernel_of "$rel")" "$dir/vfio-initrd.gz" \
		"lab=bench-vfio count=$count rounds=$rounds bwsizes=$bwsizes bwmin=$bwmin intel_iommu=on iomem=relaxed" \
		--q35 --iommu --agent "$here/doorbell-agent.sh" --doorbell "$sock:1:$shm"
	finish "$out/$rel+iommu.lines" "$rel-vfio:$boot_pid" "$rel-vfio-peer:$peer"
	rc=$?
	stop_server
	return $rc
}

# bench_profile REL: PROFILE=1's boot (ci/guest/bench-profile.sh): one
# guest with a 1 GiB ivshmem-plain device; during each phase it announces,
# perf record -g of QEMU for PDUR - 4 seconds: REL-profile-PHASE.txt (perf
# report, flat, by symbol) and .data.
bench_profile() {
	local rel=$1 f=/dev/shm/$tag-profile pdur=${PDUR:-12} log qpid phase seen=" " rc
	"$bin/ivshmem-host" create "$f" 1G >/dev/null || return 1
	log=$logs/bench-$rel-profile.log
	rm -f "$log"
	boot "$rel-profile" "$(kernel_of "$rel")" "$(initrd_of "$rel")" \
		"lab=bench-profile pdur=$pdur ${PHASES:+phases=$PHASES} iomem=relaxed" --shm "$f:1G"
	while kill -0 "$boot_pid" 2>/dev/null; do
		phase=$(tr -d '\r' <"$log" 2>/dev/null | sed -n 's/^bench-profile start //p' | tail -1)
		case $seen in *" $phase "*) sleep 0.2; continue ;; esac
		[ -n "$phase" ] || { sleep 0.2; continue; }
		seen+="$phase "
		# launch-vm.sh leads the guest's session (setsid); QEMU is in it.
		qpid=$(pgrep -s "$boot_pid" qemu-system | head -1)
		[ -n "$qpid" ] || continue
		sleep 1
		echo "bench: perf record of QEMU ($qpid) during $phase"
		perf record -q -g -p "$qpid" -o "$out/$rel-profile-$phase.data" -- \
			sleep $((pdur - 4)) >/dev/null 2>&1
		{
			echo "perf record -g of QEMU during $phase; by DSO:"
			perf report -q -i "$out/$rel-profile-$phase.data" --stdio --no-children \
				--sort dso -g none --percent-limit 1 2>/dev/null | sed '/^$/d'
			echo "by symbol ([JIT]: the guest's code as TCG translated it):"
			perf report -q -i "$out/$rel-profile-$phase.data" --stdio --no-children \
				--sort dso,sym -g none --percent-limit 0.7 2>/dev/null | sed '/^$/d' | head -30
		} >"$out/$rel-profile-$phase.txt"
		sed -n 1,12p "$out/$rel-profile-$phase.txt"
	done
	wait "$boot_pid"
	rc=$?
	rm -f "$f"
	tr -d '\r' <"$log" | grep -a '^\(maptouch\|bw\) ' >"$out/$rel-profile.figures"
	if [ $rc -ne 0 ] || tr -d '\r' <"$log" | grep -aq '^FAIL'; then
		echo "bench: the profile guest failed (console: $log):"
		tr -d '\r' <"$log" | grep -a '^FAIL' | sed 's/^/    /'
		sed 's/^/    /' "$dir/$rel-profile.judge"
		return 1
	fi
}

# The host tools on a file of HOST_SIZE against memset, a pattern copy and
# memcmp of the same mapping, each a fresh process: "host OP PATH MS" lines.
bench_host() {
	local f=/dev/shm/$tag-host size=${HOST_SIZE:-1G} reps=${HOST_REPS:-5} r ms
	"$bin/ivshmem-host" create "$f" "$size" >/dev/null || return 1
	"$bin/ivshmem-host" fill "$f" abcd --quiet >/dev/null || return 1
	echo "host size $(stat -c %s "$f")"
	# t NAME OP CMD...: one timed run.
	t() {
		local name=$1 op=$2
		shift 2
		ms=$("$bin/pcimem-bench" time "$@" 2>/dev/null | sed -n 's/^time: \([0-9.]*\) ms/\1/p')
		if [ -z "$ms" ]; then echo "FAIL - host $op $name"; return 1; fi
		echo "host $op $name $ms"
	}
	for r in $(seq "$reps"); do
		: "round $r"
		t memset fill "$bin/pcimem-bench" hostmem "$f" memset abcd || return 1
		t pattern-copy fill "$bin/pcimem-bench" hostmem "$f" fill abcd || return 1
		t ivshmem-host fill "$bin/ivshmem-host" fill "$f" abcd --quiet || return 1
		t memcmp verify "$bin/pcimem-bench" hostmem "$f" memcmp abcd || return 1
		t ivshmem-host verify "$bin/ivshmem-host" verify "$f" abcd --quiet || return 1
	done
	rm -f "$f"
}

if [ "${PROFILE:-0}" = 1 ]; then
	command -v perf >/dev/null || { echo "bench: PROFILE=1 needs perf"; exit 1; }
	for rel in "${rels[@]}"; do
		echo "== Linux $rel: QEMU profiled during the phases of ci/guest/bench-profile.sh"
		bench_profile "$rel" || failed=1
	done
	exit "$failed"
fi

# The plots' one dependency, for make bench only (make test never needs it).
if ! command -v gnuplot >/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		echo "bench: installing gnuplot-nox for the plots"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnuplot-nox >"$dir/apt.log" 2>&1 ||
			echo "bench: apt-get install gnuplot-nox failed; no plots ($(tail -1 "$dir/apt.log"))"
	else
		echo "bench: no gnuplot and not root; no plots (apt-get install gnuplot-nox)"
	fi
fi

csv=$out/bench.csv
echo "kernel,section,path,op,size_bytes,value,unit,ratio_ram,ratio_anchor" >"$csv"
echo "pcimem bench: kernels ${rels[*]}; $(host_line)" | tee "$out/machine.txt"
for rel in "${rels[@]}"; do
	echo
	echo "== Linux $rel"
	if bench_kernel "$rel"; then
		"$here/bench-report.sh" "$rel" "$out/$rel.lines" "$csv" | tee "$out/$rel.txt"
	else
		failed=1
		[ -s "$out/$rel.lines" ] && "$here/bench-report.sh" "$rel" "$out/$rel.lines" "$csv" |
			tee "$out/$rel.txt"
	fi
	[ "${VFIO:-1}" = 0 ] && continue
	echo
	echo "== Linux $rel on q35 with QEMU's Intel IOMMU: pcimem, then vfio-pci"
	bench_vfio "$rel" || failed=1
	[ -s "$out/$rel+iommu.lines" ] &&
		"$here/bench-report.sh" "$rel+iommu" "$out/$rel+iommu.lines" "$csv" | tee "$out/$rel+iommu.txt"
done

echo
echo "== Host, natively: ivshmem-host against memset, a pattern copy and memcmp (${HOST_SIZE:-1G} in /dev/shm)"
if bench_host >"$out/host.lines"; then
	"$here/bench-report.sh" host "$out/host.lines" "$csv" | tee "$out/host.txt"
else
	failed=1
	cat "$out/host.lines"
fi

if command -v gnuplot >/dev/null; then
	"$here/bench-plot.sh" "$csv" "$out" || failed=1
fi
echo
echo "CSV: $csv; tables: $out/*.txt; plots: $out/*.svg, *.png"
echo "Under TCG every guest access is emulated: caching attributes have no effect,"
echo "so uc, wc and wb (and resource2 against resource2_wc) read the same here;"
echo "mapping times (page-table work) and ratios to RAM of read()/write() do mean"
echo "something. ACCEL=kvm make bench measures the memory types where KVM works."
exit "$failed"
