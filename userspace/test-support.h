/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the unit tests (region-test, mailbox-test) share: one line per
 * check, "ok - what" or "FAIL - what: detail", a closing
 * "N passed, N failed", and temporary files under $TMPDIR (or /tmp).
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Count a check and print its line; @fmt gives the detail of a failure. */
void check(bool ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print "N passed, N failed": the exit code, 1 if anything failed. */
int test_summary(void);

/*
 * Create $TMPDIR/@prefix.XXXXXX of @size bytes, its name in @path (@len
 * bytes). Returns its descriptor, or -1 after perror().
 */
int test_temp_file(char *path, size_t len, const char *prefix,
		   uint64_t size);

#endif /* TEST_SUPPORT_H */
