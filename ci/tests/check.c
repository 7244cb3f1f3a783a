// SPDX-License-Identifier: GPL-2.0
/*
 * The guest test programs' check lines and their line to the host agent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"

static int failures;

void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

int check_failures(void)
{
	return failures;
}

int failed_with(long ret, int want)
{
	return ret == -1 && errno == want;
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
