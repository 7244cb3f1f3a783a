// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem client: the receiving side of the ivshmem server protocol and
 * a table of peers and their doorbell eventfds.
 */
#include "ivshmem-client.h"

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct peer_entry {
	unsigned int id;
	unsigned int nfds;
	int fds[PCIMEM_MAX_VECTORS];
};

struct ivshm_client {
	int sock;
	unsigned int id;
	int shm_fd;
	uint64_t shm_size;
	unsigned int nown;
	int own[PCIMEM_MAX_VECTORS];
	struct peer_entry *peers;	/* sorted by id */
	unsigned int npeers;
	unsigned int peers_cap;
};

int ivshm_socket_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int ivshm_recv_msg(int sock, int64_t *val, int *fd, int timeout_ms)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(8 * sizeof(int))];
	} ctl;
	uint64_t le;
	size_t got = 0;
	bool bad = false;
	int rfd = -1, ret;

	*fd = -1;
	while (got < sizeof(le)) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		struct iovec iov = {
			.iov_base = (char *)&le + got,
			.iov_len = sizeof(le) - got,
		};
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		struct cmsghdr *cmsg;
		ssize_t n;

		ret = poll(&pfd, 1, timeout_ms);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			ret = -errno;
			goto fail;
		}
		if (ret == 0) {
			ret = -ETIMEDOUT;
			goto fail;
		}

		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			ret = -errno;
			goto fail;
		}
		for (cmsg = CMSG_FIRSTHDR(&msg); cmsg;
		     cmsg = CMSG_NXTHDR(&msg, cmsg)) {
			size_t i, nfds;

			if (cmsg->cmsg_level != SOL_SOCKET ||
			    cmsg->cmsg_type != SCM_RIGHTS) {
				bad = true;
				continue;
			}
			nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (i = 0; i < nfds; i++) {
				int f;

				memcpy(&f, CMSG_DATA(cmsg) + i * sizeof(int),
				       sizeof(f));
				if (rfd < 0 && !bad) {
					rfd = f;
				} else {
					close(f);
					bad = true;
				}
			}
		}
		if (msg.msg_flags & MSG_CTRUNC)
			bad = true;
		if (n == 0) {
			ret = -ECONNRESET;
			goto fail;
		}
		got += (size_t)n;
	}
	if (bad) {
		ret = -EPROTO;
		goto fail;
	}
	*val = (int64_t)le64toh(le);
	*fd = rfd;
	return 0;
fail:
	if (rfd >= 0)
		close(rfd);
	return ret;
}

static struct peer_entry *find_peer(const struct ivshm_client *c,
				    unsigned int id, unsigned int *pos)
{
	unsigned int lo = 0, hi = c->npeers;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (c->peers[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos)
		*pos = lo;
	if (lo < c->npeers && c->peers[lo].id == id)
		return &c->peers[lo];
	return NULL;
}

static struct peer_entry *add_peer(struct ivshm_client *c, unsigned int id)
{
	struct peer_entry *p;
	unsigned int pos;

	p = find_peer(c, id, &pos);
	if (p)
		return p;
	if (c->npeers == c->peers_cap) {
		unsigned int cap = c->peers_cap ? c->peers_cap * 2 : 8;
		struct peer_entry *np = realloc(c->peers, cap * sizeof(*np));

		if (!np)
			return NULL;
		c->peers = np;
		c->peers_cap = cap;
	}
	memmove(&c->peers[pos + 1], &c->peers[pos],
		(c->npeers - pos) * sizeof(*c->peers));
	c->npeers++;
	p = &c->peers[pos];
	p->id = id;
	p->nfds = 0;
	return p;
}

static void remove_peer(struct ivshm_client *c, struct peer_entry *p)
{
	unsigned int pos = (unsigned int)(p - c->peers), v;

	for (v = 0; v < p->nfds; v++)
		close(p->fds[v]);
	memmove(&c->peers[pos], &c->peers[pos + 1],
		(c->npeers - pos - 1) * sizeof(*c->peers));
	c->npeers--;
}

/* Apply one message; returns 1 for the shared memory, 0 for an event. */
static int apply_msg(struct ivshm_client *c, int64_t val, int fd,
		     struct ivshm_event *ev)
{
	struct peer_entry *p;
	struct stat st;

	if (val == -1) {
		if (fd < 0 || c->shm_fd >= 0)
			goto bad;
		if (fstat(fd, &st) < 0)
			goto bad;
		c->shm_fd = fd;
		c->shm_size = (uint64_t)st.st_size;
		return 1;
	}
	if (val < 0 || val > PCIMEM_MAX_PEER_ID)
		goto bad;

	if ((unsigned int)val == c->id) {
		if (fd < 0 || c->nown == PCIMEM_MAX_VECTORS)
			goto bad;
		ev->type = IVSHM_EVENT_OWN_VECTOR;
		ev->peer = c->id;
		ev->vector = c->nown;
		c->own[c->nown++] = fd;
		return 0;
	}

	ev->peer = (unsigned int)val;
	if (fd < 0) {
		p = find_peer(c, (unsigned int)val, NULL);
		if (p)
			remove_peer(c, p);
		ev->type = IVSHM_EVENT_PEER_LEFT;
		ev->vector = 0;
		return 0;
	}
	p = add_peer(c, (unsigned int)val);
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	if (p->nfds == PCIMEM_MAX_VECTORS)
		goto bad;
	ev->type = IVSHM_EVENT_PEER_VECTOR;
	ev->vector = p->nfds;
	p->fds[p->nfds++] = fd;
	return 0;
bad:
	if (fd >= 0)
		close(fd);
	return -EPROTO;
}

int ivshm_client_process(struct ivshm_client *c, int timeout_ms,
			 struct ivshm_event *ev)
{
	struct ivshm_event dummy;
	int64_t val;
	int fd, ret;

	ret = ivshm_recv_msg(c->sock, &val, &fd, timeout_ms);
	if (ret < 0)
		return ret;
	ret = apply_msg(c, val, fd, ev ? ev : &dummy);
	if (ret == 1)		/* a second shared memory */
		return -EPROTO;
	return ret;
}

int ivshm_client_connect(struct ivshm_client **out, const char *path,
			 unsigned int vectors, int timeout_ms)
{
	struct ivshm_client *c;
	struct ivshm_event ev;
	int64_t val;
	int fd, ret;

	*out = NULL;
	if (vectors > PCIMEM_MAX_VECTORS)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->shm_fd = -1;
	c->sock = ivshm_socket_connect(path);
	if (c->sock < 0) {
		ret = c->sock;
		free(c);
		return ret;
	}

	/* Protocol version, then own ID, neither with a descriptor. */
	ret = ivshm_recv_msg(c->sock, &val, &fd, timeout_ms);
	if (ret < 0)
		goto fail;
	if (fd >= 0)
		close(fd);
	if (val != 0 || fd >= 0) {
		ret = -EPROTO;
		goto fail;
	}
	ret = ivshm_recv_msg(c->sock, &val, &fd, timeout_ms);
	if (ret < 0)
		goto fail;
	if (fd >= 0)
		close(fd);
	if (val < 0 || val > PCIMEM_MAX_PEER_ID || fd >= 0) {
		ret = -EPROTO;
		goto fail;
	}
	c->id = (unsigned int)val;

	while (c->shm_fd < 0 || c->nown < vectors) {
		ret = ivshm_recv_msg(c->sock, &val, &fd, timeout_ms);
		if (ret < 0)
			goto fail;
		ret = apply_msg(c, val, fd, &ev);
		if (ret < 0)
			goto fail;
	}
	*out = c;
	return 0;
fail:
	ivshm_client_close(c);
	return ret;
}

int ivshm_client_socket(const struct ivshm_client *c)
{
	return c->sock;
}

unsigned int ivshm_client_id(const struct ivshm_client *c)
{
	return c->id;
}

int ivshm_client_shm_fd(const struct ivshm_client *c)
{
	return c->shm_fd;
}

uint64_t ivshm_client_shm_size(const struct ivshm_client *c)
{
	return c->shm_size;
}

unsigned int ivshm_client_vectors(const struct ivshm_client *c)
{
	return c->nown;
}

int ivshm_client_vector_fd(const struct ivshm_client *c, unsigned int vector)
{
	return vector < c->nown ? c->own[vector] : -1;
}

unsigned int ivshm_client_peer_count(const struct ivshm_client *c)
{
	return c->npeers;
}

int ivshm_client_peer_id(const struct ivshm_client *c, unsigned int i)
{
	return i < c->npeers ? (int)c->peers[i].id : -ENOENT;
}

int ivshm_client_peer_vectors(const struct ivshm_client *c, unsigned int id)
{
	const struct peer_entry *p = find_peer(c, id, NULL);

	return p ? (int)p->nfds : -ENOENT;
}

int ivshm_client_ring(struct ivshm_client *c, unsigned int peer,
		      unsigned int vector)
{
	const uint64_t one = 1;
	const struct peer_entry *p;
	int fd;
	ssize_t n;

	if (peer == c->id) {
		if (vector >= c->nown)
			return -EINVAL;
		fd = c->own[vector];
	} else {
		p = find_peer(c, peer, NULL);
		if (!p)
			return -ENOENT;
		if (vector >= p->nfds)
			return -EINVAL;
		fd = p->fds[vector];
	}
	do {
		n = write(fd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == sizeof(one) ? 0 : -EIO;
}

int ivshm_client_wait(struct ivshm_client *c, int vector, int timeout_ms,
		      uint64_t *count)
{
	struct pollfd pfds[PCIMEM_MAX_VECTORS];
	unsigned int first, n, i;
	int ret;

	if (vector >= 0) {
		if ((unsigned int)vector >= c->nown)
			return -EINVAL;
		first = (unsigned int)vector;
		n = 1;
	} else {
		if (!c->nown)
			return -EINVAL;
		first = 0;
		n = c->nown;
	}
	for (i = 0; i < n; i++)
		pfds[i] = (struct pollfd){ .fd = c->own[first + i],
					   .events = POLLIN };

	for (;;) {
		ret = poll(pfds, n, timeout_ms);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (ret == 0)
			return -ETIMEDOUT;
		for (i = 0; i < n; i++) {
			ssize_t r;

			if (!(pfds[i].revents & POLLIN))
				continue;
			r = read(pfds[i].fd, count, sizeof(*count));
			if (r == sizeof(*count))
				return (int)(first + i);
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				return -errno;
		}
	}
}

void ivshm_client_close(struct ivshm_client *c)
{
	unsigned int i, v;

	if (!c)
		return;
	for (i = 0; i < c->npeers; i++)
		for (v = 0; v < c->peers[i].nfds; v++)
			close(c->peers[i].fds[v]);
	for (v = 0; v < c->nown; v++)
		close(c->own[v]);
	if (c->shm_fd >= 0)
		close(c->shm_fd);
	if (c->sock >= 0)
		close(c->sock);
	free(c->peers);
	free(c);
}
