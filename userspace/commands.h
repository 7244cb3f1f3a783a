/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Commands that work on any region, shared by pcimem (DEV = a BAR) and
 * ivshmem-host (FILE = the shared memory backing file):
 *
 *   dump   TARGET [OFFSET [LENGTH]]  hexdump -C, default 0 and 256 bytes
 *   read   TARGET OFFSET [WIDTH]     one access, WIDTH 8/16/32/64 bits
 *   write  TARGET OFFSET VALUE [WIDTH]
 *   fill   TARGET PATTERN            repeat PATTERN over the whole region
 *   verify TARGET PATTERN            exit 1 on any mismatch
 *   expect TARGET OFFSET STRING      exit 1 unless STRING is at OFFSET
 *   put    TARGET OFFSET STRING      store STRING at OFFSET and sync
 *
 * PATTERN/STRING: plain text stands for its bytes ("abcd"); "hex:" followed
 * by pairs of hex digits stands for raw bytes ("hex:deadbeef").
 */
#ifndef COMMANDS_H
#define COMMANDS_H

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
};

struct command {
	const char *name;
	const char *usage;	/* arguments after the target */
	const char *help;
	int min_args;		/* arguments after the target */
	int max_args;
	bool writes;		/* needs the target opened read-write */
	bool memory_only;	/* patterns: not for registers */
	bool (*parse)(int argc, char **argv, struct command_args *a);
	int (*run)(const struct region *r, const struct command_args *a);
};

extern const struct command command_dump;
extern const struct command command_read;
extern const struct command command_write;
extern const struct command command_fill;
extern const struct command command_verify;
extern const struct command command_expect;
extern const struct command command_put;

/*
 * Every command above, NULL-terminated: what ivshmem-host runs on FILE
 * and on an ivshmem server's shared memory.
 */
extern const struct command *const command_all[];

/* NULL-terminated @list: the one called @name, or NULL. */
const struct command *command_find(const struct command *const *list,
				   const char *name);

/*
 * Check the argument count and parse the arguments that follow the
 * target (@argv[0] is the first of them). On error prints why, with
 * "usage: PROG NAME TARGET USAGE", and returns false.
 */
bool command_parse(const struct command *c, const char *target,
		   int argc, char **argv, struct command_args *a);

/* "BAR0 holds registers: fill applies to memory only": exit code 2. */
int command_refuse_registers(const struct command *c, const char *name,
			     const char *what);

/* One "  name TARGET usage  help" line per command. */
void command_print_help(const struct command *const *list,
			const char *target, FILE *out);

#endif /* COMMANDS_H */
