/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Commands that work on any region, shared by pcimem (DEV = a BAR) and
 * ivshmem-host (FILE = the shared memory backing file):
 *
 *   dump   TARGET [OFFSET [LENGTH]]  hexdump -C, default 0 and 256 bytes
 *   read   TARGET OFFSET [WIDTH]     one access, WIDTH 8/16/32/64 bits
 *   write  TARGET OFFSET VALUE [WIDTH]
 *   fill   TARGET PATTERN [--quiet]  repeat PATTERN over the whole region
 *   verify TARGET PATTERN [--quiet] [--all]
 *                                    exit 1 on any mismatch
 *   expect TARGET OFFSET STRING      exit 1 unless STRING is at OFFSET
 *   put    TARGET OFFSET STRING      store STRING at OFFSET and sync
 *
 * PATTERN/STRING: plain text stands for its bytes ("abcd"); "hex:" followed
 * by pairs of hex digits stands for raw bytes ("hex:deadbeef", any case).
 * Fill and verify refuse an empty region.
 */
#ifndef PCIMEM_COMMANDS_H
#define PCIMEM_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "region.h"

struct command_args {
	uint64_t offset;
	uint64_t length;
	bool has_length;
	unsigned int width;	/* bytes */
	uint64_t value;
	struct pattern pattern;
	bool quiet;		/* --quiet: no progress on a terminal */
	bool all;		/* --all: verify lists every mismatch */
};

/*
 * What a region command does, behind its struct cli_command (name,
 * arguments, options, help): the tool opens the region, pcimem_command_parse()
 * and ->run() do the rest.
 */
struct region_command {
	bool writes;		/* needs the target opened read-write */
	bool memory_only;	/* patterns: not for registers */
	bool (*parse)(int argc, char **argv, struct command_args *a);
	int (*run)(const struct region *r, const struct command_args *a);
};

extern const struct cli_command pcimem_command_dump;
extern const struct cli_command pcimem_command_read;
extern const struct cli_command pcimem_command_write;
extern const struct cli_command pcimem_command_fill;
extern const struct cli_command pcimem_command_verify;
extern const struct cli_command pcimem_command_expect;
extern const struct cli_command pcimem_command_put;

/*
 * Parse the arguments and options of the region command @r->c (its
 * argument count is checked already). On error prints why and returns
 * false.
 */
bool pcimem_command_parse(const struct cli_run *r, struct command_args *a);

/* "BAR0 holds registers: fill applies to memory only": exit code 2. */
int pcimem_command_refuse_registers(const struct cli_command *c, const char *name,
				    const char *what);

/* Fill and verify show progress on a terminal from this size on. */
#define COMMAND_PROGRESS_MIN	(256ULL << 20)

#endif /* PCIMEM_COMMANDS_H */
