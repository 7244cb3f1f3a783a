// SPDX-License-Identifier: GPL-2.0
/*
 * dump, read, write, fill, verify, expect and put on a region: argument
 * parsing, range checks, output and exit codes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

#define DUMP_DEFAULT_LENGTH	256
#define SIZE_TEXT		32

/* "offset 0x2000000 beyond BAR2 (16 MiB)" and friends; exit code 2. */
static int range_error(const struct region *r, uint64_t off, uint64_t len)
{
	char size[SIZE_TEXT];

	pcimem_cli_human_size(r->size, size, sizeof(size));
	if (off >= r->size)
		pcimem_cli_error(r->name, "offset 0x%llx beyond %s (%s)",
				 (unsigned long long)off, r->what, size);
	else
		pcimem_cli_error(r->name, "offset 0x%llx length 0x%llx beyond %s (%s)",
				 (unsigned long long)off, (unsigned long long)len,
			  r->what, size);
	return EXIT_USAGE;
}

static int check_range(const struct region *r, uint64_t off, uint64_t len)
{
	if (off >= r->size || !pcimem_region_contains(r, off, len))
		return range_error(r, off, len);
	return EXIT_OK;
}

/* An exit code: whether read/write may do one @width access at @off. */
static int check_value_access(const struct region *r, uint64_t off,
			      unsigned int width)
{
	if (r->access_width > 1 && width != r->access_width) {
		pcimem_cli_error(r->name, "%s holds registers: %u-bit accesses only, not %u-bit",
				 r->what, r->access_width * 8, width * 8);
		return EXIT_USAGE;
	}
	if (off % width) {
		pcimem_cli_error(r->name, "offset 0x%llx not aligned to a %u-bit access",
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
	pcimem_cli_error(r->name, "%s holds registers: offset 0x%llx and length 0x%llx must be multiples of %u bytes",
			 r->what, (unsigned long long)off, (unsigned long long)len, w);
	return EXIT_USAGE;
}

int pcimem_command_refuse_registers(const struct cli_command *c, const char *name,
				    const char *what)
{
	pcimem_cli_error(name, "%s holds registers: %s applies to memory only, not registers",
			 what, c->name);
	return EXIT_USAGE;
}

static int io_error(const struct region *r, int err)
{
	return pcimem_cli_fail(r->name, -err);
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
	if (argc > 0 && !pcimem_cli_parse_size("offset", argv[0], &a->offset))
		return false;
	if (argc > 1 && !pcimem_cli_parse_size("length", argv[1], &a->length))
		return false;
	return true;
}

static int run_dump(const struct region *r, const struct command_args *a)
{
	uint64_t len = a->length;
	int code, err;

	/* Only the default length is cut short at the end of the region. */
	if (!a->has_length && a->offset < r->size && len > r->size - a->offset)
		len = r->size - a->offset;
	code = check_range(r, a->offset, len);
	if (!code)
		code = check_registers(r, a->offset, len);
	if (code)
		return code;
	err = pcimem_region_dump(r, a->offset, len, stdout);
	return err ? io_error(r, err) : EXIT_OK;
}

static bool parse_read(int argc, char **argv, struct command_args *a)
{
	a->width = 4;
	if (!pcimem_cli_parse_size("offset", argv[0], &a->offset))
		return false;
	return argc < 2 || pcimem_cli_parse_width(argv[1], &a->width);
}

static int run_read(const struct region *r, const struct command_args *a)
{
	uint64_t value;
	int code, err;

	code = check_value_access(r, a->offset, a->width);
	if (code)
		return code;
	err = pcimem_region_read_value(r, a->offset, a->width, &value);
	if (err)
		return io_error(r, err);
	printf("0x%0*llx\n", (int)a->width * 2, (unsigned long long)value);
	return EXIT_OK;
}

static bool parse_write(int argc, char **argv, struct command_args *a)
{
	a->width = 4;
	if (!pcimem_cli_parse_size("offset", argv[0], &a->offset) ||
	    !pcimem_cli_parse_u64("value", argv[1], &a->value))
		return false;
	if (argc > 2 && !pcimem_cli_parse_width(argv[2], &a->width))
		return false;
	if (a->width < 8 && a->value >> (a->width * 8)) {
		pcimem_cli_error(NULL, "bad value '%s': does not fit in %u bits",
				 argv[1], a->width * 8);
		return false;
	}
	return true;
}

static int run_write(const struct region *r, const struct command_args *a)
{
	int code, err;

	code = check_value_access(r, a->offset, a->width);
	if (code)
		return code;
	err = pcimem_region_write_value(r, a->offset, a->width, a->value);
	return err ? io_error(r, err) : EXIT_OK;
}

static bool parse_pattern(int argc, char **argv, struct command_args *a)
{
	(void)argc;
	return pcimem_cli_parse_pattern(argv[0], &a->pattern);
}

/* A fill or verify needs bytes to work on. */
static int check_not_empty(const struct cli_command *c, const struct region *r)
{
	if (r->access_width > 1)
		return pcimem_command_refuse_registers(c, r->name, r->what);
	if (r->size)
		return EXIT_OK;
	pcimem_cli_error(r->name, "%s is empty (0 bytes): nothing to %s", r->what,
			 c->name);
	return EXIT_USAGE;
}

/* "fill: 37% (95 MiB of 256 MiB)" on a terminal, redrawn in place. */
struct progress {
	const char *what;
	uint64_t total;
	unsigned int shown;	/* percent shown, or ~0U */
};

static void show_progress(void *ctx, uint64_t done)
{
	struct progress *p = ctx;
	unsigned int pct = (unsigned int)(done * 100 / p->total);
	char d[SIZE_TEXT], t[SIZE_TEXT];

	if (pct == p->shown)
		return;
	p->shown = pct;
	fprintf(stderr, "\r%s: %u%% (%s of %s)", p->what, pct,
		pcimem_cli_human_size(done, d, sizeof(d)),
		pcimem_cli_human_size(p->total, t, sizeof(t)));
}

/* Progress for @r when it is large, on a terminal, and not --quiet. */
static bool start_progress(struct region *r, const struct command_args *a,
			   const char *what, struct progress *p)
{
	if (a->quiet || r->size < COMMAND_PROGRESS_MIN || !isatty(STDERR_FILENO))
		return false;
	*p = (struct progress) { .what = what, .total = r->size, .shown = ~0U };
	r->progress = show_progress;
	r->progress_ctx = p;
	return true;
}

static void end_progress(bool shown)
{
	if (shown)
		fputs("\r\033[K", stderr);	/* erase the line */
}

static int run_fill(const struct region *r, const struct command_args *a)
{
	struct region pr = *r;
	struct progress p;
	bool shown;
	int code, err;

	code = check_not_empty(&pcimem_command_fill, r);
	if (code)
		return code;
	shown = start_progress(&pr, a, "fill", &p);
	err = pcimem_region_fill(&pr, a->pattern.bytes, a->pattern.len);
	end_progress(shown);
	if (err)
		return io_error(r, err);
	printf("fill: %llu bytes with pattern \"%s\"\n",
	       (unsigned long long)r->size, a->pattern.text);
	return EXIT_OK;
}

/* verify --all: one line per range of bad bytes, as cmp -l would. */
static void print_range(void *ctx, uint64_t off, uint64_t len,
			unsigned char expected, unsigned char found)
{
	(void)ctx;
	printf("mismatch: 0x%llx-0x%llx (%llu bytes), first expected ",
	       (unsigned long long)off, (unsigned long long)(off + len - 1),
	       (unsigned long long)len);
	print_byte(stdout, expected);
	fputs(", found ", stdout);
	print_byte(stdout, found);
	fputc('\n', stdout);
}

static int run_verify(const struct region *r, const struct command_args *a)
{
	struct region_mismatch m = { 0 };
	struct region pr = *r;
	struct progress p;
	bool shown;
	int code, err;

	code = check_not_empty(&pcimem_command_verify, r);
	if (code)
		return code;
	if (a->all)
		m.range = print_range;
	shown = start_progress(&pr, a, "verify", &p);
	err = pcimem_region_verify(&pr, a->pattern.bytes, a->pattern.len, &m);
	end_progress(shown);
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
	return pcimem_cli_parse_size("offset", argv[0], &a->offset) &&
	       pcimem_cli_parse_pattern(argv[1], &a->pattern);
}

static int run_expect(const struct region *r, const struct command_args *a)
{
	unsigned char found[PATTERN_MAX];
	size_t len = a->pattern.len;
	int code, err;

	code = check_range(r, a->offset, len);
	if (!code)
		code = check_registers(r, a->offset, len);
	if (code)
		return code;
	err = pcimem_region_read_bytes(r, a->offset, found, len);
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
	int code, err;

	code = check_range(r, a->offset, a->pattern.len);
	if (!code)
		code = check_registers(r, a->offset, a->pattern.len);
	if (code)
		return code;
	err = pcimem_region_write_bytes(r, a->offset, a->pattern.bytes, a->pattern.len);
	if (!err)
		err = pcimem_region_sync(r);
	return err ? io_error(r, err) : EXIT_OK;
}

#define REGION_COMMAND(cmd, w, mem, parse_fn, run_fn)		\
	static const struct region_command cmd = {		\
		.writes = (w), .memory_only = (mem),		\
		.parse = (parse_fn), .run = (run_fn),		\
	}

REGION_COMMAND(dump_region, false, false, parse_dump, run_dump);
REGION_COMMAND(read_region, false, false, parse_read, run_read);
REGION_COMMAND(write_region, true, false, parse_write, run_write);
REGION_COMMAND(fill_region, true, true, parse_pattern, run_fill);
REGION_COMMAND(verify_region, false, true, parse_pattern, run_verify);
REGION_COMMAND(expect_region, false, false, parse_offset_string, run_expect);
REGION_COMMAND(put_region, true, false, parse_offset_string, run_put);

const struct cli_command pcimem_command_dump = {
	.name = "dump", .args = "[OFFSET [LENGTH]]",
	.help = "hexdump -C of LENGTH bytes (default 256) at OFFSET (default 0)",
	.target = true, .min_args = 0, .max_args = 2, .region = &dump_region,
};

const struct cli_command pcimem_command_read = {
	.name = "read", .args = "OFFSET [WIDTH]",
	.help = "print one WIDTH-bit value (8/16/32/64, default 32)",
	.target = true, .min_args = 1, .max_args = 2, .region = &read_region,
};

const struct cli_command pcimem_command_write = {
	.name = "write", .args = "OFFSET VALUE [WIDTH]",
	.help = "store one WIDTH-bit value (8/16/32/64, default 32)",
	.target = true, .min_args = 2, .max_args = 3, .region = &write_region,
};

const struct cli_command pcimem_command_fill = {
	.name = "fill", .args = "PATTERN",
	.help = "repeat PATTERN over the whole region",
	.details = "Progress on a terminal (stderr) above 256 MiB unless --quiet.\n",
	.target = true, .min_args = 1, .max_args = 1,
	.options = CLI_OPT_QUIET, .region = &fill_region,
};

const struct cli_command pcimem_command_verify = {
	.name = "verify", .args = "PATTERN",
	.help = "check the whole region holds PATTERN repeated (exit 1 if not)",
	.details = "Prints the first mismatch and the count of bad bytes; with --all, first\n"
		   "one line per range of bad bytes (\"mismatch: 0xSTART-0xEND (N bytes), first\n"
		   "expected X, found Y\"). Progress on a terminal (stderr) above 256 MiB\n"
		   "unless --quiet.\n",
	.target = true, .min_args = 1, .max_args = 1,
	.options = CLI_OPT_QUIET | CLI_OPT_ALL, .region = &verify_region,
};

const struct cli_command pcimem_command_expect = {
	.name = "expect", .args = "OFFSET STRING",
	.help = "exit 0 if STRING is at OFFSET, else show what is and exit 1",
	.target = true, .min_args = 2, .max_args = 2, .region = &expect_region,
};

const struct cli_command pcimem_command_put = {
	.name = "put", .args = "OFFSET STRING",
	.help = "store STRING at OFFSET and sync it to the file",
	.target = true, .min_args = 2, .max_args = 2, .region = &put_region,
};

bool pcimem_command_parse(const struct cli_run *r, struct command_args *a)
{
	*a = (struct command_args) {
		.width = 4,
		.quiet = r->opt.quiet,
		.all = r->opt.all,
	};
	return r->c->region->parse(r->argc, r->argv, a);
}
