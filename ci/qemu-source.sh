#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetches Debian's qemu source package (bookworm: 7.2) and unpacks it with
# Debian's patches applied, once; later runs print the same folder at once.
# Both QEMU builds of the suite start from this one tree: the device model
# (ci/qemu-build.sh) and QEMU's reference ivshmem programs
# (ci/qemu-reference.sh). Neither builds inside it: each copies or points
# meson at it, so the tree stays as Debian ships it.
#
#   ci/qemu-source.sh BUILD_DIR      prints the source folder on stdout
#
# Adds a deb-src entry for the suites the machine already uses (a file of
# ours, /etc/apt/sources.list.d/pcimem-deb-src.sources) when apt knows no
# source for qemu, and installs dpkg-dev for dpkg-source. Lands in
# BUILD_DIR/qemu-src/<version>/ (the epoch's colon
# made an underscore); BUILD_DIR/qemu-src/version names it.
# The key of every cache built from it starts with that version.
set -euo pipefail

build=${1:?usage: qemu-source.sh BUILD_DIR}
mkdir -p "$build/qemu-src"
top=$(cd "$build/qemu-src" && pwd)

say() { printf 'qemu-source: %s\n' "$*" >&2; }
die() { printf 'qemu-source: %s\n' "$*" >&2; exit 1; }

if [ -f "$top/version" ]; then
	v=$(cat "$top/version")
	if [ -f "$top/${v//:/_}/.unpacked" ]; then
		echo "$top/${v//:/_}"
		exit 0
	fi
fi

[ "$(id -u)" -eq 0 ] || die "not root: run once as root, or unpack Debian's qemu source into $top yourself"

if ! dpkg-query -W -f='${Status}\n' dpkg-dev 2>/dev/null | grep -q 'install ok installed'; then
	say "installing dpkg-dev"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dpkg-dev \
		>"$top/apt.log" 2>&1 || die "apt-get install dpkg-dev failed; see $top/apt.log"
fi

# The source version apt would fetch; add deb-src lines if there is none.
source_version() {
	{ apt-cache showsrc qemu 2>/dev/null || true; } | sed -n 's/^Version: //p' | sort -V |
		tail -n 1
}
v=$(source_version)
if [ -z "$v" ]; then
	list=/etc/apt/sources.list.d/pcimem-deb-src.sources
	say "adding deb-src entries ($list)"
	# The same archives and suites as the binary entries, for sources.
	{
		printf '# SPDX-License-Identifier: GPL-2.0\n'
		printf '# Added by pcimem (ci/qemu-source.sh): Debian source packages.\n'
		printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\n'
		printf 'Suites: %s %s-updates\n' "$(. /etc/os-release && echo "$VERSION_CODENAME")" \
			"$(. /etc/os-release && echo "$VERSION_CODENAME")"
		printf 'Components: main\n'
		printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
	} >"$list"
	say "apt-get update"
	apt-get update -q >"$top/apt-update.log" 2>&1 ||
		die "apt-get update failed; see $top/apt-update.log"
	v=$(source_version)
	[ -n "$v" ] || die "apt knows no source package qemu even with $list"
fi

# The epoch's colon stays out of paths (make and meson dislike it).
dir=$top/${v//:/_}
if [ ! -f "$dir/.unpacked" ]; then
	say "fetching qemu $v source"
	rm -rf "$top/dl" "$dir" && mkdir -p "$top/dl"
	# --download-only, then dpkg-source -x: Debian's patches applied, and
	# no signature check against a keyring the machine may lack.
	(cd "$top/dl" && apt-get source -q --download-only "qemu=$v" >"$top/dl.log" 2>&1) ||
		die "apt-get source qemu=$v failed; see $top/dl.log"
	dsc=$(ls "$top"/dl/qemu_*.dsc)
	dpkg-source --no-check -x "$dsc" "$dir.tmp" >"$top/unpack.log" 2>&1 ||
		die "dpkg-source -x $dsc failed; see $top/unpack.log"
	rm -rf "$top/dl" "$top"/qemu_*.tar.*
	mv "$dir.tmp" "$dir"
	touch "$dir/.unpacked"
fi
echo "$v" >"$top/version"
echo "$dir"
