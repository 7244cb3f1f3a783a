#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds QEMU's own reference ivshmem programs, contrib/ivshmem-server and
# contrib/ivshmem-client, from Debian's qemu source (ci/qemu-source.sh),
# once; later runs print the same folder at once. ci/interop-tests.sh runs
# them against our server and our host peer.
#
#   ci/qemu-reference.sh BUILD_DIR     prints the folder holding the two
#                                      programs, ivshmem-server and
#                                      ivshmem-client, on stdout
#
# The cache is BUILD_DIR/qemu-reference/<key>/, the key the source version
# and a hash of this script: a new Debian upload or a change here builds
# afresh. meson builds out of the source tree (BUILD_DIR/qemu-reference/
# <key>/obj, removed afterwards; the log stays as build.log), with only
# the tools enabled: no emulator is built, about 20 s on two cores.
# Needs what ci/setup.sh installs for QEMU builds (gcc, meson, ninja,
# pkg-config, libglib2.0-dev); fetching the source may need root once.
set -euo pipefail

build=${1:?usage: qemu-reference.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)

say() { printf 'qemu-reference: %s\n' "$*" >&2; }
die() { printf 'qemu-reference: %s\n' "$*" >&2; exit 1; }

src=$("$here/qemu-source.sh" "$build") || die "no qemu source (ci/qemu-source.sh failed)"
version=$(cat "$build/qemu-src/version")
key=${version//:/_}-$(sha256sum "$0" | cut -c1-12)
mkdir -p "$build/qemu-reference"
out=$(cd "$build/qemu-reference" && pwd)/$key

if [ -f "$out/.built" ]; then
	echo "$out"
	exit 0
fi

for tool in cc meson ninja pkg-config python3; do
	command -v "$tool" >/dev/null || die "$tool is missing: run make setup (as root)"
done
pkg-config --exists glib-2.0 || die "glib-2.0 development files are missing: run make setup (as root)"

say "building QEMU $version's ivshmem-server and ivshmem-client (log: $out/build.log)"
rm -rf "$out"
mkdir -p "$out/obj"
# configure in an empty folder outside the source: meson builds there.
if ! (cd "$out/obj" &&
      "$src/configure" --disable-system --disable-user --without-default-features \
		--enable-tools --disable-docs --disable-werror &&
      nice ninja -j2 contrib/ivshmem-client/ivshmem-client \
		contrib/ivshmem-server/ivshmem-server) >"$out/build.log" 2>&1; then
	tail -n 20 "$out/build.log" >&2
	die "the build failed; see $out/build.log"
fi
cp "$out/obj/contrib/ivshmem-server/ivshmem-server" \
	"$out/obj/contrib/ivshmem-client/ivshmem-client" "$out/"
rm -rf "$out/obj"
touch "$out/.built"
echo "$out"
