// SPDX-License-Identifier: GPL-2.0
/*
 * ping and pong of pcimem and ivshmem-host peer on a mailbox_side: see
 * mailbox-command.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "mailbox-command.h"

const struct cli_command_options pcimem_mailbox_command_defaults = {
	.count = 1,
	.timeout_ms = MAILBOX_DEFAULT_TIMEOUT_MS,
	.offset = MAILBOX_OFFSET_AUTO,
	.vector = 0,
};

/* Open the side and check the mailbox fits: exit code. */
static int mailbox_start(const struct mailbox_side *side, void *ctx,
			 const struct cli_command_options *opt,
			 struct mailbox *mb)
{
	int code;

	*mb = (struct mailbox) {
		.offset = opt->offset,
		.vector = opt->vector,
		.timeout_ms = opt->timeout_ms,
	};
	code = side->open(ctx, mb);
	if (code)
		return code;
	code = pcimem_mailbox_check(mb);
	if (code) {
		pcimem_cli_error(mb->r->name, "%s", mb->why);
		side->close(ctx);
	}
	return code;
}

int pcimem_mailbox_command_ping(const struct mailbox_side *side, void *ctx,
				const struct cli_command_options *opt,
			 unsigned int peer)
{
	struct pcimem_mailbox_latency lat;
	uint64_t *rtt = NULL;
	struct mailbox mb;
	int code;

	if (opt->latency) {
		rtt = calloc(opt->count, sizeof(*rtt));
		if (!rtt) {
			pcimem_cli_error(NULL, "--latency: no memory for %" PRIu64 " round trips",
					 opt->count);
			return EXIT_USAGE;
		}
	}
	code = mailbox_start(side, ctx, opt, &mb);
	if (!code) {
		code = pcimem_mailbox_ping(&mb, peer, opt->count, rtt);
		if (code)
			pcimem_cli_error(mb.r->name, "%s", mb.why);
		side->close(ctx);
	}
	if (!code) {
		printf("ping: %" PRIu64 " round trips ok\n", opt->count);
		if (rtt) {
			pcimem_mailbox_latency(rtt, opt->count, &lat);
			printf("ping: latency p50 %.1f us, p99 %.1f us, max %.1f us\n",
			       lat.p50, lat.p99, lat.max);
		}
	}
	free(rtt);
	return code;
}

int pcimem_mailbox_command_pong(const struct mailbox_side *side, void *ctx,
				const struct cli_command_options *opt)
{
	struct mailbox mb;
	int code;

	code = mailbox_start(side, ctx, opt, &mb);
	if (code)
		return code;
	code = pcimem_mailbox_pong(&mb, opt->count);
	if (code)
		pcimem_cli_error(mb.r->name, "%s", mb.why);
	else
		printf("pong: %" PRIu64 " messages answered\n", opt->count);
	side->close(ctx);
	return code;
}
