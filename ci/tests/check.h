/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the guest test programs: one line per check, and requests to
 * the host agent on the guest's second serial port.
 */
#ifndef PCIMEM_TEST_CHECK_H
#define PCIMEM_TEST_CHECK_H

/* Prints "ok - ..." or "FAIL - ..."; counts failures. */
void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* How many checks failed so far. */
int check_failures(void);

/* The call returned -1 and set exactly this errno. */
int failed_with(long ret, int want);

/*
 * Asks the host agent (qemu-device/host-agent.sh) on /dev/ttyS1 to run
 * `ivshmem-host COMMAND FILE ARGS` for the device at a PCI slot, e.g.
 * host("expect 00:04.0 0x100 token"). Returns 0 when it answered RC 0.
 */
int host(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes s to a sysfs file (bind, unbind, remove, rescan): 0 or -errno. */
int sysfs_write(const char *path, const char *s);

#endif /* PCIMEM_TEST_CHECK_H */
