// SPDX-License-Identifier: GPL-2.0
/*
 * The mailbox protocol of mailbox.h on a region: message layout, the
 * ping and pong loops and their checks. Ringing and waiting are the
 * caller's (the driver's ioctls in a guest, eventfds on the host).
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "deadline.h"
#include "mailbox.h"
#include "pcimem.h"

#define TEXT_LEN	32	/* "ping 18446744073709551615" */

struct message {
	uint64_t seq;
	uint32_t sender;
	uint32_t length;
	char payload[MAILBOX_PAYLOAD_MAX];
};

static int __attribute__((format(printf, 3, 4)))
fail(struct mailbox *mb, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(mb->why, sizeof(mb->why), fmt, ap);
	va_end(ap);
	return code;
}

static int memory_error(struct mailbox *mb, int err, const char *doing)
{
	return fail(mb, pcimem_cli_errno_exit(-err), "%s the mailbox in %s: %s",
		    doing, mb->r->what, strerror(-err));
}

/* A failed ring or wait: what it means and its exit code. */
static int op_error(struct mailbox *mb, int err, const char *what)
{
	switch (err) {
	case -ENODEV:
		return fail(mb, EXIT_NODEV, "%s: the device is gone", what);
	case -EPIPE:
		return fail(mb, EXIT_NODEV, "%s: the peer left", what);
	case -ECONNRESET:
		return fail(mb, EXIT_NODEV, "%s: the server closed the connection",
			    what);
	case -ENOENT:
		return fail(mb, EXIT_NODEV, "%s: no such peer", what);
	case -EINVAL:
		return fail(mb, EXIT_USAGE, "%s: no such vector", what);
	case -EOPNOTSUPP:
		return fail(mb, EXIT_USAGE, "%s: the device has no doorbell", what);
	default:
		return fail(mb, pcimem_cli_errno_exit(-err), "%s: %s", what,
			    strerror(-err));
	}
}

static void memory_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static int clear_slot(struct mailbox *mb, uint64_t slot)
{
	static const unsigned char zero[MAILBOX_SLOT_SIZE];
	int err;

	err = pcimem_region_write_bytes(mb->r, mb->offset + slot, zero, sizeof(zero));
	memory_barrier();
	return err ? memory_error(mb, err, "clearing") : EXIT_OK;
}

/* Sender, length and payload first; the sequence number last. */
static int write_message(struct mailbox *mb, uint64_t slot, uint64_t seq,
			 const char *text)
{
	/* The slot from its sender field on: buf[field - MAILBOX_SENDER]. */
	unsigned char buf[MAILBOX_SLOT_SIZE - MAILBOX_SENDER];
	uint64_t base = mb->offset + slot;
	size_t len = strlen(text);
	uint32_t v;
	int err;

	v = htole32(mb->self);
	memcpy(buf, &v, sizeof(v));
	v = htole32((uint32_t)len);
	memcpy(buf + MAILBOX_LENGTH - MAILBOX_SENDER, &v, sizeof(v));
	memcpy(buf + MAILBOX_PAYLOAD - MAILBOX_SENDER, text, len);

	err = pcimem_region_write_bytes(mb->r, base + MAILBOX_SENDER, buf,
					MAILBOX_PAYLOAD - MAILBOX_SENDER + len);
	memory_barrier();
	if (!err)
		err = pcimem_region_write_value(mb->r, base + MAILBOX_SEQ, 8,
						htole64(seq));
	memory_barrier();
	return err ? memory_error(mb, err, "writing") : EXIT_OK;
}

static int read_message(struct mailbox *mb, uint64_t slot, struct message *m)
{
	uint64_t base = mb->offset + slot, seq;
	uint32_t hdr[2];
	int err;

	memset(m, 0, sizeof(*m));
	err = pcimem_region_read_value(mb->r, base + MAILBOX_SEQ, 8, &seq);
	memory_barrier();
	if (!err)
		err = pcimem_region_read_bytes(mb->r, base + MAILBOX_SENDER, hdr,
					       sizeof(hdr));
	if (err)
		return memory_error(mb, err, "reading");
	m->seq = le64toh(seq);
	m->sender = le32toh(hdr[0]);
	m->length = le32toh(hdr[1]);
	err = pcimem_region_read_bytes(mb->r, base + MAILBOX_PAYLOAD, m->payload,
				       m->length < MAILBOX_PAYLOAD_MAX ?
				m->length : MAILBOX_PAYLOAD_MAX);
	return err ? memory_error(mb, err, "reading") : EXIT_OK;
}

/* Is @m message @seq from @sender (-1: anyone) saying @text? */
static int check_message(struct mailbox *mb, const char *kind,
			 const struct message *m, uint64_t seq, long sender,
			 const char *text)
{
	size_t len = strlen(text);

	if (m->seq > seq)
		return fail(mb, EXIT_MISMATCH,
			    "%s %" PRIu64 ": slot holds sequence %" PRIu64 ", ahead of %" PRIu64 ": a message was lost",
			    kind, seq, m->seq, seq);
	if (m->seq < seq)
		return fail(mb, EXIT_MISMATCH,
			    "%s %" PRIu64 ": slot still holds sequence %" PRIu64 " after the ring: a duplicate (or a ring without a message)",
			    kind, seq, m->seq);
	if (sender >= 0 && m->sender != (unsigned long)sender)
		return fail(mb, EXIT_MISMATCH,
			    "%s %" PRIu64 ": from peer %" PRIu32 ", expected peer %ld",
			    kind, seq, m->sender, sender);
	if (m->sender > PCIMEM_MAX_PEER_ID)
		return fail(mb, EXIT_MISMATCH,
			    "%s %" PRIu64 ": sender %" PRIu32 " is no peer ID (0-%u)",
			    kind, seq, m->sender, PCIMEM_MAX_PEER_ID);
	if (m->length > MAILBOX_PAYLOAD_MAX)
		return fail(mb, EXIT_MISMATCH,
			    "%s %" PRIu64 ": length %" PRIu32 " exceeds %d bytes",
			    kind, seq, m->length, MAILBOX_PAYLOAD_MAX);
	if (m->length != len || memcmp(m->payload, text, len))
		return fail(mb, EXIT_MISMATCH,
			    "%s %" PRIu64 ": payload \"%.*s\", expected \"%s\"",
			    kind, seq, (int)m->length, m->payload, text);
	return EXIT_OK;
}

/* Wait for the one ring that announces message @seq. */
static int wait_one(struct mailbox *mb, const char *kind, uint64_t seq)
{
	char what[64];
	uint64_t rings = 0;
	int err;

	err = mb->ops->wait(mb->ctx, mb->vector, mb->timeout_ms, &rings);
	if (err == -ETIMEDOUT)
		return fail(mb, EXIT_MISMATCH,
			    "%s %" PRIu64 ": no ring on vector %u within %d ms",
			    kind, seq, mb->vector, mb->timeout_ms);
	if (err) {
		snprintf(what, sizeof(what), "%s %" PRIu64 ": waiting on vector %u",
			 kind, seq, mb->vector);
		return op_error(mb, err, what);
	}
	if (rings > 1)
		return fail(mb, EXIT_MISMATCH,
			    "%s %" PRIu64 ": %" PRIu64 " rings for one message: a duplicate (or a stray ring)",
			    kind, seq, rings);
	return EXIT_OK;
}

static int ring(struct mailbox *mb, const char *kind, uint64_t seq,
		unsigned int peer)
{
	char what[80];
	int err;

	err = mb->ops->ring(mb->ctx, peer, mb->vector);
	if (!err)
		return EXIT_OK;
	snprintf(what, sizeof(what), "%s %" PRIu64 ": ringing peer %u vector %u",
		 kind, seq, peer, mb->vector);
	return op_error(mb, err, what);
}

uint64_t pcimem_mailbox_default_offset(uint64_t size)
{
	if (size >= MAILBOX_DEFAULT_OFFSET + MAILBOX_SIZE)
		return MAILBOX_DEFAULT_OFFSET;
	if (size < MAILBOX_SIZE)
		return 0;
	return (size - MAILBOX_SIZE) & ~(uint64_t)(MAILBOX_ALIGN - 1);
}

int pcimem_mailbox_check(struct mailbox *mb)
{
	char size[32];

	mb->why[0] = '\0';
	if (mb->r->access_width > 1)
		return fail(mb, EXIT_USAGE,
			    "%s holds registers: the mailbox needs memory",
			    mb->r->what);
	if (mb->r->size < MAILBOX_SIZE)
		return fail(mb, EXIT_USAGE,
			    "the mailbox (%d bytes) does not fit in %s (%s)",
			    MAILBOX_SIZE, mb->r->what,
			    pcimem_cli_human_size(mb->r->size, size, sizeof(size)));
	if (mb->offset == MAILBOX_OFFSET_AUTO)
		mb->offset = pcimem_mailbox_default_offset(mb->r->size);
	if (mb->offset % MAILBOX_ALIGN)
		return fail(mb, EXIT_USAGE,
			    "mailbox offset 0x%" PRIx64 " is not a multiple of %d",
			    mb->offset, MAILBOX_ALIGN);
	if (!pcimem_region_contains(mb->r, mb->offset, MAILBOX_SIZE))
		return fail(mb, EXIT_USAGE,
			    "mailbox at 0x%" PRIx64 " (%d bytes) beyond %s (%s)",
			    mb->offset, MAILBOX_SIZE, mb->r->what,
			    pcimem_cli_human_size(mb->r->size, size, sizeof(size)));
	return EXIT_OK;
}

int pcimem_mailbox_ping(struct mailbox *mb, unsigned int peer, uint64_t count,
			uint64_t *rtt_ns)
{
	char text[TEXT_LEN];
	struct message m;
	uint64_t i, t0;
	int code;

	code = pcimem_mailbox_check(mb);
	if (!code)
		code = clear_slot(mb, MAILBOX_REQUEST);
	for (i = 1; i <= count && !code; i++) {
		t0 = pcimem_monotonic_ns();
		snprintf(text, sizeof(text), "ping %" PRIu64, i);
		code = write_message(mb, MAILBOX_REQUEST, i, text);
		if (!code)
			code = ring(mb, "request", i, peer);
		if (!code)
			code = wait_one(mb, "reply", i);
		if (!code)
			code = read_message(mb, MAILBOX_REPLY, &m);
		snprintf(text, sizeof(text), "pong %" PRIu64, i);
		if (!code)
			code = check_message(mb, "reply", &m, i, peer, text);
		if (!code && rtt_ns)
			rtt_ns[i - 1] = pcimem_monotonic_ns() - t0;
	}
	return code;
}

int pcimem_mailbox_pong(struct mailbox *mb, uint64_t count)
{
	char text[TEXT_LEN];
	struct message m;
	uint64_t i;
	int code;

	code = pcimem_mailbox_check(mb);
	if (!code)
		code = clear_slot(mb, MAILBOX_REPLY);
	for (i = 1; i <= count && !code; i++) {
		code = wait_one(mb, "request", i);
		if (!code)
			code = read_message(mb, MAILBOX_REQUEST, &m);
		snprintf(text, sizeof(text), "ping %" PRIu64, i);
		if (!code)
			code = check_message(mb, "request", &m, i, -1, text);
		snprintf(text, sizeof(text), "pong %" PRIu64, i);
		if (!code)
			code = write_message(mb, MAILBOX_REPLY, i, text);
		if (!code)
			code = ring(mb, "reply", i, m.sender);
	}
	return code;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest time with at least @percent % at or below. */
static double percentile_us(const uint64_t *sorted, uint64_t n,
			    unsigned int percent)
{
	uint64_t rank = (n * percent + 99) / 100;

	return (double)sorted[rank ? rank - 1 : 0] / 1000.0;
}

void pcimem_mailbox_latency(uint64_t *rtt_ns, uint64_t n,
			    struct pcimem_mailbox_latency *lat)
{
	qsort(rtt_ns, n, sizeof(*rtt_ns), compare_u64);
	lat->p50 = percentile_us(rtt_ns, n, 50);
	lat->p99 = percentile_us(rtt_ns, n, 99);
	lat->max = (double)rtt_ns[n - 1] / 1000.0;
}
