/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command lines of pcimem (guest) and ivshmem-host (host): exit codes,
 * error messages, numbers, widths and patterns, and one command table
 * type with one dispatcher that parses the options (getopt_long,
 * permuting: options may come before or after the command and its
 * arguments), checks argument counts once and writes every usage and
 * help text from the table.
 */
#ifndef PCIMEM_CLI_H
#define PCIMEM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "number.h"

/*
 * Exit codes of pcimem and ivshmem-host:
 *   0  success
 *   1  verify (or expect) found a mismatch
 *   2  usage error or bad argument: bad number, bad width, offset or
 *      length beyond the BAR / shared memory, unaligned offset
 *   3  no such device or cannot open it (ENOENT, ENODEV, ENXIO), or the
 *      pcimem module is not loaded
 *   4  permission denied (EACCES, EPERM)
 *   5  any other I/O or system error, writing standard output included
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

/* The tools' version (VERSION in userspace/Makefile). */
extern const char pcimem_cli_version[];

/* "prog: subject: message\n" on stderr; subject may be NULL. */
void pcimem_cli_error(const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Names, here and in the tools: err is a negative errno (-ENOENT), errnum
 * a positive one (errno's value), code an exit code, why a message;
 * a check_...() validates, says why and returns an exit code.
 */

/* Exit code for a failed system call's errno. */
int pcimem_cli_errno_exit(int errnum);

/* Report errno @errnum against @subject; returns its exit code. */
int pcimem_cli_fail(const char *subject, int errnum);

/* ---- numbers and patterns ---- */

/* Parsers: return true on success, else print why and return false. */
/* A number of number.h's grammar, without suffixes (values, counts). */
bool pcimem_cli_parse_u64(const char *what, const char *s, uint64_t *v);
/* A size or offset: number.h's grammar with its suffixes. */
bool pcimem_cli_parse_size(const char *what, const char *s, uint64_t *v);
/* A number no larger than @max ("bad vector '70': larger than 63"). */
bool pcimem_cli_parse_max(const char *what, const char *s, uint64_t max,
			  uint64_t *v);
/* An ivshmem peer ID, 0 to PCIMEM_MAX_PEER_ID (uapi/pcimem.h). */
bool pcimem_cli_parse_peer(const char *s, unsigned int *peer);
bool pcimem_cli_parse_width(const char *s, unsigned int *bytes);
/* Text, or "hex:" (any case) and pairs of hex digits. */
bool pcimem_cli_parse_pattern(const char *s, struct pattern *p);

/* "16 MiB", "256 B", "1.5 KiB" into @buf. */
const char *pcimem_cli_human_size(uint64_t n, char *buf, size_t len);

/*
 * Lines of the --help notes that pcimem and ivshmem-host share word for
 * word: the same library parses these arguments in both tools, so one
 * text describes them. CLI_PEER_RANGE is PCIMEM_MAX_PEER_ID (uapi/pcimem.h)
 * as text (cli.c checks that they agree); CLI_NOTES_PING_PONG has no
 * final newline, as pcimem goes on with ping --latency.
 */
#define CLI_PEER_RANGE	"0-65535"
#define CLI_NOTES_PING_PONG \
	"ping, pong  mailbox at --offset of the shared memory (default 1M, or\n" \
	"         the last 512 bytes of a region of 1 MiB or less), doorbell\n" \
	"         --vector (default 0), --count messages (default 1), --timeout\n" \
	"         MS per message (default 10000); start pong first"
#define CLI_NOTES_DASHDASH \
	"An argument that starts with '-' (a pattern) goes after '--'.\n"

/* ---- commands ---- */

/* Options a command may take (a mask of these). */
enum cli_command_option {
	CLI_OPT_COUNT	= 1 << 0,	/* --count N, N >= 1 */
	CLI_OPT_TIMEOUT	= 1 << 1,	/* --timeout MS */
	CLI_OPT_OFFSET	= 1 << 2,	/* --offset OFF */
	CLI_OPT_VECTOR	= 1 << 3,	/* --vector V */
	CLI_OPT_LATENCY	= 1 << 4,	/* --latency */
	CLI_OPT_JSON	= 1 << 5,	/* --json */
	CLI_OPT_QUIET	= 1 << 6,	/* --quiet, -q */
	CLI_OPT_ALL	= 1 << 7,	/* --all */
	CLI_OPT_FORCE	= 1 << 8,	/* --force, -f */
};

#define CLI_TIMEOUT_MAX_MS	(24 * 3600 * 1000)	/* one day */

/* Values of the command options. */
struct cli_command_options {
	uint64_t count;
	int timeout_ms;		/* -1: wait forever */
	uint64_t offset;
	unsigned int vector;
	bool latency;
	bool json;
	bool quiet;
	bool all;
	bool force;
};

/* --count 1, --timeout forever, the rest 0 or false. */
extern const struct cli_command_options pcimem_cli_command_defaults;

struct cli_tool;
struct region_command;		/* commands.h */

/* What a command's run() gets. */
struct cli_run {
	const struct cli_tool *tool;
	const struct cli_command *c;
	const char *target;	/* DEV, FILE or SOCKET; NULL if none */
	int argc;		/* the arguments after the target */
	char **argv;
	struct cli_command_options opt;
	void *ctx;		/* the tool's */
};

/*
 * One command: the one place its name, arguments, options and help
 * live. Usage lines are "PREFIX NAME [TARGET] ARGS [--option ARG]...".
 */
struct cli_command {
	const char *name;
	const char *args;	/* after the target: "OFFSET [WIDTH]" */
	const char *help;	/* one line */
	const char *details;	/* more lines for "help NAME", or NULL */
	bool target;		/* takes the tool's TARGET (DEV, FILE) first */
	const char *target_name;	/* another name for it ("SOCKET"), or NULL */
	int min_args;		/* arguments after the target */
	int max_args;
	unsigned int options;	/* CLI_OPT_* it takes */
	const struct cli_command_options *defaults; /* NULL: pcimem_cli_command_defaults */
	/* Returns the exit code. NULL: the tool's run_region(). */
	int (*run)(const struct cli_run *r);
	const struct region_command *region;	/* commands.h, or NULL */
	const struct cli_tool *sub;	/* NAME TARGET SUBCOMMAND ... */
};

/* A tool's own option (--rw, --bar N, -s SLOT). */
struct cli_tool_option {
	const char *name;	/* long name; NULL ends a list */
	char short_name;	/* or 0 */
	const char *arg;	/* name of its value, or NULL: none */
	const char *help;
	int val;		/* handed to handle(); >= 0x100 unless short */
};

struct cli_tool {
	const char *prefix;	/* "pcimem", "ivshmem-host peer SOCKET" */
	/*
	 * "DEV", "FILE": the name of what commands with ->target take. NULL
	 * in a sub tool: they get the parent's (SOCKET, in the prefix).
	 */
	const char *target;
	const struct cli_command *const *commands;	/* NULL-terminated */
	const struct cli_tool_option *options;		/* or NULL */
	/* One of options[] with its value: false after saying why. */
	bool (*handle)(void *ctx, int val, const char *arg);
	/*
	 * May be NULL. With options that select the target (pcimem -s, -d):
	 * set *target and return 0; with none, leave it NULL and return 0;
	 * else return an exit code after saying why.
	 */
	int (*select)(void *ctx, const char **target);
	/* The region commands' run (commands.h). */
	int (*run_region)(const struct cli_run *r);
	const char *notes;	/* the end of --help: arguments, exit status */
	void *ctx;
};

/*
 * Parse @argv's options (the tool's, the command options, -h/--help,
 * --version), then run "help [COMMAND]", "COMMAND --help" or COMMAND.
 * Returns the exit code; EXIT_IOERR when standard output could not be
 * written, whatever the command returned.
 */
int pcimem_cli_main(const struct cli_tool *t, int argc, char **argv);

/* The usage line of @c in @t, into @buf. */
const char *pcimem_cli_usage(const struct cli_tool *t, const struct cli_command *c,
			     char *buf, size_t len);

/* A string as a JSON string literal, quotes included. */
void pcimem_cli_json_string(FILE *out, const char *s);

#endif /* PCIMEM_CLI_H */
