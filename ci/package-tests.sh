#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages and make install, as a user gets them: `make deb`
# builds them and lintian checks them; the man pages render without a
# warning; make install and uninstall with DESTDIR and PREFIX; pcimem-dkms
# installs here and DKMS builds the module for both guest kernels; that
# module, in a guest's module tree, is loaded by the device's modalias
# alone and binds (one boot, lab=package); the tools and the server
# install and run, the udev rule does what it says (udevadm test, in a
# mount namespace of its own so the host's /dev is untouched), the server
# starts under systemd's socket activation; the library (make install's,
# and libpcimem-channel0 with libpcimem-channel-dev) is found by
# pkg-config and a small program builds against it, shared and static,
# and runs; purge leaves nothing behind.
# One line per check. Needs root (dpkg, dkms). It installs and purges the
# packages on this machine: pcimem packages installed before are purged.
# What stays, by Debian's custom: the system group pcimem, and the signing
# key dkms makes for itself in /var/lib/dkms (mok.key, mok.pub).
#
#   package-tests.sh
set -u
. "$(dirname "$0")/paths.sh"
out=$build/package-test
debs=$build/deb
mkdir -p "$logs"
rm -rf "$out" && mkdir -p "$out"

# shellcheck source=ci/test-lib.sh
. "$here/test-lib.sh"
# done_checks: the summary line, and the exit status.
done_checks() {
	report
	exit
}

packages=(pcimem-dkms pcimem-tools ivshmem-server libpcimem-channel0 libpcimem-channel-dev)
version=$(sed -n '1s/^pcimem (\([^)]*\)).*/\1/p' "$top/debian/changelog")
# purge_all: what an earlier, interrupted run may have left.
purge_all() {
	dpkg --purge "${packages[@]}" >>"$logs/package-dpkg.log" 2>&1
	dkms status -m pcimem 2>/dev/null | grep -q . &&
		dkms remove -m pcimem -v "$version" --all >>"$logs/package-dpkg.log" 2>&1
	true
}

if [ "$(id -u)" -ne 0 ]; then
	fail "the package tests run as root (dpkg, dkms)"
	done_checks
fi
: >"$logs/package-dpkg.log"
purge_all

# ---- make deb, lintian ----
"$here/build-deb.sh" "$debs" >"$logs/package-build.log" 2>&1
deb() {
	local arch
	arch=$(dpkg --print-architecture)
	[ "$1" = pcimem-dkms ] && arch=all
	echo "$debs/${1}_${version}_$arch.deb"
}
t "make deb: pcimem-dkms, pcimem-tools, ivshmem-server, libpcimem-channel0 and -dev $version built (log: $logs/package-build.log)" 0 "" \
	test -f "$(deb pcimem-dkms)" -a -f "$(deb pcimem-tools)" -a -f "$(deb ivshmem-server)" \
	-a -f "$(deb libpcimem-channel0)" -a -f "$(deb libpcimem-channel-dev)"
if [ -f "$debs/lintian.log" ] && ! grep -E '^[EWIPX]: ' "$debs/lintian.log" >/dev/null; then
	ok "lintian --pedantic: no tag but those explained in debian/*.lintian-overrides"
else
	fail "lintian --pedantic reports tags"
	grep -E '^[EWIPX]: ' "$debs/lintian.log" 2>/dev/null | head -n 10 | sed 's/^/    | /'
fi
t "the tools' version is the package's ($version)" 0 "" \
	test "$("$bin/pcimem" --version 2>&1)" = "pcimem $version"

# ---- man pages ----
for page in userspace/pcimem.1 qemu-device/ivshmem-host.1 \
	qemu-device/ivshmem-server/ivshmem-server.8 drivers/pcimem.4; do
	t "man --warnings renders $page without a warning" 0 "" \
		sh -c "w=\$(man --warnings -l '$top/$page' 2>&1 >/dev/null); printf '%s' \"\$w\"; [ -z \"\$w\" ]"
done

# undocumented PROG PAGE: the commands and --options of PROG --help that
# PAGE does not name (commands as .B/.BI/.BR lines, options anywhere).
undocumented() {
	local o c
	for o in $("$bin/$1" --help 2>&1 | grep -oE '(^|[ ,])--[a-z][a-z-]*' | tr -d ' ,' | sort -u); do
		grep -qF -- "${o//-/\\-}" "$top/$2" || echo "option $o"
	done
	for c in $("$bin/$1" --help 2>&1 | awk '/^[a-z].*:$/ { s = ($0 ~ "^commands") }
		/^$/ { s = 0 } s && /^  [^ ]/ { print $1 }' | sort -u); do
		grep -qE "^\.B[IR]? \"?$c\b" "$top/$2" || echo "command $c"
	done
	for c in $("$bin/$1" --help 2>&1 | sed -n 's/^  peer SOCKET \([a-z]*\).*/\1/p' | sort -u); do
		grep -qE "^\.BI peer .*SOCKET.*[^a-z]$c([^a-z]|$)" "$top/$2" || echo "command peer SOCKET $c"
	done
}
for p in pcimem:userspace/pcimem.1 ivshmem-host:qemu-device/ivshmem-host.1 \
	ivshmem-server:qemu-device/ivshmem-server/ivshmem-server.8; do
	missing=$(undocumented "${p%%:*}" "${p#*:}")
	t "${p#*:} documents every command and option of ${p%%:*} --help" 0 "" \
		sh -c "[ -z '$missing' ] || { echo '$missing'; false; }"
done

# A program of a library user: a message through a channel, and a size in
# the tools' number grammar, from the library's installed headers.
cat >"$out/lib-user.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <pcimem/channel.h>
#include <pcimem/number.h>
#include <pcimem/region.h>
#include <stdio.h>
#include <string.h>

static unsigned char mem[1 << 16] __attribute__((aligned(64)));

int main(void)
{
	struct channel ch;
	struct channel_ring tx, rx;
	struct region r = { .size = 0 };
	char got[16] = "";
	uint64_t size;

	if (pcimem_number_parse("4KiB", NUMBER_SUFFIX, &size) || size != 4096)
		return 1;
	r.size = size;
	if (!pcimem_region_contains(&r, 0, size) || pcimem_region_contains(&r, 1, size))
		return 1;
	if (pcimem_channel_create(&ch, mem, sizeof(mem), 2, (uint32_t)size, false, 10) ||
	    pcimem_channel_ring_open(&ch, 0, 1, true, &tx) ||
	    pcimem_channel_ring_open(&ch, 0, 1, false, &rx) ||
	    pcimem_channel_send(&tx, "hello", 5) ||
	    pcimem_channel_recv(&rx, got, sizeof(got)) != 5 || strcmp(got, "hello"))
		return 1;
	puts("hello through libpcimem-channel");
	return 0;
}
EOF
# lib_program NAME [VAR=VALUE...]: build lib-user.c with pkg-config's
# flags (pkg-config run with the VARs) as NAME, on the shared library,
# and as NAME-static (--static); print NAME's NEEDED lines, then run both
# (NAME with LD_LIBRARY_PATH=$LIB_PATH when that is set).
lib_program() {
	local name=$1 cflags libs slibs
	shift
	cflags=$(env "$@" pkg-config --cflags pcimem-channel) &&
	libs=$(env "$@" pkg-config --libs pcimem-channel) &&
	slibs=$(env "$@" pkg-config --static --libs pcimem-channel) || return 1
	# shellcheck disable=SC2086 # pkg-config's words
	cc -std=c11 -Wall -Wextra -Werror $cflags -o "$out/$name" "$out/lib-user.c" $libs &&
	cc -std=c11 -Wall -Wextra -Werror -static $cflags -o "$out/$name-static" \
		"$out/lib-user.c" $slibs &&
	readelf -d "$out/$name" | grep NEEDED &&
	env ${LIB_PATH:+LD_LIBRARY_PATH=$LIB_PATH} "$out/$name" && "$out/$name-static"
}
# lib_ok OUTPUT: lib_program's OUTPUT says the program needs
# libpcimem-channel.so.0 and both programs said hello.
# shellcheck disable=SC2317 # called through t
lib_ok() {
	if grep -q 'NEEDED.*\[libpcimem-channel\.so\.0\]' <<<"$1" &&
		[ "$(grep -c '^hello through libpcimem-channel$' <<<"$1")" -eq 2 ]; then
		return 0
	fi
	echo "$1"
	return 1
}

# ---- make install / uninstall with DESTDIR and PREFIX ----
dest=$out/destdir
make --no-print-directory -s -C "$top" install DESTDIR="$dest" PREFIX=/opt/pcimem \
	TOOLS_BIN="$bin" >"$out/install.log" 2>&1
t "make install DESTDIR PREFIX=/opt/pcimem: tools, server, man pages, udev rule, units, module source" 0 "" \
	test -x "$dest/opt/pcimem/bin/pcimem" -a -x "$dest/opt/pcimem/bin/ivshmem-host" \
	-a -x "$dest/opt/pcimem/sbin/ivshmem-server" -a -f "$dest/opt/pcimem/share/man/man4/pcimem.4" \
	-a -f "$dest/opt/pcimem/share/bash-completion/completions/ivshmem-host" \
	-a -f "$dest/etc/udev/rules.d/70-pcimem.rules" -a -f "$dest/etc/systemd/system/ivshmem-server.socket" \
	-a -f "$dest/usr/src/pcimem-$version/pcimem_pci.c" -a -f "$dest/usr/src/pcimem-$version/uapi/pcimem.h"
lib=$dest/opt/pcimem/lib inc=$dest/opt/pcimem/include/pcimem
t "make install: PREFIX/lib has libpcimem-channel.a, .so.$version (soname .so.0), its links and pkgconfig/pcimem-channel.pc; PREFIX/include/pcimem the headers" 0 "" \
	sh -c "test -f '$lib/libpcimem-channel.a' -a -f '$lib/libpcimem-channel.so.$version' &&
	       test \"\$(readlink '$lib/libpcimem-channel.so.0')\" = libpcimem-channel.so.$version &&
	       test \"\$(readlink '$lib/libpcimem-channel.so')\" = libpcimem-channel.so.0 &&
	       readelf -d '$lib/libpcimem-channel.so.$version' | grep -q 'SONAME.*\[libpcimem-channel.so.0\]' &&
	       test -f '$lib/pkgconfig/pcimem-channel.pc' -a -f '$inc/channel.h' -a -f '$inc/region.h' &&
	       test -f '$inc/commands.h' -a -f '$inc/mailbox.h' -a -f '$inc/mailbox-command.h'"
# One prefix for every name the library gives a program's link: what the
# shared library exports and what the static one defines globally. Both
# nm runs must succeed and both list pcimem_channel_create, or the
# check fails (an empty list is not a clean one).
globals=$(nm -D --defined-only "$lib/libpcimem-channel.so.$version" 2>&1 &&
	nm -g --defined-only "$lib/libpcimem-channel.a" 2>&1)
nm_rc=$?
foreign=$(awk 'NF == 3 && $3 !~ /^pcimem_/ { print $3 }' <<<"$globals" | sort -u | tr '\n' ' ')
t "make install: every global name of libpcimem-channel (.so and .a) starts with pcimem_" 0 "" \
	sh -c "[ $nm_rc -eq 0 ] && [ $(grep -c ' T pcimem_channel_create$' <<<"$globals") -eq 2 ] &&
	       [ -z '$foreign' ] || { echo 'nm exit $nm_rc; not pcimem_: $foreign'; false; }"
pcvars=(PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest")
t "make install: pkg-config finds pcimem-channel $version in PREFIX" 0 "" \
	test "$(env "${pcvars[@]}" pkg-config --modversion pcimem-channel 2>&1)" = "$version"
o=$(LIB_PATH=$lib lib_program staged "${pcvars[@]}" 2>&1)
t "make install: a program builds on the library with pkg-config's flags, shared and static, and runs" 0 "" \
	lib_ok "$o"
t "make install: the service runs PREFIX's server, dkms.conf names version $version" 0 "" \
	sh -c "grep -q '^ExecStart=/opt/pcimem/sbin/ivshmem-server ' '$dest/etc/systemd/system/ivshmem-server.service' &&
	       grep -q '^PACKAGE_VERSION=\"$version\"' '$dest/usr/src/pcimem-$version/dkms.conf'"
make --no-print-directory -s -C "$top" uninstall DESTDIR="$dest" PREFIX=/opt/pcimem >>"$out/install.log" 2>&1
t "make uninstall removes every file it installed, the library's too" 0 "" \
	sh -c "left=\$(find '$dest' ! -type d); [ -z \"\$left\" ] || { echo \"\$left\"; false; }"

# ---- pcimem-dkms: install, DKMS builds for both guest kernels ----
dpkg -i "$(deb pcimem-dkms)" >"$logs/package-dkms.log" 2>&1
t "dpkg -i pcimem-dkms (log: $logs/package-dkms.log)" 0 "" \
	test "$(dpkg-query -W -f='${Status}' pcimem-dkms 2>/dev/null)" = "install ok installed"
dpkg -L pcimem-dkms >"$out/files-dkms" 2>/dev/null
t "dkms status knows pcimem/$version" 0 "" sh -c "dkms status -m pcimem 2>/dev/null | grep -q '^pcimem/$version'"
# dpkg -i builds and installs it at once (AUTOINSTALL) for the running
# kernel and the newest one with headers (every kernel when, as here, the
# running one is not installed); then dkms build for each guest kernel, as
# after a kernel upgrade.
auto=$(while read -r _ _ rel; do
	dkms status -m pcimem -v "$version" -k "$rel" 2>/dev/null | grep -q ': installed' &&
		compgen -G "/lib/modules/$rel/updates/dkms/pcimem.ko*" >/dev/null && printf ' %s' "$rel"
	done <"$build/kernels.mk")
t "dpkg -i: DKMS's AUTOINSTALL built and installed pcimem for:${auto:- no guest kernel}" 0 "" test -n "$auto"
declare -A ko
while read -r _ _ rel; do
	dkms build --force -m pcimem -v "$version" -k "$rel" >>"$logs/package-dkms.log" 2>&1
	rc=$?
	# pcimem.ko, or pcimem.ko.xz for a kernel that compresses its modules
	ko[$rel]=$(compgen -G "/var/lib/dkms/pcimem/$version/$rel/$(uname -m)/module/pcimem.ko*" | head -n 1)
	t "dkms build -k $rel: pcimem.ko built against /usr/src/linux-headers-$rel" 0 "" \
		sh -c "[ $rc -eq 0 ] && modinfo -F vermagic '${ko[$rel]}' | grep -q '^$rel '"
done <"$build/kernels.mk"

# ---- the DKMS-built module in a guest: autoloaded by modalias, bound ----
rel=$(sed -n 's/^KERNEL_6_1 := //p' "$build/kernels.mk")
if [ -f "${ko[$rel]:-}" ]; then
	kofile=${ko[$rel]}
	case $kofile in *.xz) xz -dc "$kofile" >"$out/pcimem.ko" && kofile=$out/pcimem.ko ;; esac
	sha=$(sha256sum <"$kofile" | cut -d' ' -f1)
	MODULES_BUILTIN=$build/kernels/$rel/modules.builtin MODULE_DIR=updates/dkms \
		MODPROBE_CONF=$top/drivers/pcimem-modprobe.conf \
		"$here/make-initramfs.sh" "$rel" "$kofile" "$out/initramfs.cpio.gz" "$bin/pcimem" \
		>"$out/initramfs.log" 2>&1
	shm=/dev/shm/pcimem-pkg-test-$$
	# 4 MiB seeded with hostdata, and 4 GiB (sparse) with a word in its
	# last page.
	"$bin/ivshmem-host" create "$shm" 4M >/dev/null &&
		"$bin/ivshmem-host" fill "$shm" hostdata >/dev/null &&
		"$bin/ivshmem-host" create "$shm-4g" 4G >/dev/null &&
		"$bin/ivshmem-host" write "$shm-4g" 0xfffff000 0x600df00d 32
	t "host: a 4 MiB file seeded with hostdata, a sparse 4 GiB one with a word at 4 GiB - 4 KiB" 0 "" \
		test "$(stat -c %s "$shm-4g")" = 4294967296
	log=$logs/package-guest.log
	"$top/qemu-device/launch-vm.sh" --kernel "$build/kernels/$rel/vmlinuz" \
		--initrd "$out/initramfs.cpio.gz" --log "$log" --timeout 300 \
		--append "lab=package pkg_sha=$sha" --shm "$shm:4M" --shm "$shm-4g:4G" \
		>"$log.judge" 2>&1
	judged=$?
	t "host: the guest's token is in the 4 GiB file's last word" 0 "" \
		sh -c "'$bin/ivshmem-host' read '$shm-4g' 0xfffffffc 32 | grep -qi 0x6c617374"
	t "host: the 4 GiB file is still sparse (the probe wrote no pattern over it)" 0 "" \
		test "$(stat -c %b "$shm-4g")" -lt 8192
	rm -f "$shm" "$shm-4g"
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "[guest $rel] ${line#ok - }" ;;
		"FAIL - "*) fail "[guest $rel] ${line#FAIL - }" ;;
		"    "*) echo "$line" ;;
		esac
	done < <(tr -d '\r' <"$log")
	t "[guest $rel] the guest reached its last line and its kernel log is clean (console: $log)" 0 "" \
		sh -c "[ $judged -eq 0 ] || { cat '$log.judge'; false; }"
else
	fail "[guest] no DKMS-built module for $rel to boot"
fi

# ---- pcimem-tools and ivshmem-server ----
dpkg -i "$(deb pcimem-tools)" "$(deb ivshmem-server)" >"$logs/package-tools.log" 2>&1
t "dpkg -i pcimem-tools ivshmem-server (log: $logs/package-tools.log)" 0 "" \
	sh -c "[ \"\$(dpkg-query -W -f='\${Status}' pcimem-tools)\" = 'install ok installed' ] &&
	       [ \"\$(dpkg-query -W -f='\${Status}' ivshmem-server)\" = 'install ok installed' ]"
dpkg -L pcimem-tools >"$out/files-tools" 2>/dev/null
dpkg -L ivshmem-server >"$out/files-server" 2>/dev/null
t "the installed pcimem --version says $version" 0 "" test "$(/usr/bin/pcimem --version 2>&1)" = "pcimem $version"
t "the installed ivshmem-host --version says $version" 0 "" \
	test "$(/usr/bin/ivshmem-host --version 2>&1)" = "ivshmem-host $version"
t "the installed ivshmem-server --version says $version" 0 "" \
	test "$(/usr/sbin/ivshmem-server --version 2>&1)" = "ivshmem-server $version"
t "man pcimem, ivshmem-host, ivshmem-server and 4 pcimem are installed" 0 "" \
	sh -c "man -w pcimem && man -w ivshmem-host && man -w 8 ivshmem-server && man -w 4 pcimem"
t "the package created the system group pcimem" 0 "" getent group pcimem
# complete WORD...: what bash completes for the last WORD, from the
# installed completion file.
complete_words() {
	bash -c 'source "/usr/share/bash-completion/completions/$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		if [ "$1" = pcimem ]; then _pcimem; else _ivshmem_host; fi
		echo "${COMPREPLY[*]}"' complete "$1" "$@"
}
c1=$(complete_words pcimem ve) c2=$(complete_words pcimem help ri)
t "bash completion: pcimem ve<TAB> gives verify, pcimem help ri<TAB> ring (got: $c1, $c2)" 0 "" \
	test "$c1/$c2" = verify/ring
c1=$(complete_words ivshmem-host cr) c2=$(complete_words ivshmem-host create --fo)
t "bash completion: ivshmem-host cr<TAB> gives create, create --fo<TAB> --force (got: $c1, $c2)" 0 "" \
	test "$c1/$c2" = create/--force

# The installed rule on a real device with a PCI parent (the host's first
# block device), its match changed from the pcimem subsystem to that
# device: GROUP, MODE, the uaccess tag and the by-path link as udev would
# apply them, in a mount namespace with its own /dev and /run/udev.
blk=$(for d in /sys/class/block/*; do
	case $(readlink -f "$d") in /sys/devices/pci*) [ -e "$d/dev" ] && basename "$d" && break ;; esac
	done)
if [ -n "$blk" ]; then
	sed -e 's/SUBSYSTEM!="pcimem"/SUBSYSTEM!="block"/' -e "s/KERNEL!=\"pcimem\[0-9\]\*\"/KERNEL!=\"$blk\"/" \
		/lib/udev/rules.d/70-pcimem.rules >"$out/70-pcimem-test.rules"
	pciaddr=$(readlink -f "/sys/class/block/$blk" | grep -o '[0-9a-f]\{4\}:[0-9a-f]\{2\}:[0-9a-f]\{2\}\.[0-9]' | tail -n 1)
	unshare --mount --propagation private sh -c "
		mount -t tmpfs none /dev && mount -t tmpfs none /run &&
		mkdir -p /run/udev/rules.d && cp '$out/70-pcimem-test.rules' /run/udev/rules.d/ &&
		mknod /dev/$blk b \$(tr ':' ' ' </sys/class/block/$blk/dev) && chmod 0600 /dev/$blk &&
		udevadm test --action=add /sys/class/block/$blk >'$out/udevadm.log' 2>&1
		stat -c '%G %a' /dev/$blk; readlink /dev/pcimem/by-path/pci-$pciaddr" >"$out/udev.out" 2>&1
	t "udevadm test: the rule gives group pcimem and mode 0660" 0 "" \
		sh -c "head -n 1 '$out/udev.out' | grep -qx 'pcimem 660' || cat '$out/udev.out'"
	t "udevadm test: the rule links /dev/pcimem/by-path/pci-$pciaddr to the node" 0 "" \
		sh -c "sed -n 2p '$out/udev.out' | grep -qx '../../$blk' || cat '$out/udev.out'"
	t "udevadm test: the rule tags the node uaccess, for the seat's user" 0 "" \
		grep -q '^TAGS=.*:uaccess:' "$out/udevadm.log"
	# udevadm reads every rules file, the installed one too: a syntax
	# error there would be a line "FILE:LINE message".
	t "udevadm test: the installed 70-pcimem.rules is read without a complaint" 0 "" \
		sh -c "grep -q 'Reading rules file: .*/lib/udev/rules.d/70-pcimem.rules' '$out/udevadm.log' &&
		       ! grep 'udev/rules.d/70-pcimem.rules:' '$out/udevadm.log'"
else
	fail "udevadm test: no block device with a PCI parent on this host to test the rule on"
fi

t "systemd-analyze verify: the installed socket and service units are clean" 0 "" \
	sh -c "o=\$(systemd-analyze verify /lib/systemd/system/ivshmem-server.socket \
		/lib/systemd/system/ivshmem-server.service 2>&1); printf '%s' \"\$o\"; [ -z \"\$o\" ]"
t "the units are installed but not enabled (the administrator configures first)" 0 "" \
	sh -c "! ls /etc/systemd/system/*/ivshmem-server.* 2>/dev/null | grep -q ."
# The installed server under systemd's socket activation (LISTEN_FDS=1).
sock=$out/activated.sock
systemd-socket-activate -l "$sock" /usr/sbin/ivshmem-server -F --memfd -l 4M >"$out/activate.log" 2>&1 &
act=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
t "socket activation: on the socket systemd-socket-activate listens on, a peer gets ID 0" 0 "" \
	sh -c "/usr/bin/ivshmem-host peer '$sock' id | grep -qx 0 || cat '$out/activate.log'"
t "socket activation: the next peer gets the server's 4 MiB memfd, zeroed" 0 "" \
	/usr/bin/ivshmem-host peer "$sock" verify hex:00
kill "$act" 2>/dev/null; wait "$act" 2>/dev/null

# ---- libpcimem-channel0 and libpcimem-channel-dev ----
dpkg -i "$(deb libpcimem-channel0)" "$(deb libpcimem-channel-dev)" >"$logs/package-lib.log" 2>&1
t "dpkg -i libpcimem-channel0 libpcimem-channel-dev (log: $logs/package-lib.log)" 0 "" \
	sh -c "[ \"\$(dpkg-query -W -f='\${Status}' libpcimem-channel0)\" = 'install ok installed' ] &&
	       [ \"\$(dpkg-query -W -f='\${Status}' libpcimem-channel-dev)\" = 'install ok installed' ]"
dpkg -L libpcimem-channel0 >"$out/files-lib" 2>/dev/null
dpkg -L libpcimem-channel-dev >"$out/files-lib-dev" 2>/dev/null
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)
t "libpcimem-channel0: /usr/lib/$multiarch/libpcimem-channel.so.0 has that soname, ldconfig knows it" 0 "" \
	sh -c "readelf -d /usr/lib/$multiarch/libpcimem-channel.so.0 | grep -q 'SONAME.*\[libpcimem-channel.so.0\]' &&
	       ldconfig -p | grep -q 'libpcimem-channel.so.0 .*=> .*/lib/$multiarch/libpcimem-channel.so.0\$'"
t "libpcimem-channel-dev: pkg-config pcimem-channel is $version, links -lpcimem-channel" 0 "" \
	sh -c "[ \"\$(pkg-config --modversion pcimem-channel)\" = '$version' ] &&
	       pkg-config --libs pcimem-channel | grep -qx -- '-lpcimem-channel *'"
o=$(lib_program packaged 2>&1)
t "a program builds on the packaged library with pkg-config's flags, shared and static, and runs" 0 "" \
	lib_ok "$o"

# ---- purge: nothing left ----
dpkg --purge libpcimem-channel-dev libpcimem-channel0 ivshmem-server pcimem-tools pcimem-dkms \
	>"$logs/package-purge.log" 2>&1
t "dpkg --purge of the five packages (log: $logs/package-purge.log)" 0 "" \
	sh -c "! dpkg-query -W -f='\${Status}\n' ${packages[*]} 2>/dev/null | grep -q installed"
left=$(cat "$out"/files-* | while read -r f; do
	[ ! -d "$f" ] && { [ -e "$f" ] || [ -L "$f" ]; } && echo "$f"; done)
t "purge removed every file the packages installed" 0 "" sh -c "[ -z '$left' ] || { echo '$left'; false; }"
t "dkms status is empty for pcimem, no pcimem.ko left in /lib/modules or /var/lib/dkms" 0 "" \
	sh -c "[ -z \"\$(dkms status -m pcimem 2>/dev/null)\" ] && [ ! -e /var/lib/dkms/pcimem ] &&
	       [ -z \"\$(find /lib/modules -name 'pcimem.ko*')\" ] && [ ! -e /usr/src/pcimem-$version ]"
t "purge left no configuration: /etc/default/ivshmem-server is gone" 0 "" test ! -e /etc/default/ivshmem-server
t "purge left no library: pkg-config and ldconfig know no pcimem-channel" 0 "" \
	sh -c "! pkg-config --exists pcimem-channel && ! ldconfig -p | grep -q libpcimem-channel"
done_checks
