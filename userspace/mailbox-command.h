/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ping and pong as commands, the same in pcimem (a guest's device) and in
 * ivshmem-host peer (the host on an ivshmem server): their options, the
 * mailbox set up from them, the round trips and what they print.
 *
 * Each tool supplies a mailbox_side: how to reach the shared memory and
 * the doorbells, and how to let go of them again.
 */
#ifndef PCIMEM_MAILBOX_COMMAND_H
#define PCIMEM_MAILBOX_COMMAND_H

#include "cli.h"
#include "mailbox.h"

/* The options of pong; ping takes CLI_OPT_LATENCY too. */
#define MAILBOX_COMMAND_OPTIONS	(CLI_OPT_COUNT | CLI_OPT_TIMEOUT | \
				 CLI_OPT_OFFSET | CLI_OPT_VECTOR)

/*
 * --count 1, --timeout 10000, --vector 0, and the default offset for the
 * region's size (pcimem_mailbox_default_offset(): 1 MiB where the mailbox fits)
 */
extern const struct cli_command_options pcimem_mailbox_command_defaults;

/* How a tool reaches the shared memory and doorbells, for its @ctx. */
struct mailbox_side {
	/*
	 * Set mb->r, ->self, ->ops and ->ctx (->offset, ->vector and
	 * ->timeout_ms are set already), the region named after the device
	 * or socket. Returns an exit code, having said why unless it is 0.
	 */
	int (*open)(void *ctx, struct mailbox *mb);
	/* Let go of what open() took. */
	void (*close)(void *ctx);
};

/*
 * ping PEER with @opt: "ping: N round trips ok" (and with --latency the
 * round trip times), or a message on stderr. Returns the exit code.
 */
int pcimem_mailbox_command_ping(const struct mailbox_side *side, void *ctx,
				const struct cli_command_options *opt,
			 unsigned int peer);

/* pong with @opt: "pong: N messages answered". Returns the exit code. */
int pcimem_mailbox_command_pong(const struct mailbox_side *side, void *ctx,
				const struct cli_command_options *opt);

#endif /* PCIMEM_MAILBOX_COMMAND_H */
