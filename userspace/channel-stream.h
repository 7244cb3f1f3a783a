/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Byte streams over a channel (channel.h): what `pcimem send/recv` and
 * `ivshmem-host ... send/recv` run, on any shared memory mapping, with
 * doorbells when the transport has them (the server's eventfds on the
 * host, /dev/pcimemN's events in a guest) and polling with a bounded
 * back-off when it has none (ivshmem-plain, a backing file).
 *
 * Peers: each side claims a slot of the channel's peer table and keeps
 * its heartbeat going (a thread bumps it every CHANNEL_STREAM_BEAT_MS).
 * With doorbells a peer's ID is its ivshmem peer ID; without, it is its
 * slot number: recv takes the lowest free slot, and send PEER takes the
 * lowest free one but PEER, so `recv FILE` then `send FILE 0` pair up.
 *
 * The stream: messages of a frame (struct channel_frame) and data, the
 * first marked BEGIN, the last END (no data). The stream's number is the
 * sender's slot generation, so a receiver takes only a stream that
 * began after that sender attached, never leftovers of an earlier one.
 * The sender exits 0 once the receiver has taken the END; a receiver
 * that goes away (its slot left or re-attached, its heartbeat stopped
 * for CHANNEL_STREAM_DEAD_MS, or it left the server) makes it fail;
 * a sender that goes away before its END makes the receiver fail.
 */
#ifndef PCIMEM_CHANNEL_STREAM_H
#define PCIMEM_CHANNEL_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

#define CHANNEL_STREAM_PEERS	4	/* peer table slots of a new layout */
#define CHANNEL_STREAM_RING_MAX	(1U << 20)	/* ring bytes of a new layout */
#define CHANNEL_STREAM_BEAT_MS	100
#define CHANNEL_STREAM_DEAD_MS	3000	/* no heartbeat this long: gone */
#define CHANNEL_STREAM_CHUNK	(64U << 10)	/* data bytes per message */

/* The options of the send and recv commands, and their help. */
#define CHANNEL_STREAM_OPTIONS	(CLI_OPT_OFFSET | CLI_OPT_TIMEOUT | CLI_OPT_FORCE | \
				 CLI_OPT_JSON | CLI_OPT_VECTOR)
#define CHANNEL_STREAM_DETAILS \
	"A channel at --offset OFF (default 0) of the shared memory, formatted by\n" \
	"the first side to come if its bytes are all zero (--force: whatever is\n" \
	"there). Doorbells on --vector V (default 0) where there are doorbells;\n" \
	"without them, PEER is a slot: recv takes the lowest free one, send the\n" \
	"lowest but PEER's. send exits 0 once recv has taken the whole stream;\n" \
	"either exits 3 when the other goes away mid-stream (recv: truncated).\n" \
	"--json: a summary on standard error (bytes, messages, doorbells rung).\n"
#define CHANNEL_STREAM_SEND_DETAILS CHANNEL_STREAM_DETAILS \
	"send waits --timeout MS (default 10000) for recv on PEER.\n"
#define CHANNEL_STREAM_RECV_DETAILS CHANNEL_STREAM_DETAILS \
	"recv waits --timeout MS (default forever) for a stream to begin.\n"

/* send's defaults in every tool: --timeout 10000 (recv's: the table's). */
extern const struct cli_command_options pcimem_channel_stream_send_defaults;

enum channel_frame_type {
	CHANNEL_FRAME_BEGIN	= 1 << 0,
	CHANNEL_FRAME_END	= 1 << 1,
};

/* At the start of each message of a stream. */
struct channel_frame {
	uint32_t type;		/* enum channel_frame_type bits */
	uint32_t stream;	/* the sender's slot generation (low 32 bits) */
};

/* Doorbells of a transport; NULL for none (polling). */
struct channel_link_ops {
	/* Ring @peer_id's doorbell: 0 or -errno (a gone peer is no error). */
	int (*ring)(void *ctx, uint32_t peer_id);
	/* Sleep until our doorbell rings or @timeout_ms passes: 0 or -errno. */
	int (*wait)(void *ctx, int timeout_ms);
	/*
	 * Whether @peer_id is still connected: 1, 0, or -errno. NULL where
	 * the transport cannot know (a guest): heartbeats alone tell.
	 */
	int (*present)(void *ctx, uint32_t peer_id);
	/* Message and exit code for an error of the transport's. */
	int (*error)(void *ctx, int err);
};

struct channel_link {
	const char *name;		/* DEV, FILE or SOCKET, for messages */
	volatile unsigned char *mem;	/* the shared memory, mapped */
	uint64_t size;
	uint64_t offset;		/* of the layout (--offset) */
	bool force;			/* format a region holding other data */
	int self_id;			/* own ivshmem peer ID; -1: the slot */
	const struct channel_link_ops *ops;	/* NULL: poll */
	void *ctx;
	int timeout_ms;		/* for the other side to come; -1: forever */
	bool json;		/* a summary on standard error */
};

/*
 * Stream @in_fd to @peer until end of file; recv from @peer (any peer if
 * @any) to @out_fd until the END. Both return the exit code (cli.h)
 * after saying why on standard error: 0; 1 timeout waiting for the
 * other side; 2 bad arguments, region too small, not a channel (without
 * --force); 3 the other side went away mid-stream (for recv: the stream
 * is truncated), or never came; 5 I/O errors.
 */
int pcimem_channel_stream_send(const struct channel_link *l, uint32_t peer,
			       int in_fd);
int pcimem_channel_stream_recv(const struct channel_link *l, bool any,
			       uint32_t peer, int out_fd);

/*
 * The send or recv command of a tool on @l, whose transport fields (name,
 * memory, self_id, ops) the tool has set: the rest from the command's
 * options @opt, then standard input to @peer, or to standard output from
 * @peer (any peer if @any). The exit code, as the two above.
 */
int pcimem_channel_stream_command(struct channel_link *l,
				  const struct cli_command_options *opt,
				  bool send, bool any, uint32_t peer);

#endif /* PCIMEM_CHANNEL_STREAM_H */
