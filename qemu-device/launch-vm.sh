#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots a guest kernel and initramfs in QEMU with one ivshmem-plain device
# per backing file, captures the serial console to a log, optionally serves
# the guest's control line with host-agent.sh, and judges the run.
#
#   launch-vm.sh --kernel BZIMAGE --initrd CPIO --log FILE
#                [--shm FILE:SIZE]... [--doorbell SOCKET:VECTORS:FILE]...
#                [--edu] [--testdev] [--bochs] [--pcimem-testdev PROPS]...
#                [--q35 [--iommu] [--pcimem-testdev-pair PROPS]...]
#                [--append ARGS] [--timeout SECONDS]
#                [--agent IVSHMEM_HOST] [--show]
#
# Devices sit at PCI slots 00:04.0, 00:05.0, ... in the order given:
# --shm is ivshmem-plain on a backing file that must exist with its size
# (ivshmem-host create); --doorbell is ivshmem-doorbell served by an
# ivshmem server on SOCKET whose memory is FILE (for the host agent);
# --edu is QEMU's edu device; --testdev QEMU's pci-testdev (1b36:0005: 4 KiB
# of registers, 256 I/O ports, 1 MiB of memory), which pcimem does not know;
# --bochs QEMU's bochs-display (1234:1111: a 16 MiB prefetchable
# framebuffer, memory that is not RAM), which pcimem does not know either.
# --pcimem-testdev is our own device model (qemu-device/testdev/, only in
# the QEMU that ci/qemu-build.sh builds: pass it as QEMU=...) with PROPS, its
# comma-separated QOM properties (may be empty: the default layout); a
# pseudo-property barN-file=PATH backs BAR N with that file (its size is the
# file's; memory-backend-file share=on) and names it to the host agent.
# --q35 boots QEMU's q35 machine instead of the PC and puts each device
# behind a PCIe root port of its own (ports at 00:04.0, 00:05.0, ...;
# devices at 01:00.0, 02:00.0, ...), where a bus reset can reach it;
# --pcimem-testdev-pair (q35 only) puts two pcimem-testdev with PROPS behind
# one root port, as functions 0 and 1 of one device (NN:00.0, NN:00.1;
# QOM properties only, no barN-file), for a bus reset that holds both;
# --iommu adds QEMU's emulated Intel IOMMU to it (boot the guest with
# intel_iommu=on), for vfio-pci in the guest.
# With --agent, the host agent serves the
# guest's ttyS1 and drives QEMU's QMP monitor (device_del, device_add).
# ACCEL=kvm opts in to KVM; TCG is the default. QEMU=... overrides the binary;
# MEM=... the guest's memory in MiB (512).
#
# Exit status: 0 when the guest printed its last line and the console holds
# no kernel report; 1 when it holds one; 2 on a time-out or no last line.
set -u

kernel='' initrd='' log='' append='' timeout=300 agent='' show='' q35='' iommu=''
devices=() tdprops=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--log) log=$2; shift ;;
	--shm) devices+=("shm:$2"); shift ;;
	--doorbell) devices+=("doorbell:$2"); shift ;;
	--edu) devices+=("edu") ;;
	--testdev) devices+=("testdev") ;;
	--bochs) devices+=("bochs") ;;
	--pcimem-testdev) devices+=("pcimem:${#tdprops[@]}"); tdprops+=("$2"); shift ;;
	--pcimem-testdev-pair) devices+=("pcimem:${#tdprops[@]}:pair"); tdprops+=("$2"); shift ;;
	--q35) q35=1 ;;
	--iommu) iommu=1 ;;
	--append) append=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--agent) agent=$2; shift ;;
	--show) show=1 ;;
	*) echo "launch-vm: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
{ [ -n "$kernel" ] && [ -n "$initrd" ] && [ -n "$log" ]; } ||
	{ echo "launch-vm: --kernel, --initrd and --log are required" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pcimem-vm.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

accel=${ACCEL:-tcg}
machine=pc
[ -n "$q35" ] && machine=q35
args=(-accel "$accel" -M "$machine" -m "${MEM:-512}" -smp 1 -nodefaults -display none -no-reboot
      -kernel "$kernel" -initrd "$initrd"
      -append "console=ttyS0 loglevel=5 panic=-1 $append"
      -chardev "file,id=con,path=$log" -serial chardev:con)
[ "$accel" = kvm ] && args+=(-cpu host)
[ -n "$iommu" ] && args+=(-device intel-iommu)

slot=4
slots=()
for i in "${!devices[@]}"; do
	addr=$(printf 'bus=pci.0,addr=0x%x,id=dev%x' $slot $slot)
	pci=$(printf '00:%02x.0' $slot)
	if [ -n "$q35" ]; then
		port=$((i + 1))
		args+=(-device "pcie-root-port,id=rp$port,bus=pcie.0,addr=$(printf 0x%x $slot),chassis=$port")
		addr="bus=rp$port,addr=0x0,id=dev$port"
		pci=$(printf '%02x:00.0' $port)
	fi
	IFS=: read -r kind a b c <<<"${devices[$i]}"
	if [ "$kind:$b" = pcimem:pair ]; then
		[ -n "$q35" ] || { echo "launch-vm: --pcimem-testdev-pair needs --q35" >&2; exit 2; }
		fn1="pcimem-testdev,${tdprops[$a]:+${tdprops[$a]},}bus=rp$port,addr=0x0.1,id=dev${port}f1"
		args+=(-device "$fn1")
		slots+=("${pci%.0}.1@$fn1")
		addr+=",multifunction=on"
	fi
	case $kind in
	shm)	object="memory-backend-file,id=shm$i,size=$b,share=on,mem-path=$a"
		args+=(-object "$object")
		device="ivshmem-plain,memdev=shm$i,$addr"
		slots+=("$pci%$object")
		file=$a ;;
	doorbell)
		args+=(-chardev "socket,path=$a,id=bell$i")
		device="ivshmem-doorbell,chardev=bell$i,vectors=$b,$addr"
		file=$c ;;
	edu)	device="edu,$addr"
		file= ;;
	testdev)
		device="pci-testdev,membar=1M,$addr"
		file= ;;
	bochs)	device="bochs-display,$addr"
		file= ;;
	pcimem)	device=pcimem-testdev file=
		IFS=, read -r -a props <<<"${tdprops[$a]}"
		for p in "${props[@]}"; do
			case $p in
			bar[0-5]-file=*)
				n=${p:3:1} f=${p#*=}
				[ -f "$f" ] || { echo "launch-vm: $p: no such file" >&2; exit 2; }
				object="memory-backend-file,id=td$i-$n,size=$(stat -L -c %s "$f"),share=on,mem-path=$f"
				args+=(-object "$object")
				p="bar$n-memdev=td$i-$n"
				[ -z "$file" ] && file=$f ;;
			esac
			device+=",$p"
		done
		device+=",$addr" ;;
	esac
	args+=(-device "$device")
	[ -n "$file" ] && slots+=("$pci=$file")
	slots+=("$pci@$device")
	slot=$((slot + 1))
done

: >"$log"
if [ -n "$agent" ]; then
	mkfifo "$work/ctl.in" "$work/ctl.out" "$work/qmp.in" "$work/qmp.out"
	args+=(-chardev "pipe,id=ctl,path=$work/ctl" -serial chardev:ctl
	       -chardev "pipe,id=qmp,path=$work/qmp" -mon "chardev=qmp,mode=control")
	"$here/host-agent.sh" "$work/ctl" "$agent" "$log.agent" "$work/qmp" "${slots[@]}" &
	pids+=($!)
fi

if [ -n "$show" ]; then
	tail -n +1 -F "$log" 2>/dev/null &
	pids+=($!)
fi

timeout --foreground -k 5 "$timeout" "${QEMU:-qemu-system-x86_64}" "${args[@]}" \
	>"$log.qemu" 2>&1
qrc=$?
[ -n "$show" ] && sleep 0.5
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	echo "launch-vm: the guest did not finish within ${timeout}s" >&2
elif [ $qrc -ne 0 ]; then
	echo "launch-vm: QEMU exited with status $qrc:" >&2
	sed 's/^/    /' "$log.qemu" >&2
fi

"$here/../ci/judge-log.sh" "$log"
