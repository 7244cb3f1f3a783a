// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem channels: layout and rings (see channel.h).
 *
 * Ordering: the producer writes a record's bytes, then publishes head
 * with a release store; the consumer loads head with an acquire load
 * before reading the bytes. Likewise the consumer releases tail after
 * copying a record out, and the producer acquires tail before reusing
 * that space. Shared indices and lengths go through load_u32/load_u64
 * exactly once per use, into locals that are then checked.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "channel.h"

_Static_assert(sizeof(struct channel_header) == 32, "header layout");
_Static_assert(sizeof(struct pcimem_channel_peer) == CHANNEL_CACHE_LINE, "peer slot");
_Static_assert(offsetof(struct channel_ring_ctl, tail) == CHANNEL_CACHE_LINE,
	       "head and tail on separate cache lines");
_Static_assert(sizeof(struct channel_ring_ctl) == 2 * CHANNEL_CACHE_LINE,
	       "ring control");

static uint64_t load_u64(const volatile uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static uint32_t load_u32(const volatile uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_u64(volatile uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static uint64_t align_up(uint64_t n, uint64_t a)
{
	return (n + a - 1) & ~(a - 1);
}

static bool power_of_two(uint64_t n)
{
	return n && !(n & (n - 1));
}

/* Offsets of the parts, from the header. */
static uint64_t table_offset(void)
{
	return align_up(sizeof(struct channel_header), CHANNEL_CACHE_LINE);
}

static uint64_t rings_offset(uint32_t max_peers)
{
	return table_offset() + (uint64_t)max_peers * sizeof(struct pcimem_channel_peer);
}

static uint64_t ring_stride(uint32_t ring_size)
{
	return sizeof(struct channel_ring_ctl) +
	       align_up(ring_size, CHANNEL_CACHE_LINE);
}

uint64_t pcimem_channel_size(uint32_t max_peers, uint32_t ring_size)
{
	return rings_offset(max_peers) +
	       (uint64_t)max_peers * max_peers * ring_stride(ring_size);
}

uint32_t pcimem_channel_checksum(const volatile void *p, size_t len)
{
	const volatile unsigned char *b = p;
	uint32_t h = 2166136261U;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 16777619U;
	}
	return h;
}

static int fail(struct channel *ch, int err, const char *why)
{
	ch->why = why;
	return err;
}

/* What is wrong with a table of @max_peers and rings of @ring_size, or NULL. */
static const char *bad_sizes(uint32_t max_peers, uint32_t ring_size)
{
	if (max_peers < 2 || max_peers > CHANNEL_MAX_PEERS)
		return "the peer table needs 2 to 16 slots";
	if (!power_of_two(ring_size) || ring_size < CHANNEL_RING_MIN ||
	    ring_size > CHANNEL_RING_MAX)
		return "the ring size must be a power of two from 64 bytes to 1 GiB";
	return NULL;
}

/* The header for @max_peers and @ring_size, checksummed. */
static struct channel_header make_header(uint32_t max_peers, uint32_t ring_size)
{
	struct channel_header h = {
		.magic = CHANNEL_MAGIC,
		.version = CHANNEL_VERSION,
		.header_size = sizeof(struct channel_header),
		.max_peers = max_peers,
		.ring_size = ring_size,
		.total_size = pcimem_channel_size(max_peers, ring_size),
	};

	h.checksum = pcimem_channel_checksum(&h, offsetof(struct channel_header, checksum));
	return h;
}

/*
 * Everything but the magic word first, then the magic with a release
 * store: a peer that sees the magic sees a complete layout.
 */
static void write_layout(volatile void *base, const struct channel_header *h)
{
	volatile unsigned char *b = base;
	uint64_t i;

	for (i = sizeof(*h); i < h->total_size; i++)
		b[i] = 0;
	for (i = sizeof(h->magic); i < sizeof(*h); i++)
		b[i] = ((const unsigned char *)h)[i];
	__atomic_store_n((volatile uint32_t *)base, h->magic, __ATOMIC_RELEASE);
}

/*
 * Format and create both start here: @ch cleared, the sizes checked and
 * the header for them in @h, or -EINVAL / -ENOSPC with ch->why, before
 * anything is written to the region.
 */
static int plan_layout(struct channel *ch, uint64_t len, uint32_t max_peers,
		       uint32_t ring_size, struct channel_header *h)
{
	const char *why;

	*ch = (struct channel) { 0 };
	why = bad_sizes(max_peers, ring_size);
	if (why)
		return fail(ch, -EINVAL, why);
	*h = make_header(max_peers, ring_size);
	if (h->total_size > len)
		return fail(ch, -ENOSPC, "the layout does not fit in the region");
	return 0;
}

int pcimem_channel_format(struct channel *ch, volatile void *base, uint64_t len,
			  uint32_t max_peers, uint32_t ring_size)
{
	struct channel_header h;
	int err;

	err = plan_layout(ch, len, max_peers, ring_size, &h);
	if (err)
		return err;
	write_layout(base, &h);
	return pcimem_channel_open(ch, base, len);
}

static bool all_zero(const volatile void *base, uint64_t from, uint64_t to)
{
	const volatile unsigned char *b = base;
	uint64_t i;

	for (i = from; i < to; i++)
		if (b[i])
			return false;
	return true;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };

	nanosleep(&ts, NULL);
}

int pcimem_channel_create(struct channel *ch, volatile void *base, uint64_t len,
			  uint32_t max_peers, uint32_t ring_size, bool force,
		   int wait_ms)
{
	volatile uint32_t *magic = base;
	struct channel_header h;
	int waited = 0, err;
	uint32_t m;

	err = plan_layout(ch, len, max_peers, ring_size, &h);
	if (err)
		return err;
	for (;;) {
		m = __atomic_load_n(magic, __ATOMIC_ACQUIRE);
		if (m == CHANNEL_MAGIC) {
			err = pcimem_channel_open(ch, base, len);
			if (!err || !force)
				return err;
		} else if (m == CHANNEL_FORMATTING && !force) {
			if (waited >= wait_ms)
				return fail(ch, -ETIMEDOUT,
					    "another peer began formatting the channel and never finished");
			sleep_ms(1);
			waited++;
			continue;
		} else if (!force && (m || !all_zero(base, sizeof(m), h.total_size))) {
			return fail(ch, -EEXIST,
				    "the region holds data that is not a channel");
		}
		if (__atomic_compare_exchange_n(magic, &m, CHANNEL_FORMATTING,
						false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			break;
		force = false;	/* someone else won: use theirs */
	}
	write_layout(base, &h);
	return pcimem_channel_open(ch, base, len);
}

int pcimem_channel_open(struct channel *ch, volatile void *base, uint64_t len)
{
	struct channel_header h = { 0 };
	const char *why;
	size_t i;

	*ch = (struct channel) { 0 };
	if (len < sizeof(h))
		return fail(ch, -ENOSPC, "the region is smaller than a channel header");
	/* One copy; everything below looks at the copy only. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	for (i = 0; i < sizeof(h); i++)
		((unsigned char *)&h)[i] = ((const volatile unsigned char *)base)[i];

	if (h.magic != CHANNEL_MAGIC)
		return fail(ch, -EPROTO, "no channel here (bad magic)");
	if (h.version != CHANNEL_VERSION)
		return fail(ch, -EPROTO, "a channel of another version");
	if (h.checksum != pcimem_channel_checksum(&h, offsetof(struct channel_header, checksum)))
		return fail(ch, -EPROTO, "the channel header's checksum is wrong");
	if (h.header_size != sizeof(h) || h.reserved)
		return fail(ch, -EPROTO, "the channel header has an unknown layout");
	why = bad_sizes(h.max_peers, h.ring_size);
	if (why)
		return fail(ch, -EPROTO, why);
	if (h.total_size != pcimem_channel_size(h.max_peers, h.ring_size))
		return fail(ch, -EPROTO, "the channel header's total size does not match its sizes");
	if (h.total_size > len)
		return fail(ch, -ENOSPC, "the channel is larger than the region");

	ch->base = base;
	ch->max_peers = h.max_peers;
	ch->ring_size = h.ring_size;
	ch->total_size = h.total_size;
	return 0;
}

static volatile struct pcimem_channel_peer *slot_of(const struct channel *ch,
						    uint32_t slot)
{
	return (volatile struct pcimem_channel_peer *)(ch->base + table_offset()) + slot;
}

int pcimem_channel_attach(struct channel *ch, uint32_t slot, uint32_t peer_id)
{
	volatile struct pcimem_channel_peer *p;
	uint32_t expected = CHANNEL_PEER_FREE;

	if (slot >= ch->max_peers)
		return fail(ch, -EINVAL, "no such slot");
	p = slot_of(ch, slot);
	if (!__atomic_compare_exchange_n(&p->state, &expected,
					 CHANNEL_PEER_ATTACHED, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		expected = CHANNEL_PEER_GONE;
		if (!__atomic_compare_exchange_n(&p->state, &expected,
						 CHANNEL_PEER_ATTACHED, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return fail(ch, -EBUSY, "the slot is taken");
	}
	p->peer_id = peer_id;
	__atomic_fetch_add(&p->generation, 1, __ATOMIC_RELEASE);
	return 0;
}

int pcimem_channel_detach(struct channel *ch, uint32_t slot)
{
	if (slot >= ch->max_peers)
		return fail(ch, -EINVAL, "no such slot");
	__atomic_store_n(&slot_of(ch, slot)->state, CHANNEL_PEER_GONE,
			 __ATOMIC_RELEASE);
	return 0;
}

void pcimem_channel_heartbeat(struct channel *ch, uint32_t slot)
{
	if (slot < ch->max_peers)
		__atomic_fetch_add(&slot_of(ch, slot)->heartbeat, 1,
				   __ATOMIC_RELEASE);
}

int pcimem_channel_peer(const struct channel *ch, uint32_t slot,
			struct pcimem_channel_peer *out)
{
	volatile struct pcimem_channel_peer *p;

	if (slot >= ch->max_peers)
		return -EINVAL;
	p = slot_of(ch, slot);
	*out = (struct pcimem_channel_peer) {
		.state = load_u32(&p->state),
		.peer_id = load_u32(&p->peer_id),
		.generation = load_u64(&p->generation),
		.heartbeat = load_u64(&p->heartbeat),
	};
	return 0;
}

uint32_t pcimem_channel_max_message(uint32_t size)
{
	return size - CHANNEL_RECORD_ALIGN;
}

static uint64_t record_size(uint32_t len)
{
	return align_up((uint64_t)CHANNEL_RECORD_HEADER + len, CHANNEL_RECORD_ALIGN);
}

static int broken(struct channel_ring *r, const char *why)
{
	r->why = why;
	return -EPROTO;
}

int pcimem_channel_ring_open(const struct channel *ch, uint32_t from, uint32_t to,
			     bool producer, struct channel_ring *r)
{
	volatile unsigned char *ring;
	uint64_t head, tail;

	*r = (struct channel_ring) { 0 };
	if (from >= ch->max_peers || to >= ch->max_peers || from == to) {
		r->why = "no such ring";
		return -EINVAL;
	}
	ring = ch->base + rings_offset(ch->max_peers) +
	       ((uint64_t)from * ch->max_peers + to) * ring_stride(ch->ring_size);
	r->ctl = (volatile struct channel_ring_ctl *)ring;
	r->data = ring + sizeof(struct channel_ring_ctl);
	r->size = ch->ring_size;
	r->producer = producer;

	head = load_u64(&r->ctl->head);
	tail = load_u64(&r->ctl->tail);
	if (head - tail > r->size || (head | tail) % CHANNEL_RECORD_ALIGN)
		return broken(r, "the ring's head and tail are inconsistent");
	r->own = producer ? head : tail;
	return 0;
}

/* Copy between ring offset @pos (any counter value) and @buf, wrapping. */
static void ring_read(const struct channel_ring *r, uint64_t pos, void *buf,
		      size_t len)
{
	size_t at = (size_t)(pos & (r->size - 1));
	size_t first = len < r->size - at ? len : r->size - at;

	memcpy(buf, (const unsigned char *)r->data + at, first);
	memcpy((unsigned char *)buf + first, (const unsigned char *)r->data,
	       len - first);
}

static void ring_write(struct channel_ring *r, uint64_t pos, const void *buf,
		       size_t len)
{
	size_t at = (size_t)(pos & (r->size - 1));
	size_t first = len < r->size - at ? len : r->size - at;

	memcpy((unsigned char *)r->data + at, buf, first);
	memcpy((unsigned char *)r->data, (const unsigned char *)buf + first,
	       len - first);
}

int pcimem_channel_send(struct channel_ring *r, const void *buf, uint32_t len)
{
	uint64_t tail, used, need = record_size(len);
	uint32_t hdr = len;

	if (!r->producer)
		return -EINVAL;
	if (len > pcimem_channel_max_message(r->size))
		return -EMSGSIZE;
	tail = load_u64(&r->ctl->tail);	/* once */
	used = r->own - tail;
	if (used > r->size || tail % CHANNEL_RECORD_ALIGN)
		return broken(r, "the consumer's tail is outside the ring");
	if (need > r->size - used)
		return -EAGAIN;
	ring_write(r, r->own, &hdr, sizeof(hdr));
	ring_write(r, r->own + sizeof(hdr), buf, len);
	r->own += need;
	store_u64(&r->ctl->head, r->own);
	return 0;
}

/* The next record's length, checked against what head says is there. */
static ssize_t next_length(struct channel_ring *r)
{
	uint64_t head, avail;
	uint32_t len;

	if (r->producer)
		return -EINVAL;
	head = load_u64(&r->ctl->head);	/* once */
	avail = head - r->own;
	if (!avail)
		return -EAGAIN;
	if (avail > r->size || avail % CHANNEL_RECORD_ALIGN)
		return broken(r, "the producer's head is outside the ring");
	ring_read(r, r->own, &len, sizeof(len));	/* once */
	if (len > pcimem_channel_max_message(r->size) || record_size(len) > avail)
		return broken(r, "a message length runs past what the producer published");
	return len;
}

ssize_t pcimem_channel_peek_len(struct channel_ring *r)
{
	return next_length(r);
}

ssize_t pcimem_channel_recv(struct channel_ring *r, void *buf, size_t len)
{
	ssize_t n = next_length(r);

	if (n < 0)
		return n;
	if ((size_t)n > len)
		return -EMSGSIZE;
	ring_read(r, r->own + CHANNEL_RECORD_HEADER, buf, (size_t)n);
	r->own += record_size((uint32_t)n);
	store_u64(&r->ctl->tail, r->own);
	return n;
}

/*
 * Doorbell suppression, both ways: one side stores the index it wants a
 * doorbell at (want or want_space); the other, having moved its own index
 * from @old to @now, rings only if that index was passed. Both halves need
 * a full fence, not just release/acquire: each side writes one word and
 * then reads the other's, and without it both could miss the other's write.
 */
static void want_event(volatile uint64_t *want, uint64_t event)
{
	store_u64(want, event);
	/* The other side's index must be read after want is out. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static bool event_passed(const volatile uint64_t *want, uint64_t old,
			 uint64_t now)
{
	uint64_t event;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	event = load_u64(want);	/* once; any value is safe */
	/* Whether event lies in [old, now), counting with wrap. */
	return now - event - 1 < now - old;
}

void pcimem_channel_want(struct channel_ring *r, uint64_t event)
{
	want_event(&r->ctl->want, event);
}

bool pcimem_channel_need_doorbell(const struct channel_ring *r, uint64_t old,
				  uint64_t new_head)
{
	return event_passed(&r->ctl->want, old, new_head);
}

void pcimem_channel_want_space(struct channel_ring *r, uint64_t event)
{
	want_event(&r->ctl->want_space, event);
}

bool pcimem_channel_need_space_doorbell(const struct channel_ring *r, uint64_t old,
					uint64_t new_tail)
{
	return event_passed(&r->ctl->want_space, old, new_tail);
}

bool pcimem_channel_drained(const struct channel_ring *r)
{
	return load_u64(&r->ctl->tail) == r->own;
}
