// SPDX-License-Identifier: GPL-2.0
/*
 * Byte streams over a channel: send and recv (see channel-stream.h).
 *
 * Waiting: a side that finds nothing to do looks again for SPIN_NS, then
 * with doorbells asks for one (the consumer's want, the producer's
 * want_space), looks once more and sleeps in the transport's wait for
 * at most a heartbeat; without doorbells it sleeps 1 us, 2 us, ... up
 * to BACKOFF_MAX_US between looks. Every look after the spins also
 * checks that the other side is still there.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "channel-stream.h"
#include "cli.h"
#include "deadline.h"

#define SPIN_NS		50000ULL	/* looking again before sleeping */
#define BACKOFF_MAX_US	1000
#define FORMAT_WAIT_MS	2000	/* for a peer formatting the channel */
#define FIND_STEP_MS	10	/* between looks for the other side */
#define STEP_GONE	(-1)	/* step(): the other side went away */

#define NS_PER_MS	1000000ULL

struct beat {
	struct channel *ch;
	uint32_t slot;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	bool running;
};

struct stream {
	const struct channel_link *l;
	struct channel ch;
	uint32_t slot;		/* ours */
	uint32_t gen;		/* our slot's generation, low 32 bits */
	struct beat beat;
	/* The other side, once known. */
	bool have_peer;
	uint32_t peer_slot;
	uint32_t peer_id;
	uint64_t peer_gen;
	uint64_t peer_beat;	/* its heartbeat when last seen moving */
	uint64_t peer_beat_ns;	/* and when */
	const char *gone;	/* why it is gone */
	int link_err;		/* the transport broke */
	unsigned int idle;	/* sleeps since the spin ended */
	uint64_t idle_ns;	/* when the spin began; 0: not waiting */
	bool armed;		/* doorbell asked for since then */
	uint64_t bytes, messages, doorbells, sleeps;
};

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	sched_yield();
#endif
}

static void sleep_us(unsigned long us)
{
	struct timespec ts = {
		.tv_sec = (time_t)(us / 1000000),
		.tv_nsec = (long)(us % 1000000 * 1000),
	};

	nanosleep(&ts, NULL);
}

/* ---- heartbeat ---- */

static void *beat_main(void *arg)
{
	struct beat *b = arg;
	struct timespec until;

	pthread_mutex_lock(&b->lock);
	while (!b->stop) {
		pcimem_channel_heartbeat(b->ch, b->slot);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += CHANNEL_STREAM_BEAT_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!b->stop &&
		       pthread_cond_timedwait(&b->wake, &b->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static int beat_start(struct beat *b, struct channel *ch, uint32_t slot)
{
	pthread_condattr_t attr;
	int err;

	b->ch = ch;
	b->slot = slot;
	b->stop = false;
	pthread_mutex_init(&b->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&b->wake, &attr);
	pthread_condattr_destroy(&attr);
	err = pthread_create(&b->thread, NULL, beat_main, b);
	b->running = !err;
	return -err;
}

/* Stop the thread (at once, not after its sleep) and wait for it. */
static void beat_stop(struct beat *b)
{
	if (!b->running)
		return;
	pthread_mutex_lock(&b->lock);
	b->stop = true;
	pthread_cond_signal(&b->wake);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->thread, NULL);
	b->running = false;
}

/* ---- joining and leaving ---- */

/* The largest ring (a power of two) whose layout fits in @avail bytes. */
static uint32_t pick_ring(uint64_t avail)
{
	uint32_t ring = CHANNEL_STREAM_RING_MAX;

	while (ring >= CHANNEL_RING_MIN &&
	       pcimem_channel_size(CHANNEL_STREAM_PEERS, ring) > avail)
		ring >>= 1;
	return ring >= CHANNEL_RING_MIN ? ring : 0;
}

/* The ID a slot's peer goes by: its ivshmem ID, or the slot itself. */
static uint32_t slot_id(const struct stream *s, uint32_t slot,
			const struct pcimem_channel_peer *p)
{
	return s->l->self_id >= 0 ? p->peer_id : slot;
}

/*
 * Whether attached @slot belongs to a peer that is gone without leaving:
 * with a server, one that is not connected (or has our own ID: an
 * earlier process of ours); without, one whose heartbeat stands still.
 */
static bool slot_stale(struct stream *s, uint32_t slot)
{
	const struct channel_link *l = s->l;
	struct pcimem_channel_peer p, q;
	uint64_t end;

	pcimem_channel_peer(&s->ch, slot, &p);
	if (l->self_id >= 0 && p.peer_id == (uint32_t)l->self_id)
		return true;
	if (l->ops && l->ops->present && l->self_id >= 0)
		return !l->ops->present(l->ctx, p.peer_id);
	end = pcimem_monotonic_ns() + CHANNEL_STREAM_DEAD_MS * NS_PER_MS;
	while (pcimem_monotonic_ns() < end) {
		pcimem_channel_peer(&s->ch, slot, &q);
		if (q.heartbeat != p.heartbeat || q.generation != p.generation ||
		    q.state != CHANNEL_PEER_ATTACHED)
			return false;
		sleep_us(FIND_STEP_MS * 1000UL);
	}
	return true;
}

static bool claim(struct stream *s, uint32_t slot, bool stale)
{
	const struct channel_link *l = s->l;
	uint32_t id = l->self_id >= 0 ? (uint32_t)l->self_id : slot;
	struct pcimem_channel_peer p;

	if (stale)
		pcimem_channel_detach(&s->ch, slot);
	if (pcimem_channel_attach(&s->ch, slot, id))
		return false;
	pcimem_channel_peer(&s->ch, slot, &p);
	s->slot = slot;
	s->gen = (uint32_t)p.generation;
	return true;
}

/* Open or format the layout, claim a slot (not @avoid), start beating. */
static int join(struct stream *s, const struct channel_link *l, int avoid)
{
	struct pcimem_channel_peer p;
	uint64_t avail;
	uint32_t ring, slot;
	bool done = false;
	int pass, err;

	*s = (struct stream) { .l = l };
	if (l->offset >= l->size || l->offset % CHANNEL_CACHE_LINE) {
		pcimem_cli_error(l->name, "offset %#" PRIx64 " is not a multiple of %u inside the %" PRIu64 "-byte region",
				 l->offset, CHANNEL_CACHE_LINE, l->size);
		return EXIT_USAGE;
	}
	avail = l->size - l->offset;
	ring = pick_ring(avail);
	if (!ring) {
		pcimem_cli_error(l->name, "too small for a channel: %" PRIu64 " bytes from offset %#" PRIx64 ", %" PRIu64 " needed",
				 avail, l->offset,
			  pcimem_channel_size(CHANNEL_STREAM_PEERS, CHANNEL_RING_MIN));
		return EXIT_USAGE;
	}
	err = pcimem_channel_create(&s->ch, l->mem + l->offset, avail,
				    CHANNEL_STREAM_PEERS, ring, l->force, FORMAT_WAIT_MS);
	if (err == -EEXIST) {
		pcimem_cli_error(l->name, "%s at offset %#" PRIx64 "; --force formats a channel there, destroying it",
				 s->ch.why, l->offset);
		return EXIT_USAGE;
	}
	if (err) {
		pcimem_cli_error(l->name, "channel at offset %#" PRIx64 ": %s", l->offset,
				 s->ch.why);
		return err == -ENOSPC ? EXIT_USAGE : EXIT_IOERR;
	}

	/* Free slots first; then those of peers gone without leaving. */
	for (pass = 0; pass < 2 && !done; pass++)
		for (slot = 0; slot < s->ch.max_peers && !done; slot++) {
			if ((int)slot == avoid)
				continue;
			pcimem_channel_peer(&s->ch, slot, &p);
			if (pass == 0 && p.state != CHANNEL_PEER_ATTACHED)
				done = claim(s, slot, false);
			else if (pass == 1 && p.state == CHANNEL_PEER_ATTACHED &&
				 slot_stale(s, slot))
				done = claim(s, slot, true);
		}
	if (!done) {
		pcimem_cli_error(l->name, "the channel's %u peer slots are all taken",
				 s->ch.max_peers);
		return EXIT_IOERR;
	}
	err = beat_start(&s->beat, &s->ch, s->slot);
	if (err) {
		pcimem_channel_detach(&s->ch, s->slot);
		return pcimem_cli_fail("heartbeat thread", -err);
	}
	return EXIT_OK;
}

static void leave(struct stream *s)
{
	beat_stop(&s->beat);
	pcimem_channel_detach(&s->ch, s->slot);
}

static void summary(const struct stream *s)
{
	if (!s->l->json)
		return;
	fprintf(stderr, "{\"slot\": %u, \"ring\": %u, \"bytes\": %" PRIu64 ", \"messages\": %" PRIu64
		", \"doorbells\": %" PRIu64 ", \"sleeps\": %" PRIu64 "}\n",
		s->slot, s->ch.ring_size, s->bytes, s->messages, s->doorbells, s->sleeps);
}

/* ---- the other side ---- */

static void set_peer(struct stream *s, uint32_t slot,
		     const struct pcimem_channel_peer *p)
{
	s->have_peer = true;
	s->peer_slot = slot;
	s->peer_id = slot_id(s, slot, p);
	s->peer_gen = p->generation;
	s->peer_beat = p->heartbeat;
	s->peer_beat_ns = pcimem_monotonic_ns();
}

/* Why the other side is gone, or NULL while it is there. */
static const char *peer_gone(struct stream *s)
{
	const struct channel_link *l = s->l;
	struct pcimem_channel_peer p;
	uint64_t now = pcimem_monotonic_ns();
	int present;

	if (!s->have_peer)
		return NULL;
	pcimem_channel_peer(&s->ch, s->peer_slot, &p);
	if (p.generation != s->peer_gen)
		return "its slot was taken over";
	if (p.state != CHANNEL_PEER_ATTACHED)
		return "it left the channel";
	if (p.heartbeat != s->peer_beat) {
		s->peer_beat = p.heartbeat;
		s->peer_beat_ns = now;
	} else if (now - s->peer_beat_ns > CHANNEL_STREAM_DEAD_MS * NS_PER_MS) {
		return "its heartbeat stopped";
	}
	if (l->ops && l->ops->present && l->self_id >= 0) {
		present = l->ops->present(l->ctx, s->peer_id);
		if (present < 0) {
			s->link_err = present;
			return "the connection broke";
		}
		if (!present)
			return "it left the server";
	}
	return NULL;
}

typedef void (*arm_fn)(struct stream *s, void *arg);

/*
 * One wait for the other side: 0 to look again, STEP_GONE (s->gone says
 * why), or an exit code.
 */
static int step(struct stream *s, arm_fn arm, void *arg)
{
	const struct channel_link *l = s->l;
	unsigned int shift;
	int err;

	if (!s->idle) {
		uint64_t now = pcimem_monotonic_ns();

		if (!s->idle_ns)
			s->idle_ns = now;
		if (now - s->idle_ns < SPIN_NS) {
			relax();
			return 0;
		}
	}
	s->gone = peer_gone(s);
	if (s->link_err)
		return l->ops->error(l->ctx, s->link_err);
	if (s->gone)
		return STEP_GONE;
	if (!l->ops) {
		shift = s->idle < 10 ? s->idle : 10;
		s->idle++;
		sleep_us((1UL << shift) < BACKOFF_MAX_US ? 1UL << shift : BACKOFF_MAX_US);
		s->sleeps++;
		return 0;
	}
	if (!s->armed) {
		arm(s, arg);
		s->armed = true;
		return 0;
	}
	s->idle++;
	s->sleeps++;
	err = l->ops->wait(l->ctx, CHANNEL_STREAM_BEAT_MS);
	return err ? l->ops->error(l->ctx, err) : 0;
}

static void progress(struct stream *s)
{
	s->idle = 0;
	s->idle_ns = 0;
	s->armed = false;
}

static void ring_peer(struct stream *s)
{
	if (!s->l->ops)
		return;
	s->l->ops->ring(s->l->ctx, s->peer_id);
	s->doorbells++;
}

/*
 * Wait for @peer's slot to be attached and alive (its heartbeat moves),
 * until @deadline: exit code.
 */
static int find_peer(struct stream *s, uint32_t peer, uint64_t deadline)
{
	uint64_t stale_gen[CHANNEL_MAX_PEERS] = { 0 };
	struct pcimem_channel_peer p;
	uint32_t slot;

	for (;;) {
		for (slot = 0; slot < s->ch.max_peers; slot++) {
			pcimem_channel_peer(&s->ch, slot, &p);
			if (slot == s->slot || p.state != CHANNEL_PEER_ATTACHED ||
			    slot_id(s, slot, &p) != peer ||
			    p.generation == stale_gen[slot])
				continue;
			set_peer(s, slot, &p);
			while (!peer_gone(s) && p.heartbeat == s->peer_beat)
				sleep_us(FIND_STEP_MS * 1000UL);
			if (s->link_err)
				return s->l->ops->error(s->l->ctx, s->link_err);
			if (p.heartbeat != s->peer_beat)
				return EXIT_OK;
			stale_gen[slot] = p.generation;
			s->have_peer = false;
		}
		if (deadline && !pcimem_deadline_remaining_ms(deadline)) {
			pcimem_cli_error(s->l->name, "peer %u has not joined the channel within %d ms (start recv there first)",
					 peer, s->l->timeout_ms);
			return EXIT_NODEV;
		}
		sleep_us(FIND_STEP_MS * 1000UL);
	}
}

/* Our own peer ID, and a PEER argument's check: exit code. */
static int check_peer_arg(const struct stream *s, uint32_t peer)
{
	const struct channel_link *l = s->l;

	if (l->self_id < 0 && peer >= s->ch.max_peers) {
		pcimem_cli_error(l->name, "peer %u: without doorbells a peer is a slot of the channel, 0 to %u",
				 peer, s->ch.max_peers - 1);
		return EXIT_USAGE;
	}
	if (l->self_id >= 0 && peer == (uint32_t)l->self_id) {
		pcimem_cli_error(l->name, "peer %u is this peer itself", peer);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* ---- send ---- */

struct sender {
	struct channel_ring tx;
	uint64_t target;	/* tail we wait for */
};

static void arm_space(struct stream *s, void *arg)
{
	struct sender *w = arg;

	(void)s;
	pcimem_channel_want_space(&w->tx, w->target - 1);
}

static int sender_gone(struct stream *s, const struct sender *w)
{
	pcimem_cli_error(s->l->name, "peer %u went away mid-stream (%s): %" PRIu64 " bytes sent, %" PRIu64 " not taken",
			 s->peer_id, s->gone, s->bytes,
		  w->tx.own - __atomic_load_n(&w->tx.ctl->tail, __ATOMIC_ACQUIRE));
	return EXIT_NODEV;
}

static int put(struct stream *s, struct sender *w, const void *buf,
	       uint32_t len)
{
	uint64_t old, rec = ((uint64_t)CHANNEL_RECORD_HEADER + len + 7) & ~7ULL;
	uint64_t half = w->tx.size / 2;
	int err, code;

	for (;;) {
		old = w->tx.own;
		err = pcimem_channel_send(&w->tx, buf, len);
		if (!err) {
			s->messages++;
			progress(s);
			if (s->l->ops && pcimem_channel_need_doorbell(&w->tx, old, w->tx.own))
				ring_peer(s);
			return EXIT_OK;
		}
		if (err == -EPROTO) {
			pcimem_cli_error(s->l->name, "peer %u broke the ring: %s",
					 s->peer_id, w->tx.why);
			return EXIT_IOERR;
		}
		if (err != -EAGAIN)
			return pcimem_cli_fail(s->l->name, -err);
		/* Room for this record, and wake once half the ring is free. */
		w->target = old + rec - w->tx.size;
		if (old >= half && old - half > w->target)
			w->target = old - half;
		code = step(s, arm_space, w);
		if (code == STEP_GONE)
			return sender_gone(s, w);
		if (code)
			return code;
	}
}

static int drain(struct stream *s, struct sender *w)
{
	int code;

	w->target = w->tx.own;
	progress(s);
	while (!pcimem_channel_drained(&w->tx)) {
		code = step(s, arm_space, w);
		/* It may have taken the END and left since we looked. */
		if (code == STEP_GONE && pcimem_channel_drained(&w->tx))
			break;
		if (code == STEP_GONE)
			return sender_gone(s, w);
		if (code)
			return code;
	}
	return EXIT_OK;
}

int pcimem_channel_stream_send(const struct channel_link *l, uint32_t peer,
			       int in_fd)
{
	struct channel_frame *f;
	struct sender w;
	struct stream s;
	uint32_t chunk;
	unsigned char *buf;
	bool first = true;
	ssize_t n;
	int code;

	code = join(&s, l, l->self_id < 0 ? (int)peer : -1);
	if (code)
		return code;
	code = check_peer_arg(&s, peer);
	if (!code)
		code = find_peer(&s, peer, pcimem_deadline_after(l->timeout_ms));
	if (!code && pcimem_channel_ring_open(&s.ch, s.slot, s.peer_slot, true, &w.tx)) {
		pcimem_cli_error(l->name, "ring to peer %u: %s", peer, w.tx.why);
		code = EXIT_IOERR;
	}
	if (code) {
		leave(&s);
		return code;
	}
	chunk = pcimem_channel_max_message(w.tx.size) / 4;
	if (chunk < 2 * sizeof(*f))
		chunk = 2 * sizeof(*f);
	if (chunk > CHANNEL_STREAM_CHUNK + sizeof(*f))
		chunk = CHANNEL_STREAM_CHUNK + sizeof(*f);
	buf = malloc(chunk);
	if (!buf) {
		leave(&s);
		return pcimem_cli_fail(NULL, ENOMEM);
	}
	f = (struct channel_frame *)buf;
	for (;;) {
		n = read(in_fd, buf + sizeof(*f), chunk - sizeof(*f));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* No END: the receiver sees the stream cut short. */
			code = pcimem_cli_fail("standard input", errno);
			break;
		}
		f->type = (first ? CHANNEL_FRAME_BEGIN : 0) |
			  (n ? 0 : CHANNEL_FRAME_END);
		f->stream = s.gen;
		code = put(&s, &w, buf, (uint32_t)(sizeof(*f) + (size_t)n));
		if (code || !n)
			break;
		s.bytes += (uint64_t)n;
		first = false;
	}
	if (!code)
		code = drain(&s, &w);
	free(buf);
	summary(&s);
	leave(&s);
	return code;
}

/* ---- recv ---- */

struct receiver {
	struct channel_ring rx[CHANNEL_MAX_PEERS];
	bool from[CHANNEL_MAX_PEERS];	/* rings we look at */
};

static void arm_data(struct stream *s, void *arg)
{
	struct receiver *v = arg;
	uint32_t i;

	for (i = 0; i < s->ch.max_peers; i++)
		if (v->from[i])
			pcimem_channel_want(&v->rx[i], v->rx[i].own);
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pcimem_cli_fail("standard output", errno);
		p += n;
		len -= (size_t)n;
	}
	return EXIT_OK;
}

/*
 * Whether the message of @len bytes in @buf from @slot begins the
 * stream we wait for (any peer, or PEER).
 */
static bool begins(struct stream *s, uint32_t slot, const unsigned char *buf,
		   ssize_t len, bool any, uint32_t peer)
{
	struct channel_frame f;
	struct pcimem_channel_peer p;

	if (len < (ssize_t)sizeof(f))
		return false;
	memcpy(&f, buf, sizeof(f));
	pcimem_channel_peer(&s->ch, slot, &p);
	if (!(f.type & CHANNEL_FRAME_BEGIN) || f.stream != (uint32_t)p.generation ||
	    (!any && slot_id(s, slot, &p) != peer))
		return false;
	set_peer(s, slot, &p);
	return true;
}

/* Whether @slot is PEER's now. */
static bool from_peer(struct stream *s, uint32_t slot, uint32_t peer)
{
	struct pcimem_channel_peer p;

	pcimem_channel_peer(&s->ch, slot, &p);
	return slot_id(s, slot, &p) == peer;
}

static int receive(struct stream *s, struct receiver *v, unsigned char *buf,
		   size_t size, bool any, uint32_t peer, int out_fd)
{
	uint64_t deadline = pcimem_deadline_after(s->l->timeout_ms), old;
	bool got, last_look = false;
	struct channel_frame f;
	uint32_t i;
	ssize_t n;
	int code;

	for (;;) {
		got = false;
		for (i = 0; i < s->ch.max_peers && !got; i++) {
			if (!v->from[i] || (!s->have_peer && !any && !from_peer(s, i, peer)))
				continue;	/* not ours to take: left as it is */
			old = v->rx[i].own;
			n = pcimem_channel_recv(&v->rx[i], buf, size);
			if (n == -EAGAIN)
				continue;
			if (n < 0) {
				pcimem_cli_error(s->l->name, "the ring from slot %u: %s", i,
						 n == -EPROTO ? v->rx[i].why : strerror((int)-n));
				return EXIT_IOERR;
			}
			got = true;
			if (!s->have_peer) {
				if (!begins(s, i, buf, n, any, peer))
					continue;	/* leftovers: dropped */
				memset(v->from, 0, sizeof(v->from));
				v->from[i] = true;
				memcpy(&f, buf, sizeof(f));
			} else {
				if (n < (ssize_t)sizeof(f)) {
					pcimem_cli_error(s->l->name, "peer %u sent a message too short for a stream",
							 s->peer_id);
					return EXIT_IOERR;
				}
				memcpy(&f, buf, sizeof(f));
				if (f.stream != (uint32_t)s->peer_gen ||
				    (f.type & CHANNEL_FRAME_BEGIN)) {
					pcimem_cli_error(s->l->name, "truncated stream: peer %u began another after %" PRIu64 " bytes",
							 s->peer_id, s->bytes);
					return EXIT_NODEV;
				}
			}
			if (s->l->ops && pcimem_channel_need_space_doorbell(&v->rx[i], old, v->rx[i].own))
				ring_peer(s);
			s->messages++;
			code = write_all(out_fd, buf + sizeof(f), (size_t)n - sizeof(f));
			if (code)
				return code;
			s->bytes += (uint64_t)n - sizeof(f);
			if (f.type & CHANNEL_FRAME_END)
				return EXIT_OK;
		}
		if (got) {
			progress(s);
			continue;
		}
		if (last_look) {
			pcimem_cli_error(s->l->name, "truncated stream: peer %u went away (%s) after %" PRIu64 " bytes without ending it",
					 s->peer_id, s->gone, s->bytes);
			return EXIT_NODEV;
		}
		if (!s->have_peer && deadline && !pcimem_deadline_remaining_ms(deadline)) {
			pcimem_cli_error(s->l->name, "no stream began within %d ms",
					 s->l->timeout_ms);
			return EXIT_MISMATCH;
		}
		code = step(s, arm_data, v);
		if (code == STEP_GONE)
			last_look = true;	/* what it sent before it went */
		else if (code)
			return code;
	}
}

int pcimem_channel_stream_recv(const struct channel_link *l, bool any,
			       uint32_t peer, int out_fd)
{
	struct receiver v = { 0 };
	unsigned char *buf;
	struct stream s;
	uint32_t i;
	size_t size;
	int code;

	code = join(&s, l, !any && l->self_id < 0 ? (int)peer : -1);
	if (code)
		return code;
	code = any ? EXIT_OK : check_peer_arg(&s, peer);
	for (i = 0; !code && i < s.ch.max_peers; i++) {
		if (i == s.slot)
			continue;
		if (pcimem_channel_ring_open(&s.ch, i, s.slot, false, &v.rx[i])) {
			pcimem_cli_error(l->name, "ring from slot %u: %s", i, v.rx[i].why);
			code = EXIT_IOERR;
		}
		v.from[i] = true;
	}
	size = pcimem_channel_max_message(s.ch.ring_size);
	buf = code ? NULL : malloc(size);
	if (!code && !buf)
		code = pcimem_cli_fail(NULL, ENOMEM);
	if (!code)
		code = receive(&s, &v, buf, size, any, peer, out_fd);
	free(buf);
	summary(&s);
	leave(&s);
	return code;
}

const struct cli_command_options pcimem_channel_stream_send_defaults = {
	.count = 1, .timeout_ms = 10000,
};

int pcimem_channel_stream_command(struct channel_link *l,
				  const struct cli_command_options *opt,
				  bool send, bool any, uint32_t peer)
{
	l->offset = opt->offset;
	l->force = opt->force;
	l->timeout_ms = opt->timeout_ms;
	l->json = opt->json;
	if (send)
		return pcimem_channel_stream_send(l, peer, STDIN_FILENO);
	return pcimem_channel_stream_recv(l, any, peer, STDOUT_FILENO);
}
