#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs what pcimem needs from Debian's archive and unpacks the guest
# kernels into the build folder. Idempotent: a stamp records what was done
# and a later run with the same kernels returns at once.
#
#   ci/setup.sh BUILD_DIR
#
# Writes BUILD_DIR/kernels.mk: one line per guest kernel,
#   KERNEL_<series> := <release>
# and unpacks each image to BUILD_DIR/kernels/<release>/vmlinuz.
set -euo pipefail

build=${1:?usage: setup.sh BUILD_DIR}
mkdir -p "$build"
build=$(cd "$build" && pwd)

# Guest kernel series and the meta-packages that name their current release.
series=(6.1 6.12)
declare -A meta=([6.1]=linux-image-amd64 [6.12]=linux-image-6.12-amd64)

# The third line is what ci/debug-kernel.sh needs to build the sanitizer
# kernel, the fourth ci/lint.sh's user-space and shell script checks, the
# fifth what the QEMU builds from Debian's qemu source need
# (ci/qemu-source.sh, ci/qemu-build.sh, ci/qemu-reference.sh), the last
# what `make deb` and ci/package-tests.sh need: listed here too, so that
# one install command covers everything.
tools=(qemu-system-x86 busybox-static cpio pciutils libpci-dev pci.ids openssl
       sparse gcc make kmod xz-utils linux-source-6.1 linux-source-6.12
       bc bison flex libelf-dev libssl-dev
       clang cppcheck shellcheck
       dpkg-dev meson ninja-build pkg-config python3 libglib2.0-dev libpixman-1-dev libfdt-dev
       debhelper dh-dkms dkms lintian fakeroot man-db udev systemd)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

missing_tools() {
	local p
	for p in "${tools[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || echo "$p"
	done
}

apt_install() {
	if [ "$(id -u)" -ne 0 ]; then
		die "missing packages:$(printf ' %s' "$@")
setup: install them with one command, then run make again:
    sudo apt-get update && sudo apt-get install -y --no-install-recommends$(printf ' %s' "$@")"
	fi
	say "installing: $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
		>"$build/apt.log" 2>&1 || {
		tail -n 20 "$build/apt.log" >&2
		die "apt-get install failed; full log in $build/apt.log"
	}
}

apt_updated=
apt_update_once() {
	[ -n "$apt_updated" ] && return
	if [ "$(id -u)" -eq 0 ]; then
		say "apt-get update"
		apt-get update -q >"$build/apt-update.log" 2>&1 ||
			die "apt-get update failed; see $build/apt-update.log"
	fi
	apt_updated=1
}

# The release a meta-package points at now, e.g. 6.1.0-56-amd64.
resolve_release() {
	apt-cache depends "$1" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(.*\)$/\1/p' | grep -v unsigned | head -n 1
}

stamp="$build/.setup-stamp"
want_stamp() {
	local s
	for s in "${series[@]}"; do printf '%s\n' "$s"; done
	missing_tools
}

if [ -f "$stamp" ] && [ -f "$build/kernels.mk" ] && [ -f "$build/checkpatch/checkpatch.pl" ] &&
   [ -z "$(missing_tools)" ] && [ "$(cat "$stamp")" = "$(want_stamp)" ]; then
	exit 0
fi

[ "$(id -u)" -eq 0 ] && apt_update_once

# Resolve each series to its release now: the meta-packages move.
declare -A release
for s in "${series[@]}"; do
	release[$s]=$(resolve_release "${meta[$s]}")
	[ -n "${release[$s]}" ] ||
		die "cannot resolve ${meta[$s]} to a kernel release (run apt-get update)"
done

# One install for everything missing: tools, and headers to build the
# module against (on some series the headers package also pulls the image
# into /boot; the guest does not use that copy).
todo=$(missing_tools)
for s in "${series[@]}"; do
	[ -d "/usr/src/linux-headers-${release[$s]}" ] ||
		todo="$todo linux-headers-${release[$s]}"
done
# shellcheck disable=SC2086 # a list of package names
[ -n "${todo// /}" ] && apt_install $todo

: >"$build/kernels.mk.new"
for s in "${series[@]}"; do
	rel=${release[$s]}
	# The image itself, unpacked into the build folder, not into /boot.
	kdir="$build/kernels/$rel"
	if [ ! -f "$kdir/vmlinuz" ]; then
		say "unpacking linux-image-$rel"
		rm -rf "$kdir.tmp" && mkdir -p "$kdir.tmp/deb"
		(cd "$kdir.tmp/deb" && apt-get download -q "linux-image-$rel" >/dev/null 2>&1) ||
			die "cannot download linux-image-$rel"
		dpkg-deb -x "$kdir.tmp"/deb/*.deb "$kdir.tmp/root"
		cp "$kdir.tmp/root/boot/vmlinuz-$rel" "$kdir.tmp/vmlinuz"
		# What is built in, so that lspci -k (libkmod) in the guest can load
		# its indexes.
		cp "$kdir.tmp/root/lib/modules/$rel/modules.builtin" "$kdir.tmp/" 2>/dev/null || true
		rm -rf "$kdir.tmp/deb" "$kdir.tmp/root"
		rm -rf "$kdir" && mv "$kdir.tmp" "$kdir"
	fi
	printf 'KERNEL_%s := %s\n' "${s//./_}" "$rel" >>"$build/kernels.mk.new"
	say "guest kernel $s: $rel"
done
mv "$build/kernels.mk.new" "$build/kernels.mk"

# checkpatch.pl and its data files, from the kernel source package.
if [ ! -f "$build/checkpatch/checkpatch.pl" ]; then
	say "extracting checkpatch.pl from linux-source-6.1"
	rm -rf "$build/checkpatch.tmp" && mkdir -p "$build/checkpatch.tmp"
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$build/checkpatch.tmp" \
		--strip-components=2 linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	rm -rf "$build/checkpatch" && mv "$build/checkpatch.tmp" "$build/checkpatch"
fi
want_stamp >"$stamp"
