/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcimem channels: messages between the peers of one shared memory region
 * (an ivshmem BAR in a guest, the backing file or the server's memory on
 * the host), through single-producer single-consumer rings. This is the
 * library's public header; it needs nothing but libc.
 *
 * Layout, from the offset the user picks (default 0), all little-endian
 * (the peers share one machine's byte order), every part aligned to
 * CHANNEL_CACHE_LINE:
 *
 *   header      struct channel_header: magic, version, sizes, checksum
 *   peer table  max_peers x struct pcimem_channel_peer (one cache line each)
 *   rings       max_peers x max_peers rings; ring (i, j) carries messages
 *               from the peer in slot i to the peer in slot j (i != j;
 *               the rings (i, i) exist but are never used). Each is
 *               struct channel_ring_ctl (the producer's line, then the
 *               consumer's line) followed by ring_size bytes of data.
 *
 * A message is a record: a 32-bit length, the bytes, and padding up to a
 * multiple of 8. Head and tail count bytes since the start and never wrap
 * (64 bits); a record may wrap around the end of the data. The producer
 * writes only head (and data), the consumer only tail and want.
 *
 * Safety against the other side: whatever the peer writes, every index and
 * length is read from shared memory once, into a local, validated against
 * our own copy of the other index and the ring's size, then used; a peer
 * that writes garbage makes the calls fail with -EPROTO, never access
 * memory outside the ring. Our own index is kept locally and only written
 * to shared memory, never read back.
 */
#ifndef PCIMEM_CHANNEL_H
#define PCIMEM_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CHANNEL_MAGIC		0x4c4e4843U	/* "CHNL" */
#define CHANNEL_FORMATTING	0x54414d46U	/* "FMAT": a peer formats it now */
#define CHANNEL_VERSION		1U
#define CHANNEL_CACHE_LINE	64U
#define CHANNEL_MAX_PEERS	16U	/* slots in the peer table, at most */
#define CHANNEL_RING_MIN	64U	/* bytes of ring data, at least */
#define CHANNEL_RING_MAX	(1U << 30)
#define CHANNEL_RECORD_HEADER	4U	/* the 32-bit length before each message */
#define CHANNEL_RECORD_ALIGN	8U

/* At the layout's offset; the checksum covers the fields before it. */
struct channel_header {
	uint32_t magic;		/* CHANNEL_MAGIC */
	uint16_t version;	/* CHANNEL_VERSION */
	uint16_t header_size;	/* sizeof(struct channel_header) */
	uint32_t max_peers;	/* peer table slots, 2..CHANNEL_MAX_PEERS */
	uint32_t ring_size;	/* data bytes per ring, a power of two */
	uint64_t total_size;	/* bytes of the layout, header to last ring */
	uint32_t reserved;	/* 0 */
	uint32_t checksum;	/* pcimem_channel_checksum() of the bytes before it */
};

/* States of a peer table slot. */
enum channel_peer_state {
	CHANNEL_PEER_FREE	= 0,
	CHANNEL_PEER_ATTACHED	= 1,
	CHANNEL_PEER_GONE	= 2,	/* left; its rings may hold data */
};

struct pcimem_channel_peer {
	uint32_t state;		/* enum channel_peer_state */
	uint32_t peer_id;	/* its ivshmem peer ID */
	uint64_t generation;	/* bumped at each attach */
	uint64_t heartbeat;	/* bumped by the peer while it is alive */
	uint8_t pad[CHANNEL_CACHE_LINE - 24];
};

/* The two cache lines before each ring's data. */
struct channel_ring_ctl {
	/* Written by the producer only. */
	uint64_t head;		/* bytes ever published */
	uint64_t want_space;	/* doorbell wanted once tail passes this */
	uint8_t pad0[CHANNEL_CACHE_LINE - 16];
	/* Written by the consumer only. */
	uint64_t tail;		/* bytes ever consumed */
	uint64_t want;		/* doorbell wanted once head passes this */
	uint8_t pad1[CHANNEL_CACHE_LINE - 16];
};

/* A mapped layout, checked by pcimem_channel_open(). */
struct channel {
	volatile unsigned char *base;	/* the header */
	uint32_t max_peers;
	uint32_t ring_size;
	uint64_t total_size;
	const char *why;		/* after a failure: why, for messages */
};

/* One end of one ring: the shared part and our own copy of our index. */
struct channel_ring {
	volatile struct channel_ring_ctl *ctl;
	volatile unsigned char *data;
	uint32_t size;			/* power of two */
	bool producer;
	uint64_t own;			/* head (producer) or tail (consumer) */
	const char *why;		/* after -EPROTO: what the peer broke */
};

/* Bytes a layout of @max_peers slots and @ring_size-byte rings needs. */
uint64_t pcimem_channel_size(uint32_t max_peers, uint32_t ring_size);

/* FNV-1a, 32 bits: the header's checksum. */
uint32_t pcimem_channel_checksum(const volatile void *p, size_t len);

/*
 * Write a fresh layout at @base (@len bytes available): header, free peer
 * table, empty rings. 0, or -EINVAL (bad sizes) / -ENOSPC (does not fit),
 * with ch->why set. Only one peer formats; the others pcimem_channel_open().
 */
int pcimem_channel_format(struct channel *ch, volatile void *base, uint64_t len,
			  uint32_t max_peers, uint32_t ring_size);

/*
 * Open the layout at @base, or format one there if there is none, safely
 * against other peers doing the same at once: the one that swaps the
 * magic word to CHANNEL_FORMATTING formats (the magic comes last), the
 * others wait up to @wait_ms for it. Without @force, only a region whose
 * layout's bytes are all zero is formatted (fresh shared memory); one
 * holding other data is -EEXIST, and one whose formatter never finished
 * -ETIMEDOUT. With @force, either is formatted anyway. 0 or -errno, with
 * ch->why set.
 */
int pcimem_channel_create(struct channel *ch, volatile void *base, uint64_t len,
			  uint32_t max_peers, uint32_t ring_size, bool force,
		   int wait_ms);

/*
 * Check the layout at @base (@len bytes mapped): magic, version, checksum,
 * sizes, and that it fits in @len. The header is copied once, then
 * checked. 0, or -EPROTO / -ENOSPC with ch->why set.
 */
int pcimem_channel_open(struct channel *ch, volatile void *base, uint64_t len);

/*
 * The slot table: claim @slot for @peer_id (0, -EINVAL, -EBUSY), mark it
 * gone, read a slot's state (copied once).
 */
int pcimem_channel_attach(struct channel *ch, uint32_t slot, uint32_t peer_id);
int pcimem_channel_detach(struct channel *ch, uint32_t slot);
int pcimem_channel_peer(const struct channel *ch, uint32_t slot,
			struct pcimem_channel_peer *out);

/* Bump @slot's heartbeat: the other peers see we are alive. */
void pcimem_channel_heartbeat(struct channel *ch, uint32_t slot);

/*
 * Our end of ring (@from, @to): the producer's if @producer, else the
 * consumer's. Our index starts from what shared memory says (once, at
 * open; checked against the other index). 0, -EINVAL, or -EPROTO.
 */
int pcimem_channel_ring_open(const struct channel *ch, uint32_t from, uint32_t to,
			     bool producer, struct channel_ring *r);

/* The largest message a ring of @size bytes can ever carry. */
uint32_t pcimem_channel_max_message(uint32_t size);

/*
 * Producer: publish one message of @len bytes. 0; -EAGAIN when the ring
 * has not room for it now; -EMSGSIZE when it never will; -EPROTO when
 * the consumer's tail makes no sense (r->why says how).
 */
int pcimem_channel_send(struct channel_ring *r, const void *buf, uint32_t len);

/*
 * Consumer: take the next message into @buf (@len bytes). Its length; or
 * -EAGAIN when there is none; -EMSGSIZE when it is longer than @len (it
 * stays in the ring; pcimem_channel_peek_len() says how long); -EPROTO when the
 * producer's head or the record's length make no sense (r->why says how).
 */
ssize_t pcimem_channel_recv(struct channel_ring *r, void *buf, size_t len);

/* Consumer: the next message's length, or -EAGAIN / -EPROTO. */
ssize_t pcimem_channel_peek_len(struct channel_ring *r);

/*
 * Doorbell suppression, as virtio's used_event: the consumer asks for a
 * doorbell once head passes @event (pcimem_channel_want()); the producer, after
 * moving head from @old to @new, rings only if pcimem_channel_need_doorbell().
 */
void pcimem_channel_want(struct channel_ring *r, uint64_t event);
bool pcimem_channel_need_doorbell(const struct channel_ring *r, uint64_t old,
				  uint64_t new_head);

/*
 * The other way: a producer waiting for room asks for a doorbell once
 * tail passes @event (pcimem_channel_want_space()); the consumer, after moving
 * tail from @old to @new_tail, rings only if pcimem_channel_need_space_doorbell().
 */
void pcimem_channel_want_space(struct channel_ring *r, uint64_t event);
bool pcimem_channel_need_space_doorbell(const struct channel_ring *r, uint64_t old,
					uint64_t new_tail);

/* Producer: whether the consumer has taken everything published. */
bool pcimem_channel_drained(const struct channel_ring *r);

#endif /* PCIMEM_CHANNEL_H */
