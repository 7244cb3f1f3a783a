/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ivshmem-server: a client's bounded queue of protocol messages waiting
 * for its socket to become writable, and the reference-counted sets of
 * descriptors those messages carry.
 *
 * A peer's doorbell eventfds are one fd set, shared by the peer and by
 * every queued message that announces it: they stay open, without being
 * duplicated, until the last message carrying them has been sent or
 * dropped.  A join not yet sent can be taken back when the peer leaves.
 */
#ifndef IVSHMEM_OUTQ_H
#define IVSHMEM_OUTQ_H

#include <stdbool.h>
#include <stdint.h>

struct fdset {
	unsigned int refs;
	unsigned int n;
	int fd[];
};

/* A set of n descriptors, all -1, with one reference; NULL if no memory. */
struct fdset *fdset_new(unsigned int n);
struct fdset *fdset_get(struct fdset *s);
/* Drop a reference; the last one closes the descriptors.  NULL is allowed. */
void fdset_put(struct fdset *s);

/*
 * One entry: with fds (n >= 1), fds->n messages (val, fds->fd[i]) in
 * order (a peer's eventfds); without, one message val and no descriptor.
 */
struct outq_entry {
	int64_t val;
	struct fdset *fds;
};

struct outq {
	struct outq_entry *ring;
	unsigned int cap;	/* allocated entries, grows up to max */
	unsigned int head;
	unsigned int len;
	unsigned int max;
	unsigned int sent;	/* messages of the head entry already sent */
};

void outq_init(struct outq *q, unsigned int max);

/*
 * Append an entry, taking a reference on fds (which may be NULL).
 * Returns 0, -ENOBUFS when max entries are queued, or -ENOMEM.
 */
int outq_push(struct outq *q, int64_t val, struct fdset *fds);

/* The next message: false if there is none; *fd is -1 for none. */
bool outq_peek(const struct outq *q, int64_t *val, int *fd);

/* The message outq_peek() returned has been sent. */
void outq_pop(struct outq *q);

/*
 * Take back the entry carrying fds if none of its messages has been sent:
 * true if there was one, false if there is none or it is being sent.
 */
bool outq_cancel(struct outq *q, const struct fdset *fds);

static inline bool outq_empty(const struct outq *q)
{
	return q->len == 0;
}

/* Drop every entry and free the ring; the queue can be used again. */
void outq_clear(struct outq *q);

#endif /* IVSHMEM_OUTQ_H */
