// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line helpers shared by pcimem and ivshmem-host.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *subject, const char *fmt, ...)
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

int cli_errno_exit(int err)
{
	switch (err) {
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

int cli_fail(const char *subject, int err)
{
	cli_error(subject, "%s", strerror(err));
	return cli_errno_exit(err);
}

#ifndef PCIMEM_VERSION
#error "PCIMEM_VERSION is set by the Makefile, userspace/Makefile's VERSION"
#endif

const char cli_version[] = PCIMEM_VERSION;

void cli_print_version(void)
{
	printf("%s %s\n", program_invocation_short_name, cli_version);
}

#define MAX_OPTIONS	16

bool cli_options(int argc, char **argv, void (*usage)(FILE *out),
		 const struct cli_extra_options *extra, bool *rw,
		 int *exit_code)
{
	static const struct option common[] = {
		{ "rw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
	};
	struct option options[MAX_OPTIONS + 1] = { { 0 } };
	size_t n = 0;
	int opt;

	for (; n < sizeof(common) / sizeof(common[0]); n++)
		options[n] = common[n];
	for (opt = 0; extra && extra->options[opt].name && n < MAX_OPTIONS; opt++)
		options[n++] = extra->options[opt];

	*rw = false;
	opterr = 0;	/* our own messages, with our own prefix */
	while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			*rw = true;
			break;
		case 'h':
			usage(stdout);
			*exit_code = EXIT_OK;
			return false;
		case 'V':
			cli_print_version();
			*exit_code = EXIT_OK;
			return false;
		case ':':
			cli_error(NULL, "option '%s' needs a value (see %s --help)",
				  argv[optind - 1], program_invocation_short_name);
			*exit_code = EXIT_USAGE;
			return false;
		case '?':
			cli_error(NULL, "unknown option '%s' (see %s --help)",
				  argv[optind - 1], program_invocation_short_name);
			*exit_code = EXIT_USAGE;
			return false;
		default:
			if (!extra || !extra->handle(opt, optarg, extra->ctx)) {
				*exit_code = EXIT_USAGE;
				return false;
			}
			break;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		*exit_code = EXIT_USAGE;
		return false;
	}
	return true;
}

static const struct {
	enum cli_command_option bit;
	const char *name;
	bool has_value;
} command_options[] = {
	{ CLI_OPT_COUNT, "count", true },
	{ CLI_OPT_TIMEOUT, "timeout", true },
	{ CLI_OPT_OFFSET, "offset", true },
	{ CLI_OPT_VECTOR, "vector", true },
	{ CLI_OPT_LATENCY, "latency", false },
};

static bool command_option_value(enum cli_command_option bit,
				 const char *value,
				 struct cli_command_options *o)
{
	uint64_t v;

	switch (bit) {
	case CLI_OPT_COUNT:
		if (!cli_parse_u64("count", value, &v))
			return false;
		if (!v) {
			cli_error(NULL, "bad count '%s': must be at least 1", value);
			return false;
		}
		o->count = v;
		return true;
	case CLI_OPT_TIMEOUT:
		if (!cli_parse_max("timeout (ms)", value, CLI_TIMEOUT_MAX_MS, &v))
			return false;
		o->timeout_ms = (int)v;
		return true;
	case CLI_OPT_OFFSET:
		return cli_parse_size("offset", value, &o->offset);
	case CLI_OPT_VECTOR:
		if (!cli_parse_max("vector", value, 63, &v))
			return false;
		o->vector = (unsigned int)v;
		return true;
	case CLI_OPT_LATENCY:
		o->latency = true;
		return true;
	}
	return false;
}

int cli_command_options(const char *command, int argc, char **argv,
			unsigned int allowed, struct cli_command_options *o)
{
	bool options_done = false;
	int i, npos = 0;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i], *name, *value, *eq;
		size_t k, len;

		if (options_done || strncmp(arg, "--", 2)) {
			argv[npos++] = argv[i];
			continue;
		}
		if (!arg[2]) {
			options_done = true;
			continue;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		for (k = 0; k < sizeof(command_options) / sizeof(command_options[0]); k++)
			if ((allowed & command_options[k].bit) &&
			    strlen(command_options[k].name) == len &&
			    !strncmp(command_options[k].name, name, len))
				break;
		if (k == sizeof(command_options) / sizeof(command_options[0])) {
			cli_error(NULL, "%s: unknown option '%s' (see %s --help)",
				  command, arg, program_invocation_short_name);
			return -1;
		}
		if (!command_options[k].has_value) {
			if (eq) {
				cli_error(NULL, "%s: option '--%s' takes no value",
					  command, command_options[k].name);
				return -1;
			}
			value = NULL;
		} else if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			cli_error(NULL, "%s: option '%s' needs a value", command, arg);
			return -1;
		}
		if (!command_option_value(command_options[k].bit, value, o))
			return -1;
	}
	return npos;
}

bool cli_strtou64(const char *s, int base, uint64_t *v)
{
	unsigned long long n;
	char *end;

	/* strtoull would skip blanks and accept a sign: refuse both. */
	if (!(base == 16 ? isxdigit : isdigit)((unsigned char)s[0])) {
		errno = EINVAL;
		return false;
	}
	errno = 0;
	n = strtoull(s, &end, base);
	if (errno)
		return false;
	if (*end) {
		errno = EINVAL;
		return false;
	}
	*v = n;
	return true;
}

bool cli_parse_u64(const char *what, const char *s, uint64_t *v)
{
	if (cli_strtou64(s, 0, v))
		return true;
	if (errno == ERANGE)
		cli_error(NULL, "bad %s '%s': larger than 64 bits", what, s);
	else
		cli_error(NULL, "bad %s '%s': not a non-negative number (decimal, 0x hex, 0 octal)",
			  what, s);
	return false;
}

bool cli_parse_max(const char *what, const char *s, uint64_t max,
		   uint64_t *v)
{
	if (!cli_parse_u64(what, s, v))
		return false;
	if (*v > max) {
		cli_error(NULL, "bad %s '%s': larger than %llu", what, s,
			  (unsigned long long)max);
		return false;
	}
	return true;
}

bool cli_parse_size(const char *what, const char *s, uint64_t *v)
{
	static const char suffixes[] = "KMG";
	size_t len = strlen(s);
	const char *unit;
	char digits[64];
	uint64_t n;
	unsigned int shift;

	unit = len ? strchr(suffixes, toupper((unsigned char)s[len - 1])) : NULL;
	if (!unit)
		return cli_parse_u64(what, s, v);

	if (len >= sizeof(digits)) {
		cli_error(NULL, "bad %s '%s': too long", what, s);
		return false;
	}
	memcpy(digits, s, len - 1);
	digits[len - 1] = '\0';
	if (!cli_parse_u64(what, digits, &n))
		return false;

	shift = 10 * (unsigned int)(unit - suffixes + 1);
	if (n > (UINT64_MAX >> shift)) {
		cli_error(NULL, "bad %s '%s': larger than 64 bits", what, s);
		return false;
	}
	*v = n << shift;
	return true;
}

bool cli_parse_width(const char *s, unsigned int *bytes)
{
	uint64_t bits;

	if (cli_strtou64(s, 10, &bits) &&
	    (bits == 8 || bits == 16 || bits == 32 || bits == 64)) {
		*bytes = (unsigned int)bits / 8;
		return true;
	}
	cli_error(NULL, "bad width '%s': must be 8, 16, 32 or 64 (bits)", s);
	return false;
}

static bool parse_hex_bytes(const char *hex, struct pattern *p)
{
	size_t len = strlen(hex);
	size_t i;

	if (len == 0 || len % 2) {
		cli_error(NULL, "bad pattern 'hex:%s': needs an even, non-zero number of hex digits",
			  hex);
		return false;
	}
	if (len / 2 > PATTERN_MAX) {
		cli_error(NULL, "bad pattern: longer than %d bytes", PATTERN_MAX);
		return false;
	}
	for (i = 0; i < len; i += 2) {
		char byte[3] = { hex[i], hex[i + 1], '\0' };
		uint64_t v;

		if (!cli_strtou64(byte, 16, &v)) {
			cli_error(NULL, "bad pattern 'hex:%s': '%s' is not a hex byte",
				  hex, byte);
			return false;
		}
		p->bytes[i / 2] = (unsigned char)v;
	}
	p->len = len / 2;
	return true;
}

bool cli_parse_pattern(const char *s, struct pattern *p)
{
	static const char hex_prefix[] = "hex:";
	size_t len;

	p->text = s;
	if (!strncmp(s, hex_prefix, sizeof(hex_prefix) - 1))
		return parse_hex_bytes(s + sizeof(hex_prefix) - 1, p);

	len = strlen(s);
	if (len == 0) {
		cli_error(NULL, "bad pattern: empty");
		return false;
	}
	if (len > PATTERN_MAX) {
		cli_error(NULL, "bad pattern: longer than %d bytes", PATTERN_MAX);
		return false;
	}
	memcpy(p->bytes, s, len);
	p->len = len;
	return true;
}

const char *cli_human_size(uint64_t n, char *buf, size_t len)
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

void cli_help_line(FILE *out, const char *args, const char *help)
{
	if (strlen(args) > 32)
		fprintf(out, "  %s\n  %-32s %s\n", args, "", help);
	else
		fprintf(out, "  %-32s %s\n", args, help);
}
