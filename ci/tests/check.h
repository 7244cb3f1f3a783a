/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test report of every C test program (the guest's pcimem-*.c beside
 * it, the unit tests of userspace/ and the ivshmem server's tests): one
 * line per check, "ok - WHAT" or "FAIL - WHAT" (": WHY" after it when
 * the program said why), and a closing "N passed, N failed" where the
 * program prints its own count. The guest programs also reach the host agent from here.
 */
#ifndef PCIMEM_TEST_CHECK_H
#define PCIMEM_TEST_CHECK_H

#include <stddef.h>
#include <stdint.h>

/*
 * Prints "ok - WHAT" or "FAIL - WHAT", WHAT from @fmt; counts the check.
 * A FAIL line ends with ": WHY" when check_why() gave one since the last
 * check.
 */
void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Why the next check fails, if it does: the text after "FAIL - WHAT: ".
 * check_why() returns 0, so that a condition says it as it fails:
 *   check(!err || check_why("%s", strerror(-err)), "fill");
 * check_fail() returns -1, for a helper that returns 0 or -1:
 *   return check_fail("read %d bytes, expected %d", n, want);
 */
int check_why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int check_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* How many checks failed so far. */
int check_failures(void);

/* Prints "N passed, N failed"; returns the exit status, 1 if any failed. */
int check_summary(void);

/*
 * A test program's subcommand: argv[1] is @name and argc is @argc, e.g.
 *   if (check_command(argc, argv, "irq", 3)) return irq_main(argv[2]);
 */
int check_command(int argc, char **argv, const char *name, int want_argc);

/* The call returned -1 and set exactly this errno. */
int failed_with(long ret, int want);

/*
 * Temporary files of the host's tests: $TMPDIR/@prefix.XXXXXX (or under
 * /tmp) of @size bytes, its name in @path (@len bytes). Returns its
 * descriptor, or -1 after perror().
 */
int check_temp_file(char *path, size_t len, const char *prefix, uint64_t size);

/*
 * Asks the host agent (qemu-device/host-agent.sh) on /dev/ttyS1 to run
 * `ivshmem-host COMMAND FILE ARGS` for the device at a PCI slot, e.g.
 * host("expect 00:04.0 0x100 token"). Returns 0 when it answered RC 0.
 */
int host(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes s to a sysfs file (bind, unbind, remove, rescan): 0 or -errno. */
int sysfs_write(const char *path, const char *s);

#endif /* PCIMEM_TEST_CHECK_H */
