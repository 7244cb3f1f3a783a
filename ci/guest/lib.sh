# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers for the guest scripts: one line per check, and a line to the host
# agent on the second serial port (ttyS1) to check or change the backing
# file of a device while the guest runs.

DRV=/sys/bus/pci/drivers/pcimem
# shellcheck disable=SC2034 # KO is for the scripts that source this file
KO=/lib/modules/$(uname -r)/extra/pcimem.ko

say() { echo "pcimem-guest: $*"; }
section() { echo; echo "=== $* ==="; }

# check NAME CMD...: run CMD, print ok or FAIL with its output.
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then
		echo "ok - $name"
	else
		echo "FAIL - $name"
		printf '%s\n' "$out" | sed 's/^/    | /' | head -n 20
	fi
}

# expect_fail NAME RC PATTERN CMD...: CMD must exit RC and print PATTERN.
expect_fail() {
	name=$1 want=$2 pat=$3
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && printf '%s' "$out" | grep -q -- "$pat"; then
		echo "ok - $name"
	else
		echo "FAIL - $name: exit $rc (want $want), output:"
		printf '%s\n' "$out" | sed 's/^/    | /' | head -n 10
	fi
}

hostlink_open() {
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	exec 7<>/dev/ttyS1
}

# host CMD SLOT ARGS...: ask the host agent to run `ivshmem-host CMD FILE
# ARGS` on the backing file of the device at SLOT; succeeds when it did.
# The answer stays in $reply.
host() {
	echo "$*" >&7
	read -r reply <&7
	echo "    host: $reply"
	case "$reply" in
	"RC 0"*) return 0 ;;
	*) return 1 ;;
	esac
}

# host_is NAME WANT REQUEST...: the agent answers REQUEST with "RC 0 WANT".
host_is() {
	name=$1 want=$2
	shift 2
	host "$@" >/dev/null
	if [ "$reply" = "RC 0 $want" ]; then
		echo "ok - $name"
	else
		echo "FAIL - $name"
		echo "    | host: $reply (want: RC 0 $want)"
	fi
}

# driver_of ADDR: the driver lspci reports in use for the device.
driver_of() {
	lspci -k -s "$1" | sed -n 's/.*Kernel driver in use: //p'
}

bound_to_pcimem() {
	[ "$(driver_of "$1")" = pcimem ]
}

# node_of ADDR: /dev/pcimemN of the device, from its sysfs class link.
node_of() {
	for d in /sys/bus/pci/devices/0000:"$1"/pcimem/pcimem*; do
		[ -e "$d" ] && echo "/dev/${d##*/}"
	done
}

# override_bind SLOT: bind a device pcimem does not know through
# driver_override; override_unbind SLOT: unbind it and clear the override.
override_bind() {
	echo pcimem >"/sys/bus/pci/devices/0000:$1/driver_override"
	echo "0000:$1" >/sys/bus/pci/drivers_probe
}
override_unbind() {
	echo "0000:$1" >"$DRV/unbind"
	echo >"/sys/bus/pci/devices/0000:$1/driver_override"
}

# kmemleak_check: on a kernel with kmemleak (the sanitizer kernel), scan
# twice, a little apart as kmemleak wants, and report what leaked.
kmemleak_check() {
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	if ! leaks=$(cat /sys/kernel/debug/kmemleak 2>&1); then
		check "kmemleak's report can be read: $leaks" false
		return
	fi
	check "kmemleak finds no leak" test -z "$leaks"
	[ -z "$leaks" ] || printf '%s\n' "$leaks" | head -n 60 | sed 's/^/    | /'
}

# kernel_log: the closing section of a guest script: kmemleak_check, then
# the whole kernel log between "--- dmesg ---" and "--- end of dmesg ---".
kernel_log() {
	section "the kernel log"
	kmemleak_check
	echo "--- dmesg ---"
	dmesg
	echo "--- end of dmesg ---"
}
