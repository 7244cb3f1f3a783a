/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mailbox: messages bounced between two ivshmem peers through the shared
 * memory and the doorbells. pcimem ping/pong speak it in a guest, and
 * ivshmem-host peer ping/pong on the host, in any combination.
 *
 * Layout at OFFSET into the shared memory (a multiple of 8), all fields
 * little-endian. The default OFFSET fits every region that can hold the
 * mailbox at all (512 bytes and up; ivshmem servers hand out a page or
 * more): 1 MiB where 1 MiB + 512 bytes fit, else the region's last 512
 * bytes (0xffe00 in 1 MiB, 0xe00 in 4 KiB). Both peers see the same size,
 * so both pick the same default.
 *
 *   OFFSET + 0x000  request slot: written by ping, read by pong
 *   OFFSET + 0x100  reply slot:   written by pong, read by ping
 *
 * Each slot is 256 bytes:
 *
 *   0x00  u64 seq       message number 1, 2, ...; 0: empty. Stored last,
 *                       in one 64-bit store, after the rest of the slot
 *   0x08  u32 sender    peer ID of the writer (IVPosition, server ID)
 *   0x0c  u32 length    payload bytes, at most 240
 *   0x10  payload[240]  text without a NUL: "ping I", "pong I"
 *
 * The protocol, for I = 1 .. N:
 *
 *   ping: write request I ("ping I", sender = own ID), ring PEER's
 *         VECTOR, wait for one ring on its own VECTOR; the reply slot
 *         must then hold seq I, sender PEER and "pong I".
 *   pong: wait for one ring on its own VECTOR; the request slot must
 *         then hold seq I and "ping I"; write reply I ("pong I", sender
 *         = own ID) and ring the request's sender on VECTOR.
 *
 * Each side zeroes its own slot when it starts; start pong first. The
 * doorbells are counted, not flagged: a ring that lands before its
 * receiver waits is not lost, and a wait that collects two rings where
 * one message was due means a duplicated message (or a stray ring): an
 * error, like a sequence number other than I, which names a lost
 * (ahead) or repeated (behind) message.
 */
#ifndef PCIMEM_MAILBOX_H
#define PCIMEM_MAILBOX_H

#include <stddef.h>
#include <stdint.h>

#include "region.h"

#define MAILBOX_DEFAULT_OFFSET	(1ULL << 20)	/* where it fits */
/* mb->offset before pcimem_mailbox_check(): the default for the region's size. */
#define MAILBOX_OFFSET_AUTO	UINT64_MAX
#define MAILBOX_SLOT_SIZE	256
#define MAILBOX_REQUEST		0			/* slot offsets */
#define MAILBOX_REPLY		MAILBOX_SLOT_SIZE
#define MAILBOX_SIZE		(2 * MAILBOX_SLOT_SIZE)
#define MAILBOX_ALIGN		8

#define MAILBOX_SEQ		0x00			/* field offsets */
#define MAILBOX_SENDER		0x08
#define MAILBOX_LENGTH		0x0c
#define MAILBOX_PAYLOAD		0x10
#define MAILBOX_PAYLOAD_MAX	(MAILBOX_SLOT_SIZE - MAILBOX_PAYLOAD)

#define MAILBOX_DEFAULT_TIMEOUT_MS	10000

/* How a side rings its partner and waits for its own doorbell. */
struct mailbox_ops {
	/* Ring @vector of @peer: 0 or -errno. */
	int (*ring)(void *ctx, unsigned int peer, unsigned int vector);
	/*
	 * Wait up to @timeout_ms (-1: forever) until own @vector has been
	 * rung since the previous wait (or since @ctx took its baseline);
	 * set *rings to how many times, all now seen. 0, -ETIMEDOUT, or
	 * -errno: -ENODEV device gone, -EPIPE the partner left,
	 * -ECONNRESET the server went away.
	 */
	int (*wait)(void *ctx, unsigned int vector, int timeout_ms,
		    uint64_t *rings);
};

struct mailbox {
	const struct region *r;		/* the shared memory */
	uint64_t offset;		/* of the mailbox in it */
	unsigned int self;		/* own peer ID */
	unsigned int vector;		/* rung and waited on */
	int timeout_ms;			/* per wait; -1: forever */
	const struct mailbox_ops *ops;
	void *ctx;
	char why[256];			/* after a failure: what went wrong */
};

/* Round-trip times in microseconds. */
struct pcimem_mailbox_latency {
	double p50;
	double p99;
	double max;
};

/*
 * The functions below return an exit code of cli.h, explained in
 * mb->why unless it is 0: 1 a protocol mismatch or a timeout, 2 a bad
 * mailbox offset, 3 the device, the partner or the server gone, 5 other.
 */

/*
 * The default offset in a region of @size bytes: MAILBOX_DEFAULT_OFFSET
 * where the mailbox fits there, else the last MAILBOX_SIZE bytes (0 when
 * @size is smaller than the mailbox; pcimem_mailbox_check() refuses that).
 */
uint64_t pcimem_mailbox_default_offset(uint64_t size);

/*
 * Whether the mailbox fits, aligned, in memory (not registers); first
 * replaces MAILBOX_OFFSET_AUTO in mb->offset with the default.
 */
int pcimem_mailbox_check(struct mailbox *mb);

/*
 * @count round trips with @peer. @rtt_ns, if not NULL, gets the time of
 * each round trip (CLOCK_MONOTONIC), @count entries.
 */
int pcimem_mailbox_ping(struct mailbox *mb, unsigned int peer, uint64_t count,
			uint64_t *rtt_ns);

/* Answer @count requests. */
int pcimem_mailbox_pong(struct mailbox *mb, uint64_t count);

/* p50, p99 (nearest rank) and max of @n > 0 times; sorts @rtt_ns. */
void pcimem_mailbox_latency(uint64_t *rtt_ns, uint64_t n,
			    struct pcimem_mailbox_latency *lat);

#endif /* PCIMEM_MAILBOX_H */
