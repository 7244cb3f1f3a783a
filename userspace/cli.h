/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line helpers shared by pcimem (guest) and ivshmem-host (host):
 * exit codes, error messages, number/size/width/pattern parsing.
 */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Exit codes of pcimem and ivshmem-host:
 *   0  success
 *   1  verify (or expect) found a mismatch
 *   2  usage error or bad argument: bad number, bad width, offset or
 *      length beyond the BAR / shared memory, unaligned offset
 *   3  no such device or cannot open it (ENOENT, ENODEV, ENXIO)
 *   4  permission denied (EACCES, EPERM)
 *   5  any other I/O or system error
 */
enum exit_code {
	EXIT_OK		= 0,
	EXIT_MISMATCH	= 1,
	EXIT_USAGE	= 2,
	EXIT_NODEV	= 3,
	EXIT_DENIED	= 4,
	EXIT_IOERR	= 5,
};

#define PATTERN_MAX	4096	/* longest fill/verify pattern, bytes */

/* Bytes of a fill/verify/expect/put argument: "text" or "hex:0a1b..." */
struct pattern {
	unsigned char bytes[PATTERN_MAX];
	size_t len;
	const char *text;	/* the argument as given, for messages */
};

/* "prog: subject: message\n" on stderr; subject may be NULL. */
void cli_error(const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Exit code for a failed system call's errno. */
int cli_errno_exit(int err);

/* Report errno @err against @subject; returns its exit code. */
int cli_fail(const char *subject, int err);

/*
 * Parse the common options, [--rw] [-h | --help], up to the command.
 * Returns true with optind at the command, or false with *exit_code to
 * exit with (after --help, or a bad or missing command).
 */
bool cli_options(int argc, char **argv, void (*usage)(FILE *out),
		 bool *rw, int *exit_code);

/* Quiet strtoull(base) with full checks: digits only, no junk, no overflow. */
bool cli_strtou64(const char *s, int base, uint64_t *v);

/* Parsers: return true on success, else print why and return false. */
bool cli_parse_u64(const char *what, const char *s, uint64_t *v);
bool cli_parse_size(const char *what, const char *s, uint64_t *v);
bool cli_parse_width(const char *s, unsigned int *bytes);
bool cli_parse_pattern(const char *s, struct pattern *p);

/* "16 MiB", "256 B", "1.5 KiB" into @buf. */
const char *cli_human_size(uint64_t n, char *buf, size_t len);

#endif /* CLI_H */
