#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Channel streams with guests, on one guest kernel (ci/guest/channel.sh):
#   1. one guest with an ivshmem-doorbell device (our server, 1 vector)
#      and an ivshmem-plain one: SIZE bytes guest to host and host to
#      guest on each, through pcimem send/recv and the host's ivshmem-host
#      send/recv (ci/channel-agent.sh), the same sha256 at both ends; BIG
#      bytes host to guest and guest to host; each side killed mid-stream
#      under the other, host peer and guest in turn (the other exits 3,
#      never hangs);
#   2. two guests on one server, sharing a plain backing file too: a sends
#      SIZE bytes to b on each (without doorbells: the two poll), and BIG
#      bytes on the doorbell device; then b's recv is killed under a's
#      send and a's send under b's recv.
# One line per check; the caller counts.
#
#   ci/channel-lab.sh KERNEL_RELEASE      (BUILD=... as run-tests.sh)
#
# SIZE (default 16M): under TCG a guest moves some MB/s (urandom, sha256,
# the copies) and keeps what it sends and receives in its RAM (256 MiB).
# BIG (default 1G): the big streams, host to guest, guest to host and guest
# to guest, none kept in a guest. A sending guest makes them with
# ci/tests/pcimem-stream-data (each 8 bytes a function of their offset);
# the host sums what it receives natively and compares that with the sum
# of its own run of the program; a receiving guest checks every byte
# against the program's stream as it arrives: seconds per GiB under TCG.
# Host to guest on 6.12 (H2G=sha; H2G=stream elsewhere) the host sends
# AES-CTR data from openssl instead and the guest sums it with sha256sum
# as it arrives, some 17 MB/s under TCG: a minute per GiB, on one kernel.
# VMLINUZ, INITRD, EXTRA_APPEND and MEM as in ci/guest-pair.sh. Servers,
# files, QEMUs and host peers are gone when the script exits.
set -u
rel=${1:?usage: channel-lab.sh KERNEL_RELEASE}
# shellcheck source=ci/paths.sh
. "$(dirname "$0")/paths.sh"
lab=channel agent=$here/channel-agent.sh
# shellcheck source=ci/guest-pair.sh
. "$here/guest-pair.sh"
size=${SIZE:-16M}
big=${BIG:-1G} h2g=stream
case $rel in 6.12.*) h2g=${H2G:-sha} ;; esac
export DOORBELL_LIMIT=240	# the host's end of BIG, under a loaded host

built || exit 1
bytes=$(numfmt --from=iec "$size")
big=$(numfmt --from=iec "$big")
bigsha=
if [ "$big" -gt 0 ]; then
	bigsha=$(set -o pipefail; "$bin/pcimem-stream-data" "$big" | sha256sum | cut -c1-64)
	check "host: the sha256 of $big bytes of pcimem-stream-data" $?
fi

# ---- 1. one guest: doorbell and plain, both directions ----
server one 1
check "server 1 (1 vector) listens" $?
"$bin/ivshmem-host" create "/dev/shm/$tag-plain" 4M >/dev/null
check "host: a 4 MiB file for the plain device" $?
export DOORBELL_SOCKETS="/dev/shm/$tag-one=$dir/one.sock"
vm one "$dir/one" 600 "lab=channel role=one size=$bytes big=$big bigsha=$bigsha h2g=$h2g" \
	--doorbell "$dir/one.sock:1:/dev/shm/$tag-one" --shm "/dev/shm/$tag-plain:4M"
reap one "$vm_pid"

# ---- 2. two guests, one server and one plain file: a sends to b ----
server pair 1
check "server 2 (1 vector) listens" $?
"$bin/ivshmem-host" create "/dev/shm/$tag-pplain" 4M >/dev/null
check "host: a 4 MiB file for the guests' plain devices" $?
export DOORBELL_SOCKETS="/dev/shm/$tag-pair=$dir/pair.sock"
pair=(--doorbell "$dir/pair.sock:1:/dev/shm/$tag-pair" --shm "/dev/shm/$tag-pplain:4M")
vm b "$dir/pair" 300 "lab=channel role=b size=$bytes big=$big" "${pair[@]}"
b_pid=$vm_pid
vm a "$dir/pair" 300 "lab=channel role=a size=$bytes big=$big" "${pair[@]}"
reap a "$vm_pid"
reap b "$b_pid"
