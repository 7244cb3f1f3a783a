#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make deb`: the Debian packages pcimem-dkms, pcimem-tools and
# ivshmem-server, built by dpkg-buildpackage (debhelper, dh-dkms) from a
# copy of the working tree, then checked by lintian.
#
#   ci/build-deb.sh OUT_DIR     writes OUT_DIR/*.deb, OUT_DIR/lintian.log
#
# Exit status: 0 built and lintian clean (tags explained in
# debian/*.lintian-overrides are allowed), 1 otherwise.
set -u
out=${1:?usage: build-deb.sh OUT_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n '1s/^pcimem (\([^)]*\)).*/\1/p' "$top/debian/changelog")
src=$out/pcimem-$version

rm -rf "$out" && mkdir -p "$out" || exit 1
# Tracked files and new ones not ignored: what a checkout would have.
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	grep -zv '^build/' | tar --null -T - -cf -) | (mkdir -p "$src" && tar -C "$src" -xf -) ||
	exit 1
(cd "$src" && dpkg-buildpackage -b -us -uc -j2) >"$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed; log in $out/build.log" >&2
	exit 1
}
rm -rf "$src"
ls "$out"/*.deb
lintian --display-info --pedantic "$out"/*.changes >"$out/lintian.log" 2>&1
rc=$?
cat "$out/lintian.log"
[ $rc -eq 0 ] && ! grep -q '^[EW]: ' "$out/lintian.log"
