// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem-server: a client's bounded output queue, a ring that grows on
 * demand up to its limit and is given back once it drains, and the
 * reference-counted descriptor sets its entries carry.
 */
#include "outq.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/* A ring at most this big is kept when the queue drains. */
#define OUTQ_KEEP	16

struct fdset *fdset_new(unsigned int n)
{
	struct fdset *s = malloc(sizeof(*s) + n * sizeof(s->fd[0]));
	unsigned int i;

	if (!s)
		return NULL;
	s->refs = 1;
	s->n = n;
	for (i = 0; i < n; i++)
		s->fd[i] = -1;
	return s;
}

struct fdset *fdset_get(struct fdset *s)
{
	s->refs++;
	return s;
}

void fdset_put(struct fdset *s)
{
	unsigned int i;

	if (!s || --s->refs)
		return;
	for (i = 0; i < s->n; i++)
		if (s->fd[i] >= 0)
			close(s->fd[i]);
	free(s);
}

static struct outq_entry *entry(const struct outq *q, unsigned int i)
{
	return &q->ring[(q->head + i) % q->cap];
}

void outq_init(struct outq *q, unsigned int max)
{
	*q = (struct outq){ .max = max };
}

/* Make room for one more entry; the ring is unwrapped into the new one. */
static int grow(struct outq *q)
{
	unsigned int cap = q->cap ? q->cap * 2 : OUTQ_KEEP, i;
	struct outq_entry *ring;

	if (cap > q->max)
		cap = q->max;
	ring = malloc(cap * sizeof(*ring));
	if (!ring)
		return -ENOMEM;
	for (i = 0; i < q->len; i++)
		ring[i] = *entry(q, i);
	free(q->ring);
	q->ring = ring;
	q->cap = cap;
	q->head = 0;
	return 0;
}

int outq_push(struct outq *q, int64_t val, struct fdset *fds)
{
	int ret;

	if (q->len >= q->max)
		return -ENOBUFS;
	if (q->len == q->cap) {
		ret = grow(q);
		if (ret < 0)
			return ret;
	}
	*entry(q, q->len) = (struct outq_entry){
		.val = val,
		.fds = fds ? fdset_get(fds) : NULL,
	};
	q->len++;
	return 0;
}

bool outq_peek(const struct outq *q, int64_t *val, int *fd)
{
	const struct outq_entry *e;

	if (!q->len)
		return false;
	e = entry(q, 0);
	*val = e->val;
	*fd = e->fds ? e->fds->fd[q->sent] : -1;
	return true;
}

/* One entry less; a big ring is given back once the queue is empty. */
static void shrink(struct outq *q)
{
	if (--q->len == 0 && q->cap > OUTQ_KEEP) {
		free(q->ring);
		q->ring = NULL;
		q->cap = 0;
		q->head = 0;
	}
}

void outq_pop(struct outq *q)
{
	struct outq_entry *e = entry(q, 0);

	if (e->fds && ++q->sent < e->fds->n)
		return;
	fdset_put(e->fds);
	q->sent = 0;
	q->head = (q->head + 1) % q->cap;
	shrink(q);
}

bool outq_cancel(struct outq *q, const struct fdset *fds)
{
	unsigned int i, j;

	/* From the newest: joins are mostly taken back soon after. */
	for (i = q->len; i-- > 0;) {
		if (entry(q, i)->fds != fds)
			continue;
		if (i == 0 && q->sent)
			return false;
		fdset_put(entry(q, i)->fds);
		for (j = i; j + 1 < q->len; j++)
			*entry(q, j) = *entry(q, j + 1);
		shrink(q);
		return true;
	}
	return false;
}

void outq_clear(struct outq *q)
{
	unsigned int i;

	for (i = 0; i < q->len; i++)
		fdset_put(entry(q, i)->fds);
	free(q->ring);
	outq_init(q, q->max);
}
