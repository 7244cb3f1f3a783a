// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem-server library: the listening socket, the shared memory, the
 * peer table and the protocol messages that keep every client's view of
 * its peers up to date.
 *
 * No client can hold up the others: client sockets are non-blocking, and
 * what a socket does not take at once waits, in order, until poll() says
 * it is writable.  A newcomer's handshake is not queued but generated as
 * its socket takes it, from the peer table as it is then; the joins and
 * leaves it must also hear of wait in a bounded queue (outq.h).  A client
 * whose queue overflows, or whose socket takes nothing for the send
 * timeout, is dropped like one that hung up.  The eventfds of a peer that
 * left are kept open only while a message carrying them is half sent.
 */
#include "ivshmem-server-lib.h"
#include "outq.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* At most this many connections are accepted per poll iteration. */
#define ACCEPT_BURST	32
/* At most this many messages go to one client before the others' turn. */
#define FLUSH_BURST	1024

/* Why a peer is being dropped (peer.why); positive values are errnos. */
#define WHY_HANGUP	0
#define WHY_SENT_DATA	(-1)
#define WHY_OVERFLOW	(-2)
#define WHY_TIMEOUT	(-3)

/*
 * Where a client's handshake stands.  In HS_PEERS it is shown the peers
 * in ID order from hs_next on, each once per vector (hs_vec: the next
 * one); in HS_OWN its own eventfds (hs_vec: the next one).
 */
enum hs_stage { HS_VERSION, HS_ID, HS_SHM, HS_PEERS, HS_OWN, HS_DONE };

struct peer {
	int sock;
	unsigned int id;
	bool announced;		/* the other clients were told it joined */
	bool dead;		/* to be removed by reap() */
	int why;
	struct fdset *fds;	/* its eventfds, one per vector */
	enum hs_stage stage;
	unsigned int hs_next;
	unsigned int hs_vec;
	struct outq out;	/* joins and leaves, sent after the handshake */
	bool pending;		/* output left over, to send on POLLOUT */
	uint64_t stuck_since;	/* ms: while pending, when it last took any */
};

struct ivshm_server {
	unsigned int vectors;
	unsigned int max_peers;
	unsigned int send_timeout_ms;
	unsigned int queue_limit;
	bool lowest_free;
	FILE *log;
	bool verbose;

	unsigned int next_id;	/* where the rotating ID search starts */
	int listen_fd;
	int shm_fd;
	uint64_t shm_size;
	char *shm_name;		/* the POSIX object created here, until started */
	bool listen_inherited;	/* from systemd: not ours to remove */
	int spare_fd;		/* given up to shed a connection on EMFILE */

	/* The socket file, to remove it on exit even after a chdir(). */
	int sock_dirfd;
	char *sock_base;
	dev_t sock_dev;
	ino_t sock_ino;

	struct peer **peers;	/* sorted by id */
	unsigned int npeers;
	unsigned int peers_cap;

	struct pollfd *pfds;
	size_t pfds_cap;
};

static void srv_log(const struct ivshm_server *srv, bool info,
		    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void srv_log(const struct ivshm_server *srv, bool info,
		    const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!srv->log || (info && !srv->verbose))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One call, so lines from several servers do not interleave. */
	fprintf(srv->log, "ivshmem-server: %s\n", line);
	fflush(srv->log);
}

static int set_why(char *why, size_t whylen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int set_why(char *why, size_t whylen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Send one protocol message on a non-blocking socket: -EAGAIN when it is
 * full.  A short send would leave the stream out of step: -EPIPE.
 */
static int send_msg(int sock, int64_t val, int fd)
{
	uint64_t le = htole64((uint64_t)val);
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;
	ssize_t n;

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}

	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(le))
		return -EPIPE;
	return 0;
}

static void mark_dead(struct peer *p, int why)
{
	if (!p->dead) {
		p->dead = true;
		p->why = why;
	}
}

static const char *why_str(int why)
{
	switch (why) {
	case WHY_HANGUP:
		return "disconnected";
	case WHY_SENT_DATA:
		return "sent data";
	case WHY_OVERFLOW:
		return "stopped reading: too many messages queued";
	case WHY_TIMEOUT:
		return "stopped reading: send timeout";
	}
	return strerror(why);
}

static void free_peer(struct peer *p)
{
	close_fd(&p->sock);
	outq_clear(&p->out);
	fdset_put(p->fds);
	free(p);
}

/* Position of id in the sorted peer table, or where it would go. */
static unsigned int peer_pos(const struct ivshm_server *srv, unsigned int id)
{
	unsigned int lo = 0, hi = srv->npeers;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (srv->peers[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Pick an unused ID and return the position it goes to in the table.
 * The caller has checked that the table is not full.
 *
 * By default IDs rotate like those of QEMU's example server: the next ID
 * after the last one handed out that is not in use, wrapping at 65536.
 * QEMU's ivshmem device frees a peer's eventfd array when that peer
 * leaves but keeps using it if the same ID joins again, so an ID that
 * comes back soon corrupts the heap of every QEMU that saw it leave.
 * Rotating keeps that to one reuse in 65536 joins.  With lowest_free the
 * lowest unused ID is taken.
 */
static unsigned int alloc_id(struct ivshm_server *srv, unsigned int *id)
{
	unsigned int i, pos, cand;

	if (srv->lowest_free) {
		for (i = 0; i < srv->npeers; i++)
			if (srv->peers[i]->id != i)
				break;
		*id = i;
		return i;
	}

	cand = srv->next_id;
	for (;;) {
		pos = peer_pos(srv, cand);
		if (pos == srv->npeers || srv->peers[pos]->id != cand)
			break;
		cand = (cand + 1) % IVSHM_MAX_PEERS;
	}
	srv->next_id = (cand + 1) % IVSHM_MAX_PEERS;
	*id = cand;
	return pos;
}

/*
 * Has p been shown q, so that it must be told when q leaves, and hear of
 * q's join through its queue?  Before or at the handshake's cursor, not
 * yet; at the cursor with some of q's vectors sent, or behind it, yes.
 */
static bool shown(const struct peer *p, const struct peer *q)
{
	if (p->stage != HS_PEERS)
		return p->stage > HS_PEERS;
	return q->id < p->hs_next || (q->id == p->hs_next && p->hs_vec);
}

/* The peer p's handshake shows next, or NULL when all have been shown. */
static struct peer *hs_peer(const struct ivshm_server *srv,
			    const struct peer *p)
{
	unsigned int i;

	/*
	 * One not announced yet hears of p when it is (shown() tells).  One
	 * that died is shown all the same: its leave follows.
	 */
	for (i = peer_pos(srv, p->hs_next); i < srv->npeers; i++) {
		struct peer *q = srv->peers[i];

		if (q != p && q->announced)
			return q;
	}
	return NULL;
}

/* The next message due to p, from its handshake, then its queue. */
static bool next_msg(const struct ivshm_server *srv, struct peer *p,
		     int64_t *val, int *fd)
{
	struct peer *q;

	*fd = -1;
	switch (p->stage) {
	case HS_VERSION:
		*val = IVSHM_PROTOCOL_VERSION;
		return true;
	case HS_ID:
		*val = p->id;
		return true;
	case HS_SHM:
		*val = -1;
		*fd = srv->shm_fd;
		return true;
	case HS_PEERS:
		q = hs_peer(srv, p);
		if (q) {
			*val = q->id;
			*fd = q->fds->fd[p->hs_vec];
			return true;
		}
		p->stage = HS_OWN;
		p->hs_vec = 0;
		/* fall through */
	case HS_OWN:
		*val = p->id;
		*fd = p->fds->fd[p->hs_vec];
		return true;
	case HS_DONE:
		break;
	}
	return outq_peek(&p->out, val, fd);
}

/* The message next_msg() gave has been sent. */
static void msg_sent(struct ivshm_server *srv, struct peer *p)
{
	switch (p->stage) {
	case HS_VERSION:
	case HS_ID:
		p->stage++;
		break;
	case HS_SHM:
		p->stage = HS_PEERS;
		p->hs_next = 0;
		p->hs_vec = 0;
		break;
	case HS_PEERS:
		if (++p->hs_vec == srv->vectors) {
			p->hs_next = hs_peer(srv, p)->id + 1;
			p->hs_vec = 0;
		}
		break;
	case HS_OWN:
		if (++p->hs_vec == srv->vectors) {
			p->stage = HS_DONE;
			srv_log(srv, true, "peer %u joined, %u connected",
				p->id, srv->npeers);
		}
		break;
	case HS_DONE:
		outq_pop(&p->out);
		break;
	}
}

/*
 * Send p its next message: 1 if one went, 0 if none is due (or p is dead),
 * -EAGAIN if the socket is full, another -errno if p died of it.
 */
static int send_next(struct ivshm_server *srv, struct peer *p)
{
	int64_t val;
	int fd, ret;

	if (p->dead || !next_msg(srv, p, &val, &fd))
		return 0;
	ret = send_msg(p->sock, val, fd);
	if (ret == 0) {
		msg_sent(srv, p);
		return 1;
	}
	if (ret != -EAGAIN)
		mark_dead(p, -ret);
	return ret;
}

/*
 * Send p what is due to it until its socket is full, FLUSH_BURST messages
 * went, or nothing is left.  What is left waits for POLLOUT.
 */
static void flush(struct ivshm_server *srv, struct peer *p)
{
	unsigned int sent = 0;
	int ret = 0;

	while (sent < FLUSH_BURST && (ret = send_next(srv, p)) == 1)
		sent++;
	if (sent == FLUSH_BURST || ret == -EAGAIN) {
		if (sent || !p->pending)
			p->stuck_since = now_ms();
		p->pending = true;
	} else {
		p->pending = false;
	}
}

/*
 * Queue a message for p and send what its socket takes, unless it waits
 * for POLLOUT: only what the socket did not take counts against the
 * queue's limit.  A full queue drops p.
 */
static void queue(struct ivshm_server *srv, struct peer *p, int64_t val,
		  struct fdset *fds)
{
	int ret = outq_push(&p->out, val, fds);

	if (ret < 0)
		mark_dead(p, ret == -ENOBUFS ? WHY_OVERFLOW : -ret);
	else if (!p->pending)
		flush(srv, p);
}

/*
 * Tell p that q left, if p was shown q.  A join of q still in p's queue is
 * taken back instead: p never hears of q, and q's eventfds are not kept
 * open for it.
 */
static void tell_leave(struct ivshm_server *srv, struct peer *p,
		       const struct peer *q)
{
	if (!shown(p, q))
		return;
	if (p->stage == HS_PEERS && q->id == p->hs_next) {
		/* half shown: the rest of its vectors are not sent */
		p->hs_next++;
		p->hs_vec = 0;
	} else if (outq_cancel(&p->out, q->fds)) {
		return;
	}
	queue(srv, p, q->id, NULL);
}

/*
 * Remove dead peers and tell the others they left.  Telling may kill more
 * peers (their queues overflow), so go round until none is left.
 */
static void reap(struct ivshm_server *srv)
{
	unsigned int i, j;
	struct peer *p;

restart:
	for (i = 0; i < srv->npeers; i++) {
		p = srv->peers[i];
		if (!p->dead)
			continue;

		memmove(&srv->peers[i], &srv->peers[i + 1],
			(srv->npeers - i - 1) * sizeof(*srv->peers));
		srv->npeers--;

		if (p->announced) {
			for (j = 0; j < srv->npeers; j++)
				if (!srv->peers[j]->dead)
					tell_leave(srv, srv->peers[j], p);
			srv_log(srv, p->why != WHY_OVERFLOW &&
				     p->why != WHY_TIMEOUT,
				"peer %u left (%s), %u connected",
				p->id, why_str(p->why), srv->npeers);
		} else {
			srv_log(srv, true,
				"client dropped during handshake (%s)",
				why_str(p->why));
		}
		free_peer(p);
		goto restart;
	}
}

/*
 * Remove the dead, then send what is due to everyone not waiting for
 * POLLOUT; sending may find more dead, so go round until it does not.
 */
static void settle(struct ivshm_server *srv)
{
	unsigned int i;
	bool died;

	do {
		reap(srv);
		died = false;
		for (i = 0; i < srv->npeers; i++) {
			struct peer *p = srv->peers[i];

			if (!p->pending) {
				flush(srv, p);
				died |= p->dead;
			}
		}
	} while (died);
}

/* Drop the clients whose sockets took nothing for the send timeout. */
static void expire(struct ivshm_server *srv)
{
	uint64_t now;
	unsigned int i;

	if (!srv->send_timeout_ms)
		return;
	now = now_ms();
	for (i = 0; i < srv->npeers; i++) {
		struct peer *p = srv->peers[i];

		if (p->pending && now - p->stuck_since >= srv->send_timeout_ms)
			mark_dead(p, WHY_TIMEOUT);
	}
}

/* timeout_ms, or less if a send timeout expires before. */
static int poll_timeout(const struct ivshm_server *srv, int timeout_ms)
{
	uint64_t now, end;
	unsigned int i;
	int left;

	if (!srv->send_timeout_ms)
		return timeout_ms;
	now = now_ms();
	for (i = 0; i < srv->npeers; i++) {
		const struct peer *p = srv->peers[i];

		if (!p->pending)
			continue;
		end = p->stuck_since + srv->send_timeout_ms;
		left = end > now ? (int)(end - now) : 0;
		if (timeout_ms < 0 || left < timeout_ms)
			timeout_ms = left;
	}
	return timeout_ms;
}

static void add_client(struct ivshm_server *srv, int sock)
{
	struct peer *p;
	unsigned int i, v, pos;

	if (srv->npeers >= srv->max_peers) {
		srv_log(srv, false, "refusing a client: %u peers connected",
			srv->npeers);
		close(sock);
		return;
	}

	p = calloc(1, sizeof(*p));
	if (p) {
		p->sock = sock;
		outq_init(&p->out, srv->queue_limit);
		p->fds = fdset_new(srv->vectors);
	}
	if (!p || !p->fds) {
		srv_log(srv, false, "refusing a client: out of memory");
		if (p)
			free_peer(p);
		else
			close(sock);
		return;
	}
	for (v = 0; v < srv->vectors; v++) {
		p->fds->fd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->fds->fd[v] < 0) {
			srv_log(srv, false, "refusing a client: eventfd: %s",
				strerror(errno));
			free_peer(p);
			return;
		}
	}

	if (srv->npeers == srv->peers_cap) {
		unsigned int cap = srv->peers_cap ? srv->peers_cap * 2 : 16;
		struct peer **np = realloc(srv->peers, cap * sizeof(*np));

		if (!np) {
			srv_log(srv, false, "refusing a client: out of memory");
			free_peer(p);
			return;
		}
		srv->peers = np;
		srv->peers_cap = cap;
	}
	pos = alloc_id(srv, &p->id);
	memmove(&srv->peers[pos + 1], &srv->peers[pos],
		(srv->npeers - pos) * sizeof(*srv->peers));
	srv->peers[pos] = p;
	srv->npeers++;

	/*
	 * Version, ID and shared memory go at once: a client already gone
	 * is dropped unannounced.  The rest goes with everyone's in settle().
	 */
	while (p->stage < HS_PEERS && send_next(srv, p) == 1)
		;
	if (p->dead)
		return;

	/* Every client that has been shown its peers hears of the newcomer. */
	p->announced = true;
	for (i = 0; i < srv->npeers; i++) {
		struct peer *q = srv->peers[i];

		if (q != p && !q->dead && shown(q, p))
			queue(srv, q, p->id, p->fds);
	}
}

/*
 * Out of file descriptors: the pending connection would keep the
 * listening socket readable forever, so accept it on a spare descriptor
 * and close it at once.
 */
static void shed_connection(struct ivshm_server *srv, int errnum)
{
	int fd;

	srv_log(srv, false, "accept: %s: refusing a client", strerror(errnum));
	if (srv->spare_fd < 0)
		return;
	close_fd(&srv->spare_fd);
	fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static int accept_clients(struct ivshm_server *srv)
{
	unsigned int n;
	int fd;

	for (n = 0; n < ACCEPT_BURST; n++) {
		fd = accept4(srv->listen_fd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				continue;
			case EAGAIN:
				return 0;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				shed_connection(srv, errno);
				return 0;
			default:
				return -errno;
			}
		}
		add_client(srv, fd);
		settle(srv);
	}
	return 0;
}

/* A client only ever hangs up: any byte, EOF or error drops it. */
static void check_client(struct peer *p, short revents)
{
	char buf[64];
	ssize_t n;

	if (revents & POLLIN) {
		n = recv(p->sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			mark_dead(p, WHY_SENT_DATA);
		else if (n == 0)
			mark_dead(p, WHY_HANGUP);
		else if (errno != EAGAIN && errno != EINTR)
			mark_dead(p, errno);
	} else if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		mark_dead(p, WHY_HANGUP);
	}
}

int ivshm_server_poll(struct ivshm_server *srv, int extra_fd, int timeout_ms)
{
	size_t n = (size_t)srv->npeers + 2, i;
	int ret;

	if (n > srv->pfds_cap) {
		size_t cap = n * 2;
		struct pollfd *np = realloc(srv->pfds, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		srv->pfds = np;
		srv->pfds_cap = cap;
	}
	srv->pfds[0] = (struct pollfd){ .fd = srv->listen_fd, .events = POLLIN };
	srv->pfds[1] = (struct pollfd){ .fd = extra_fd, .events = POLLIN };
	for (i = 2; i < n; i++) {
		const struct peer *p = srv->peers[i - 2];

		srv->pfds[i] = (struct pollfd){
			.fd = p->sock,
			.events = POLLIN | (p->pending ? POLLOUT : 0),
		};
	}

	ret = poll(srv->pfds, n, poll_timeout(srv, timeout_ms));
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;

	/* The table does not change before settle(). */
	for (i = 2; i < n && ret; i++) {
		struct peer *p = srv->peers[i - 2];
		short revents = srv->pfds[i].revents;

		if (!revents)
			continue;
		check_client(p, revents);
		if (!p->dead && (revents & POLLOUT))
			flush(srv, p);
	}
	expire(srv);
	settle(srv);
	if (ret == 0)
		return 0;

	if (srv->pfds[0].revents & POLLIN) {
		ret = accept_clients(srv);
		if (ret < 0)
			return ret;
	} else if (srv->pfds[0].revents & (POLLERR | POLLNVAL)) {
		return -EIO;
	}

	return extra_fd >= 0 && (srv->pfds[1].revents & (POLLIN | POLLHUP));
}

int ivshm_server_run(struct ivshm_server *srv, int stop_fd)
{
	int ret;

	do {
		ret = ivshm_server_poll(srv, stop_fd, -1);
	} while (ret == 0);
	return ret < 0 ? ret : 0;
}

/* "4 MiB", "1536 KiB", "4097 bytes": exact, in the largest unit that fits. */
static const char *human(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (u < 4 && v && !(v & 1023)) {
		v >>= 10;
		u++;
	}
	snprintf(buf, len, "%llu %s", (unsigned long long)v, units[u]);
	return buf;
}

/*
 * The shared memory: an unnamed file in shm_dir, a memfd, or the POSIX
 * object shm_name. An object that exists is the user's data: it is used
 * as it is when its size is the one asked for (an empty one is sized),
 * and refused otherwise; one created here is removed again if the server
 * does not start (srv->shm_created).
 */
static int open_shm(struct ivshm_server *srv,
		    const struct ivshm_server_config *cfg,
		    char *why, size_t whylen)
{
	char have[32], want[32];
	struct stat st;
	const char *what;
	int ret;

	if (cfg->shm_memfd) {
		unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;

		if (cfg->shm_hugetlb)
			flags = MFD_CLOEXEC | MFD_HUGETLB;
		srv->shm_fd = memfd_create("ivshmem", flags);
		if (srv->shm_fd < 0)
			return set_why(why, whylen, -errno, "memfd_create%s: %s",
				       cfg->shm_hugetlb ? " (huge pages)" : "",
				       strerror(errno));
		what = cfg->shm_hugetlb ? "memfd (huge pages)" : "memfd";
	} else if (cfg->shm_dir) {
		char *path;

		if (asprintf(&path, "%s/ivshmem.XXXXXX", cfg->shm_dir) < 0)
			return set_why(why, whylen, -ENOMEM, "out of memory");
		srv->shm_fd = mkostemp(path, O_CLOEXEC);
		ret = -errno;
		if (srv->shm_fd >= 0)
			unlink(path);
		free(path);
		if (srv->shm_fd < 0)
			return set_why(why, whylen, ret,
				       "%s: cannot create a file: %s",
				       cfg->shm_dir, strerror(-ret));
		what = cfg->shm_dir;
	} else {
		what = cfg->shm_name;
		srv->shm_fd = shm_open(what, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC,
				       0600);
		if (srv->shm_fd >= 0) {
			srv->shm_name = strdup(what);
			if (!srv->shm_name) {
				shm_unlink(what);
				return set_why(why, whylen, -ENOMEM, "out of memory");
			}
		} else if (errno == EEXIST) {
			srv->shm_fd = shm_open(what, O_RDWR | O_CLOEXEC, 0600);
		}
		if (srv->shm_fd < 0)
			return set_why(why, whylen, -errno, "shm_open %s: %s",
				       what, strerror(errno));
	}

	if (fstat(srv->shm_fd, &st) < 0)
		return set_why(why, whylen, -errno, "%s: fstat: %s",
			       what, strerror(errno));
	if (st.st_size && (uint64_t)st.st_size != cfg->shm_size)
		return set_why(why, whylen, -EEXIST,
			       "shared memory object %s exists with %s, not the %s asked for: "
			       "its data is kept; ask for its size, or remove it first",
			       what, human((uint64_t)st.st_size, have, sizeof(have)),
			       human(cfg->shm_size, want, sizeof(want)));
	if (!st.st_size && ftruncate(srv->shm_fd, (off_t)cfg->shm_size) < 0)
		return set_why(why, whylen, -errno, "%s: cannot set size %s: %s",
			       what, human(cfg->shm_size, want, sizeof(want)),
			       strerror(errno));
	srv->shm_size = cfg->shm_size;
	return 0;
}

/* Split path into a directory fd and a base name kept for unlinking. */
static int open_sock_dir(struct ivshm_server *srv, const char *path,
			 char *why, size_t whylen)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (!slash) {
		dir = strdup(".");
		srv->sock_base = strdup(path);
	} else {
		dir = slash == path ? strdup("/") :
				      strndup(path, (size_t)(slash - path));
		srv->sock_base = strdup(slash + 1);
	}
	if (!dir || !srv->sock_base) {
		free(dir);
		return set_why(why, whylen, -ENOMEM, "out of memory");
	}
	if (!*srv->sock_base) {
		free(dir);
		return set_why(why, whylen, -EINVAL,
			       "%s: socket path names a directory", path);
	}
	srv->sock_dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (srv->sock_dirfd < 0) {
		int ret = -errno;

		set_why(why, whylen, ret, "%s (the socket's directory): %s", dir,
			strerror(errno));
		free(dir);
		return ret;
	}
	free(dir);
	return 0;
}

/*
 * Refuse a socket another server answers on; remove a stale one.  The
 * probe is non-blocking so that a live server with a full backlog
 * (EAGAIN) cannot hang it.
 */
static int check_existing_socket(const struct sockaddr_un *sa,
				 char *why, size_t whylen)
{
	const char *path = sa->sun_path;
	struct stat st;
	int fd, e;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return set_why(why, whylen, -errno, "socket: %s",
			       strerror(errno));
	e = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? errno : 0;
	close(fd);

	if (e == 0 || e == EAGAIN || e == EINPROGRESS)
		return set_why(why, whylen, -EADDRINUSE,
			       "%s: another server is listening on this socket",
			       path);
	if (e == ENOENT)
		return 0;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return set_why(why, whylen, -errno, "%s: %s", path,
			       strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return set_why(why, whylen, -EEXIST,
			       "%s: exists and is not a socket", path);
	if (e != ECONNREFUSED)
		return set_why(why, whylen, -e, "%s: %s", path, strerror(e));
	if (unlink(path) < 0 && errno != ENOENT)
		return set_why(why, whylen, -errno,
			       "%s: cannot remove stale socket: %s", path,
			       strerror(errno));
	return 0;
}

static int open_listen(struct ivshm_server *srv, const char *path,
		       char *why, size_t whylen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return set_why(why, whylen, -ENAMETOOLONG,
			       "%s: socket path too long (max %zu bytes)",
			       path, sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);

	ret = open_sock_dir(srv, path, why, whylen);
	if (ret < 0)
		return ret;
	ret = check_existing_socket(&sa, why, whylen);
	if (ret < 0)
		return ret;

	srv->listen_fd = socket(AF_UNIX,
				SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (srv->listen_fd < 0)
		return set_why(why, whylen, -errno, "socket: %s",
			       strerror(errno));
	if (bind(srv->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return set_why(why, whylen, -errno, "%s: bind: %s", path,
			       strerror(errno));
	if (fstatat(srv->sock_dirfd, srv->sock_base, &st,
		    AT_SYMLINK_NOFOLLOW) == 0) {
		srv->sock_dev = st.st_dev;
		srv->sock_ino = st.st_ino;
	}
	if (listen(srv->listen_fd, SOMAXCONN) < 0) {
		ret = -errno;
		unlinkat(srv->sock_dirfd, srv->sock_base, 0);
		srv->sock_ino = 0;
		return set_why(why, whylen, ret, "%s: listen: %s", path,
			       strerror(-ret));
	}
	return 0;
}

int ivshm_server_create(struct ivshm_server **out,
			const struct ivshm_server_config *cfg,
			char *why, size_t whylen)
{
	struct ivshm_server *srv;
	int ret;

	*out = NULL;
	if (whylen)
		why[0] = '\0';
	if (!cfg->socket_path || !*cfg->socket_path)
		return set_why(why, whylen, -EINVAL, "no socket path");
	if (!cfg->shm_dir && !cfg->shm_memfd && (!cfg->shm_name || !*cfg->shm_name))
		return set_why(why, whylen, -EINVAL, "no shared memory name");
	if (!ivshm_is_power_of_2(cfg->shm_size) ||
	    cfg->shm_size > (uint64_t)INT64_MAX)
		return set_why(why, whylen, -EINVAL,
			       "size %llu is not a power of two",
			       (unsigned long long)cfg->shm_size);
	if (cfg->shm_size < (uint64_t)sysconf(_SC_PAGESIZE))
		return set_why(why, whylen, -EINVAL,
			       "size %llu is less than a page (%ld bytes)",
			       (unsigned long long)cfg->shm_size,
			       sysconf(_SC_PAGESIZE));
	if (cfg->shm_hugetlb && !cfg->shm_memfd)
		return set_why(why, whylen, -EINVAL,
			       "huge pages need a memfd (or -m on a hugetlbfs mount)");
	if (cfg->vectors < 1 || cfg->vectors > PCIMEM_MAX_VECTORS)
		return set_why(why, whylen, -EINVAL,
			       "%u vectors: must be between 1 and %d",
			       cfg->vectors, PCIMEM_MAX_VECTORS);
	if (cfg->max_peers > IVSHM_MAX_PEERS)
		return set_why(why, whylen, -EINVAL,
			       "at most %d peers", IVSHM_MAX_PEERS);

	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return set_why(why, whylen, -ENOMEM, "out of memory");
	srv->vectors = cfg->vectors;
	srv->max_peers = cfg->max_peers ? cfg->max_peers : IVSHM_MAX_PEERS;
	srv->send_timeout_ms = cfg->send_timeout_ms;
	srv->queue_limit = cfg->queue_limit ? cfg->queue_limit :
					      IVSHM_QUEUE_LIMIT;
	srv->lowest_free = cfg->lowest_free_ids;
	srv->log = cfg->log;
	srv->verbose = cfg->verbose;
	srv->listen_fd = -1;
	srv->shm_fd = -1;
	srv->sock_dirfd = -1;
	srv->spare_fd = -1;

	/* The socket first: a server that cannot serve creates nothing. */
	if (cfg->listen_fd_set) {
		srv->listen_fd = cfg->listen_fd;
		srv->listen_inherited = true;
	} else {
		ret = open_listen(srv, cfg->socket_path, why, whylen);
		if (ret < 0)
			goto fail;
	}
	ret = open_shm(srv, cfg, why, whylen);
	if (ret < 0)
		goto fail;
	/* Started: an object created here now stays for others to find. */
	free(srv->shm_name);
	srv->shm_name = NULL;
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	srv_log(srv, true, "listening on %s: %llu bytes of shared memory, %u vector%s",
		cfg->socket_path, (unsigned long long)srv->shm_size,
		srv->vectors, srv->vectors == 1 ? "" : "s");
	*out = srv;
	return 0;
fail:
	ivshm_server_destroy(srv);
	return ret;
}

int ivshm_server_listen_fd(const struct ivshm_server *srv)
{
	return srv->listen_fd;
}

int ivshm_server_shm_fd(const struct ivshm_server *srv)
{
	return srv->shm_fd;
}

unsigned int ivshm_server_peer_count(const struct ivshm_server *srv)
{
	return srv->npeers;
}

void ivshm_server_destroy(struct ivshm_server *srv)
{
	struct stat st;
	unsigned int i;

	if (!srv)
		return;
	for (i = 0; i < srv->npeers; i++)
		free_peer(srv->peers[i]);
	free(srv->peers);
	free(srv->pfds);

	if (srv->listen_inherited) {
		close_fd(&srv->listen_fd);
	} else if (srv->listen_fd >= 0) {
		close_fd(&srv->listen_fd);
		/* Remove the socket file only if it is still ours. */
		if (srv->sock_ino &&
		    fstatat(srv->sock_dirfd, srv->sock_base, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_dev == srv->sock_dev && st.st_ino == srv->sock_ino)
			unlinkat(srv->sock_dirfd, srv->sock_base, 0);
	}
	close_fd(&srv->sock_dirfd);
	close_fd(&srv->shm_fd);
	if (srv->shm_name)	/* created by a server that did not start */
		shm_unlink(srv->shm_name);
	free(srv->shm_name);
	close_fd(&srv->spare_fd);
	free(srv->sock_base);
	free(srv);
}
