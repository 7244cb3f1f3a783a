#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks of the host tool ivshmem-host on a file in /dev/shm: what it does
# and how it fails. One line per check, then `N passed, N failed`.
#
#   host-tests.sh BIN_DIR
set -u
# shellcheck source=test-lib.sh
. "$(dirname "$0")/test-lib.sh"
tool=$1/ivshmem-host
f=/dev/shm/pcimem-host-test-$$
trap 'rm -f "$f"' EXIT
# t NAME WANT_RC PATTERN CMD...: test-lib.sh (commands not bounded here).

t "create a 1 MiB backing file" 0 "" "$tool" create "$f" 1M
t "its size is 1 MiB" 0 "1048576" stat -c %s "$f"
t "a size that is not a power of two is refused" 2 "power of two" "$tool" create "$f.x" 3M
t "fill then verify" 0 "OK" sh -c "'$tool' fill '$f' abcd && '$tool' verify '$f' abcd"
t "put a token, expect finds it" 0 "" sh -c "'$tool' put '$f' 0x1000 token && '$tool' expect '$f' 0x1000 token"
t "expect reports other bytes and exits 1" 1 "" "$tool" expect "$f" 0x1000 nekot
t "verify counts the 5 bytes the token changed" 1 "5 bad bytes" "$tool" verify "$f" abcd
t "read a 32-bit value" 0 "0x64636261" "$tool" read "$f" 0 32
t "write a 16-bit value through --rw" 0 "" "$tool" --rw write "$f" 0x10 0x4142 16
t "read it back through the mapping" 0 "0x4142" "$tool" read "$f" 0x10 16
t "dump shows hexdump -C lines" 0 "|abcdabcdabcdabcd|" "$tool" dump "$f" 0x20 16
t "an offset past the end names the size" 2 "beyond shared memory (1 MiB)" "$tool" read "$f" 0x100000
t "a missing file exits 3" 3 "No such file" "$tool" verify "$f.missing" abcd
t "a bad number is refused" 2 "0x1z" "$tool" read "$f" 0x1z
t "an unknown command is a usage error" 2 "" "$tool" frob "$f"

# Data safety: create never replaces a file without --force, and never one
# another process has open or mapped (shrinking it would SIGBUS QEMU).
"$tool" fill "$f" abcd >/dev/null
t "create on an existing file is refused without --force" 2 "exists.*--force" \
	"$tool" create "$f" 1M
t "the refused file keeps its size and its data" 0 "OK" sh -c \
	"[ \$(stat -c %s '$f') -eq 1048576 ] && '$tool' verify '$f' abcd"
t "create --force replaces it: 2 MiB of zeros" 0 "OK" sh -c \
	"'$tool' create --force '$f' 2M && [ \$(stat -c %s '$f') -eq 2097152 ] && '$tool' verify '$f' hex:00"
t "--force after FILE SIZE is accepted too" 0 "" "$tool" create "$f" 1M --force
# A process that maps the file and closes its descriptor, as QEMU may; it
# reads the file's last byte when told to, and dies of SIGBUS if it shrank.
"$tool" fill "$f" abcd >/dev/null
coproc mapper { exec python3 -c '
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
m = mmap.mmap(fd, 1 << 20, mmap.MAP_SHARED, mmap.PROT_READ)
os.close(fd)
print("mapped", flush=True)
sys.stdin.readline()
print("last byte", chr(m[(1 << 20) - 1]), flush=True)
' "$f"; }
# shellcheck disable=SC2154 # set by coproc
mapper_pid=$mapper_PID
read -r -t 10 line <&"${mapper[0]}"
t "a helper maps the file, its descriptor closed" 0 "mapped" echo "${line:-}"
t "create --force of a smaller size on a mapped file is refused, naming the process" 5 \
	"in use by process $mapper_pid" "$tool" create --force "$f" 4K
t "create --force of any size on a mapped file is refused" 5 "in use" \
	"$tool" create --force "$f" 2M
echo >&"${mapper[1]}"
read -r -t 10 line <&"${mapper[0]}"
t "the mapping process still reads its last byte (no SIGBUS)" 0 "last byte d" echo "${line:-}"
wait "$mapper_pid" 2>/dev/null
t "the mapped file kept its size and data" 0 "OK" sh -c \
	"[ \$(stat -c %s '$f') -eq 1048576 ] && '$tool' verify '$f' abcd"
# Another process holding the file open (no mapping) counts as in use too.
sleep 30 3<"$f" &
holder=$!
sleep 0.2
t "create --force on a file another process has open is refused" 5 "in use by process $holder" \
	"$tool" create --force "$f" 1M
kill "$holder"; wait "$holder" 2>/dev/null
t "once nobody has it open, create --force works" 0 "" "$tool" create --force "$f" 1M
report
