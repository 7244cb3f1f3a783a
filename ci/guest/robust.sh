#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of the robustness suite: data that must survive rebinding,
# reloading and hot-replugging; removal of the device while user space holds
# it (sysfs unbind and remove, QEMU device_del); bad input to every entry
# point and module parameter; and access control (permissions, /dev/mem,
# lockdown, last since it cannot be undone). Same devices as tests.sh.
# Cycle counts come from the kernel command line (unbind_cycles=...).
# shellcheck source=lib.sh # /pcimem/ is ci/guest/ in the initramfs
. /pcimem/lib.sh

A=00:04.0
hostlink_open

# host_sha SLOT: the SHA-256 of the device's backing file, from the host.
host_sha() {
	host sha256 "$1" >/dev/null && echo "${reply#RC 0 }"
}

section "nothing the host wrote changes unless asked"
check "insmod pcimem.ko pattern= (empty)" insmod "$KO" pattern=
before=$(host_sha $A)
check "the host hashes the 16 MiB file" test ${#before} -eq 64
for _ in 1 2 3; do
	echo 0000:$A >$DRV/unbind && echo 0000:$A >$DRV/bind
done
check "3 unbind/bind cycles leave the file byte for byte identical" \
	test "$(host_sha $A)" = "$before"
for _ in 1 2; do
	rmmod pcimem && insmod "$KO" pattern=
done
check "2 rmmod/insmod cycles leave it identical" test "$(host_sha $A)" = "$before"

section "the device goes away while in use"
pcimem-unplug-test unbind $A "${unbind_cycles:-20}"
pcimem-unplug-test remove $A "${remove_cycles:-5}"
pcimem-unplug-test hotplug $A "${hotplug_cycles:-5}"
check "after all of that the file is still identical" test "$(host_sha $A)" = "$before"
exec 8</dev/pcimem0
expect_fail "rmmod while a node is open is refused" 1 "can't unload module 'pcimem'" \
	rmmod pcimem
exec 8<&-
check "with nothing open, rmmod works" rmmod pcimem

section "bad input"
check "insmod pcimem.ko" insmod "$KO"
pcimem-badinput-test "$(node_of $A)"
check "rmmod pcimem" rmmod pcimem
# busybox insmod exits with the errno: 22 is EINVAL, 28 ENOSPC.
long=$(printf '%1100s' '' | tr ' ' x)
for case in "ram_memtype=fast 22" "ram_memtype= 22" "ram_memtype=UC 22" \
	    "ram_memtype=wbx 22" "pattern=$long 28"; do
	param=${case% *} want=${case##* }
	expect_fail "module parameter ${param%%=*}=${param#*=} is refused ($want)" \
		"$want" "" insmod "$KO" "$param"
done
check "no module is left loaded by the refused parameters" \
	sh -c "! grep -q '^pcimem ' /proc/modules"
check "an unknown parameter is ignored with a warning, the module loads" \
	sh -c "insmod '$KO' colour=blue && dmesg | grep -q \"unknown parameter 'colour'\""

section "concurrent writers"
check "insmod pcimem.ko" sh -c "rmmod pcimem; insmod '$KO'"
pcimem-writers-test "$(node_of $A)" $A 6

section "a syscall fuzzer while the device comes and goes"
pcimem-fuzz "${fuzz_seed:-1}" "${fuzz_ops:-40000}" 4 $A 60

section "access control"
# The fuzzer left random bytes behind: start afresh. (Numbers follow the
# order of binding, which the remove/rescan cycles changed: go by address.)
check "reload pcimem.ko" sh -c "rmmod pcimem && insmod '$KO'"
node=$(node_of $A)
check "$node ($A) is root-only (crw-------)" sh -c "ls -l $node | grep -q '^crw------- '"
expect_fail "an unprivileged user is refused" 4 "Permission denied" \
	su -s /bin/sh labuser -c "pcimem info $node"
# What drivers/70-pcimem.rules does under udev: group pcimem, mode 0660.
chgrp pcimem "$node" && chmod 0660 "$node"
check "with the udev rule's group and mode, a member of group pcimem maps it" \
	su -s /bin/sh labuser -c "pcimem verify $node abcd"
expect_fail "a user outside the group is still refused" 4 "Permission denied" \
	su -s /bin/sh nobody -c "pcimem info $node"
# edu masters the bus (MSI) and has a DMA engine in its registers: the
# group may read them, only CAP_SYS_RAWIO may write or map them writable.
enode=$(node_of 00:06.0)
chgrp pcimem "$enode" && chmod 0660 "$enode"
check "a member of group pcimem reads edu's identification register" \
	sh -c "su -s /bin/sh labuser -c 'pcimem read $enode 0' | grep -qx 0x010000ed"
expect_fail "but may not write edu's registers (EPERM, DMA)" 4 "Operation not permitted" \
	su -s /bin/sh labuser -c "pcimem --rw write $enode 4 1"
expect_fail "nor map them writable (EPERM)" 4 "Operation not permitted" \
	su -s /bin/sh labuser -c "pcimem write $enode 4 1"
check "root may" pcimem write "$enode" 4 1
bar2=$(pcimem info $A | sed -n 's/^bar_start: //p')
expect_fail "/dev/mem cannot map the claimed BAR2 ($bar2)" 1 "Operation not permitted" \
	devmem "$bar2" 32
echo 0000:$A >$DRV/unbind
check "once unbound (BARs released), /dev/mem can read it" devmem "$bar2" 32
echo 0000:$A >$DRV/bind
node=$(node_of $A)
# Lockdown closes debugfs too: look for leaks first.
kmemleak_check
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
check "kernel lockdown set to integrity" \
	sh -c "echo integrity >/sys/kernel/security/lockdown"
expect_fail "under lockdown the node cannot be opened (EPERM)" 4 "Operation not permitted" \
	pcimem info "$node"

section "the kernel log"
echo "--- dmesg ---"
dmesg
echo "--- end of dmesg ---"
