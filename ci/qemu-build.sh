#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds qemu-system-x86_64 from Debian's qemu source (ci/qemu-source.sh)
# with our device model pcimem-testdev compiled in
# (qemu-device/testdev/), TCG only, x86_64 only, and prints its path.
# Built once, then taken from the cache.
#
#   ci/qemu-build.sh BUILD_DIR        prints the qemu-system-x86_64 path
#
# The cache key hashes the qemu source version, the C files of
# qemu-device/testdev/ (not its .rst: a spec edit rebuilds nothing), this
# script (configure options included) and the compiler version. Everything lands in BUILD_DIR/qemu-testdev/<key>/:
#   src/      a hard-linked copy of the unpacked source; the files we change
#             (hw/misc/meson.build, hw/misc/Kconfig, our device config) are
#             real copies, so the shared unpacked tree stays as Debian ships it
#   obj/      meson's build folder
#   bin/qemu-system-x86_64   the binary (a hard link to obj/'s): away from
#             obj/qemu-bundle, which would make QEMU look for its firmware
#             under obj/qemu-bundle/usr/share/... instead of /usr/share/...
# BUILD_DIR/qemu-testdev/current links to the newest key, and the log of
# the last build is BUILD_DIR/qemu-testdev/build.log.
#
# The binary searches Debian's firmware folders itself (--firmwarepath, as
# Debian's own build does): bios-256k.bin from seabios, linuxboot_dma.bin
# and kvmvapic.bin from qemu-system-data; no -L is needed, and
# `-L /usr/share/qemu` does no harm. No firmware blobs are built or
# installed (the dfsg source lacks some of them).
#
# Only the devices the suites use are compiled in
# (--without-default-devices and a device list of ours, pcimem.mak): the pc
# and q35 machines, pcie-root-port, intel-iommu (launch-vm --iommu),
# ivshmem, edu, pci-testdev, bochs-display and pcimem-testdev. That and
# TCG only keep the build to about 3.5 minutes of CPU time: 2 minutes on
# two quiet cores, up to 9 when other jobs share them.
set -euo pipefail

# Bump when the recipe changes in a way the key does not see.
RECIPE=1
JOBS=${JOBS:-2}

say() { printf 'qemu-build: %s\n' "$*" >&2; }
die() { printf 'qemu-build: %s\n' "$*" >&2; exit 1; }

build=${1:?usage: qemu-build.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
devdir=$here/../qemu-device/testdev
mkdir -p "$build/qemu-testdev"
top=$(cd "$build/qemu-testdev" && pwd)
log=$top/build.log
# One build at a time: make test starts one in the background, and a second
# run-tests.sh (or a person) may ask at the same moment; the later one
# waits, then finds the cache.
exec 9>"$top/.lock"
flock 9

configure_opts=(
	--target-list=x86_64-softmmu
	--without-default-features
	--without-default-devices
	--with-devices-x86_64=pcimem
	--enable-tcg
	--disable-docs
	--disable-werror
	--disable-debug-info
	--disable-install-blobs
	--firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
	--with-git-submodules=ignore
)

# The devices compiled in: the boards, then what the suites put on them.
device_config() {
	printf '# SPDX-License-Identifier: GPL-2.0\n'
	printf '# Written by pcimem ci/qemu-build.sh: the devices the suites use.\n'
	printf 'CONFIG_%s=y\n' I440FX Q35 PCIE_PORT VTD IVSHMEM_DEVICE EDU PCI_TESTDEV \
		BOCHS_DISPLAY PCIMEM_TESTDEV
}

kconfig_entry() {
	printf '\nconfig PCIMEM_TESTDEV\n'
	printf '    bool\n'
	printf '    default y if TEST_DEVICES\n'
	printf '    depends on PCI && MSI_NONBROKEN\n'
}

src=$("$here/qemu-source.sh" "$build")
version=$(cat "$build/qemu-src/version")

key=$(
	{
		echo "recipe $RECIPE"
		echo "qemu $version"
		gcc --version | head -n 1
		cat "$0"
		for f in "$devdir"/*.c; do
			[ -f "$f" ] || continue
			echo "== ${f##*/}"
			cat "$f"
		done
	} | sha256sum | cut -c1-16
)
dest=$top/$key
binary=$dest/bin/qemu-system-x86_64

if [ -x "$binary" ] && [ -f "$dest/.done" ]; then
	ln -sfn "$key" "$top/current"
	echo "$binary"
	exit 0
fi

for t in meson ninja pkg-config python3 gcc; do
	command -v "$t" >/dev/null || die "$t is missing: run make setup (ci/setup.sh) as root"
done
pkg-config --exists glib-2.0 pixman-1 ||
	die "glib-2.0 or pixman-1 development files are missing: run make setup (ci/setup.sh) as root"

say "building qemu $version with pcimem-testdev ($key); log in $log"
start=$SECONDS
rm -rf "$dest"
mkdir -p "$dest"
: >"$log"

# A hard-linked copy costs no space; every file we change is replaced by
# a file of its own first (rm, then write), never written through a link.
cp -al "$src" "$dest/src" || die "cannot copy $src to $dest/src"
misc=$dest/src/hw/misc
cp "$devdir/pcimem-testdev.c" "$misc/pcimem-testdev.c"
for f in "$misc/meson.build" "$misc/Kconfig"; do
	cp "$f" "$f.new" && rm -f "$f" && mv "$f.new" "$f"
done
printf "softmmu_ss.add(when: 'CONFIG_PCIMEM_TESTDEV', if_true: files('pcimem-testdev.c'))\n" \
	>>"$misc/meson.build"
kconfig_entry >>"$misc/Kconfig"
device_config >"$dest/src/configs/devices/x86_64-softmmu/pcimem.mak"

mkdir -p "$dest/obj"
(cd "$dest/obj" && nice ../src/configure "${configure_opts[@]}") >>"$log" 2>&1 || {
	tail -n 30 "$log" >&2
	die "configure failed; full log in $log"
}
(cd "$dest/obj" && nice ninja -j "$JOBS" qemu-system-x86_64) >>"$log" 2>&1 || {
	grep -E 'error|Error' "$log" | head -n 20 >&2
	die "build failed; full log in $log"
}
[ -x "$dest/obj/qemu-system-x86_64" ] || die "no qemu-system-x86_64 after the build; see $log"
mkdir -p "$dest/bin"
ln -f "$dest/obj/qemu-system-x86_64" "$binary"
"$binary" -L help | grep -qx /usr/share/seabios ||
	die "$binary does not search /usr/share/seabios for its firmware"
"$binary" -device help 2>/dev/null | grep -q '"pcimem-testdev"' ||
	die "$binary lacks the device pcimem-testdev; see $log"

touch "$dest/.done"
ln -sfn "$key" "$top/current"
# Older keys are dead weight (a build tree is a few hundred MiB).
for d in "$top"/*/; do
	d=${d%/}
	[ "${d##*/}" = "$key" ] || [ "${d##*/}" = current ] || rm -rf "$d"
done
say "built in $((SECONDS - start))s: $binary"
echo "$binary"
