#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lab=package: the module DKMS built from the pcimem-dkms package, placed
# in the guest's module tree (updates/dkms, as DKMS installs it) with the
# image's depmod indexes. Nothing loads it at boot (no udev here); the
# ivshmem device's modalias alone must, through modprobe, and the device be
# bound. pkg_sha= on the command line is the DKMS build's SHA-256. The
# image holds drivers/pcimem-modprobe.conf, the production example, as
# /etc/modprobe.d/pcimem.conf (pattern=): the host's data survives the
# probe. The second device is 4 GiB: its last page, both ways.
# shellcheck source=lib.sh # /pcimem/ is ci/guest/ in the initramfs
. /pcimem/lib.sh

rel=$(uname -r)
pkg_sha=${pkg_sha:-}	# from the kernel command line
section "package: the DKMS-built module, autoloaded by modalias"
check "nothing loaded pcimem at boot" test ! -d /sys/module/pcimem
check "the DKMS-built module is in the module tree, in modules.dep" \
	grep -q "^updates/dkms/pcimem.ko:" "/lib/modules/$rel/modules.dep"
check "it is the only pcimem.ko, the DKMS build (SHA-256 ${pkg_sha%"${pkg_sha#????????????}"}...)" \
	sh -c "[ -n '$pkg_sha' ] && [ \"\$(find /lib/modules -name 'pcimem.ko*')\" = /lib/modules/$rel/updates/dkms/pcimem.ko ] &&
	       [ \"\$(sha256sum </lib/modules/$rel/updates/dkms/pcimem.ko | cut -d' ' -f1)\" = '$pkg_sha' ]"

dev=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1af4:0x1110 ] && { dev=$d; break; }
done
alias=$(cat "$dev/modalias" 2>/dev/null)
check "the ivshmem device's modalias names pcimem in modules.alias" \
	grep -q '^alias pci:v00001AF4d00001110.* pcimem$' "/lib/modules/$rel/modules.alias"
check "modprobe of the device's modalias ($alias) loads pcimem" \
	sh -c "modprobe '$alias' && test -d /sys/module/pcimem"
check "the device is bound to pcimem" \
	sh -c "[ \"\$(basename \"\$(readlink '$dev/driver')\")\" = pcimem ]"
check "lspci -k: Kernel driver in use: pcimem, Kernel modules: pcimem" \
	sh -c "lspci -k -s '${dev##*/}' | grep -q 'Kernel driver in use: pcimem' &&
	       lspci -k -s '${dev##*/}' | grep -q 'Kernel modules: pcimem'"
check "modprobe.d's pattern= kept the host's data: /dev/pcimem0 holds hostdata" \
	pcimem verify 0 hostdata
check "the 4 GiB device is /dev/pcimem1, its BAR 4 GiB" \
	sh -c "pcimem info 1 | grep -q 4294967296 || { pcimem info 1; false; }"
check "the guest reads what the host wrote in the 4 GiB device's last page" \
	sh -c "pcimem read 1 0xfffff000 32 | grep -qi 0x600df00d"
check "the guest writes a token in its last word, for the host" \
	pcimem write 1 0xfffffffc 0x6c617374 32
