// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line helpers shared by pcimem and ivshmem-host.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pcimem.h"

#include "cli.h"

_Static_assert(PCIMEM_MAX_PEER_ID == 65535, "CLI_PEER_RANGE says 0-65535");

void pcimem_cli_error(const char *subject, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	if (subject)
		fprintf(stderr, "%s: ", subject);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int pcimem_cli_errno_exit(int errnum)
{
	switch (errnum) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return EXIT_NODEV;
	case EACCES:
	case EPERM:
		return EXIT_DENIED;
	default:
		return EXIT_IOERR;
	}
}

int pcimem_cli_fail(const char *subject, int errnum)
{
	pcimem_cli_error(subject, "%s", strerror(errnum));
	return pcimem_cli_errno_exit(errnum);
}

#ifndef PCIMEM_VERSION
#error "PCIMEM_VERSION is set by userspace/Makefile's VERSION"
#endif

const char pcimem_cli_version[] = PCIMEM_VERSION;

const struct cli_command_options pcimem_cli_command_defaults = {
	.count = 1,
	.timeout_ms = -1,
};

/* ---- option parsing ---- */

enum {
	OPT_HELP = 'h',
	OPT_VERSION = 0x1000,
	OPT_COMMAND = 0x2000,	/* | the CLI_OPT_* bit's index */
};

/* The command options: the one list of their names and help. */
static const struct {
	enum cli_command_option bit;
	const char *name;
	char short_name;
	const char *arg;	/* NULL: takes no value */
	const char *help;
} command_options[] = {
	{ CLI_OPT_COUNT, "count", 0, "N", "how many: interrupts, rings, messages (N >= 1)" },
	{ CLI_OPT_TIMEOUT, "timeout", 0, "MS", "give up after MS milliseconds" },
	{ CLI_OPT_OFFSET, "offset", 0, "OFF", "the mailbox at offset OFF of the shared memory" },
	{ CLI_OPT_VECTOR, "vector", 0, "V", "ring and wait on doorbell vector V" },
	{ CLI_OPT_LATENCY, "latency", 0, NULL, "print p50/p99/max round trip times" },
	{ CLI_OPT_JSON, "json", 0, NULL, "one JSON document on stdout instead of text" },
	{ CLI_OPT_QUIET, "quiet", 'q', NULL, "no progress on a terminal" },
	{ CLI_OPT_ALL, "all", 0, NULL, "list every mismatching range, not only the first" },
	{ CLI_OPT_FORCE, "force", 'f', NULL, "replace what exists" },
};

#define N_COMMAND_OPTIONS	(sizeof(command_options) / sizeof(command_options[0]))
#define MAX_OPTIONS		32

/* What the options said, before the command is known. */
struct parsed {
	unsigned int seen;	/* CLI_OPT_* given */
	struct cli_command_options v;
	bool help;
	bool version;
};

/* "PREFIX " for the tool's lines; "" for a shell's, which have none. */
static const char *lead(const struct cli_tool *t)
{
	return *t->prefix ? t->prefix : "";
}

static const char *lead_space(const struct cli_tool *t)
{
	return *t->prefix ? " " : "";
}

static void see_also(const struct cli_tool *t, const struct cli_command *c)
{
	fprintf(stderr, "Try '%s%s%s%s--help' for more information.\n",
		lead(t), lead_space(t), c ? c->name : "", c ? " " : "");
}

static bool command_option_value(enum cli_command_option bit,
				 const char *value,
				 struct cli_command_options *o)
{
	uint64_t v;

	switch (bit) {
	case CLI_OPT_COUNT:
		if (!pcimem_cli_parse_u64("count", value, &v))
			return false;
		if (!v) {
			pcimem_cli_error(NULL, "bad count '%s': must be at least 1", value);
			return false;
		}
		o->count = v;
		return true;
	case CLI_OPT_TIMEOUT:
		if (!pcimem_cli_parse_max("timeout (ms)", value, CLI_TIMEOUT_MAX_MS, &v))
			return false;
		o->timeout_ms = (int)v;
		return true;
	case CLI_OPT_OFFSET:
		return pcimem_cli_parse_size("offset", value, &o->offset);
	case CLI_OPT_VECTOR:
		if (!pcimem_cli_parse_max("vector", value, PCIMEM_MAX_VECTORS - 1, &v))
			return false;
		o->vector = (unsigned int)v;
		return true;
	case CLI_OPT_LATENCY:
		o->latency = true;
		return true;
	case CLI_OPT_JSON:
		o->json = true;
		return true;
	case CLI_OPT_QUIET:
		o->quiet = true;
		return true;
	case CLI_OPT_ALL:
		o->all = true;
		return true;
	case CLI_OPT_FORCE:
		o->force = true;
		return true;
	}
	return false;
}

/* The tool's options, then the command options: into @opts, @shorts. */
static void build_options(const struct cli_tool *t, struct option *opts,
			  char *shorts, size_t shorts_len)
{
	const struct cli_tool_option *to;
	size_t n = 0, k;
	char *sp = shorts;

	*sp++ = ':';	/* "needs a value" apart from "unknown" */
	*sp++ = 'h';
	opts[n++] = (struct option) { "help", no_argument, NULL, OPT_HELP };
	opts[n++] = (struct option) { "version", no_argument, NULL, OPT_VERSION };
	for (to = t->options; to && to->name && n < MAX_OPTIONS; to++) {
		int val = to->short_name ? to->short_name : to->val;

		opts[n++] = (struct option) {
			to->name, to->arg ? required_argument : no_argument,
			NULL, val,
		};
		if (to->short_name && sp + 3 < shorts + shorts_len) {
			*sp++ = to->short_name;
			if (to->arg)
				*sp++ = ':';
		}
	}
	for (k = 0; k < N_COMMAND_OPTIONS && n < MAX_OPTIONS; k++) {
		opts[n++] = (struct option) {
			command_options[k].name,
			command_options[k].arg ? required_argument : no_argument,
			NULL, OPT_COMMAND | (int)k,
		};
		if (command_options[k].short_name && sp + 2 < shorts + shorts_len)
			*sp++ = command_options[k].short_name;
	}
	opts[n] = (struct option) { 0 };
	*sp = '\0';
}

static const struct cli_tool_option *tool_option(const struct cli_tool *t,
						 int val)
{
	const struct cli_tool_option *to;

	for (to = t->options; to && to->name; to++)
		if ((to->short_name ? to->short_name : to->val) == val)
			return to;
	return NULL;
}

/* All of @argv's options; the arguments end up from optind on, in order. */
static bool parse_options(const struct cli_tool *t, int argc, char **argv,
			  struct parsed *p)
{
	struct option opts[MAX_OPTIONS + 1];
	char shorts[64];
	unsigned int k;
	int opt;

	build_options(t, opts, shorts, sizeof(shorts));
	*p = (struct parsed) { .v = pcimem_cli_command_defaults };
	opterr = 0;	/* our own messages, with our own prefix */
	optind = 0;	/* glibc: start afresh (a shell parses many lines) */
	while ((opt = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		const struct cli_tool_option *to;

		for (k = 0; k < N_COMMAND_OPTIONS && opt < OPT_COMMAND; k++)
			if (command_options[k].short_name &&
			    opt == command_options[k].short_name)
				opt = OPT_COMMAND | (int)k;
		if (opt == OPT_HELP) {
			p->help = true;
		} else if (opt == OPT_VERSION) {
			p->version = true;
		} else if (opt == ':') {
			pcimem_cli_error(NULL, "option '%s' needs a value", argv[optind - 1]);
			see_also(t, NULL);
			return false;
		} else if (opt == '?') {
			if (optopt)
				pcimem_cli_error(NULL, "unknown option '-%c'", optopt);
			else
				pcimem_cli_error(NULL, "unknown option '%s'", argv[optind - 1]);
			see_also(t, NULL);
			return false;
		} else if (opt & OPT_COMMAND) {
			k = (unsigned int)(opt & ~OPT_COMMAND);
			if (!command_option_value(command_options[k].bit, optarg, &p->v))
				return false;
			p->seen |= command_options[k].bit;
		} else if ((to = tool_option(t, opt))) {
			if (!t->handle(t->ctx, to->val, optarg))
				return false;
		}
	}
	return true;
}

/* ---- help ---- */

/* "  ARGS  HELP" with HELP in column 36, or on a line of its own. */
static void help_line(FILE *out, const char *args, const char *help)
{
	if (strlen(args) > 32)
		fprintf(out, "  %s\n  %-32s %s\n", args, "", help);
	else
		fprintf(out, "  %-32s %s\n", args, help);
}

static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static void command_option_syntax(char *buf, size_t len, unsigned int k)
{
	append(buf, len, "--%s%s%s", command_options[k].name,
	       command_options[k].arg ? " " : "",
	       command_options[k].arg ? command_options[k].arg : "");
}

const char *pcimem_cli_usage(const struct cli_tool *t, const struct cli_command *c,
			     char *buf, size_t len)
{
	unsigned int k;

	snprintf(buf, len, "%s%s%s", lead(t), lead_space(t), c->name);
	if (c->target && t->target)
		append(buf, len, " %s", c->target_name ? c->target_name : t->target);
	if (c->args && *c->args)
		append(buf, len, " %s", c->args);
	if (c->sub)
		append(buf, len, " COMMAND [ARGS...]");
	for (k = 0; k < N_COMMAND_OPTIONS; k++) {
		if (!(c->options & command_options[k].bit))
			continue;
		append(buf, len, " [");
		command_option_syntax(buf, len, k);
		append(buf, len, "]");
	}
	return buf;
}

/* One help line per command of @t, and of its sub tools. */
static void list_commands(FILE *out, const struct cli_tool *t)
{
	const struct cli_command *const *c;
	char usage[256];
	const char *prog = program_invocation_short_name;
	size_t n = strlen(prog);

	for (c = t->commands; *c; c++) {
		pcimem_cli_usage(t, *c, usage, sizeof(usage));
		if ((*c)->sub) {
			list_commands(out, (*c)->sub);
			continue;
		}
		/* Without the program's name: the lines follow "usage:". */
		help_line(out, !strncmp(usage, prog, n) && usage[n] == ' ' ?
			  usage + n + 1 : usage, (*c)->help);
	}
}

static void list_tool_options(FILE *out, const struct cli_tool *t)
{
	const struct cli_tool_option *to;
	char syntax[96];

	for (to = t->options; to && to->name; to++) {
		syntax[0] = '\0';
		if (to->short_name)
			append(syntax, sizeof(syntax), "-%c, ", to->short_name);
		append(syntax, sizeof(syntax), "--%s%s%s", to->name,
		       to->arg ? " " : "", to->arg ? to->arg : "");
		help_line(out, syntax, to->help);
	}
}

/* The command options that any of @t's commands (or sub commands) take. */
static unsigned int tool_command_options(const struct cli_tool *t)
{
	const struct cli_command *const *c;
	unsigned int mask = 0;

	for (c = t->commands; *c; c++)
		mask |= (*c)->options | ((*c)->sub ? tool_command_options((*c)->sub) : 0);
	return mask;
}

static void list_command_options(FILE *out, unsigned int mask)
{
	char syntax[64];
	unsigned int k;

	for (k = 0; k < N_COMMAND_OPTIONS; k++) {
		if (!(mask & command_options[k].bit))
			continue;
		syntax[0] = '\0';
		if (command_options[k].short_name)
			append(syntax, sizeof(syntax), "-%c, ",
			       command_options[k].short_name);
		command_option_syntax(syntax, sizeof(syntax), k);
		help_line(out, syntax, command_options[k].help);
	}
}

static void tool_help(FILE *out, const struct cli_tool *t)
{
	fprintf(out, "usage: %s%s[OPTIONS] COMMAND [ARGS...]\n"
		"       %s%shelp [COMMAND]    more about one command\n\n"
		"commands (options may come before or after them):\n",
		lead(t), lead_space(t), lead(t), lead_space(t));
	list_commands(out, t);
	fputs("\noptions:\n", out);
	list_tool_options(out, t);
	help_line(out, "-h, --help", "show this help (after a command: its help)");
	help_line(out, "--version", "print the version and exit");
	fputs("\ncommand options (see help COMMAND for which take which):\n", out);
	list_command_options(out, tool_command_options(t));
	if (t->notes)
		fprintf(out, "\n%s", t->notes);
}

static void command_help(FILE *out, const struct cli_tool *t,
			 const struct cli_command *c)
{
	char usage[256];

	fprintf(out, "usage: %s\n\n%s\n", pcimem_cli_usage(t, c, usage, sizeof(usage)),
		c->help);
	if (c->details)
		fprintf(out, "%s", c->details);
	if (c->options) {
		fputs("\noptions:\n", out);
		list_command_options(out, c->options);
	}
	if (c->sub) {
		fputs("\ncommands:\n", out);
		list_commands(out, c->sub);
	}
}

/* ---- dispatch ---- */

static const struct cli_command *find_command(const struct cli_tool *t,
					      const char *name)
{
	const struct cli_command *const *c;

	for (c = t->commands; *c; c++)
		if (!strcmp((*c)->name, name))
			return *c;
	return NULL;
}

static int usage_error(const struct cli_tool *t, const struct cli_command *c)
{
	char usage[256];

	pcimem_cli_error(NULL, "usage: %s", pcimem_cli_usage(t, c, usage, sizeof(usage)));
	see_also(t, c);
	return EXIT_USAGE;
}

static int dispatch(const struct cli_tool *t, const struct parsed *p,
		    const char *parent, const char *parent_target,
		    void *parent_ctx, int argc, char **argv)
{
	const struct cli_command *c;
	const char *target = parent_target;
	struct cli_run r;
	unsigned int k;
	int code;

	if (argc < 1) {
		if (p->help) {
			tool_help(stdout, t);
			return EXIT_OK;
		}
		pcimem_cli_error(NULL, "usage: %s%sCOMMAND [ARGS...]", lead(t), lead_space(t));
		see_also(t, NULL);
		return EXIT_USAGE;
	}
	c = find_command(t, argv[0]);
	if (!c) {
		pcimem_cli_error(NULL, "unknown %s%scommand '%s'", parent ? parent : "",
				 parent ? " " : "", argv[0]);
		see_also(t, NULL);
		return EXIT_USAGE;
	}
	argc--;
	argv++;
	if (p->help && !c->sub) {
		command_help(stdout, t, c);
		return EXIT_OK;
	}
	for (k = 0; k < N_COMMAND_OPTIONS; k++) {
		if ((p->seen & command_options[k].bit) &&
		    !(c->options & command_options[k].bit) && !c->sub) {
			pcimem_cli_error(NULL, "%s: no option '--%s' for this command",
					 c->name, command_options[k].name);
			see_also(t, c);
			return EXIT_USAGE;
		}
	}

	if (c->target && t->target) {
		target = NULL;
		if (t->select) {
			code = t->select(t->ctx, &target);
			if (code)
				return code;
		}
		if (!target) {
			if (argc < 1)
				return p->help ? (command_help(stdout, t, c), EXIT_OK) :
						 usage_error(t, c);
			target = argv[0];
			argc--;
			argv++;
		}
	}
	if (c->sub)
		return dispatch(c->sub, p, c->name, target, t->ctx, argc, argv);
	if (argc < c->min_args || argc > c->max_args)
		return usage_error(t, c);

	r = (struct cli_run) {
		.tool = t, .c = c, .target = target, .argc = argc, .argv = argv,
		.opt = c->defaults ? *c->defaults : pcimem_cli_command_defaults,
		.ctx = t->ctx ? t->ctx : parent_ctx,
	};
	r.opt.count = p->seen & CLI_OPT_COUNT ? p->v.count : r.opt.count;
	r.opt.timeout_ms = p->seen & CLI_OPT_TIMEOUT ? p->v.timeout_ms : r.opt.timeout_ms;
	r.opt.offset = p->seen & CLI_OPT_OFFSET ? p->v.offset : r.opt.offset;
	r.opt.vector = p->seen & CLI_OPT_VECTOR ? p->v.vector : r.opt.vector;
	r.opt.latency |= p->v.latency;
	r.opt.json |= p->v.json;
	r.opt.quiet |= p->v.quiet;
	r.opt.all |= p->v.all;
	r.opt.force |= p->v.force;
	if (c->run)
		return c->run(&r);
	return t->run_region(&r);
}

/* Whatever the command did, output it could not write is an error. */
static int finish_stdout(int code)
{
	if (fflush(stdout) || ferror(stdout)) {
		int e = errno ? errno : EIO;

		pcimem_cli_error("standard output", "%s", strerror(e));
		return EXIT_IOERR;
	}
	return code;
}

int pcimem_cli_main(const struct cli_tool *t, int argc, char **argv)
{
	struct parsed p;
	int code;

	if (!parse_options(t, argc, argv, &p))
		return EXIT_USAGE;
	argc -= optind;
	argv += optind;
	if (p.version) {
		printf("%s %s\n", program_invocation_short_name, pcimem_cli_version);
		return finish_stdout(EXIT_OK);
	}
	if (argc >= 1 && !strcmp(argv[0], "help")) {
		const struct cli_command *c;

		if (argc == 1) {
			tool_help(stdout, t);
			return finish_stdout(EXIT_OK);
		}
		c = find_command(t, argv[1]);
		if (!c)
			pcimem_cli_error(NULL, "help: unknown command '%s'", argv[1]);
		else if (argc > 2)
			pcimem_cli_error(NULL, "usage: %s%shelp [COMMAND]", lead(t),
					 lead_space(t));
		if (!c || argc > 2) {
			see_also(t, NULL);
			return EXIT_USAGE;
		}
		command_help(stdout, t, c);
		return finish_stdout(EXIT_OK);
	}
	errno = 0;
	code = dispatch(t, &p, NULL, NULL, NULL, argc, argv);
	return finish_stdout(code);
}

/* ---- JSON ---- */

void pcimem_cli_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static bool parse_number(const char *what, const char *s, unsigned int flags,
			 uint64_t *v)
{
	int err = pcimem_number_parse(s, flags, v);

	if (!err)
		return true;
	if (err == -ERANGE)
		pcimem_cli_error(NULL, "bad %s '%s': larger than 64 bits", what, s);
	else if (flags & NUMBER_SUFFIX)
		pcimem_cli_error(NULL, "bad %s '%s': not a number (" NUMBER_GRAMMAR
			  ", may end in " NUMBER_SUFFIXES ")", what, s);
	else
		pcimem_cli_error(NULL, "bad %s '%s': not a number (" NUMBER_GRAMMAR ")",
				 what, s);
	return false;
}

bool pcimem_cli_parse_u64(const char *what, const char *s, uint64_t *v)
{
	return parse_number(what, s, 0, v);
}

bool pcimem_cli_parse_size(const char *what, const char *s, uint64_t *v)
{
	return parse_number(what, s, NUMBER_SUFFIX, v);
}

bool pcimem_cli_parse_max(const char *what, const char *s, uint64_t max,
			  uint64_t *v)
{
	if (!pcimem_cli_parse_u64(what, s, v))
		return false;
	if (*v > max) {
		pcimem_cli_error(NULL, "bad %s '%s': larger than %llu", what, s,
				 (unsigned long long)max);
		return false;
	}
	return true;
}

bool pcimem_cli_parse_peer(const char *s, unsigned int *peer)
{
	uint64_t v;

	if (!pcimem_cli_parse_max("peer", s, PCIMEM_MAX_PEER_ID, &v))
		return false;
	*peer = (unsigned int)v;
	return true;
}

bool pcimem_cli_parse_width(const char *s, unsigned int *bytes)
{
	uint64_t bits;

	if (!pcimem_number_parse(s, 0, &bits) &&
	    (bits == 8 || bits == 16 || bits == 32 || bits == 64)) {
		*bytes = (unsigned int)bits / 8;
		return true;
	}
	pcimem_cli_error(NULL, "bad width '%s': must be 8, 16, 32 or 64 (bits)", s);
	return false;
}

static bool parse_hex_bytes(const char *hex, struct pattern *p)
{
	size_t len = strlen(hex);
	size_t i;

	if (len == 0 || len % 2) {
		pcimem_cli_error(NULL, "bad pattern 'hex:%s': needs an even, non-zero number of hex digits",
				 hex);
		return false;
	}
	if (len / 2 > PATTERN_MAX) {
		pcimem_cli_error(NULL, "bad pattern: longer than %d bytes", PATTERN_MAX);
		return false;
	}
	for (i = 0; i < len; i += 2) {
		char byte[3] = { hex[i], hex[i + 1], '\0' };
		uint64_t v;

		if (pcimem_number_parse(byte, NUMBER_HEX, &v)) {
			pcimem_cli_error(NULL, "bad pattern 'hex:%s': '%s' is not a hex byte",
					 hex, byte);
			return false;
		}
		p->bytes[i / 2] = (unsigned char)v;
	}
	p->len = len / 2;
	return true;
}

bool pcimem_cli_parse_pattern(const char *s, struct pattern *p)
{
	static const char hex_prefix[] = "hex:";
	size_t len;

	p->text = s;
	if (!strncasecmp(s, hex_prefix, sizeof(hex_prefix) - 1))
		return parse_hex_bytes(s + sizeof(hex_prefix) - 1, p);

	len = strlen(s);
	if (len == 0) {
		pcimem_cli_error(NULL, "bad pattern: empty");
		return false;
	}
	if (len > PATTERN_MAX) {
		pcimem_cli_error(NULL, "bad pattern: longer than %d bytes", PATTERN_MAX);
		return false;
	}
	memcpy(p->bytes, s, len);
	p->len = len;
	return true;
}

const char *pcimem_cli_human_size(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	unsigned int u = 0;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && n >> (10 * (u + 1)))
		u++;
	if (u == 0 || !(n & ((1ULL << (10 * u)) - 1)))
		snprintf(buf, len, "%llu %s",
			 (unsigned long long)(n >> (10 * u)), units[u]);
	else
		snprintf(buf, len, "%.1f %s",
			 (double)n / (double)(1ULL << (10 * u)), units[u]);
	return buf;
}

