#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks of the host tool ivshmem-host on a file in /dev/shm: what it does
# and how it fails. One line per check.
#
#   host-tests.sh BIN_DIR
set -u
tool=$1/ivshmem-host
f=/dev/shm/pcimem-host-test-$$
trap 'rm -f "$f"' EXIT

# t NAME WANT_RC PATTERN CMD...: CMD exits WANT_RC and prints PATTERN.
t() {
	local name=$1 want=$2 pat=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -- "$pat" <<<"$out"; then
		echo "ok - $name"
	else
		echo "FAIL - $name: exit $rc (want $want): $out"
	fi
}

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
