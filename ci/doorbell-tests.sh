#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Doorbells end to end on one guest kernel: stock QEMU ivshmem-doorbell
# devices served by our ivshmem server, the guests' pcimem tools against
# host peers (ivshmem-host peer) and against each other. One line per
# check, `ok - ...` or `FAIL - ...`; the caller counts.
#
#   ci/doorbell-tests.sh KERNEL_RELEASE      (BUILD=... as run-tests.sh)
#
# INITRD=... replaces the guest's initramfs (it needs pcimem-bench too),
# VMLINUZ=... the kernel image; EXTRA_APPEND adds to every command line.
#
# 1. one guest (ci/guest/doorbell.sh) with a 4-vector MSI-X doorbell and an
#    ivshmem-plain device: modes and vectors, the peer ID against the
#    server's list, exact ring counts both ways on every vector, bad input;
# 2. one guest with MSI disabled (pci=nomsi): QEMU 7.2's ivshmem-doorbell has
#    no msi=off and no INTx pin, so the doorbell device binds without
#    interrupts and keeps its shared memory;
# 3. three guests on one server (ci/guest/doorbell-pair.sh): a and b bounce
#    messages, a powers off, b sees it gone, c joins with a fresh ID and
#    bounces messages with b;
# 4. run 1 again, reduced (10 round trips and 5 rings per vector), on QEMU's
#    own contrib/ivshmem-server (ci/qemu-reference.sh) instead of ours: the
#    driver must not depend on our server's choices (QEMU's hands out IDs
#    monotonically, ours rotates through them).
# RUNS="msix nomsi pair qemu" (the default) picks the runs.
# The guests reach host peers through doorbell-agent.sh as their host
# agent. Every guest's console is judged (judge-log.sh) as one more check.
# Servers, sockets, shared memory files, QEMUs and host peers are gone when
# the script exits, whatever happened.
set -u
rel=${1:?usage: doorbell-tests.sh KERNEL_RELEASE}
# shellcheck source=ci/paths.sh
. "$(dirname "$0")/paths.sh"
lab=doorbell agent=$here/doorbell-agent.sh
# shellcheck source=ci/guest-pair.sh
. "$here/guest-pair.sh"

# peers SOCKET: the IDs the server lists, once they settle (peer-ids.sh),
# or "unsettled".
# shellcheck source=ci/peer-ids.sh
. "$here/peer-ids.sh"
peers() { settled_ids "$bin/ivshmem-host" "$1" || echo "unsettled"; }

built || exit 1

# run NAME: whether RUNS names NAME.
run() { case " ${RUNS:-msix nomsi pair qemu} " in *" $1 "*) return 0 ;; esac; return 1; }

# ---- 1. one guest, MSI-X: 4 vectors; bad input; ivshmem-plain beside ----
if run msix; then
	server msix 4
	check "server 1 (4 vectors) listens" $?
	"$bin/ivshmem-host" create "/dev/shm/$tag-plain" 4M >/dev/null
	check "host: a 4 MiB file for the plain device" $?
	export DOORBELL_SOCKETS="/dev/shm/$tag-msix=$dir/msix.sock"
	export DOORBELL_LIMIT=60
	vm msix "$dir/msix" 150 "lab=doorbell mode=msix rounds=30 rings=20" \
		--doorbell "$dir/msix.sock:4:/dev/shm/$tag-msix" --shm "/dev/shm/$tag-plain:4M"
	reap msix "$vm_pid"
	s=$(peers "$dir/msix.sock")
	check "host: the guest left server 1 when it powered off (peers: '$s')" "$([ -z "$s" ] && echo 0 || echo 1)"
	"$bin/ivshmem-host" expect "/dev/shm/$tag-msix" 0x100010 "ping 30" >/dev/null 2>&1
	check "host: server 1's memory holds the guest's last request (\"ping 30\" at 1 MiB + 16)" $?
fi

# ---- 2. one guest, MSI-X unavailable (pci=nomsi) ----
if run nomsi; then
	server nomsi 1
	check "server 2 (1 vector) listens" $?
	export DOORBELL_SOCKETS="/dev/shm/$tag-nomsi=$dir/nomsi.sock"
	vm nomsi "$dir/nomsi" 120 "lab=doorbell mode=nomsi pci=nomsi" \
		--doorbell "$dir/nomsi.sock:1:/dev/shm/$tag-nomsi"
	reap nomsi "$vm_pid"
fi

# ---- 3. three guests, one server: a and b, a leaves, c joins ----
if run pair; then
	server pair 1
	check "server 3 (1 vector) listens" $?
	export DOORBELL_SOCKETS="/dev/shm/$tag-pair=$dir/pair.sock"
	export DOORBELL_LIMIT=150
	state=$dir/pair
	vm b "$state" 240 "lab=doorbell-pair role=b rounds=200" --doorbell "$dir/pair.sock:1:/dev/shm/$tag-pair"
	b_pid=$vm_pid
	vm a "$state" 150 "lab=doorbell-pair role=a rounds=200" --doorbell "$dir/pair.sock:1:/dev/shm/$tag-pair"
	reap a "$vm_pid"
	s=$(peers "$dir/pair.sock")
	b_id=$(cat "$state/key-b-id" 2>/dev/null)
	check "host: after a powered off, the server lists only b (peers: '$s', b: '$b_id')" \
		"$([ -n "$b_id" ] && [ "$s" = "$b_id" ] && echo 0 || echo 1)"
	echo gone >"$state/key-a-gone"
	# c's QEMU joins the server as it starts: only once b has checked a left.
	for _ in $(seq 600); do
		[ -e "$state/key-b-ready2" ] || ! kill -0 "$b_pid" 2>/dev/null && break
		sleep 0.1
	done
	vm c "$state" 150 "lab=doorbell-pair role=c rounds=200" --doorbell "$dir/pair.sock:1:/dev/shm/$tag-pair"
	reap c "$vm_pid"
	reap b "$b_pid"
	s=$(peers "$dir/pair.sock")
	check "host: after all three powered off, the server lists nobody (peers: '$s')" \
		"$([ -z "$s" ] && echo 0 || echo 1)"
	a_id=$(cat "$state/key-a-id" 2>/dev/null) c_id=$(cat "$state/key-c-id" 2>/dev/null)
	check "host: a, b and c had three different peer IDs ($a_id, $b_id, $c_id)" \
		"$([ -n "$a_id$b_id$c_id" ] && [ "$(printf '%s\n' "$a_id" "$b_id" "$c_id" | sort -u | grep -c .)" -eq 3 ] && echo 0 || echo 1)"
fi

# ---- 4. run 1, reduced, on QEMU's own ivshmem-server ----
if run qemu; then
	ref=$("$here/qemu-reference.sh" "$build" 2>"$dir/reference.log")
	check "QEMU's reference ivshmem-server is built (ci/qemu-reference.sh)" $? \
		"$(tail -n 15 "$dir/reference.log")"
	# The probes that found it listening took IDs: the guest's is not 0.
	if [ -x "$ref/ivshmem-server" ] && server qemu 4 "$ref/ivshmem-server"; then
		ok "QEMU's ivshmem-server (4 vectors) listens"
		"$bin/ivshmem-host" create "/dev/shm/$tag-plainq" 4M >/dev/null
		check "host: a 4 MiB file for the plain device" $?
		export DOORBELL_SOCKETS="/dev/shm/$tag-qemu=$dir/qemu.sock"
		export DOORBELL_LIMIT=60
		vm qemu-server "$dir/qemu" 150 "lab=doorbell mode=msix rounds=10 rings=5" \
			--doorbell "$dir/qemu.sock:4:/dev/shm/$tag-qemu" --shm "/dev/shm/$tag-plainq:4M"
		reap qemu-server "$vm_pid"
		s=$(peers "$dir/qemu.sock")
		check "host: the guest left QEMU's server when it powered off (peers: '$s')" \
			"$([ -z "$s" ] && echo 0 || echo 1)"
		"$bin/ivshmem-host" expect "/dev/shm/$tag-qemu" 0x100010 "ping 10" >/dev/null 2>&1
		check "host: QEMU's server's memory holds the guest's last request (\"ping 10\" at 1 MiB + 16)" $?
	else
		fail "QEMU's ivshmem-server (4 vectors) listens" "$(cat "$dir/qemu.server.log" 2>/dev/null)"
	fi
fi
