// SPDX-License-Identifier: GPL-2.0
/*
 * The test report of every C test program, and the guest programs' line
 * to the host agent: see check.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"

static int passed, failed;
static char why[1024];	/* for the next FAIL line; "" if none */

void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok && why[0])
		printf(": %s", why);
	putchar('\n');
	fflush(stdout);
	why[0] = '\0';
	if (ok)
		passed++;
	else
		failed++;
}

static void set_why(const char *fmt, va_list ap)
{
	vsnprintf(why, sizeof(why), fmt, ap);
}

int check_why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_why(fmt, ap);
	va_end(ap);
	return 0;
}

int check_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_why(fmt, ap);
	va_end(ap);
	return -1;
}

int check_failures(void)
{
	return failed;
}

int check_summary(void)
{
	printf("%d passed, %d failed\n", passed, failed);
	fflush(stdout);
	return failed ? 1 : 0;
}

int failed_with(long ret, int want)
{
	return ret == -1 && errno == want;
}

int check_command(int argc, char **argv, const char *name, int want_argc)
{
	return want_argc >= 2 && argc == want_argc && !strcmp(argv[1], name);
}

int check_temp_file(char *path, size_t len, const char *prefix, uint64_t size)
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

int sysfs_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

int host(const char *fmt, ...)
{
	static int fd = -1;
	char req[256], reply[256];
	size_t n = 0;
	va_list ap;
	int len;

	if (fd < 0) {
		struct termios t;

		fd = open("/dev/ttyS1", O_RDWR | O_NOCTTY);
		if (fd < 0 || tcgetattr(fd, &t))
			return -1;
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	va_start(ap, fmt);
	len = vsnprintf(req, sizeof(req) - 1, fmt, ap);
	va_end(ap);
	if (len < 0 || len >= (int)sizeof(req) - 1)
		return -1;
	req[len++] = '\n';
	if (write(fd, req, len) != len)
		return -1;
	while (n < sizeof(reply) - 1 && read(fd, reply + n, 1) == 1 && reply[n] != '\n')
		n++;
	reply[n] = 0;
	printf("    host: %s\n", reply);
	return strncmp(reply, "RC 0", 4) ? -1 : 0;
}
