#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest of `PROFILE=1 ci/bench.sh` (lab=bench-profile): one
# ivshmem-plain device of 1 GiB at 00:04.0 and loops the host profiles
# QEMU during (perf record -p), one phase at a time, each announced as
#   bench-profile start PHASE
#   bench-profile end PHASE
# on the console for the host to attach to; each phase runs pdur=SECONDS
# (default 12). Phases (phases=A,B,... picks some):
#   touch-pcimem     mmap, touch every page, munmap of 256 MiB of /dev/pcimemN
#   touch-resource2  the same through sysfs resource2
#   read-rw          read() of 1 MiB at a time from the node
#   read-mmap        memcpy of 1 MiB at a time out of an mmap of the node
#   write-rw         write() of 1 MiB at a time to the node
#   probe-fill       insmod pattern=abcd (the fill of the 1 GiB BAR), rmmod
# No timing here is a result; pcimem-bench prints its figures as it goes.
# shellcheck source=ci/guest/lib.sh
. /pcimem/lib.sh

D=00:04.0
DUR=${pdur:-12}
PHASES=$(echo "${phases:-touch-pcimem,touch-resource2,read-rw,read-mmap,write-rw,probe-fill}" | tr , " ")
res=/sys/bus/pci/devices/0000:$D/resource2

check "insmod pcimem.ko pattern= (the memory is shared)" insmod "$KO" pattern=
node=$(node_of $D)

# run_for CMD...: CMD again and again for DUR seconds.
run_for() {
	end=$(($(date +%s) + DUR))
	while [ "$(date +%s)" -lt "$end" ]; do
		"$@" || { echo "FAIL - $*"; return; }
	done
}

for phase in $PHASES; do
	echo "bench-profile start $phase"
	case $phase in
	touch-pcimem) run_for pcimem-bench maptouch "$node" 256M 4 ;;
	touch-resource2) run_for pcimem-bench maptouch "$res" 256M 4 ;;
	read-rw) run_for env PCIMEM_BENCH_OPS=read PCIMEM_BENCH_PASSES=1 \
		pcimem-bench bw rw "rw:$node" 256M 1M ;;
	read-mmap) run_for env PCIMEM_BENCH_OPS=read PCIMEM_BENCH_PASSES=1 \
		pcimem-bench bw mmap "mmap:$node:uc" 256M 1M ;;
	write-rw) run_for env PCIMEM_BENCH_OPS=write PCIMEM_BENCH_PASSES=1 \
		pcimem-bench bw rw "rw:$node" 256M 1M ;;
	probe-fill) rmmod pcimem
		run_for sh -c "insmod $KO pattern=abcd && rmmod pcimem"
		insmod "$KO" pattern=
		node=$(node_of $D) ;;
	*) echo "FAIL - no profile phase $phase" ;;
	esac
	echo "bench-profile end $phase"
done
