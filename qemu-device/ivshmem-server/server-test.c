// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem-server tests: the server library runs in a thread on sockets in
 * a temporary directory and is driven through the client library or raw
 * protocol reads; the command line front end is run as a program.
 *
 * Usage: ivshmem-server-test [PATH-TO-ivshmem-server]
 * (default: ivshmem-server next to this program).  Set IVSHM_TEST_LOG=1
 * to see the server's log.  Timeouts only guard against hangs.
 */
#include "client.h"
#include "outq.h"
#include "server.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TMO		5000	/* ms: guard for anything expected to happen */
#define ANY_ID		UINT_MAX
#define WATCHDOG_S	600	/* s: guard for the whole run */

static int passed, failed;
static char detail[1024];
static char tmpdir[64];
static char server_bin[PATH_MAX + 32];
static unsigned int sock_seq;

/* ---- reporting ---- */

static int failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int failf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return -1;
}

static void report(const char *what, int ret)
{
	if (ret == 0) {
		printf("ok - %s\n", what);
		passed++;
	} else {
		printf("FAIL - %s: %s\n", what, detail);
		failed++;
	}
	fflush(stdout);
	detail[0] = '\0';
}

/* ---- a server running in a thread ---- */

struct server {
	struct ivshm_server *srv;
	pthread_t thread;
	int stop_fd;
	int ret;
	bool running;
	char path[PATH_MAX];
};

static void test_cfg(struct ivshm_server_config *cfg, char *path, size_t len,
		     unsigned int vectors)
{
	snprintf(path, len, "%s/s%u", tmpdir, sock_seq++);
	*cfg = (struct ivshm_server_config){
		.socket_path = path,
		.shm_dir = tmpdir,
		.shm_size = 1 << 20,
		.vectors = vectors,
		.send_timeout_ms = TMO,
		.log = getenv("IVSHM_TEST_LOG") ? stderr : NULL,
		.verbose = true,
	};
}

static void *server_thread(void *arg)
{
	struct server *s = arg;

	s->ret = ivshm_server_run(s->srv, s->stop_fd);
	return NULL;
}

static int server_start(struct server *s, const struct ivshm_server_config *cfg)
{
	char err[256];
	int ret;

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", cfg->socket_path);
	ret = ivshm_server_create(&s->srv, cfg, err, sizeof(err));
	if (ret < 0)
		return failf("ivshm_server_create: %s", err);
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s->stop_fd < 0) {
		ivshm_server_destroy(s->srv);
		return failf("eventfd: %s", strerror(errno));
	}
	ret = pthread_create(&s->thread, NULL, server_thread, s);
	if (ret) {
		close(s->stop_fd);
		ivshm_server_destroy(s->srv);
		return failf("pthread_create: %s", strerror(ret));
	}
	s->running = true;
	return 0;
}

static int server_stop(struct server *s)
{
	uint64_t one = 1;

	if (!s->running)
		return 0;
	s->running = false;
	if (write(s->stop_fd, &one, sizeof(one)) != sizeof(one))
		abort();
	pthread_join(s->thread, NULL);
	close(s->stop_fd);
	ivshm_server_destroy(s->srv);
	if (s->ret < 0)
		return failf("server loop failed: %s", strerror(-s->ret));
	if (access(s->path, F_OK) == 0)
		return failf("%s still exists after destroy", s->path);
	return 0;
}

/* ---- protocol helpers ---- */

static int expect_raw(int sock, int64_t want, bool with_fd, int *fd_out)
{
	int64_t val;
	int fd, ret;

	ret = ivshm_recv_msg(sock, &val, &fd, TMO);
	if (ret < 0)
		return failf("waiting for %lld%s: %s", (long long)want,
			     with_fd ? " with fd" : "", strerror(-ret));
	if (val != want || (fd >= 0) != with_fd) {
		if (fd >= 0)
			close(fd);
		return failf("got %lld %s, expected %lld %s", (long long)val,
			     fd >= 0 ? "with fd" : "without fd",
			     (long long)want, with_fd ? "with fd" : "without fd");
	}
	if (fd_out)
		*fd_out = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
}

static bool is_eventfd(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventfd]") == 0;
}

static const char *event_name(enum ivshm_event_type t)
{
	switch (t) {
	case IVSHM_EVENT_PEER_VECTOR:
		return "peer vector";
	case IVSHM_EVENT_PEER_LEFT:
		return "peer left";
	case IVSHM_EVENT_OWN_VECTOR:
		return "own vector";
	}
	return "?";
}

static int expect_event(struct ivshm_client *c, enum ivshm_event_type type,
			unsigned int peer, unsigned int vector)
{
	struct ivshm_event ev;
	int ret;

	ret = ivshm_client_process(c, TMO, &ev);
	if (ret < 0)
		return failf("client %u waiting for %s %u/%u: %s",
			     ivshm_client_id(c), event_name(type), peer, vector,
			     strerror(-ret));
	if (ev.type != type || ev.peer != peer ||
	    (type != IVSHM_EVENT_PEER_LEFT && ev.vector != vector))
		return failf("client %u got %s %u/%u, expected %s %u/%u",
			     ivshm_client_id(c), event_name(ev.type), ev.peer,
			     ev.vector, event_name(type), peer, vector);
	return 0;
}

static int expect_join(struct ivshm_client *c, unsigned int peer,
		       unsigned int vectors)
{
	unsigned int v;

	for (v = 0; v < vectors; v++)
		if (expect_event(c, IVSHM_EVENT_PEER_VECTOR, peer, v))
			return -1;
	if (ivshm_client_peer_vectors(c, peer) != (int)vectors)
		return failf("client %u has %d vectors for peer %u, not %u",
			     ivshm_client_id(c),
			     ivshm_client_peer_vectors(c, peer), peer, vectors);
	return 0;
}

static int expect_leave(struct ivshm_client *c, unsigned int peer)
{
	if (expect_event(c, IVSHM_EVENT_PEER_LEFT, peer, 0))
		return -1;
	if (ivshm_client_peer_vectors(c, peer) != -ENOENT)
		return failf("client %u still knows peer %u after it left",
			     ivshm_client_id(c), peer);
	return 0;
}

static int connect_client(struct ivshm_client **c, const char *path,
			  unsigned int vectors, unsigned int want_id)
{
	int ret = ivshm_client_connect(c, path, vectors, TMO);

	if (ret < 0)
		return failf("client connect: %s", strerror(-ret));
	if (want_id != ANY_ID && ivshm_client_id(*c) != want_id) {
		failf("got id %u, expected %u", ivshm_client_id(*c), want_id);
		ivshm_client_close(*c);
		*c = NULL;
		return -1;
	}
	return 0;
}

/* Start the server for cfg; connect clients 0 and 1, with cfg's vectors. */
static int start_pair(struct server *s, const struct ivshm_server_config *cfg,
		      struct ivshm_client **a, struct ivshm_client **b)
{
	int ret = server_start(s, cfg);

	if (!ret)
		ret = connect_client(a, cfg->socket_path, cfg->vectors, 0);
	if (!ret)
		ret = connect_client(b, cfg->socket_path, cfg->vectors, 1);
	return ret;
}

/*
 * The end of a test: close the n clients given (NULL ones too), stop the
 * server; only a server that fails to stop is a check of its own.
 */
static void finish(struct server *s, unsigned int n, ...)
{
	va_list ap;

	va_start(ap, n);
	while (n--)
		ivshm_client_close(va_arg(ap, struct ivshm_client *));
	va_end(ap);
	if (server_stop(s))
		report("server stops cleanly", -1);
}

/* A raw protocol connection to path in *sock. */
static int raw_connect(const char *path, int *sock)
{
	*sock = ivshm_socket_connect(path);
	if (*sock < 0)
		return failf("connect: %s", strerror(-*sock));
	return 0;
}

/* The handshake's start: version 0, the ID, -1 with the shm fd (to shm). */
static int expect_greeting(int sock, unsigned int id, int *shm)
{
	int ret = expect_raw(sock, 0, false, NULL);

	if (!ret)
		ret = expect_raw(sock, id, false, NULL);
	if (!ret)
		ret = expect_raw(sock, -1, true, shm);
	return ret;
}

static int expect_join_leave(struct ivshm_client *c, unsigned int peer,
			     unsigned int vectors)
{
	int ret = expect_join(c, peer, vectors);

	if (!ret)
		ret = expect_leave(c, peer);
	return ret;
}

/* from rings vector of to; to must see exactly count on that vector. */
static int expect_ring(struct ivshm_client *from, struct ivshm_client *to,
		       unsigned int vector, unsigned int count)
{
	uint64_t total = 0, n;
	unsigned int i;
	int ret;

	for (i = 0; i < count; i++) {
		ret = ivshm_client_ring(from, ivshm_client_id(to), vector);
		if (ret < 0)
			return failf("client %u ringing %u/%u: %s",
				     ivshm_client_id(from), ivshm_client_id(to),
				     vector, strerror(-ret));
	}
	while (total < count) {
		ret = ivshm_client_wait(to, (int)vector, TMO, &n);
		if (ret < 0)
			return failf("client %u waiting on vector %u: %s (got %llu of %u)",
				     ivshm_client_id(to), vector,
				     strerror(-ret),
				     (unsigned long long)total, count);
		total += n;
	}
	if (total != count)
		return failf("client %u vector %u counted %llu, expected %u",
			     ivshm_client_id(to), vector,
			     (unsigned long long)total, count);
	/* Nothing else pending on any vector. */
	ret = ivshm_client_wait(to, -1, 0, &n);
	if (ret != -ETIMEDOUT)
		return failf("client %u: unexpected ring on vector %d",
			     ivshm_client_id(to), ret);
	return 0;
}

/* One ring each way: from rings vector of to, then to rings back of from. */
static int expect_ring_both(struct ivshm_client *from, struct ivshm_client *to,
			    unsigned int vector, unsigned int back)
{
	int ret = expect_ring(from, to, vector, 1);

	if (!ret)
		ret = expect_ring(to, from, back, 1);
	return ret;
}

/* ---- tests: protocol ---- */

static void test_handshake_one(void)
{
	struct ivshm_server_config cfg;
	struct server s;
	char path[PATH_MAX];
	struct stat st;
	int sock = -1, shm = -1, fd, ret;
	unsigned int v;
	void *map;

	test_cfg(&cfg, path, sizeof(path), 4);
	cfg.shm_size = 2 << 20;
	ret = server_start(&s, &cfg);
	if (ret)
		goto out;
	ret = raw_connect(path, &sock);
	if (!ret)
		ret = expect_greeting(sock, 0, &shm);
	if (ret)
		goto out;
	if (fstat(shm, &st) < 0 || st.st_size != 2 << 20) {
		ret = failf("shm size %lld, expected %d",
			    (long long)st.st_size, 2 << 20);
		goto out;
	}
	map = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
	if (map == MAP_FAILED) {
		ret = failf("mmap shm: %s", strerror(errno));
		goto out;
	}
	munmap(map, 2 << 20);
	for (v = 0; v < 4 && !ret; v++) {
		ret = expect_raw(sock, 0, true, &fd);
		if (!ret && !is_eventfd(fd))
			ret = failf("vector %u fd is not an eventfd", v);
		if (!ret)
			close(fd);
	}
out:
	if (shm >= 0)
		close(shm);
	if (sock >= 0)
		close(sock);
	if (!ret)
		ret = server_stop(&s);
	else
		server_stop(&s);
	report("handshake for one client: version 0, id 0, -1 with a 2 MiB shm fd, 4 own eventfds", ret);
}

static void test_handshake_several(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *a = NULL, *b = NULL;
	struct server s;
	char path[PATH_MAX];
	int sock = -1, fds[3][3], ret;
	unsigned int p, v;
	uint64_t n;

	memset(fds, -1, sizeof(fds));
	test_cfg(&cfg, path, sizeof(path), 3);
	ret = start_pair(&s, &cfg, &a, &b);
	if (!ret)
		ret = raw_connect(path, &sock);
	if (!ret)
		ret = expect_greeting(sock, 2, NULL);
	/* peers 0 and 1, then itself, each once per vector */
	for (p = 0; p < 3 && !ret; p++)
		for (v = 0; v < 3 && !ret; v++)
			ret = expect_raw(sock, p, true, &fds[p][v]);
	report("handshake for a third client: 0, 2, -1+shm, peer 0 x3, peer 1 x3, own x3", ret);
	if (ret)
		goto out;

	ret = expect_join(a, 1, 3);
	if (!ret)
		ret = expect_join(a, 2, 3);
	if (!ret)
		ret = expect_join(b, 2, 3);
	report("join announced to existing clients: new ID once per vector with fds", ret);
	if (ret)
		goto out;

	/* The fds handed to the newcomer are the peers' own eventfds. */
	for (v = 0; v < 3 && !ret; v++) {
		const uint64_t one = 1;

		if (write(fds[0][v], &one, sizeof(one)) != sizeof(one) ||
		    write(fds[1][v], &one, sizeof(one)) != sizeof(one)) {
			ret = failf("write eventfd: %s", strerror(errno));
			break;
		}
		if (ivshm_client_wait(a, (int)v, TMO, &n) != (int)v || n != 1)
			ret = failf("client 0 vector %u not rung", v);
		else if (ivshm_client_wait(b, (int)v, TMO, &n) != (int)v ||
			 n != 1)
			ret = failf("client 1 vector %u not rung", v);
		else if (ivshm_client_ring(a, 2, v) < 0)
			ret = failf("client 0 cannot ring 2/%u", v);
		else if (read(fds[2][v], &n, sizeof(n)) != sizeof(n) || n != 1)
			ret = failf("client 2 vector %u not rung by 0", v);
	}
	report("eventfds given to a newcomer are the ones its peers are rung on", ret);
	if (ret)
		goto out;

	close(sock);
	sock = -1;
	ret = expect_leave(a, 2);
	if (!ret)
		ret = expect_leave(b, 2);
	report("leave announced to the others: ID without fd", ret);
out:
	for (p = 0; p < 3; p++)
		for (v = 0; v < 3; v++)
			if (fds[p][v] >= 0)
				close(fds[p][v]);
	if (sock >= 0)
		close(sock);
	finish(&s, 2, a, b);
}

/* Minimal client: read the handshake for one vector, keep no fds. */
static int raw_join(const char *path, unsigned int want_id, unsigned int npeers,
		    int *sock_out)
{
	unsigned int i;
	int sock, ret;

	if (raw_connect(path, &sock))
		return -1;
	ret = expect_greeting(sock, want_id, NULL);
	for (i = 0; i < npeers && !ret; i++)
		ret = expect_raw(sock, i, true, NULL);
	if (!ret)
		ret = expect_raw(sock, want_id, true, NULL);
	if (ret) {
		close(sock);
		return ret;
	}
	*sock_out = sock;
	return 0;
}

/* Wait until c has seen peer leave, skipping other events. */
static int drain_until_leave(struct ivshm_client *c, unsigned int peer)
{
	struct ivshm_event ev;
	int ret;

	do {
		ret = ivshm_client_process(c, TMO, &ev);
		if (ret < 0)
			return failf("client %u waiting for leave of %u: %s",
				     ivshm_client_id(c), peer, strerror(-ret));
	} while (!(ev.type == IVSHM_EVENT_PEER_LEFT && ev.peer == peer));
	return 0;
}

static void test_ids(bool lowest)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *c[6] = { NULL };
	struct server s;
	char path[PATH_MAX];
	int ret;
	unsigned int i, round;

	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.lowest_free_ids = lowest;
	ret = server_start(&s, &cfg);
	for (i = 0; i < 4 && !ret; i++)
		ret = connect_client(&c[i], path, 1, i);
	if (!lowest)
		report("IDs handed out 0, 1, 2, 3 while all stay connected", ret);

	/*
	 * Round 0: 1 leaves and c[0] sees it; round 1: 0 leaves and c[2]
	 * sees it.  Each time it connects again, then a newcomer (c[4], c[5]):
	 * lowest_free_ids gives them their indices, the default 4, 5 and 6, 7.
	 */
	for (round = 0; round < 2 && !ret; round++) {
		unsigned int gone = 1 - round, next = 4 + round;

		ivshm_client_close(c[gone]);
		c[gone] = NULL;
		ret = drain_until_leave(c[2 * round], gone);
		if (!ret)
			ret = connect_client(&c[gone], path, 1,
					     lowest ? gone : 4 + 2 * round);
		if (!ret)
			ret = connect_client(&c[next], path, 1,
					     lowest ? next : 5 + 2 * round);
	}
	report(lowest ?
	       "lowest_free_ids: freed IDs 1 and 0 handed out again only after their leave" :
	       "default IDs rotate like QEMU's server: after 1 and 0 leave, 4, 5, 6, 7 follow",
	       ret);
	for (i = 0; i < 6; i++)
		ivshm_client_close(c[i]);
	finish(&s, 0);
}

/* After 65535 the rotation wraps to the lowest ID not in use. */
static void test_id_wrap(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *a = NULL, *b = NULL, *c = NULL;
	struct server s;
	char path[PATH_MAX];
	unsigned int i;
	int sock, ret;

	test_cfg(&cfg, path, sizeof(path), 1);
	ret = start_pair(&s, &cfg, &a, &b);
	if (!ret)
		ret = expect_join(a, 1, 1);
	/* a third client comes and goes until the IDs run out */
	for (i = 2; i < IVSHM_MAX_PEERS && !ret; i++) {
		ret = raw_join(path, i, 2, &sock);
		if (ret)
			break;
		close(sock);
		ret = expect_join_leave(a, i, 1);
		if (!ret)
			ret = expect_join_leave(b, i, 1);
	}
	if (!ret)
		ret = connect_client(&c, path, 1, 2);
	report("default IDs wrap after 65535 to the first one not in use (0 and 1 are)",
	       ret);
	finish(&s, 3, a, b, c);
}

static void test_ring(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *a = NULL, *b = NULL;
	struct server s;
	char path[PATH_MAX];
	unsigned int v;
	int ret;

	test_cfg(&cfg, path, sizeof(path), 4);
	ret = start_pair(&s, &cfg, &a, &b);
	if (!ret)
		ret = expect_join(a, 1, 4);
	for (v = 0; v < 4 && !ret; v++)
		ret = expect_ring(a, b, v, 1);
	for (v = 0; v < 4 && !ret; v++)
		ret = expect_ring(b, a, v, 1);
	report("ring: A rings B's vector v (and B rings A), only v fires, count 1", ret);
	if (!ret)
		ret = expect_ring(a, b, 2, 10);
	if (!ret)
		ret = expect_ring(b, a, 3, 1000);
	report("ring: 10 and 1000 rings add up to 10 and 1000", ret);

	ivshm_client_close(a);
	ivshm_client_close(b);
	a = b = NULL;

	/* 64 vectors */
	if (server_stop(&s) && !ret)
		ret = -1;
	test_cfg(&cfg, path, sizeof(path), 64);
	if (!ret)
		ret = start_pair(&s, &cfg, &a, &b);
	if (!ret)
		ret = expect_join(a, 1, 64);
	if (!ret && ivshm_client_peer_vectors(b, 0) != 64)
		ret = failf("client 1 knows %d vectors of peer 0",
			    ivshm_client_peer_vectors(b, 0));
	if (!ret)
		ret = expect_ring_both(a, b, 63, 0);
	report("64 vectors: handshake, join, ring on vectors 63 and 0", ret);
	finish(&s, 2, a, b);
}

static void test_bad_clients(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *a = NULL, *x = NULL, *y = NULL, *z = NULL;
	struct ivshm_event ev;
	struct server s;
	char path[PATH_MAX];
	int sock, ret;

	test_cfg(&cfg, path, sizeof(path), 2);
	ret = start_pair(&s, &cfg, &a, &x);
	if (!ret)
		ret = expect_join(a, 1, 2);
	if (!ret && send(ivshm_client_socket(x), "x", 1, MSG_NOSIGNAL) != 1)
		ret = failf("send: %s", strerror(errno));
	if (!ret)
		ret = expect_leave(a, 1);
	if (!ret) {
		/* x's connection is closed by the server */
		ret = ivshm_client_process(x, TMO, &ev);
		ret = ret == -ECONNRESET ? 0 :
			failf("dropped client read %d, expected EOF", ret);
	}
	ivshm_client_close(x);
	x = NULL;
	if (!ret)
		ret = connect_client(&y, path, 2, 2);
	if (!ret)
		ret = expect_join(a, 2, 2);
	if (!ret)
		ret = expect_ring_both(y, a, 1, 0);
	report("client sending a byte is dropped, others told; a newcomer works", ret);
	ivshm_client_close(y);
	y = NULL;
	if (!ret)
		ret = expect_leave(a, 2);
	if (ret)
		goto out;

	/* Connect and close at once. */
	ret = raw_connect(path, &sock);
	if (ret)
		goto out;
	close(sock);
	/* The short-lived client took ID 3, or not if it was gone first. */
	ret = ivshm_client_connect(&y, path, 2, TMO);
	if (ret < 0)
		ret = failf("connect: %s", strerror(-ret));
	else if (ivshm_client_id(y) != 3 && ivshm_client_id(y) != 4)
		ret = failf("got ID %u, expected 3 or 4", ivshm_client_id(y));
	/*
	 * a may see the short-lived client join and leave, possibly under
	 * y's ID.  z joins after y, so once a has z's join, a's entry for
	 * y's ID is y's.
	 */
	if (!ret)
		ret = ivshm_client_connect(&z, path, 2, TMO);
	if (ret < 0)
		ret = failf("connect z: %s", strerror(-ret));
	while (!ret) {
		ret = ivshm_client_process(a, TMO, &ev);
		if (ret < 0) {
			ret = failf("client 0 waiting for the join of %u: %s",
				    ivshm_client_id(z), strerror(-ret));
			break;
		}
		if (ev.type == IVSHM_EVENT_PEER_VECTOR &&
		    ev.peer == ivshm_client_id(z) && ev.vector == 1)
			break;
	}
	if (!ret)
		ret = expect_ring_both(a, y, 0, 1);
	report("client that connects and closes at once does no harm", ret);
out:
	finish(&s, 4, a, x, y, z);
}

/* A client vanishes while its (large) handshake is being sent. */
static void test_vanish_mid_handshake(void)
{
	enum { NC = 4, NV = 64 };
	struct ivshm_server_config cfg;
	struct ivshm_client *c[NC + 1] = { NULL };
	struct server s;
	char path[PATH_MAX];
	unsigned int i, j;
	int sock, ret;

	test_cfg(&cfg, path, sizeof(path), NV);
	ret = server_start(&s, &cfg);
	for (i = 0; i < NC && !ret; i++) {
		ret = connect_client(&c[i], path, NV, i);
		for (j = 0; j < i && !ret; j++)
			ret = expect_join(c[j], i, NV);
	}
	if (ret)
		goto out;

	/* Read version, ID and shm, then go away. */
	ret = raw_connect(path, &sock);
	if (ret)
		goto out;
	ret = expect_greeting(sock, NC, NULL);
	close(sock);
	for (j = 0; j < NC && !ret; j++)
		ret = expect_join_leave(c[j], NC, NV);
	if (!ret)
		ret = connect_client(&c[NC], path, NV, NC + 1);
	for (j = 0; j < NC && !ret; j++)
		ret = expect_join(c[j], NC + 1, NV);
	for (j = 0; j < NC && !ret; j++)
		ret = expect_ring(c[NC], c[j], j, 1);
	report("client vanishing mid-handshake (64 vectors, 4 peers) is dropped, others keep working", ret);
out:
	for (i = 0; i <= NC; i++)
		ivshm_client_close(c[i]);
	finish(&s, 0);
}

/* A client that never reads must not block the server forever. */
static void test_never_reads(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *a = NULL, *c = NULL;
	struct ivshm_event ev;
	struct server s;
	char path[PATH_MAX];
	bool gone = false, joined;
	unsigned int round;
	int sock = -1, ret;

	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.send_timeout_ms = 100;
	ret = server_start(&s, &cfg);
	if (!ret)
		ret = connect_client(&a, path, 1, 0);
	if (!ret)
		ret = raw_connect(path, &sock);
	if (!ret)
		ret = expect_join(a, 1, 1);
	/* Churn until the server gives up on the silent client (ID 1). */
	for (round = 0; round < 5000 && !ret && !gone; round++) {
		unsigned int id;

		ret = ivshm_client_connect(&c, path, 1, TMO);
		if (ret < 0) {
			ret = failf("round %u: connect: %s", round,
				    strerror(-ret));
			break;
		}
		id = ivshm_client_id(c);
		ivshm_client_close(c);
		c = NULL;
		/*
		 * a sees the churn client join and leave; the silent client's
		 * leave may come before, between or after those.
		 */
		for (joined = false;;) {
			ret = ivshm_client_process(a, TMO, &ev);
			if (ret < 0) {
				ret = failf("round %u: %s", round,
					    strerror(-ret));
				break;
			}
			if (ev.type == IVSHM_EVENT_PEER_VECTOR && ev.peer == id)
				joined = true;
			if (ev.type != IVSHM_EVENT_PEER_LEFT)
				continue;
			if (ev.peer == id && joined)
				break;
			if (ev.peer == 1)
				gone = true;
			else
				ret = failf("round %u: unexpected leave of %u",
					    round, ev.peer);
		}
	}
	if (!ret && !gone)
		ret = failf("silent client still connected after %u rounds",
			    round);
	if (!ret)
		ret = connect_client(&c, path, 1, ANY_ID);
	if (!ret)
		ret = expect_join(a, ivshm_client_id(c), 1);
	if (!ret)
		ret = expect_ring_both(a, c, 0, 0);
	report("client that never reads is dropped once its socket fills; others keep working", ret);
	if (sock >= 0)
		close(sock);
	finish(&s, 2, a, c);
}

/* ---- tests: the output queue ---- */

/* The value of every message in q, as outq_peek() and outq_pop() give them. */
static int drain_outq(struct outq *q, int64_t *vals, int *fds, unsigned int max,
		      unsigned int *n)
{
	for (*n = 0; *n < max && outq_peek(q, &vals[*n], &fds[*n]); ++*n)
		outq_pop(q);
	return outq_empty(q) ? 0 : failf("more than %u messages queued", max);
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void test_outq(void)
{
	struct fdset *s[6] = { NULL };
	struct outq q;
	int64_t vals[32], val;
	int fds[32], fd, ret = 0;
	unsigned int i, n;

	for (i = 0; i < 6 && !ret; i++) {
		s[i] = fdset_new(2);
		if (!s[i] || (s[i]->fd[0] = eventfd(0, EFD_CLOEXEC)) < 0 ||
		    (s[i]->fd[1] = eventfd(0, EFD_CLOEXEC)) < 0)
			ret = failf("fdset_new/eventfd: %s", strerror(errno));
	}
	outq_init(&q, 4);
	/* 10 (2 fds), 11, 12 (2 fds), 13: full; sent: 10 x2 */
	if (!ret && (outq_push(&q, 10, s[0]) || outq_push(&q, 11, NULL) ||
		     outq_push(&q, 12, s[1]) || outq_push(&q, 13, NULL) ||
		     outq_push(&q, 14, NULL) != -ENOBUFS))
		ret = failf("4 entries do not fill a queue of 4");
	for (i = 0; i < 2 && !ret; i++) {
		if (!outq_peek(&q, &val, &fd) || val != 10 || fd != s[0]->fd[i])
			ret = failf("message %u is not 10 with fd %u", i, i);
		outq_pop(&q);
	}
	/* the ring wraps: 11, 12 x2, 13, 15 (2 fds), then 12 taken back */
	if (!ret && outq_push(&q, 15, s[2]))
		ret = failf("no room after the head went");
	if (!ret && !outq_peek(&q, &val, &fd))
		ret = failf("queue empty");
	if (!ret && (!outq_cancel(&q, s[1]) || outq_cancel(&q, s[1]) ||
		     outq_cancel(&q, s[3])))
		ret = failf("cancel: 12 once, then nothing");
	if (!ret)
		ret = drain_outq(&q, vals, fds, 32, &n);
	if (!ret && (n != 4 || vals[0] != 11 || fds[0] != -1 ||
		     vals[1] != 13 || vals[2] != 15 || fds[2] != s[2]->fd[0] ||
		     vals[3] != 15 || fds[3] != s[2]->fd[1]))
		ret = failf("after taking back 12: %u messages, not 11, 13, 15 x2",
			    n);
	/* A join half sent is not taken back; a cleared queue lets go. */
	if (!ret && (outq_push(&q, 16, s[3]) || outq_push(&q, 17, s[4]) ||
		     outq_push(&q, 18, s[5])))
		ret = failf("push after draining failed");
	if (!ret) {
		outq_pop(&q);	/* half of 16 */
		if (outq_cancel(&q, s[3]) || !outq_cancel(&q, s[5]))
			ret = failf("cancel of a half sent entry, or of the last");
	}
	for (i = 0; i < 6; i++) {
		fds[2 * i] = s[i] ? s[i]->fd[0] : -1;
		fds[2 * i + 1] = s[i] ? s[i]->fd[1] : -1;
		fdset_put(s[i]);
	}
	if (!ret && (!fd_open(fds[6]) || !fd_open(fds[8])))
		ret = failf("a queued entry's descriptors were closed");
	outq_clear(&q);
	for (i = 0; i < 12 && !ret; i++)
		if (fds[i] >= 0 && fd_open(fds[i]))
			ret = failf("descriptor %u of 12 still open", i);
	report("output queue: bounded, wraps, takes back unsent joins, closes dropped fds",
	       ret);
}

/* ---- tests: peers that stop reading ---- */

/*
 * The send timeout in these tests: over a second, so that a server that
 * blocks on a stuck peer for that long fails the "within a second" checks.
 */
#define STALL_TIMEOUT_MS	1500
#define SILENT_JOINERS		300	/* peers joining past a silent one */
#define SILENT_VECTORS		2	/* 600 messages: two socket buffers */
#define DRAIN_EVERY		50	/* 100 messages fit in any socket buffer */
#define HANDSHAKE_MAX_MS	1000
#define NO_ID			UINT_MAX

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A raw peer of the test that reads its messages now and then, and what
 * it learnt of one peer that stops reading (the "silent" one).
 */
struct watcher {
	int sock;
	unsigned int id;
	unsigned int own;	/* own vectors received */
	unsigned int silent;	/* the silent peer's ID, or NO_ID */
	bool knew;		/* shown the silent peer's eventfds */
	bool told;		/* told that it left */
};

/*
 * Read one message for w, waiting up to timeout_ms: 1 with *val and
 * *had_fd, 0 on timeout.  Any fd is closed.  A leave of the silent peer
 * must come once, and only to a watcher that was shown it.
 */
static int watch_msg(struct watcher *w, int timeout_ms, int64_t *val,
		     bool *had_fd)
{
	int fd, ret;

	ret = ivshm_recv_msg(w->sock, val, &fd, timeout_ms);
	if (ret == -ETIMEDOUT)
		return 0;
	if (ret < 0)
		return failf("peer %u: %s", w->id, strerror(-ret));
	*had_fd = fd >= 0;
	if (fd >= 0) {
		close(fd);
		if (*val == (int64_t)w->id)
			w->own++;
		else if (*val == (int64_t)w->silent)
			w->knew = true;
	} else if (*val == (int64_t)w->silent) {
		if (!w->knew || w->told)
			return failf("peer %u: leave of silent peer %u %s",
				     w->id, w->silent,
				     w->told ? "told twice" :
					       "that it was never shown");
		w->told = true;
	}
	return 1;
}

/* As watch_msg(), where only the silent peer may leave. */
static int watch_one(struct watcher *w, int timeout_ms)
{
	int64_t val;
	bool had_fd;
	int ret = watch_msg(w, timeout_ms, &val, &had_fd);

	if (ret > 0 && !had_fd && val != (int64_t)w->silent)
		return failf("peer %u: unexpected leave of %lld", w->id,
			     (long long)val);
	return ret;
}

/* Read what is waiting for the n watchers, without waiting. */
static int drain(struct watcher *w, unsigned int n)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		do {
			ret = watch_one(&w[i], 0);
		} while (ret > 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Read w until it has been told the silent peer left. */
static int watch_until_told(struct watcher *w)
{
	int ret;

	while (!w->told) {
		ret = watch_one(w, TMO);
		if (ret <= 0)
			return ret ? ret :
				failf("peer %u: silent peer %u not gone within %d ms",
				      w->id, w->silent, TMO);
	}
	return 0;
}

/*
 * Read w until peer id has joined (join) or left (!join); meanwhile only
 * the silent peer may leave, and other joins pass.
 */
static int watch_until(struct watcher *w, unsigned int id, bool join)
{
	int64_t val;
	bool had_fd;
	int ret;

	for (;;) {
		ret = watch_msg(w, TMO, &val, &had_fd);
		if (ret <= 0)
			return ret ? ret :
				failf("peer %u: no %s of %u within %d ms",
				      w->id, join ? "join" : "leave", id, TMO);
		if (had_fd) {
			if (join && val == (int64_t)id)
				return 0;
			continue;
		}
		if (!join && val == (int64_t)id)
			return 0;
		if (val != (int64_t)w->silent)
			return failf("peer %u: unexpected leave of %lld",
				     w->id, (long long)val);
	}
}

/*
 * Join as a raw peer with `vectors` vectors and read the whole handshake
 * into w (its ID from the greeting); *ms gets how long that took.
 */
static int join_timed(const char *path, unsigned int vectors,
		      unsigned int silent, struct watcher *w, long *ms)
{
	long t0 = now_ms();
	int64_t val;
	int fd, ret;

	*w = (struct watcher){ .sock = -1, .id = NO_ID, .silent = silent };
	if (raw_connect(path, &w->sock))
		return -1;
	ret = expect_raw(w->sock, 0, false, NULL);
	if (!ret) {
		ret = ivshm_recv_msg(w->sock, &val, &fd, TMO);
		if (ret < 0) {
			ret = failf("waiting for an ID: %s", strerror(-ret));
		} else if (fd >= 0 || val < 0 || val > IVSHM_CLIENT_MAX_ID) {
			if (fd >= 0)
				close(fd);
			ret = failf("got %lld as an ID", (long long)val);
		} else {
			w->id = (unsigned int)val;
		}
	}
	if (!ret)
		ret = expect_raw(w->sock, -1, true, NULL);
	while (!ret && w->own < vectors) {
		ret = watch_one(w, TMO);
		if (ret == 0)
			ret = failf("peer %u: %u of %u own vectors within %d ms",
				    w->id, w->own, vectors, TMO);
		else if (ret > 0)
			ret = 0;
	}
	*ms = now_ms() - t0;
	return ret;
}

/* Connect the silent peer; a learns its ID from its join. */
static int connect_silent(const char *path, struct watcher *a, int *silent)
{
	int64_t val;
	bool had_fd;
	int ret;

	if (raw_connect(path, silent))
		return -1;
	a->silent = NO_ID;
	a->knew = a->told = false;
	do {
		ret = watch_msg(a, TMO, &val, &had_fd);
		if (ret == 0)
			return failf("peer %u: no join within %d ms", a->id, TMO);
		if (ret > 0 && !had_fd)
			return failf("peer %u: unexpected leave of %lld",
				     a->id, (long long)val);
	} while (ret > 0 && val == (int64_t)a->id);
	if (ret < 0)
		return ret;
	a->silent = (unsigned int)val;
	a->knew = true;
	return 0;
}

static void close_watchers(struct watcher *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (w[i].sock >= 0)
			close(w[i].sock);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

/* The server's open descriptors and memory in use, as far as we can see. */
struct usage {
	int fds;
	long mem;
};

/* Descriptors in /proc/PID/fd (pid 0: this process, less the dir's own). */
static int count_fds_of(pid_t pid)
{
	char dir[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (!pid)
		return count_fds();
	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* In process: the allocator's bytes in use; a program: its RssAnon. */
static long mem_of(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	if (!pid)
		return (long)mallinfo2().uordblks;
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/*
 * The server's usage while idle with a and one more peer connected: the
 * peer joins (with `vectors` vectors), a sees it, the server (pid; 0: in
 * this process) is measured, and the peer leaves again.  The server
 * accepts the peer only once it has finished with everything before.
 */
static int measure(const char *path, struct watcher *a, unsigned int vectors,
		   pid_t pid, struct usage *u)
{
	struct watcher c;
	long ms;
	int ret = join_timed(path, vectors, a->silent, &c, &ms);

	if (!ret)
		ret = watch_until(a, c.id, true);
	if (!ret) {
		u->fds = count_fds_of(pid);
		u->mem = mem_of(pid);
		if (u->fds < 0 || u->mem < 0)
			ret = failf("cannot read the usage of pid %ld",
				    (long)pid);
	}
	if (c.sock >= 0)
		close(c.sock);
	if (!ret)
		ret = watch_until(a, c.id, false);
	return ret;
}

/*
 * A peer that never reads, then up to `joiners` peers joining (and
 * staying, their messages read now and then; with until_dropped, only
 * until the silent peer is gone): each handshake must complete within a
 * second (what[0]); the silent peer be dropped and announced to every
 * peer that was shown it, and nobody else dropped (what[1]); once all
 * have left, the server (pid; 0: this process) must hold the descriptors
 * it held before (what[2]).
 */
static void silent_peer_checks(const char *path, pid_t pid,
			       unsigned int joiners, bool until_dropped,
			       const char *const what[3])
{
	unsigned int i, n = joiners + 1, worst_i = 0, left;
	struct watcher *w = calloc(n, sizeof(*w));
	struct usage before = { 0 }, after = { 0 };
	long ms, worst = 0;
	int silent = -1, ret;
	int64_t val;
	bool had_fd;

	if (!w) {
		report(what[0], failf("out of memory"));
		return;
	}
	for (i = 0; i < n; i++)
		w[i].sock = -1;
	ret = join_timed(path, SILENT_VECTORS, NO_ID, &w[0], &ms);
	if (!ret)
		ret = measure(path, &w[0], SILENT_VECTORS, pid, &before);
	if (!ret)
		ret = connect_silent(path, &w[0], &silent);
	for (i = 1; i < n && !ret; i++) {
		ret = join_timed(path, SILENT_VECTORS, w[0].silent, &w[i], &ms);
		if (ms > worst) {
			worst = ms;
			worst_i = i;
		}
		if (!ret && i % DRAIN_EVERY == 0)
			ret = drain(w, i + 1);
		if (until_dropped && w[0].told)
			n = i + 1;
	}
	if (!ret && worst >= HANDSHAKE_MAX_MS)
		ret = failf("worst handshake took %ld ms (joiner %u of %u)",
			    worst, worst_i, n - 1);
	report(what[0], ret);
	if (ret)
		goto out;

	for (i = 0; i < n && !ret; i++)
		if (w[i].knew)
			ret = watch_until_told(&w[i]);
	/* Everyone is still there: nobody else's leave was seen. */
	if (!ret)
		ret = drain(w, n);
	report(what[1], ret);
	if (ret)
		goto out;

	/* All but the first leave, and it sees them go. */
	close(silent);
	silent = -1;
	for (i = 1; i < n; i++) {
		close(w[i].sock);
		w[i].sock = -1;
	}
	for (left = 0; !ret && left < n - 1;) {
		ret = watch_msg(&w[0], TMO, &val, &had_fd);
		if (ret == 0)
			ret = failf("peer %u: %u of %u leaves within %d ms",
				    w[0].id, left, n - 1, TMO);
		else if (ret > 0 && !had_fd && val != (int64_t)w[0].silent)
			left++;
		if (ret > 0)
			ret = 0;
	}
	if (!ret)
		ret = measure(path, &w[0], SILENT_VECTORS, pid, &after);
	if (!ret && after.fds != before.fds)
		ret = failf("%d descriptors open before, %d after",
			    before.fds, after.fds);
	report(what[2], ret);
out:
	if (silent >= 0)
		close(silent);
	close_watchers(w, n);
	free(w);
}

static void test_silent_peer(void)
{
	static const char *const what[3] = {
		"silent peer: 300 peers join after it, each handshake within a second",
		"silent peer: dropped after the send timeout, its leave told to all who knew it, nobody else dropped",
		"silent peer: once all have left, the server holds the descriptors it held before",
	};
	struct ivshm_server_config cfg;
	struct server s;
	char path[PATH_MAX];
	int ret;

	test_cfg(&cfg, path, sizeof(path), SILENT_VECTORS);
	cfg.send_timeout_ms = STALL_TIMEOUT_MS;
	ret = server_start(&s, &cfg);
	if (ret) {
		report(what[0], ret);
		return;
	}
	silent_peer_checks(path, 0, SILENT_JOINERS, false, what);
	finish(&s, 0);
}

/* Without a send timeout only the queue limit drops a silent peer. */
static void test_queue_overflow(void)
{
	static const char *const what[3] = {
		"no send timeout, a queue of 64: peers join past a silent peer, each handshake within a second",
		"no send timeout: the silent peer is dropped once its queue overflows, its leave told to all who knew it",
		"queue overflow: once all have left, the server holds the descriptors it held before",
	};
	struct ivshm_server_config cfg;
	struct server s;
	char path[PATH_MAX];
	int ret;

	test_cfg(&cfg, path, sizeof(path), SILENT_VECTORS);
	cfg.send_timeout_ms = 0;
	cfg.queue_limit = 64;
	ret = server_start(&s, &cfg);
	if (ret) {
		report(what[0], ret);
		return;
	}
	silent_peer_checks(path, 0, 2000, true, what);
	finish(&s, 0);
}

/* A peer reads its greeting and then nothing of its large handshake. */
static void test_stalled_handshake(void)
{
	enum { NC = 8, NV = 64, NJ = 20, N = NC + NJ };
	struct ivshm_server_config cfg;
	struct watcher w[N];
	struct server s;
	char path[PATH_MAX];
	long ms, worst = 0;
	unsigned int i, stalled_id = NC, worst_i = 0;
	int stalled = -1, ret;

	for (i = 0; i < N; i++)
		w[i].sock = -1;
	test_cfg(&cfg, path, sizeof(path), NV);
	cfg.send_timeout_ms = STALL_TIMEOUT_MS;
	ret = server_start(&s, &cfg);
	/* 8 peers: a newcomer's handshake is 3 + 9 * 64 messages */
	for (i = 0; i < NC && !ret; i++) {
		ret = join_timed(path, NV, stalled_id, &w[i], &ms);
		if (!ret)
			ret = drain(w, i + 1);
	}
	if (!ret)
		ret = raw_connect(path, &stalled);
	if (!ret)
		ret = expect_greeting(stalled, stalled_id, NULL);
	for (i = 0; i < NC && !ret; i++)
		while (!ret && !w[i].knew) {
			ret = watch_one(&w[i], TMO);
			ret = ret > 0 ? 0 : ret ? ret :
				failf("peer %u not shown peer %u", i, stalled_id);
		}
	for (i = NC; i < N && !ret; i++) {
		ret = join_timed(path, NV, stalled_id, &w[i], &ms);
		if (ms > worst) {
			worst = ms;
			worst_i = i - NC;
		}
		if (!ret)
			ret = drain(w, i + 1);
	}
	if (!ret && worst >= HANDSHAKE_MAX_MS)
		ret = failf("worst handshake took %ld ms (joiner %u of %u)",
			    worst, worst_i, NJ);
	report("peer stalling half-way through its handshake: 20 peers (64 vectors) join after it, each within a second",
	       ret);
	if (ret)
		goto out;

	for (i = 0; i < N && !ret; i++)
		if (w[i].knew)
			ret = watch_until_told(&w[i]);
	if (!ret)
		ret = drain(w, N);
	report("stalled peer: dropped after the send timeout, its leave told to all who knew it, nobody else dropped",
	       ret);
out:
	if (stalled >= 0)
		close(stalled);
	close_watchers(w, N);
	finish(&s, 0);
}

/*
 * One connect and close cycle past a (and maybe a silent peer): a peer
 * joins within a second, leaves, and a sees both.
 */
static int cycle(const char *path, struct watcher *a, long *worst)
{
	struct watcher c;
	long ms;
	int ret = join_timed(path, 1, a->silent, &c, &ms);

	if (c.sock >= 0)
		close(c.sock);
	if (ms > *worst)
		*worst = ms;
	if (!ret)
		ret = watch_until(a, c.id, false);
	return ret;
}

/*
 * 5000 connect and close cycles past a silent peer that stays (the server,
 * pid or 0 for this process, has no send timeout): every join within a
 * second, and the server's fds and memory after them what they were after
 * the first 500 (allowing mem_slack bytes).
 */
static void churn_checks(const char *path, pid_t pid, long mem_slack,
			 const char *what)
{
	struct watcher a;
	struct usage before = { 0 }, after = { 0 };
	long ms, worst = 0;
	unsigned int i;
	int silent = -1, ret;

	ret = join_timed(path, 1, NO_ID, &a, &ms);
	if (!ret)
		ret = connect_silent(path, &a, &silent);
	for (i = 0; i < 500 && !ret; i++)
		ret = cycle(path, &a, &worst);
	if (!ret)
		ret = measure(path, &a, 1, pid, &before);
	for (i = 0; i < 5000 && !ret; i++)
		ret = cycle(path, &a, &worst);
	if (!ret)
		ret = measure(path, &a, 1, pid, &after);
	if (!ret && worst >= HANDSHAKE_MAX_MS)
		ret = failf("worst handshake took %ld ms", worst);
	if (!ret && after.fds != before.fds)
		ret = failf("%d descriptors open before, %d after",
			    before.fds, after.fds);
	if (!ret && after.mem - before.mem > mem_slack)
		ret = failf("%ld bytes of memory in use before, %ld after",
			    before.mem, after.mem);
	report(what, ret);
	/* Closing it also frees a server that blocks on it for good. */
	if (silent >= 0)
		close(silent);
	if (a.sock >= 0)
		close(a.sock);
}

static void test_churn(void)
{
	const char *what = "5000 connect and close cycles past a silent peer (no send timeout): joins within a second, no fd or memory growth";
	struct ivshm_server_config cfg;
	struct server s;
	char path[PATH_MAX];
	int ret;

	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.send_timeout_ms = 0;
	ret = server_start(&s, &cfg);
	if (ret) {
		report(what, ret);
		return;
	}
	churn_checks(path, 0, 16 << 10, what);
	finish(&s, 0);
}

static void test_many_clients(void)
{
	enum { N = 100 };
	struct ivshm_server_config cfg;
	struct ivshm_client *c = NULL;
	struct server s;
	char path[PATH_MAX];
	int socks[N], ret;
	unsigned int i, j;
	bool seen[N];

	for (i = 0; i < N; i++)
		socks[i] = -1;
	test_cfg(&cfg, path, sizeof(path), 1);
	ret = server_start(&s, &cfg);
	for (i = 0; i < N && !ret; i++) {
		ret = raw_join(path, i, i, &socks[i]);
		for (j = 0; j < i && !ret; j++)
			ret = expect_raw(socks[j], i, true, NULL);
	}
	report("100 clients get IDs 0..99, each join announced to all earlier ones", ret);
	if (ret)
		goto out;

	for (i = 0; i < N; i += 2) {
		close(socks[i]);
		socks[i] = -1;
	}
	for (i = 1; i < N && !ret; i += 2) {
		memset(seen, 0, sizeof(seen));
		for (j = 0; j < N / 2 && !ret; j++) {
			int64_t val;
			int fd;

			ret = ivshm_recv_msg(socks[i], &val, &fd, TMO);
			if (ret < 0) {
				ret = failf("client %u: %s", i, strerror(-ret));
			} else if (fd >= 0 || val < 0 || val >= N || val % 2 ||
				   seen[val]) {
				if (fd >= 0)
					close(fd);
				ret = failf("client %u: bad leave %lld", i,
					    (long long)val);
			} else {
				seen[val] = true;
			}
		}
	}
	if (!ret)
		ret = connect_client(&c, path, 1, N);
	if (!ret && ivshm_client_peer_count(c) != N / 2)
		ret = failf("newcomer knows %u peers, expected %u",
			    ivshm_client_peer_count(c), N / 2);
	for (i = 0; i < N / 2 && !ret; i++)
		if (ivshm_client_peer_id(c, i) != (int)(2 * i + 1))
			ret = failf("newcomer's peer %u is %d", i,
				    ivshm_client_peer_id(c, i));
	report("50 of them leave, all told; a newcomer gets ID 100 and sees the other 50", ret);
out:
	for (i = 0; i < N; i++)
		if (socks[i] >= 0)
			close(socks[i]);
	finish(&s, 1, c);
}

static void test_max_peers(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *a = NULL, *b = NULL, *c = NULL;
	struct server s;
	char path[PATH_MAX];
	int ret;

	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.max_peers = 2;
	ret = start_pair(&s, &cfg, &a, &b);
	if (!ret) {
		ret = ivshm_client_connect(&c, path, 1, TMO);
		ret = ret == -ECONNRESET ? 0 :
			failf("third client: %s, expected a closed connection",
			      ret ? strerror(-ret) : "accepted");
	}
	if (!ret)
		ret = expect_join(a, 1, 1);
	ivshm_client_close(b);
	b = NULL;
	if (!ret)
		ret = expect_leave(a, 1);
	if (!ret)
		ret = connect_client(&c, path, 1, 2);
	if (!ret)
		ret = expect_ring(c, a, 0, 1);
	report("max_peers 2: a third client is turned away, admitted once one leaves", ret);
	finish(&s, 3, a, b, c);
}

static void test_posix_shm(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *a = NULL, *b = NULL;
	struct server s;
	char path[PATH_MAX], name[64];
	volatile uint32_t *ma = MAP_FAILED, *mb = MAP_FAILED;
	void *mn = MAP_FAILED;
	int ret, fd = -1;

	snprintf(name, sizeof(name), "/ivshmem-test-%ld", (long)getpid());
	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.shm_dir = NULL;
	cfg.shm_name = name;
	cfg.shm_size = 64 << 10;
	ret = start_pair(&s, &cfg, &a, &b);
	if (!ret && ivshm_client_shm_size(a) != 64 << 10)
		ret = failf("size %llu",
			    (unsigned long long)ivshm_client_shm_size(a));
	if (!ret) {
		ma = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE, MAP_SHARED,
			  ivshm_client_shm_fd(a), 0);
		mb = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE, MAP_SHARED,
			  ivshm_client_shm_fd(b), 0);
		fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);
		if (fd >= 0)
			mn = mmap(NULL, 64 << 10, PROT_READ, MAP_SHARED, fd, 0);
		if (ma == MAP_FAILED || mb == MAP_FAILED || mn == MAP_FAILED)
			ret = failf("mmap/shm_open: %s", strerror(errno));
	}
	if (!ret) {
		ma[100] = 0xdeadbeef;
		if (mb[100] != 0xdeadbeef ||
		    ((volatile uint32_t *)mn)[100] != 0xdeadbeef)
			ret = failf("write by client 0 not seen by client 1 or %s",
				    name);
	}
	report("POSIX shm name: both clients and shm_open() see the same 64 KiB", ret);
	if (ma != MAP_FAILED)
		munmap((void *)ma, 64 << 10);
	if (mb != MAP_FAILED)
		munmap((void *)mb, 64 << 10);
	if (mn != MAP_FAILED)
		munmap(mn, 64 << 10);
	if (fd >= 0)
		close(fd);
	finish(&s, 2, a, b);
	shm_unlink(name);
}

/* ivshm_server_create() for cfg, its result destroyed: what it returned. */
static int try_create(const struct ivshm_server_config *cfg, char *err,
		      size_t errlen)
{
	struct ivshm_server *srv = NULL;
	int ret = ivshm_server_create(&srv, cfg, err, errlen);

	ivshm_server_destroy(srv);
	return ret;
}

static void test_library_errors(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *c = NULL;
	struct server s;
	char path[PATH_MAX], err[256];
	int ret, fd;

	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.shm_size = 3 << 20;
	ret = try_create(&cfg, err, sizeof(err));
	report("library refuses a size that is not a power of two",
	       ret == -EINVAL ? 0 : failf("returned %d (%s)", ret, err));

	test_cfg(&cfg, path, sizeof(path), 0);
	ret = try_create(&cfg, err, sizeof(err));
	if (ret == -EINVAL) {
		test_cfg(&cfg, path, sizeof(path), 65);
		ret = try_create(&cfg, err, sizeof(err));
	}
	report("library refuses 0 and 65 vectors",
	       ret == -EINVAL ? 0 : failf("returned %d (%s)", ret, err));

	test_cfg(&cfg, path, sizeof(path), 1);
	ret = server_start(&s, &cfg);
	if (!ret) {
		ret = try_create(&cfg, err, sizeof(err));
		ret = ret == -EADDRINUSE && strstr(err, "another server") ? 0 :
			failf("returned %d (%s)", ret, err);
	}
	/* the refused server's probe may have taken an ID */
	if (!ret)
		ret = connect_client(&c, path, 1, ANY_ID);
	ivshm_client_close(c);
	report("library refuses a socket a live server answers on, which keeps serving", ret);
	server_stop(&s);

	test_cfg(&cfg, path, sizeof(path), 1);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	ret = try_create(&cfg, err, sizeof(err));
	report("library refuses to replace a file that is not a socket",
	       ret == -EEXIST && access(path, F_OK) == 0 ? 0 :
	       failf("returned %d (%s)", ret, err));
	unlink(path);
}

/* ---- tests: the program ---- */

static pid_t spawn(const char *const *args, int *err_fd)
{
	const char *argv[32];
	int pfd[2], devnull;
	unsigned int i;
	pid_t pid;

	argv[0] = server_bin;
	for (i = 0; i < 30 && args[i]; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(pfd[1], 2);
		execv(server_bin, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return -1;
	}
	*err_fd = pfd[0];
	return pid;
}

/* spawn(); where it cannot, the check what fails. */
static pid_t spawn_checked(const char *what, const char *const *args,
			   int *err_fd)
{
	pid_t pid = spawn(args, err_fd);

	if (pid < 0)
		report(what, failf("spawn: %s", strerror(errno)));
	return pid;
}

/* Read fd until EOF, or until needle shows up if given. */
static int read_output(int fd, char *buf, size_t len, const char *needle)
{
	size_t got = 0;

	buf[0] = '\0';
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (needle && strstr(buf, needle))
			return 0;
		if (poll(&pfd, 1, TMO) <= 0)
			return failf("no output within the guard time (so far: '%s')",
				     buf);
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (got == len - 1)
			break;
	}
	if (needle && !strstr(buf, needle))
		return failf("output lacks '%s': '%s'", needle, buf);
	return 0;
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Has pid ended (gone, or a zombie nobody has reaped yet)? */
static bool has_ended(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
}

/*
 * Wait (with a guard) for pid to end; reap it if it is our child.  Uses
 * a pidfd, or where there is none (old kernels, valgrind) checks /proc
 * every 10 ms.
 */
static int wait_exit(pid_t pid, bool child, int *status)
{
	struct pollfd pfd;
	int fd = pidfd_open_(pid), ret, i;

	if (fd >= 0) {
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		ret = poll(&pfd, 1, TMO);
		close(fd);
	} else if (errno == ESRCH) {
		ret = 1;
	} else {
		for (i = 0; i < TMO / 10 && !has_ended(pid); i++)
			usleep(10000);
		ret = has_ended(pid);
	}
	if (ret <= 0) {
		kill(pid, SIGKILL);
		if (child)
			waitpid(pid, status, 0);
		return failf("pid %ld did not exit", (long)pid);
	}
	if (child && waitpid(pid, status, 0) != pid)
		return failf("waitpid: %s", strerror(errno));
	return 0;
}

/* Run the program to completion; expect exit status 1 and a message. */
static int expect_refusal(const char *const *args, const char *message)
{
	char out[1024];
	int fd, status, ret;
	pid_t pid;

	pid = spawn(args, &fd);
	if (pid < 0)
		return failf("spawn: %s", strerror(errno));
	ret = read_output(fd, out, sizeof(out), NULL);
	close(fd);
	if (wait_exit(pid, true, &status))
		return -1;
	if (ret)
		return ret;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
		return failf("status 0x%x, expected exit 1 (stderr: '%s')",
			     status, out);
	if (!strstr(out, message))
		return failf("stderr '%s' lacks '%s'", out, message);
	return 0;
}

/* The same for -F -S path -m tmpdir, then opt and val unless NULL. */
static int expect_refused(const char *path, const char *opt, const char *val,
			  const char *message)
{
	const char *args[] = { "-F", "-S", path, "-m", tmpdir, opt, val, NULL };

	return expect_refusal(args, message);
}

static void test_program_options(void)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/opt", tmpdir);
	ret = expect_refused(path, "-l", "3M",
		"ivshmem-server: -l 3M: size must be a power of two\n");
	if (!ret)
		ret = expect_refused(path, "--size=3M", NULL,
			"ivshmem-server: --size 3M: size must be a power of two\n");
	if (!ret) {
		const char *args[] = { "-F", "-S", path, "-l", "12Q", NULL };

		ret = expect_refusal(args, "-l 12Q: invalid size");
	}
	if (!ret && access(path, F_OK) == 0)
		ret = failf("%s was created", path);
	report("program: -l 3M, --size=3M, -l 12Q refused with a clear message", ret);

	ret = expect_refused(path, "-n", "0",
		"ivshmem-server: -n 0: vectors must be between 1 and 64\n");
	if (!ret)
		ret = expect_refused(path, "-n", "65",
				     "-n 65: vectors must be between 1 and 64");
	report("program: -n 0 and -n 65 refused", ret);
}

static void test_program_live_socket(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *c = NULL;
	struct server s;
	char path[PATH_MAX];
	int ret;

	test_cfg(&cfg, path, sizeof(path), 1);
	ret = server_start(&s, &cfg);
	if (!ret)
		ret = expect_refused(path, NULL, NULL,
				     "another server is listening");
	if (!ret)
		ret = connect_client(&c, path, 1, ANY_ID);
	ivshm_client_close(c);
	report("program: second server on a live socket refused; the first keeps serving", ret);
	finish(&s, 0);
}

static int read_pidfile(const char *path, long *pid)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return failf("%s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return failf("%s: empty", path);
	buf[n] = '\0';
	*pid = strtol(buf, NULL, 10);
	return 0;
}

/* A server that stopped removed its socket and its pid file. */
static int expect_removed(const char *sock, const char *pidfile)
{
	if (access(sock, F_OK) == 0)
		return failf("%s still exists", sock);
	if (access(pidfile, F_OK) == 0)
		return failf("%s still exists", pidfile);
	return 0;
}

static void test_program_foreground(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ivshm_client *c = NULL;
	char path[PATH_MAX], pidfile[PATH_MAX], out[1024];
	int fd, efd = -1, status, ret = 0;
	long pid_in_file;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/fg.sock", tmpdir);
	snprintf(pidfile, sizeof(pidfile), "%s/fg.pid", tmpdir);

	/* A stale socket: bound, never listening, closed. */
	if (strlen(path) >= sizeof(sa.sun_path)) {
		report("program: stale socket taken over",
		       failf("%s: path too long", path));
		return;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		report("program: stale socket taken over",
		       failf("make stale socket: %s", strerror(errno)));
		return;
	}
	close(fd);

	{
		const char *args[] = { "-F", "-v", "-S", path, "-m", tmpdir,
				       "-l", "64K", "-n", "2", "-p", pidfile,
				       NULL };
		pid = spawn_checked("program: stale socket taken over", args,
				    &efd);
	}
	if (pid < 0)
		return;
	ret = read_output(efd, out, sizeof(out), "listening on");
	if (!ret)
		ret = connect_client(&c, path, 2, 0);
	report("program: stale socket taken over", ret);

	if (!ret && ivshm_client_shm_size(c) != 64 << 10)
		ret = failf("shm size %llu",
			    (unsigned long long)ivshm_client_shm_size(c));
	report("program: -l 64K -n 2 gives 64 KiB and 2 vectors", ret);
	ivshm_client_close(c);

	if (!ret)
		ret = read_pidfile(pidfile, &pid_in_file);
	if (!ret && pid_in_file != pid)
		ret = failf("pid file says %ld, not %ld", pid_in_file,
			    (long)pid);
	kill(pid, SIGTERM);
	if (wait_exit(pid, true, &status)) {
		ret = -1;
	} else if (!ret) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			ret = failf("status 0x%x, expected exit 0", status);
		else
			ret = expect_removed(path, pidfile);
	}
	report("program: SIGTERM in foreground exits 0, removes socket and pid file", ret);
	if (efd >= 0)
		close(efd);
	unlink(path);
	unlink(pidfile);
}

static void test_program_daemon(void)
{
	struct ivshm_client *c = NULL;
	char path[PATH_MAX], pidfile[PATH_MAX], out[256];
	int efd, status, ret;
	long dpid = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/d.sock", tmpdir);
	snprintf(pidfile, sizeof(pidfile), "%s/d.pid", tmpdir);
	{
		const char *args[] = { "-S", path, "-m", tmpdir, "-p", pidfile,
				       NULL };
		pid = spawn_checked("program: daemon mode", args, &efd);
	}
	if (pid < 0)
		return;
	/* The daemon detaches from stderr once it is ready. */
	ret = read_output(efd, out, sizeof(out), NULL);
	close(efd);
	if (wait_exit(pid, true, &status))
		ret = -1;
	else if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status)))
		ret = failf("status 0x%x (stderr '%s')", status, out);
	/* Read the pid file even after a failure, to stop the daemon. */
	if (ret) {
		char keep[sizeof(detail)];

		memcpy(keep, detail, sizeof(keep));
		read_pidfile(pidfile, &dpid);
		memcpy(detail, keep, sizeof(detail));
	} else {
		ret = read_pidfile(pidfile, &dpid);
	}
	if (!ret && (dpid <= 1 || dpid == pid))
		ret = failf("pid file says %ld", dpid);
	if (!ret)
		ret = connect_client(&c, path, 1, 0);
	ivshm_client_close(c);
	report("program: daemon mode returns once listening and writes its pid", ret);
	if (dpid > 1) {
		kill((pid_t)dpid, SIGTERM);
		ret = wait_exit((pid_t)dpid, false, &status);
		if (!ret)
			ret = expect_removed(path, pidfile);
		report("program: SIGTERM stops the daemon, socket and pid file removed", ret);
	}
	unlink(path);
	unlink(pidfile);
}

/*
 * Start the program as a daemon on path with pidfile and the extra
 * arguments; *dpid gets the daemon's pid.
 */
static int daemon_start(const char *path, const char *pidfile,
			const char *const *extra, pid_t *dpid)
{
	const char *args[24] = { "-S", path, "-m", tmpdir, "-p", pidfile };
	char out[256];
	unsigned int n = 6;
	int efd, status, ret;
	long pid_in_file = 0;
	pid_t pid;

	while (*extra && n < 23)
		args[n++] = *extra++;
	args[n] = NULL;
	pid = spawn(args, &efd);
	if (pid < 0)
		return failf("spawn: %s", strerror(errno));
	ret = read_output(efd, out, sizeof(out), NULL);
	close(efd);
	if (wait_exit(pid, true, &status))
		return -1;
	if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status)))
		ret = failf("status 0x%x (stderr '%s')", status, out);
	if (!ret)
		ret = read_pidfile(pidfile, &pid_in_file);
	if (!ret && pid_in_file <= 1)
		ret = failf("pid file says %ld", pid_in_file);
	*dpid = (pid_t)pid_in_file;
	return ret;
}

/* SIGTERM the daemon; it must exit and remove its socket and pid file. */
static int daemon_stop(pid_t dpid, const char *path, const char *pidfile)
{
	int status, ret;

	kill(dpid, SIGTERM);
	ret = wait_exit(dpid, false, &status);
	if (!ret)
		ret = expect_removed(path, pidfile);
	unlink(path);
	unlink(pidfile);
	return ret;
}

static void test_program_silent_peer(void)
{
	static const char *const what[3] = {
		"program: silent peer: 300 peers join after it, each handshake within a second",
		"program: silent peer: dropped after the send timeout, its leave told to all who knew it, nobody else dropped",
		"program: silent peer: once all have left, the server holds the descriptors it held before",
	};
	char path[PATH_MAX], pidfile[PATH_MAX], tmo[16], vec[16];
	const char *extra[] = { "-n", vec, "--send-timeout", tmo, NULL };
	pid_t dpid = 0;
	int ret;

	snprintf(path, sizeof(path), "%s/silent.sock", tmpdir);
	snprintf(pidfile, sizeof(pidfile), "%s/silent.pid", tmpdir);
	snprintf(tmo, sizeof(tmo), "%d", STALL_TIMEOUT_MS);
	snprintf(vec, sizeof(vec), "%d", SILENT_VECTORS);
	ret = daemon_start(path, pidfile, extra, &dpid);
	if (ret)
		report(what[0], ret);
	else
		silent_peer_checks(path, dpid, SILENT_JOINERS, false, what);
	if (dpid > 1 && daemon_stop(dpid, path, pidfile))
		report("program: server stops cleanly", -1);
}

static void test_program_churn(void)
{
	const char *what = "program: 5000 connect and close cycles past a silent peer (no send timeout): joins within a second, no growth of its fds or RssAnon";
	const char *extra[] = { "--send-timeout", "0", NULL };
	char path[PATH_MAX], pidfile[PATH_MAX];
	pid_t dpid = 0;
	int ret;

	snprintf(path, sizeof(path), "%s/churn.sock", tmpdir);
	snprintf(pidfile, sizeof(pidfile), "%s/churn.pid", tmpdir);
	ret = daemon_start(path, pidfile, extra, &dpid);
	if (ret)
		report(what, ret);
	else
		churn_checks(path, dpid, 64 << 10, what);
	if (dpid > 1 && daemon_stop(dpid, path, pidfile))
		report("program: server stops cleanly", -1);
}

/* ---- tests: the shared memory is the user's data ---- */

/* Make the POSIX object name of size bytes, filled with byte. */
static int make_object(const char *name, size_t size, unsigned char byte)
{
	void *m;
	int fd;

	shm_unlink(name);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return failf("shm_open %s: %s", name, strerror(errno));
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return failf("ftruncate %s: %s", name, strerror(errno));
	}
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return failf("mmap %s: %s", name, strerror(errno));
	memset(m, byte, size);
	munmap(m, size);
	return 0;
}

/* The object name is size bytes of byte. */
static int expect_object(const char *name, size_t size, unsigned char byte)
{
	struct stat st;
	unsigned char *m;
	size_t i;
	int fd;

	fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return failf("shm_open %s: %s", name, strerror(errno));
	if (fstat(fd, &st) < 0 || (size_t)st.st_size != size) {
		close(fd);
		return failf("%s: size %lld, expected %zu", name,
			     (long long)st.st_size, size);
	}
	m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return failf("mmap %s: %s", name, strerror(errno));
	for (i = 0; i < size && m[i] == byte; i++)
		;
	munmap(m, size);
	if (i < size)
		return failf("%s: byte %zu is 0x%02x, not 0x%02x", name, i,
			     m[i], byte);
	return 0;
}

static int expect_no_object(const char *name)
{
	int fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);

	if (fd >= 0) {
		close(fd);
		return failf("shared memory object %s was left behind", name);
	}
	return 0;
}

static void test_existing_object(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *a = NULL, *b = NULL;
	struct server s;
	char path[PATH_MAX], name[64], err[256];
	int ret;

	snprintf(name, sizeof(name), "/ivshmem-test-old-%ld", (long)getpid());
	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.shm_dir = NULL;
	cfg.shm_name = name;
	cfg.shm_size = 2 << 20;
	ret = make_object(name, 1 << 20, 0x5a);
	if (!ret) {
		ret = try_create(&cfg, err, sizeof(err));
		ret = ret == -EEXIST && strstr(err, "1 MiB") && strstr(err, "2 MiB") ?
			0 : failf("returned %d (%s)", ret, err);
	}
	if (!ret)
		ret = expect_object(name, 1 << 20, 0x5a);
	report("an existing object of another size is refused, naming both sizes, its data kept", ret);

	cfg.shm_size = 1 << 20;
	ret = start_pair(&s, &cfg, &a, &b);
	finish(&s, 2, a, b);
	if (!ret)
		ret = expect_object(name, 1 << 20, 0x5a);
	report("an existing object of the size asked is served as it is, its data kept", ret);

	snprintf(path, sizeof(path), "%s/no-such-dir/s", tmpdir);
	ret = try_create(&cfg, err, sizeof(err));
	ret = ret < 0 ? expect_object(name, 1 << 20, 0x5a) :
		failf("a missing socket directory was accepted");
	report("a server that fails to start keeps an object that was there before", ret);
	shm_unlink(name);
}

static void test_program_leaves_nothing(void)
{
	struct ivshm_server_config cfg;
	struct server s;
	char path[PATH_MAX], bad[PATH_MAX], name[64], size[32];
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	unsigned long long big = 1;
	int ret;

	snprintf(name, sizeof(name), "/ivshmem-test-new-%ld", (long)getpid());
	shm_unlink(name);
	snprintf(bad, sizeof(bad), "%s/no-such-dir/s", tmpdir);
	{
		const char *args[] = { "-F", "-S", bad, "-M", name, NULL };

		ret = expect_refusal(args, "no-such-dir");
	}
	if (!ret)
		ret = expect_no_object(name);
	report("program: a missing socket directory is refused and leaves no shm object", ret);

	test_cfg(&cfg, path, sizeof(path), 1);
	ret = server_start(&s, &cfg);
	if (!ret) {
		const char *args[] = { "-F", "-S", path, "-M", name, NULL };

		ret = expect_refusal(args, "another server is listening");
	}
	if (!ret)
		ret = expect_no_object(name);
	report("program: a socket another server answers on is refused and leaves no shm object", ret);
	finish(&s, 0);

	{
		const char *args[] = { "-F", "-S", bad, "-m", tmpdir, "-l", "1K", NULL };

		ret = expect_refusal(args, "-l 1K: at least a page");
	}
	report("program: -l 1K (below a page) is refused", ret);

	while (big <= (unsigned long long)pages * (unsigned long long)page)
		big <<= 1;
	snprintf(size, sizeof(size), "%lluK", big >> 10);
	{
		const char *args[] = { "-F", "-S", bad, "-m", tmpdir, "-l", size, NULL };

		ret = expect_refusal(args, "warning: -l");
	}
	report("program: -l beyond the machine's memory is warned about", ret);
}

/* ---- tests: memfd, huge pages, sizes above 1 GiB, socket activation ---- */

/* Does fd name a memfd ("/memfd:NAME (deleted)")? */
static bool is_memfd(int fd)
{
	char path[64], target[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strncmp(target, "/memfd:", 7);
}

static void test_memfd(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *a = NULL, *b = NULL;
	struct server s;
	char path[PATH_MAX], err[256];
	volatile uint32_t *ma = MAP_FAILED, *mb = MAP_FAILED;
	struct stat st;
	int ret;

	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.shm_dir = NULL;
	cfg.shm_memfd = true;
	ret = start_pair(&s, &cfg, &a, &b);
	if (!ret && !is_memfd(ivshm_client_shm_fd(a)))
		ret = failf("the client's shared memory fd is not a memfd");
	if (!ret) {
		ma = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED,
			  ivshm_client_shm_fd(a), 0);
		mb = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED,
			  ivshm_client_shm_fd(b), 0);
		if (ma == MAP_FAILED || mb == MAP_FAILED)
			ret = failf("mmap: %s", strerror(errno));
	}
	if (!ret) {
		ma[4096] = 0x1234abcd;
		if (mb[4096] != 0x1234abcd)
			ret = failf("client 1 does not see client 0's store");
	}
	report("memfd: both clients map the same 1 MiB memfd", ret);
	if (ma != MAP_FAILED)
		munmap((void *)ma, 1 << 20);
	if (mb != MAP_FAILED)
		munmap((void *)mb, 1 << 20);
	finish(&s, 2, a, b);

	/* Huge pages: a memfd on the kernel's hugetlbfs, whose block size
	 * is the huge page size; sizing it does not need reserved pages. */
	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.shm_dir = NULL;
	cfg.shm_memfd = true;
	cfg.shm_hugetlb = true;
	cfg.shm_size = 2 << 20;
	ret = start_pair(&s, &cfg, &a, &b);
	if (!ret && !is_memfd(ivshm_client_shm_fd(a)))
		ret = failf("the client's shared memory fd is not a memfd");
	if (!ret && fstat(ivshm_client_shm_fd(a), &st) < 0)
		ret = failf("fstat: %s", strerror(errno));
	if (!ret && (st.st_blksize < 2 << 20 || st.st_size != 2 << 20))
		ret = failf("block size %ld, size %lld: not 2 MiB of huge pages",
			    (long)st.st_blksize, (long long)st.st_size);
	report("--hugetlb: clients get a 2 MiB memfd of huge pages", ret);
	finish(&s, 2, a, b);

	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.shm_dir = NULL;
	cfg.shm_memfd = true;
	cfg.shm_hugetlb = true;
	cfg.shm_size = 1 << 20;
	ret = try_create(&cfg, err, sizeof(err));
	report("--hugetlb: a size that is not a multiple of the huge page size is refused",
	       ret < 0 && strstr(err, "memfd (huge pages)") ? 0 :
	       failf("returned %d (%s)", ret, err));
}

/* 4 GiB of sparse POSIX shared memory: QEMU's example server stops at 1 GiB. */
static void test_4g(void)
{
	const uint64_t size = 4ULL << 30, last = size - 4096;
	struct ivshm_server_config cfg;
	struct ivshm_client *a = NULL, *b = NULL;
	struct server s;
	char path[PATH_MAX], name[64];
	char *ma = MAP_FAILED, *mb = MAP_FAILED;
	struct stat st;
	int ret;

	snprintf(name, sizeof(name), "/ivshmem-test-4g-%ld", (long)getpid());
	shm_unlink(name);
	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.shm_dir = NULL;
	cfg.shm_name = name;
	cfg.shm_size = size;
	ret = start_pair(&s, &cfg, &a, &b);
	if (!ret && ivshm_client_shm_size(a) != size)
		ret = failf("clients told %llu bytes",
			    (unsigned long long)ivshm_client_shm_size(a));
	if (!ret) {
		ma = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
			  ivshm_client_shm_fd(a), (off_t)last);
		mb = mmap(NULL, 4096, PROT_READ, MAP_SHARED,
			  ivshm_client_shm_fd(b), (off_t)last);
		if (ma == MAP_FAILED || mb == MAP_FAILED)
			ret = failf("mmap of the last page: %s", strerror(errno));
	}
	if (!ret) {
		memcpy(ma + 4090, "last!", 6);
		if (memcmp(mb + 4090, "last!", 6))
			ret = failf("client 1 does not see the store in the last page");
	}
	if (!ret && (fstat(ivshm_client_shm_fd(a), &st) < 0 ||
		     (uint64_t)st.st_size != size || st.st_blocks * 512 > (1 << 20)))
		ret = failf("size %lld, %lld blocks: not a sparse 4 GiB object",
			    (long long)st.st_size, (long long)st.st_blocks);
	report("4 GiB sparse object: both clients map its last page, the same bytes", ret);
	if (ma != MAP_FAILED)
		munmap(ma, 4096);
	if (mb != MAP_FAILED)
		munmap(mb, 4096);
	finish(&s, 2, a, b);
	shm_unlink(name);
}

/*
 * The program as systemd's socket activation starts it: a listening
 * socket on fd 3, LISTEN_FDS=nfds, LISTEN_PID its own pid (or another).
 */
static pid_t spawn_activated(const char *sock, const char *const *args,
			     unsigned int nfds, bool own_pid, int *err_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *argv[16];
	unsigned int i;
	int lfd, pfd[2];
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	unlink(sock);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 16) < 0 || pipe2(pfd, O_CLOEXEC) < 0) {
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	argv[0] = server_bin;
	for (i = 0; i < 14 && args[i]; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	pid = fork();
	if (pid == 0) {
		char num[32];
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(pfd[1], 2);
		if (lfd == 3)	/* dup2() onto itself keeps FD_CLOEXEC */
			fcntl(3, F_SETFD, 0);
		else
			dup2(lfd, 3);
		if (nfds > 1)
			dup2(devnull, 4);
		snprintf(num, sizeof(num), "%u", nfds);
		setenv("LISTEN_FDS", num, 1);
		snprintf(num, sizeof(num), "%ld", (long)getpid() + (own_pid ? 0 : 1));
		setenv("LISTEN_PID", num, 1);
		execv(server_bin, (char *const *)argv);
		_exit(127);
	}
	close(lfd);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return -1;
	}
	*err_fd = pfd[0];
	return pid;
}

static void test_program_socket_activation(void)
{
	struct ivshm_client *c = NULL;
	char sock[PATH_MAX], other[PATH_MAX], out[512];
	int efd, status, ret;
	pid_t pid;

	snprintf(sock, sizeof(sock), "%s/activated.sock", tmpdir);
	snprintf(other, sizeof(other), "%s/not-this.sock", tmpdir);
	{
		const char *args[] = { "-F", "-v", "-S", other, "--memfd", "-l", "64K", NULL };

		pid = spawn_activated(sock, args, 1, true, &efd);
	}
	if (pid < 0) {
		report("program: socket activation", failf("spawn: %s", strerror(errno)));
		return;
	}
	ret = read_output(efd, out, sizeof(out), "listening on the socket from systemd");
	if (!ret)
		ret = connect_client(&c, sock, 1, 0);
	if (!ret && ivshm_client_shm_size(c) != 64 << 10)
		ret = failf("size %llu", (unsigned long long)ivshm_client_shm_size(c));
	if (!ret && access(other, F_OK) == 0)
		ret = failf("%s was created: -S was not ignored", other);
	ivshm_client_close(c);
	report("program: LISTEN_FDS=1 for its pid: serves on fd 3, ignores -S", ret);
	kill(pid, SIGTERM);
	ret = wait_exit(pid, true, &status);
	if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status)))
		ret = failf("status 0x%x", status);
	if (!ret && access(sock, F_OK) < 0)
		ret = failf("%s was removed: it is systemd's", sock);
	report("program: an activated server stops on SIGTERM and leaves systemd's socket file", ret);
	close(efd);
	unlink(sock);

	{
		const char *args[] = { "-F", "-v", "-S", other, "-m", tmpdir, NULL };

		pid = spawn_activated(sock, args, 1, false, &efd);
	}
	ret = pid < 0 ? failf("spawn: %s", strerror(errno)) :
		read_output(efd, out, sizeof(out), "listening on");
	if (!ret && access(other, F_OK) < 0)
		ret = failf("it did not listen on -S %s", other);
	report("program: LISTEN_PID of another process: the variables are not for it, -S is used", ret);
	if (pid > 0) {
		kill(pid, SIGTERM);
		wait_exit(pid, true, &status);
		close(efd);
	}
	unlink(sock);

	{
		const char *args[] = { "-F", "-S", other, "-m", tmpdir, NULL };

		pid = spawn_activated(sock, args, 2, true, &efd);
	}
	ret = pid < 0 ? failf("spawn: %s", strerror(errno)) :
		read_output(efd, out, sizeof(out), NULL);
	if (pid > 0) {
		if (wait_exit(pid, true, &status))
			ret = -1;
		else if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status) != 1 ||
				  !strstr(out, "exactly one socket")))
			ret = failf("status 0x%x, stderr '%s'", status, out);
		close(efd);
	}
	report("program: LISTEN_FDS=2 is refused: exactly one socket", ret);
	unlink(sock);
}

/* ---- main ---- */

static void remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(tmpdir);
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	int fds_before, fds_after;

	if (argc > 1) {
		snprintf(server_bin, sizeof(server_bin), "%s", argv[1]);
	} else {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		char *slash;

		if (n < 0) {
			perror("/proc/self/exe");
			return 1;
		}
		self[n] = '\0';
		slash = strrchr(self, '/');
		*slash = '\0';
		snprintf(server_bin, sizeof(server_bin), "%s/ivshmem-server",
			 self);
	}
	if (access(server_bin, X_OK) < 0) {
		fprintf(stderr, "%s: %s\n", server_bin, strerror(errno));
		return 1;
	}

	signal(SIGPIPE, SIG_IGN);
	alarm(WATCHDOG_S);
	/* Clients with 64 vectors hold many eventfds. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ivshm-test.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}

	fds_before = count_fds();
	test_handshake_one();
	test_handshake_several();
	test_ids(false);
	test_ids(true);
	test_id_wrap();
	test_ring();
	test_bad_clients();
	test_vanish_mid_handshake();
	test_never_reads();
	test_outq();
	test_silent_peer();
	test_stalled_handshake();
	test_queue_overflow();
	test_churn();
	test_many_clients();
	test_max_peers();
	test_posix_shm();
	test_library_errors();
	test_existing_object();
	test_memfd();
	test_4g();
	test_program_options();
	test_program_live_socket();
	test_program_leaves_nothing();
	test_program_socket_activation();
	test_program_foreground();
	test_program_daemon();
	test_program_silent_peer();
	test_program_churn();
	fds_after = count_fds();
	report("no file descriptors leaked",
	       fds_after == fds_before ? 0 :
	       failf("%d open before, %d after", fds_before, fds_after));

	remove_tmpdir();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
