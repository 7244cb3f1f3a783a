// SPDX-License-Identifier: GPL-2.0
/*
 * dump, read, write, fill, verify, expect and put on a region: argument
 * parsing, range checks, output and exit codes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

#define DUMP_DEFAULT_LENGTH	256
#define SIZE_TEXT		32

/* "offset 0x2000000 beyond BAR2 (16 MiB)" and friends; exit code 2. */
static int range_error(const struct region *r, uint64_t off, uint64_t len)
{
	char size[SIZE_TEXT];

	cli_human_size(r->size, size, sizeof(size));
	if (off >= r->size)
		cli_error(r->name, "offset 0x%llx beyond %s (%s)",
			  (unsigned long long)off, r->what, size);
	else
		cli_error(r->name, "offset 0x%llx length 0x%llx beyond %s (%s)",
			  (unsigned long long)off, (unsigned long long)len,
			  r->what, size);
	return EXIT_USAGE;
}

static int check_range(const struct region *r, uint64_t off, uint64_t len)
{
	if (off >= r->size || !region_contains(r, off, len))
		return range_error(r, off, len);
	return EXIT_OK;
}

static int check_access(const struct region *r, uint64_t off,
			unsigned int width)
{
	if (r->access_width > 1 && width != r->access_width) {
		cli_error(r->name, "%s holds registers: %u-bit accesses only, not %u-bit",
			  r->what, r->access_width * 8, width * 8);
		return EXIT_USAGE;
	}
	if (off % width) {
		cli_error(r->name, "offset 0x%llx not aligned to a %u-bit access",
			  (unsigned long long)off, width * 8);
		return EXIT_USAGE;
	}
	return check_range(r, off, width);
}

/* Registers are reached in whole accesses only. */
static int check_registers(const struct region *r, uint64_t off,
			   uint64_t len)
{
	unsigned int w = r->access_width;

	if (w <= 1 || (!(off % w) && !(len % w)))
		return EXIT_OK;
	cli_error(r->name, "%s holds registers: offset 0x%llx and length 0x%llx must be multiples of %u bytes",
		  r->what, (unsigned long long)off, (unsigned long long)len, w);
	return EXIT_USAGE;
}

int command_refuse_registers(const struct command *c, const char *name,
			     const char *what)
{
	cli_error(name, "%s holds registers: %s applies to memory only, not registers",
		  what, c->name);
	return EXIT_USAGE;
}

static int io_error(const struct region *r, int err)
{
	return cli_fail(r->name, -err);
}

/* Bytes as a C-like string: printable ASCII as is, others as \xNN. */
static void print_escaped(FILE *out, const unsigned char *b, size_t len)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < len; i++) {
		if (b[i] == '"' || b[i] == '\\')
			fprintf(out, "\\%c", b[i]);
		else if (isprint(b[i]))
			fputc(b[i], out);
		else
			fprintf(out, "\\x%02x", b[i]);
	}
	fputc('"', out);
}

/* "0x61 'a'" or "0x00" */
static void print_byte(FILE *out, unsigned char b)
{
	fprintf(out, "0x%02x", b);
	if (isprint(b))
		fprintf(out, " '%c'", b);
}

static bool parse_dump(int argc, char **argv, struct command_args *a)
{
	a->offset = 0;
	a->length = DUMP_DEFAULT_LENGTH;
	a->has_length = argc > 1;
	if (argc > 0 && !cli_parse_u64("offset", argv[0], &a->offset))
		return false;
	if (argc > 1 && !cli_parse_size("length", argv[1], &a->length))
		return false;
	return true;
}

static int run_dump(const struct region *r, const struct command_args *a)
{
	uint64_t len = a->length;
	int err;

	/* Only the default length is cut short at the end of the region. */
	if (!a->has_length && a->offset < r->size && len > r->size - a->offset)
		len = r->size - a->offset;
	err = check_range(r, a->offset, len);
	if (!err)
		err = check_registers(r, a->offset, len);
	if (err)
		return err;
	err = region_dump(r, a->offset, len, stdout);
	return err ? io_error(r, err) : EXIT_OK;
}

static bool parse_read(int argc, char **argv, struct command_args *a)
{
	a->width = 4;
	if (!cli_parse_u64("offset", argv[0], &a->offset))
		return false;
	return argc < 2 || cli_parse_width(argv[1], &a->width);
}

static int run_read(const struct region *r, const struct command_args *a)
{
	uint64_t value;
	int err;

	err = check_access(r, a->offset, a->width);
	if (err)
		return err;
	err = region_read_value(r, a->offset, a->width, &value);
	if (err)
		return io_error(r, err);
	printf("0x%0*llx\n", (int)a->width * 2, (unsigned long long)value);
	return EXIT_OK;
}

static bool parse_write(int argc, char **argv, struct command_args *a)
{
	a->width = 4;
	if (!cli_parse_u64("offset", argv[0], &a->offset) ||
	    !cli_parse_u64("value", argv[1], &a->value))
		return false;
	if (argc > 2 && !cli_parse_width(argv[2], &a->width))
		return false;
	if (a->width < 8 && a->value >> (a->width * 8)) {
		cli_error(NULL, "bad value '%s': does not fit in %u bits",
			  argv[1], a->width * 8);
		return false;
	}
	return true;
}

static int run_write(const struct region *r, const struct command_args *a)
{
	int err;

	err = check_access(r, a->offset, a->width);
	if (err)
		return err;
	err = region_write_value(r, a->offset, a->width, a->value);
	return err ? io_error(r, err) : EXIT_OK;
}

static bool parse_pattern(int argc, char **argv, struct command_args *a)
{
	(void)argc;
	return cli_parse_pattern(argv[0], &a->pattern);
}

static int run_fill(const struct region *r, const struct command_args *a)
{
	int err;

	if (r->access_width > 1)
		return command_refuse_registers(&command_fill, r->name, r->what);
	err = region_fill(r, a->pattern.bytes, a->pattern.len);
	if (err)
		return io_error(r, err);
	printf("fill: %llu bytes with pattern \"%s\"\n",
	       (unsigned long long)r->size, a->pattern.text);
	return EXIT_OK;
}

static int run_verify(const struct region *r, const struct command_args *a)
{
	struct region_mismatch m;
	int err;

	if (r->access_width > 1)
		return command_refuse_registers(&command_verify, r->name,
						r->what);
	err = region_verify(r, a->pattern.bytes, a->pattern.len, &m);
	if (err)
		return io_error(r, err);
	if (!m.count) {
		printf("verify: OK, %llu bytes match pattern \"%s\"\n",
		       (unsigned long long)r->size, a->pattern.text);
		return EXIT_OK;
	}
	printf("verify: first mismatch at 0x%llx (expected ",
	       (unsigned long long)m.offset);
	print_byte(stdout, m.expected);
	fputs(", found ", stdout);
	print_byte(stdout, m.found);
	printf("), %llu bad bytes of %llu\n", (unsigned long long)m.count,
	       (unsigned long long)r->size);
	return EXIT_MISMATCH;
}

static bool parse_offset_string(int argc, char **argv, struct command_args *a)
{
	(void)argc;
	return cli_parse_u64("offset", argv[0], &a->offset) &&
	       cli_parse_pattern(argv[1], &a->pattern);
}

static int run_expect(const struct region *r, const struct command_args *a)
{
	unsigned char found[PATTERN_MAX];
	size_t len = a->pattern.len;
	int err;

	err = check_range(r, a->offset, len);
	if (!err)
		err = check_registers(r, a->offset, len);
	if (err)
		return err;
	err = region_read_bytes(r, a->offset, found, len);
	if (err)
		return io_error(r, err);
	if (!memcmp(found, a->pattern.bytes, len))
		return EXIT_OK;

	fprintf(stderr, "%s: %s: expected ", program_invocation_short_name,
		r->name);
	print_escaped(stderr, a->pattern.bytes, len);
	fprintf(stderr, " at 0x%llx, found ", (unsigned long long)a->offset);
	print_escaped(stderr, found, len);
	fputc('\n', stderr);
	return EXIT_MISMATCH;
}

static int run_put(const struct region *r, const struct command_args *a)
{
	int err;

	err = check_range(r, a->offset, a->pattern.len);
	if (!err)
		err = check_registers(r, a->offset, a->pattern.len);
	if (err)
		return err;
	err = region_write_bytes(r, a->offset, a->pattern.bytes, a->pattern.len);
	if (!err)
		err = region_sync(r);
	return err ? io_error(r, err) : EXIT_OK;
}

const struct command command_dump = {
	.name = "dump", .usage = "[OFFSET [LENGTH]]",
	.help = "hexdump -C of LENGTH bytes (default 256) at OFFSET (default 0)",
	.min_args = 0, .max_args = 2,
	.parse = parse_dump, .run = run_dump,
};

const struct command command_read = {
	.name = "read", .usage = "OFFSET [WIDTH]",
	.help = "print one WIDTH-bit value (8/16/32/64, default 32)",
	.min_args = 1, .max_args = 2,
	.parse = parse_read, .run = run_read,
};

const struct command command_write = {
	.name = "write", .usage = "OFFSET VALUE [WIDTH]",
	.help = "store one WIDTH-bit value (8/16/32/64, default 32)",
	.min_args = 2, .max_args = 3, .writes = true,
	.parse = parse_write, .run = run_write,
};

const struct command command_fill = {
	.name = "fill", .usage = "PATTERN",
	.help = "repeat PATTERN over the whole region",
	.min_args = 1, .max_args = 1, .writes = true, .memory_only = true,
	.parse = parse_pattern, .run = run_fill,
};

const struct command command_verify = {
	.name = "verify", .usage = "PATTERN",
	.help = "check the whole region holds PATTERN repeated (exit 1 if not)",
	.min_args = 1, .max_args = 1, .memory_only = true,
	.parse = parse_pattern, .run = run_verify,
};

const struct command command_expect = {
	.name = "expect", .usage = "OFFSET STRING",
	.help = "exit 0 if STRING is at OFFSET, else show what is and exit 1",
	.min_args = 2, .max_args = 2,
	.parse = parse_offset_string, .run = run_expect,
};

const struct command command_put = {
	.name = "put", .usage = "OFFSET STRING",
	.help = "store STRING at OFFSET and sync it to the file",
	.min_args = 2, .max_args = 2, .writes = true,
	.parse = parse_offset_string, .run = run_put,
};

const struct command *const command_all[] = {
	&command_dump,
	&command_read,
	&command_write,
	&command_fill,
	&command_verify,
	&command_expect,
	&command_put,
	NULL,
};

const struct command *command_find(const struct command *const *list,
				   const char *name)
{
	for (; *list; list++)
		if (!strcmp((*list)->name, name))
			return *list;
	return NULL;
}

bool command_parse(const struct command *c, const char *target,
		   int argc, char **argv, struct command_args *a)
{
	*a = (struct command_args) { .width = 4 };
	if (argc < c->min_args || argc > c->max_args) {
		cli_error(NULL, "usage: %s %s %s %s",
			  program_invocation_short_name, c->name, target,
			  c->usage);
		return false;
	}
	return c->parse(argc, argv, a);
}

void command_print_help(const struct command *const *list,
			const char *target, FILE *out)
{
	char args[64];

	for (; *list; list++) {
		snprintf(args, sizeof(args), "%s %s %s", (*list)->name,
			 target, (*list)->usage);
		cli_help_line(out, args, (*list)->help);
	}
}
