// SPDX-License-Identifier: GPL-2.0
/*
 * Check lines, the summary and temporary files of the unit tests: see
 * test-support.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test-support.h"

static int passed, failed;

void check(bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok - %s\n", what);
		passed++;
		return;
	}
	printf("FAIL - %s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failed++;
}

int test_summary(void)
{
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

int test_temp_file(char *path, size_t len, const char *prefix,
		   uint64_t size)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	snprintf(path, len, "%s/%s.XXXXXX", tmp ? tmp : "/tmp", prefix);
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		perror(path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}
