#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The vfio-pci boot of ci/bench.sh (lab=bench-vfio): QEMU's q35 with its
# emulated Intel IOMMU (the kernel booted with intel_iommu=on), one
# ivshmem-plain device of 1 GiB at 01:00.0, and vfio's modules from the
# same Debian kernel package in /lib/modules/RELEASE/vfio. First pcimem
# holds the device: mapping and bandwidth through it, resource2 and
# resource2_wc; then vfio-pci: through its BAR2 region (mmap, and pread/
# pwrite), beside resource2 again. Doorbell round trips from the host
# (ivshmem-doorbell, 1 vector, host agent doorbell-agent.sh) to a pong
# woken by pcimem's counts and poll, pcimem's eventfd, and vfio-pci's MSI-X
# eventfd; and from the other guest of the boot (bench.sh role=vfio-peer,
# on the same server) to a pong woken by pcimem's counts, then by
# vfio-pci's eventfd. The same `bench ...` lines as bench.sh, for the host to tabulate
# as a boot of its own. Kernel parameters: count=N round trips, rounds=R,
# bwsizes=SIZE,..., bwmin=BYTES (see bench.sh).
# shellcheck source=ci/guest/lib.sh
. /pcimem/lib.sh
# shellcheck source=ci/guest/bench-lib.sh
. /pcimem/bench-lib.sh

D=01:00.0
BDF=0000:$D
R=${rounds:-5}
SIZES=$(echo "${bwsizes:-4K,64K,1M,16M,256M}" | tr , " ")
BWMIN=${bwmin:-16M}
MODS=/lib/modules/$(uname -r)/vfio
res=/sys/bus/pci/devices/$BDF/resource2

# ram_memtype=uc: q35 leaves the 64-bit hole write-back in the MTRRs, and
# pcimem's write-back kernel mapping would then refuse resource2 (x86 PAT).
check "insmod pcimem.ko pattern= ram_memtype=uc" insmod "$KO" pattern= ram_memtype=uc
node=$(node_of $D)
hostlink_open
id=$(pcimem id "$node")
N=${count:-10000}
section "round trips host -> guest -> host, pcimem"
bench_hostping "host->guest->host" pcimem pong "$node" --count "$N" --timeout 60000
bench_hostping "host->guest(eventfd)->host" pcimem-bench epong "$node" "$id" "$N"
# Guest to guest: the other guest (bench.sh role=vfio-peer) pings a pong at
# 2 MiB, here pcimem's, after vfio-pci's (guest_pong below).
guest_pong() {
	host write $D 0x200100 0x6d61726b 64 >/dev/null
	host info $D set "pong-$1" "$id" >/dev/null
	shift
	check "answered the other guest's $N pings: $*" sh -c "$* | grep -qx '[ep]*pong: $N messages answered'"
}
guest_pong pcimem pcimem pong "$node" --count "$N" --offset 0x200000 --timeout 120000
for m in irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci; do
	[ -e "$MODS/$m.ko" ] || continue
	check "insmod $m.ko" insmod "$MODS/$m.ko"
done

# file_of PATH: what maptouch opens for it.
file_of() {
	case $1 in
	pcimem) echo "$node" ;;
	resource2) echo "$res" ;;
	resource2_wc) echo "${res}_wc" ;;
	vfio-pci) echo "vfio:$BDF" ;;
	esac
}

bench_maps pcimem resource2
bench_mapsplit pcimem resource2
bench_bw ram=ram "pcimem-uc=mmap:$node:uc" "resource2=file:$res"

section "vfio-pci"
check "rmmod pcimem" rmmod pcimem
echo vfio-pci >/sys/bus/pci/devices/$BDF/driver_override
echo $BDF >/sys/bus/pci/drivers_probe
check "vfio-pci holds $BDF" test -e /sys/bus/pci/drivers/vfio-pci/$BDF
check "its IOMMU group has a vfio node" \
	test -e "/dev/vfio/$(basename "$(readlink /sys/bus/pci/devices/$BDF/iommu_group)")"
section "round trips host -> guest -> host, vfio-pci"
bench_hostping "host->guest(vfio-pci)->host" pcimem-bench epong "vfio:$BDF" "$id" "$N"
guest_pong vfio pcimem-bench epong "vfio:$BDF" "$id" "$N" 0x200000
bench_maps vfio-pci resource2
bench_mapsplit vfio-pci resource2
bench_bw "vfio-pci=vfio:$BDF" "resource2=file:$res"
# vfio-pci's read()/write() of a BAR go 4 bytes at a time: small sizes only.
SIZES=$(for s in $SIZES; do case $s in *K|1M) echo "$s" ;; esac; done | tr '\n' ' ')
BWMIN=1M
bench_bw "vfio-pci-rw=vfiorw:$BDF" "resource2=file:$res"
