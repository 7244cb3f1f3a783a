/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line helpers shared by pcimem (guest) and ivshmem-host (host):
 * exit codes, error messages, number/size/width/pattern parsing.
 */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
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

/* The tools' version (VERSION in userspace/Makefile), and "PROG VERSION" on stdout. */
extern const char cli_version[];
void cli_print_version(void);

/* "prog: subject: message\n" on stderr; subject may be NULL. */
void cli_error(const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Exit code for a failed system call's errno. */
int cli_errno_exit(int err);

/* Report errno @err against @subject; returns its exit code. */
int cli_fail(const char *subject, int err);

/*
 * A tool's own global options on top of --rw and --help: getopt_long
 * entries (NULL-terminated by name) with values other than 'r' and 'h',
 * and a handler that returns false after saying why an argument is bad.
 */
struct cli_extra_options {
	const struct option *options;
	bool (*handle)(int opt, const char *arg, void *ctx);
	void *ctx;
};

/*
 * Parse the global options, [--rw] [-h | --help] [--version] and @extra
 * (may be NULL), up to the command. Returns true with optind at the command, or false
 * with *exit_code to exit with (after --help, or a bad or missing command).
 */
bool cli_options(int argc, char **argv, void (*usage)(FILE *out),
		 const struct cli_extra_options *extra, bool *rw,
		 int *exit_code);

/* Options a command may take after its arguments (a mask of these). */
enum cli_command_option {
	CLI_OPT_COUNT	= 1 << 0,	/* --count N, N >= 1 */
	CLI_OPT_TIMEOUT	= 1 << 1,	/* --timeout MS */
	CLI_OPT_OFFSET	= 1 << 2,	/* --offset OFF */
	CLI_OPT_VECTOR	= 1 << 3,	/* --vector V */
	CLI_OPT_LATENCY	= 1 << 4,	/* --latency */
};

#define CLI_TIMEOUT_MAX_MS	(24 * 3600 * 1000)	/* one day */

/* Values of the command options; the caller sets the defaults. */
struct cli_command_options {
	uint64_t count;
	int timeout_ms;		/* -1: wait forever */
	uint64_t offset;
	unsigned int vector;
	bool latency;
};

/*
 * Take the options in @allowed out of @argv (options and arguments may
 * mix; "--" ends the options; "--name=value" works too). The remaining
 * arguments are moved to the front of @argv in order. Returns their
 * number, or -1 after printing why an option is bad or unknown.
 */
int cli_command_options(const char *command, int argc, char **argv,
			unsigned int allowed, struct cli_command_options *o);

/* Quiet strtoull(base) with full checks: digits only, no junk, no overflow. */
bool cli_strtou64(const char *s, int base, uint64_t *v);

/* Parsers: return true on success, else print why and return false. */
bool cli_parse_u64(const char *what, const char *s, uint64_t *v);
bool cli_parse_size(const char *what, const char *s, uint64_t *v);
/* A number no larger than @max ("bad vector '70': larger than 63"). */
bool cli_parse_max(const char *what, const char *s, uint64_t max,
		   uint64_t *v);
bool cli_parse_width(const char *s, unsigned int *bytes);
bool cli_parse_pattern(const char *s, struct pattern *p);

/* "16 MiB", "256 B", "1.5 KiB" into @buf. */
const char *cli_human_size(uint64_t n, char *buf, size_t len);

/*
 * One command of --help: "  ARGS  HELP" with HELP in column 36, or ARGS
 * on a line of their own when they are longer than 32 characters.
 */
void cli_help_line(FILE *out, const char *args, const char *help);

#endif /* CLI_H */
