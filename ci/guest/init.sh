#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest's /init: mount what the tests need, run the job named by
# lab= on the kernel command line, then power off. The last
# line it prints tells the host the guest reached the end.
/bin/busybox --install -s /bin
export PATH=/usr/bin:/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null

# lab=test runs tests.sh, lab=NAME runs /pcimem/NAME.sh; lab=testdev-PART
# runs testdev.sh, which reads $lab.
script=/pcimem/${lab:-test}.sh
[ "${lab:-test}" = test ] && script=/pcimem/tests.sh
case ${lab:-} in testdev-*) script=/pcimem/testdev.sh ;; esac
if [ -f "$script" ]; then
	sh "$script"
else
	echo "FAIL - there is no guest script for lab=$lab"
fi
echo "pcimem-guest: exit $?"
echo "pcimem-guest: end of run"
sync
poweroff -f
