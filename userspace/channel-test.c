// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the channel library (channel.h): the layout, header
 * checks, the peer table, the rings, doorbell suppression both ways,
 * creating a layout (formatting only zeroed memory, racing creators),
 * heartbeats, a producer and
 * a consumer in two processes, and a fuzz of each side against a peer
 * that writes random indices, lengths and bytes (deterministic seed,
 * printed; CHANNEL_FUZZ_SEED=N picks another).
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "channel.h"
#include "check.h"

#define RING		256U
#define PEERS		2U
#define MARK		0xee	/* outside the fuzzed ring; fuzz bytes never are */
#define FUZZ_ROUNDS	200000
#define STREAM_COUNT	20000

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static void *shared_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

/*
 * A fresh 8 KiB layout and both ends of peer 0's ring to peer 1, as the
 * ring and doorbell tests all start: tx is the producer, rx the consumer.
 */
static unsigned char *ring_both_ends(struct channel_ring *tx,
				     struct channel_ring *rx)
{
	unsigned char *mem = shared_map(8192);
	struct channel ch;

	pcimem_channel_format(&ch, mem, 8192, PEERS, RING);
	pcimem_channel_ring_open(&ch, 0, 1, true, tx);
	pcimem_channel_ring_open(&ch, 0, 1, false, rx);
	return mem;
}

static void test_layout(void)
{
	uint64_t size = pcimem_channel_size(PEERS, RING);
	unsigned char *mem = shared_map(8192);
	struct channel ch;
	struct channel_ring r;
	int err;

	check(size == 64 + 2 * 64 + 4 * (128 + 256) ||
	      check_why("%" PRIu64, size),
	      "pcimem_channel_size(2, 256): header, table, 4 rings");
	err = pcimem_channel_format(&ch, mem, 8192, PEERS, RING);
	check(!err || check_why("%d: %s", err, ch.why ? ch.why : ""),
	      "format a 2-peer layout with 256-byte rings");
	err = pcimem_channel_open(&ch, mem, 8192);
	check((!err && ch.max_peers == PEERS && ch.ring_size == RING &&
	       ch.total_size == size) || check_why("%d", err),
	      "open finds its sizes");
	err = pcimem_channel_ring_open(&ch, 0, 1, true, &r);
	check(!err || check_why("%d", err), "open ring 0 -> 1");
	check(((uintptr_t)&r.ctl->tail - (uintptr_t)&r.ctl->head >= CHANNEL_CACHE_LINE &&
	       (uintptr_t)&r.ctl->head % CHANNEL_CACHE_LINE == 0 &&
	      (uintptr_t)r.data % CHANNEL_CACHE_LINE == 0) ||
	      check_why("%p %p %p", (void *)&r.ctl->head, (void *)&r.ctl->tail,
			(void *)r.data),
	      "head, tail and data each start a cache line of their own");
	check(pcimem_channel_ring_open(&ch, 1, 1, true, &r) == -EINVAL ||
	      check_why("%s", ""), "no ring from a slot to itself");
	check(pcimem_channel_ring_open(&ch, 0, 2, true, &r) == -EINVAL ||
	      check_why("%s", ""), "no ring to a slot beyond the table");
	munmap(mem, 8192);
}

static void test_header_checks(void)
{
	unsigned char *mem = shared_map(8192);
	struct channel_header *h = (struct channel_header *)mem;
	struct channel ch;
	int err;

	check(pcimem_channel_format(&ch, mem, 8192, 1, RING) == -EINVAL ||
	      check_why("%s", ""), "format refuses a table of 1 slot");
	check(pcimem_channel_format(&ch, mem, 8192, 17, RING) == -EINVAL ||
	      check_why("%s", ""), "format refuses 17 slots");
	check(pcimem_channel_format(&ch, mem, 8192, PEERS, 300) == -EINVAL ||
	      check_why("%s", ""),
	      "format refuses a ring size that is not a power of two");
	check(pcimem_channel_format(&ch, mem, 1024, PEERS, RING) == -ENOSPC ||
	      check_why("%s", ""),
	      "format refuses a region too small for the layout");

	pcimem_channel_format(&ch, mem, 8192, PEERS, RING);
	check(pcimem_channel_open(&ch, mem, 1024) == -ENOSPC ||
	      check_why("%s", ch.why),
	      "open refuses a layout larger than the mapped region");
	h->ring_size = 512;
	err = pcimem_channel_open(&ch, mem, 8192);
	check((err == -EPROTO && strstr(ch.why, "checksum")) ||
	      check_why("%d %s", err, ch.why ? ch.why : ""),
	      "open refuses a header changed behind its checksum");
	h->checksum = pcimem_channel_checksum(h, offsetof(struct channel_header, checksum));
	err = pcimem_channel_open(&ch, mem, 8192);
	check((err == -EPROTO && strstr(ch.why, "total size")) ||
	      check_why("%d %s", err, ch.why ? ch.why : ""),
	      "open refuses sizes that disagree with the total (checksum fixed)");
	h->magic = 0;
	check((pcimem_channel_open(&ch, mem, 8192) == -EPROTO && strstr(ch.why,
									"magic")) || check_why("%s", ch.why ? ch.why : ""),
	      "open refuses a bad magic");
	pcimem_channel_format(&ch, mem, 8192, PEERS, RING);
	h->version = 2;
	check((pcimem_channel_open(&ch, mem, 8192) == -EPROTO && strstr(ch.why,
									"version")) || check_why("%s", ch.why ? ch.why : ""),
	      "open refuses another version");
	munmap(mem, 8192);
}

static void test_peers(void)
{
	unsigned char *mem = shared_map(8192);
	struct pcimem_channel_peer p;
	struct channel ch;

	pcimem_channel_format(&ch, mem, 8192, PEERS, RING);
	check(!pcimem_channel_attach(&ch, 0, 7) || check_why("%s", ""),
	      "attach slot 0 as peer 7");
	check(pcimem_channel_attach(&ch, 0, 8) == -EBUSY || check_why("%s", ""),
	      "a taken slot is refused");
	check(pcimem_channel_attach(&ch, 2, 8) == -EINVAL || check_why("%s", ""),
	      "a slot beyond the table is refused");
	pcimem_channel_peer(&ch, 0, &p);
	check((p.state == CHANNEL_PEER_ATTACHED && p.peer_id == 7 &&
	       p.generation == 1) ||
	      check_why("%u %u %" PRIu64, p.state, p.peer_id, p.generation),
	      "the table says: attached, peer 7, generation 1");
	pcimem_channel_detach(&ch, 0);
	check(!pcimem_channel_attach(&ch, 0, 9) || check_why("%s", ""),
	      "a slot left behind can be taken again");
	pcimem_channel_peer(&ch, 0, &p);
	check((p.peer_id == 9 && p.generation == 2) ||
	      check_why("%u %" PRIu64, p.peer_id, p.generation),
	      "... as generation 2");
	munmap(mem, 8192);
}

static void test_rings(void)
{
	unsigned char *mem, buf[RING], got[RING];
	struct channel_ring tx, rx;
	uint32_t len, sent = 0, bad = 0;
	ssize_t n;
	int err;

	mem = ring_both_ends(&tx, &rx);
	check(pcimem_channel_recv(&rx, got, sizeof(got)) == -EAGAIN ||
	      check_why("%s", ""), "an empty ring: -EAGAIN");
	check(pcimem_channel_send(&tx, buf,
				  pcimem_channel_max_message(RING) + 1) == -EMSGSIZE ||
	      check_why("%s", ""),
	      "a message larger than the ring can ever hold: -EMSGSIZE");
	check((!pcimem_channel_send(&tx, "", 0) && pcimem_channel_recv(&rx, got, 0) == 0) ||
	      check_why("%s", ""), "an empty message goes through");

	/* Every length up to the largest, through the wrap, in order. */
	for (len = 0; len <= pcimem_channel_max_message(RING); len++) {
		memset(buf, (int)(len & 0xff), len);
		err = pcimem_channel_send(&tx, buf, len);
		n = pcimem_channel_recv(&rx, got, sizeof(got));
		sent++;
		if (err || n != (ssize_t)len || memcmp(buf, got, len))
			bad++;
	}
	check(!bad || check_why("%u of %u bad", bad, sent),
	      "every length 0-248 arrives intact across the ring's end");

	while (!pcimem_channel_send(&tx, "12345678", 8))
		;
	check(pcimem_channel_send(&tx, "x", 1) == -EAGAIN || check_why("%s", ""),
	      "a full ring: -EAGAIN");
	check((pcimem_channel_recv(&rx, got, 4) == -EMSGSIZE &&
	       pcimem_channel_peek_len(&rx) == 8) || check_why("%s", ""),
	      "a buffer too small: -EMSGSIZE, the message stays");
	check((pcimem_channel_recv(&rx, got, 8) == 8 && !memcmp(got, "12345678", 8)) ||
	      check_why("%s", ""), "... and is there to take");
	check(!pcimem_channel_send(&tx, "x", 1) || check_why("%s", ""),
	      "after one is taken there is room again");
	munmap(mem, 8192);
}

static void test_doorbell(void)
{
	unsigned char *mem, got[16];
	struct channel_ring tx, rx;
	uint64_t old;

	mem = ring_both_ends(&tx, &rx);
	pcimem_channel_want(&rx, rx.own);
	old = tx.own;
	pcimem_channel_send(&tx, "a", 1);
	check(pcimem_channel_need_doorbell(&tx, old, tx.own) || check_why("%s", ""),
	      "a consumer waiting at its tail gets a doorbell for the first message");
	old = tx.own;
	pcimem_channel_send(&tx, "b", 1);
	check(!pcimem_channel_need_doorbell(&tx, old, tx.own) || check_why("%s", ""),
	      "... but none for the next while it has not asked again");
	pcimem_channel_recv(&rx, got, sizeof(got));
	pcimem_channel_recv(&rx, got, sizeof(got));
	pcimem_channel_want(&rx, rx.own);
	old = tx.own;
	pcimem_channel_send(&tx, "c", 1);
	check(pcimem_channel_need_doorbell(&tx, old, tx.own) || check_why("%s", ""),
	      "once it asks again, the next message rings");
	pcimem_channel_want(&rx, UINT64_MAX - 4);
	check(!pcimem_channel_need_doorbell(&tx, tx.own - 8, tx.own) ||
	      check_why("%s", ""),
	      "an event far ahead (or garbage) rings nothing and breaks nothing");
	munmap(mem, 8192);
}

static void test_space_doorbell(void)
{
	unsigned char *mem, got[16];
	struct channel_ring tx, rx;
	uint64_t old;

	mem = ring_both_ends(&tx, &rx);
	while (pcimem_channel_send(&tx, "0123456789", 10) == 0)
		;
	check(!pcimem_channel_drained(&tx) || check_why("%s", ""),
	      "a full ring is not drained");
	/* Wake the producer once two records (16 bytes each) are taken. */
	pcimem_channel_want_space(&tx, rx.own + 32 - 1);
	old = rx.own;
	pcimem_channel_recv(&rx, got, sizeof(got));
	check(!pcimem_channel_need_space_doorbell(&rx, old, rx.own) ||
	      check_why("%s", ""),
	      "the first record taken: no doorbell yet for a producer waiting for two");
	old = rx.own;
	pcimem_channel_recv(&rx, got, sizeof(got));
	check(pcimem_channel_need_space_doorbell(&rx, old, rx.own) ||
	      check_why("%s", ""), "the second: the producer's doorbell");
	old = rx.own;
	pcimem_channel_recv(&rx, got, sizeof(got));
	check(!pcimem_channel_need_space_doorbell(&rx, old, rx.own) ||
	      check_why("%s", ""),
	      "... and none after it until the producer asks again");
	while (pcimem_channel_recv(&rx, got, sizeof(got)) > 0)
		;
	check(pcimem_channel_drained(&tx) || check_why("%s", ""),
	      "an emptied ring is drained");
	munmap(mem, 8192);
}

static void test_create(void)
{
	uint64_t size = pcimem_channel_size(PEERS, RING);
	unsigned char *mem = shared_map(8192);
	struct pcimem_channel_peer p;
	struct channel ch;
	int err;

	err = pcimem_channel_create(&ch, mem, 8192, PEERS, RING, false, 10);
	check((!err && ch.ring_size == RING) ||
	      check_why("%d %s", err, ch.why ? ch.why : ""),
	      "pcimem_channel_create formats zeroed memory");
	pcimem_channel_attach(&ch, 1, 42);
	err = pcimem_channel_create(&ch, mem, 8192, PEERS, RING * 2, false, 10);
	check((!err && ch.ring_size == RING) ||
	      check_why("%d %u", err, ch.ring_size),
	      "... and opens a channel that is there as it is, its table kept");
	pcimem_channel_peer(&ch, 1, &p);
	check((p.state == CHANNEL_PEER_ATTACHED && p.peer_id == 42) ||
	      check_why("%u %u", p.state, p.peer_id),
	      "... (slot 1 still attached to 42)");
	pcimem_channel_heartbeat(&ch, 1);
	pcimem_channel_heartbeat(&ch, 1);
	pcimem_channel_peer(&ch, 1, &p);
	check(p.heartbeat == 2 || check_why("%" PRIu64, p.heartbeat),
	      "pcimem_channel_heartbeat bumps the slot's heartbeat");

	memset(mem, 0, 8192);
	mem[size - 1] = 'x';
	err = pcimem_channel_create(&ch, mem, 8192, PEERS, RING, false, 10);
	check((err == -EEXIST && mem[size - 1] == 'x') || check_why("%d", err),
	      "memory holding other data: -EEXIST, left as it is");
	err = pcimem_channel_create(&ch, mem, 8192, PEERS, RING, true, 10);
	check((!err && mem[size - 1] == 0) || check_why("%d", err),
	      "... formatted with force");

	memset(mem, 0, 8192);
	*(volatile uint32_t *)mem = CHANNEL_FORMATTING;
	err = pcimem_channel_create(&ch, mem, 8192, PEERS, RING, false, 10);
	check(err == -ETIMEDOUT || check_why("%d", err),
	      "a formatter that never finishes: -ETIMEDOUT after the wait");
	err = pcimem_channel_create(&ch, mem, 8192, PEERS, RING, true, 10);
	check(!err || check_why("%d %s", err, ch.why ? ch.why : ""),
	      "... taken over with force");
	munmap(mem, 8192);
}

/* Processes formatting the same zeroed memory at once agree on one layout. */
static void test_create_race(void)
{
	unsigned char *mem = shared_map(65536);
	int i, status, good = 0;
	struct channel ch;
	pid_t pid[4];

	for (i = 0; i < 4; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			struct channel c;

			if (pcimem_channel_create(&c, mem, 65536, PEERS, RING, false, 2000))
				_exit(1);
			_exit(pcimem_channel_attach(&c, (uint32_t)i % PEERS, (uint32_t)i) ? 2 : 0);
		}
	}
	for (i = 0; i < 4; i++)
		if (waitpid(pid[i], &status, 0) == pid[i] && WIFEXITED(status))
			good += WEXITSTATUS(status) == 0;
	/* Two slots, four processes: two attach, two find theirs taken. */
	check((good == 2 && !pcimem_channel_open(&ch, mem, 65536)) ||
	      check_why("%d attached", good),
	      "four processes creating at once: one layout, each slot claimed once");
	munmap(mem, 65536);
}

/* A producer and a consumer process, messages numbered, lengths varied. */
static void test_two_processes(void)
{
	unsigned char *mem = shared_map(65536), buf[RING];
	struct channel_ring r;
	struct channel ch;
	uint32_t i, bad = 0, got = 0;
	int status;
	pid_t pid;

	pcimem_channel_format(&ch, mem, 65536, PEERS, RING);
	pid = fork();
	if (pid == 0) {
		alarm(120);	/* a hung consumer must not hang the producer */
		pcimem_channel_ring_open(&ch, 1, 0, true, &r);
		for (i = 0; i < STREAM_COUNT; i++) {
			uint32_t len = 4 + i % 200;
			int err;

			memset(buf, (int)(i & 0xff), len);
			memcpy(buf, &i, 4);
			while ((err = pcimem_channel_send(&r, buf, len)) == -EAGAIN)
				sched_yield();
			if (err)
				_exit(1);
		}
		_exit(0);
	}
	alarm(120);
	pcimem_channel_ring_open(&ch, 1, 0, false, &r);
	for (i = 0; i < STREAM_COUNT; i++) {
		ssize_t n;
		uint32_t seq, k;

		while ((n = pcimem_channel_recv(&r, buf, sizeof(buf))) == -EAGAIN)
			sched_yield();
		if (n < 4) {
			bad++;
			break;
		}
		memcpy(&seq, buf, 4);
		for (k = 4; k < (uint32_t)n; k++)
			if (buf[k] != (seq & 0xff))
				break;
		if (seq != i || n != (ssize_t)(4 + i % 200) || k != (uint32_t)n)
			bad++;
		got++;
	}
	alarm(0);
	waitpid(pid, &status, 0);
	check((!bad && got == STREAM_COUNT && WIFEXITED(status) &&
	       !WEXITSTATUS(status)) ||
	      check_why("%u bad of %u, producer status %d", bad, got, status),
	      "20000 messages from another process arrive in order, intact");
	munmap(mem, 65536);
}

/*
 * The layout at the end of a mapping followed by a PROT_NONE page, every
 * byte outside the fuzzed ring (0 -> 1) set to MARK: a consumer or
 * producer that reads outside the ring returns MARK bytes, one that writes
 * outside changes them, one that runs past the end faults.
 */
struct fuzz_area {
	unsigned char *map;
	size_t map_len;
	unsigned char *base;
	uint64_t size;
	unsigned char *snapshot;
	struct channel ch;
};

static void fuzz_setup(struct fuzz_area *f)
{
	long page = sysconf(_SC_PAGESIZE);

	f->size = pcimem_channel_size(PEERS, RING);
	f->map_len = (size_t)page * 2;
	f->map = shared_map(f->map_len);
	mprotect(f->map + page, (size_t)page, PROT_NONE);
	f->base = f->map + page - f->size;
	memset(f->map, MARK, (size_t)page);
	pcimem_channel_format(&f->ch, f->base, f->size, PEERS, RING);
	/* Outside ring 0 -> 1 (control and data) everything is MARK. */
	{
		struct channel_ring r;
		unsigned char *lo, *hi;

		pcimem_channel_ring_open(&f->ch, 0, 1, false, &r);
		lo = (unsigned char *)r.ctl;
		hi = (unsigned char *)r.data + RING;
		memset(f->base + sizeof(struct channel_header), MARK,
		       (size_t)(lo - f->base) - sizeof(struct channel_header));
		memset(hi, MARK, (size_t)(f->base + f->size - hi));
	}
	f->snapshot = malloc((size_t)page);
	memcpy(f->snapshot, f->map, (size_t)page);
}

/* Whether anything outside the ring's control and data changed. */
static bool fuzz_outside_intact(const struct fuzz_area *f,
				const struct channel_ring *r)
{
	size_t lo = (size_t)((unsigned char *)r->ctl - f->map);
	size_t hi = (size_t)((unsigned char *)r->data + RING - f->map);

	return !memcmp(f->map, f->snapshot, lo) &&
	       !memcmp(f->map + hi, f->snapshot + hi, f->map_len / 2 - hi);
}

static uint64_t fuzz_index(uint64_t near)
{
	switch (rng() % 5) {
	case 0:
		return rng();				/* anything */
	case 1:
		return near + rng() % (2 * RING);	/* a little ahead */
	case 2:
		return near - rng() % 64;		/* behind */
	case 3:
		return near + RING + rng() % 16;	/* just past the ring */
	default:
		return near + (rng() % (RING / 8)) * 8;	/* plausible */
	}
}

static void fuzz_bytes(volatile unsigned char *data)
{
	unsigned int i, n = (unsigned int)(rng() % 8);

	for (i = 0; i < n; i++) {
		unsigned int at = (unsigned int)(rng() % RING) & ~3U;
		uint32_t v = (uint32_t)rng();

		if (rng() % 2)
			v %= 2 * RING;	/* lengths near the ring's */
		memcpy((unsigned char *)data + at, &v, 4);
		for (unsigned int k = 0; k < 4; k++)
			if (data[at + k] == MARK)
				data[at + k] = 0;
	}
}

static void test_fuzz_consumer(uint64_t seed)
{
	unsigned char buf[RING + 16];
	struct fuzz_area f;
	struct channel_ring r;
	uint64_t rounds, ok = 0, proto = 0, again = 0, size_err = 0, other = 0;
	uint64_t leaked = 0, overrun = 0, backwards = 0, unpublished = 0, head;
	char what[160];

	rng_state = seed;
	fuzz_setup(&f);
	pcimem_channel_ring_open(&f.ch, 0, 1, false, &r);
	for (rounds = 0; rounds < FUZZ_ROUNDS; rounds++) {
		size_t cap = (size_t)(rng() % (RING + 1));
		uint64_t before = r.own;
		ssize_t n;
		size_t k;

		head = fuzz_index(r.own);
		r.ctl->head = head;
		fuzz_bytes(r.data);
		memset(buf, 0x5a, sizeof(buf));
		n = pcimem_channel_recv(&r, buf, cap);
		/* Past what head published, or a head beyond the ring: wrong. */
		if (n >= 0 && (head - before > RING || r.own - before > head - before))
			unpublished++;
		if (head - before > RING && n != -EPROTO)
			unpublished++;
		if (n >= 0) {
			ok++;
			if ((size_t)n > cap)
				overrun++;
			for (k = 0; k < (size_t)n; k++)
				if (buf[k] == MARK)
					leaked++;
			for (k = (size_t)n; k < sizeof(buf); k++)
				if (buf[k] != 0x5a)
					overrun++;
			if (r.own <= before || r.own - before > RING)
				backwards++;
		} else if (n == -EPROTO) {
			proto++;
		} else if (n == -EAGAIN) {
			again++;
		} else if (n == -EMSGSIZE) {
			size_err++;
		} else {
			other++;
		}
		if (n < 0 && r.own != before)
			backwards++;
		if (rounds % 1024 == 0 && !fuzz_outside_intact(&f, &r))
			break;
	}
	snprintf(what, sizeof(what), "fuzz (seed %" PRIu64 "): a consumer against random heads, lengths and bytes stays in its ring",
		 seed);
	check((rounds == FUZZ_ROUNDS && fuzz_outside_intact(&f, &r) &&
	       !leaked && !overrun && !backwards && !unpublished && !other &&
	      ok && proto) ||
	      check_why("rounds %" PRIu64 ", taken %" PRIu64 ", EPROTO %" PRIu64 ", EAGAIN %" PRIu64 ", EMSGSIZE %" PRIu64 ", other %" PRIu64 ", leaked %" PRIu64 ", overrun %" PRIu64 ", tail moved wrongly %" PRIu64 ", took unpublished bytes %" PRIu64,
			rounds, ok, proto, again, size_err, other, leaked, overrun,
	      backwards, unpublished), "%s", what);
	munmap(f.map, f.map_len);
	free(f.snapshot);
}

static void test_fuzz_producer(uint64_t seed)
{
	unsigned char buf[RING];
	struct fuzz_area f;
	struct channel_ring r;
	uint64_t rounds, sent = 0, proto = 0, other = 0, wrong = 0, tail;
	char what[160];

	rng_state = seed ^ 0x9e3779b97f4a7c15ULL;
	fuzz_setup(&f);
	pcimem_channel_ring_open(&f.ch, 0, 1, true, &r);
	memset(buf, 0x11, sizeof(buf));
	for (rounds = 0; rounds < FUZZ_ROUNDS; rounds++) {
		uint32_t len = (uint32_t)(rng() % (RING + 8));
		uint64_t before = r.own;
		int err;

		tail = fuzz_index(r.own - RING);
		r.ctl->tail = tail;
		err = pcimem_channel_send(&r, buf, len);
		/* Overwriting what the consumer has not taken, or a tail
		 * outside the ring accepted: wrong. */
		if (!err && r.own - tail > RING)
			wrong++;
		if (before - tail > RING && err != -EPROTO && err != -EMSGSIZE)
			wrong++;
		if (!err) {
			sent++;
			if (r.own - before > RING || r.ctl->head != r.own)
				wrong++;
		} else if (err == -EPROTO) {
			proto++;
		} else if (err != -EAGAIN && err != -EMSGSIZE) {
			other++;
		}
		if (err && r.own != before)
			wrong++;
		if (rounds % 1024 == 0 && !fuzz_outside_intact(&f, &r))
			break;
	}
	snprintf(what, sizeof(what), "fuzz (seed %" PRIu64 "): a producer against random tails stays in its ring",
		 seed);
	check((rounds == FUZZ_ROUNDS && fuzz_outside_intact(&f, &r) && !wrong &&
	       !other && sent && proto) ||
	      check_why("rounds %" PRIu64 ", sent %" PRIu64 ", EPROTO %" PRIu64 ", other %" PRIu64 ", head moved wrongly %" PRIu64,
			rounds, sent, proto, other, wrong), "%s", what);
	munmap(f.map, f.map_len);
	free(f.snapshot);
}

int main(void)
{
	const char *s = getenv("CHANNEL_FUZZ_SEED");
	uint64_t seed = s && *s ? strtoull(s, NULL, 0) : 20261202;

	test_layout();
	test_header_checks();
	test_peers();
	test_rings();
	test_doorbell();
	test_space_doorbell();
	test_create();
	test_create_race();
	test_two_processes();
	test_fuzz_consumer(seed);
	test_fuzz_producer(seed);
	return check_summary();
}
