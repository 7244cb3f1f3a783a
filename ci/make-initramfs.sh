#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the guest's initramfs: static busybox, the real lspci/setpci with
# their libraries and pci.ids, pcimem.ko for one kernel, our tools and the
# guest scripts. No disk, no network.
#
#   [MODULES_BUILTIN=FILE] [MODULE_DIR=DIR] ci/make-initramfs.sh KERNEL_RELEASE MODULE.ko OUTPUT.cpio.gz TOOL...
#
# MODULE_DIR: where the module goes below /lib/modules/RELEASE (default
# extra; updates/dkms as DKMS installs it).
# MODPROBE_CONF: a file to install as /etc/modprobe.d/pcimem.conf.
set -euo pipefail

rel=$1 module=$2 out=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)

root=$(mktemp -d "${out%.cpio.gz}.root.XXXXXX")
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"	# mktemp made it 0700; the guest's / must be searchable

moddir=${MODULE_DIR:-extra}
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,root,usr/bin,usr/share/misc,lib/modules/"$rel"/"$moddir",pcimem}

cp /bin/busybox "$root/bin/busybox"
for applet in sh mount; do ln -s busybox "$root/bin/$applet"; done

# A dynamic binary and every library it loads, at the same paths.
add_binary() {
	local bin=$1 dest=$2 lib
	cp "$bin" "$root$dest"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

add_binary /usr/bin/lspci /usr/bin/lspci
add_binary /usr/bin/setpci /usr/bin/setpci
cp /usr/share/misc/pci.ids "$root/usr/share/misc/pci.ids"

for tool in "$@"; do
	add_binary "$tool" "/usr/bin/$(basename "$tool")"
done

# The confused-deputy check's helper is set-user-ID root, as a real one is.
[ -f "$root/usr/bin/pcimem-suid-write" ] && chmod 4755 "$root/usr/bin/pcimem-suid-write"

cp "$module" "$root/lib/modules/$rel/$moddir/pcimem.ko"
# modules.alias and friends, so lspci -k can name the module too. libkmod
# refuses empty indexes: give depmod the kernel's list of built-ins.
[ -f "${MODULES_BUILTIN:-}" ] && cp "$MODULES_BUILTIN" "$root/lib/modules/$rel/modules.builtin"
depmod -b "$root" "$rel" 2>/dev/null || true
if [ -n "${MODPROBE_CONF:-}" ]; then
	mkdir -p "$root/etc/modprobe.d" && cp "$MODPROBE_CONF" "$root/etc/modprobe.d/pcimem.conf"
fi
cp "$here"/guest/*.sh "$root/pcimem/"
cp "$here/guest/init.sh" "$root/init"
chmod 755 "$root/init" "$root"/pcimem/*.sh

# Unprivileged users for the permission checks: labuser is in group pcimem.
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'labuser:x:1000:1000::/:/bin/sh' \
	'nobody:x:65534:65534:nobody:/:/bin/false' >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'pcimem:x:1000:labuser' 'nogroup:x:65534:' >"$root/etc/group"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
