// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem-server-lib-test: the server library in-process. It runs in a
 * thread on sockets in a temporary directory and is driven through the
 * client library or raw protocol reads: the handshake, IDs, rings, bad
 * and slow clients, the output queue, many clients, shared memory of
 * every kind, the library's refusals.
 *
 * Usage: ivshmem-server-lib-test.  Set IVSHM_TEST_LOG=1 to see the
 * server's log.  Timeouts only guard against hangs.
 */
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

#include "check.h"
#include "test-peers.h"

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
		ret = check_fail("shm size %lld, expected %d",
				 (long long)st.st_size, 2 << 20);
		goto out;
	}
	map = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
	if (map == MAP_FAILED) {
		ret = check_fail("mmap shm: %s", strerror(errno));
		goto out;
	}
	munmap(map, 2 << 20);
	for (v = 0; v < 4 && !ret; v++) {
		ret = expect_raw(sock, 0, true, &fd);
		if (!ret && !is_eventfd(fd))
			ret = check_fail("vector %u fd is not an eventfd", v);
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
	check(ret == 0,
	      "handshake for one client: version 0, id 0, -1 with a 2 MiB shm fd, 4 own eventfds");
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
	check(ret == 0,
	      "handshake for a third client: 0, 2, -1+shm, peer 0 x3, peer 1 x3, own x3");
	if (ret)
		goto out;

	ret = expect_join(a, 1, 3);
	if (!ret)
		ret = expect_join(a, 2, 3);
	if (!ret)
		ret = expect_join(b, 2, 3);
	check(ret == 0,
	      "join announced to existing clients: new ID once per vector with fds");
	if (ret)
		goto out;

	/* The fds handed to the newcomer are the peers' own eventfds. */
	for (v = 0; v < 3 && !ret; v++) {
		const uint64_t one = 1;

		if (write(fds[0][v], &one, sizeof(one)) != sizeof(one) ||
		    write(fds[1][v], &one, sizeof(one)) != sizeof(one)) {
			ret = check_fail("write eventfd: %s", strerror(errno));
			break;
		}
		if (ivshm_client_wait(a, (int)v, TMO, &n) != (int)v || n != 1)
			ret = check_fail("client 0 vector %u not rung", v);
		else if (ivshm_client_wait(b, (int)v, TMO, &n) != (int)v ||
			 n != 1)
			ret = check_fail("client 1 vector %u not rung", v);
		else if (ivshm_client_ring(a, 2, v) < 0)
			ret = check_fail("client 0 cannot ring 2/%u", v);
		else if (read(fds[2][v], &n, sizeof(n)) != sizeof(n) || n != 1)
			ret = check_fail("client 2 vector %u not rung by 0", v);
	}
	check(ret == 0,
	      "eventfds given to a newcomer are the ones its peers are rung on");
	if (ret)
		goto out;

	close(sock);
	sock = -1;
	ret = expect_leave(a, 2);
	if (!ret)
		ret = expect_leave(b, 2);
	check(ret == 0, "leave announced to the others: ID without fd");
out:
	for (p = 0; p < 3; p++)
		for (v = 0; v < 3; v++)
			if (fds[p][v] >= 0)
				close(fds[p][v]);
	if (sock >= 0)
		close(sock);
	finish(&s, 2, a, b);
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
		check(ret == 0,
		      "IDs handed out 0, 1, 2, 3 while all stay connected");

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
	check(ret == 0, "%s",
	      lowest ? "lowest_free_ids: freed IDs 1 and 0 handed out again only after their leave" : "default IDs rotate like QEMU's server: after 1 and 0 leave, 4, 5, 6, 7 follow");
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
	check(ret == 0,
	      "default IDs wrap after 65535 to the first one not in use (0 and 1 are)");
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
	check(ret == 0,
	      "ring: A rings B's vector v (and B rings A), only v fires, count 1");
	if (!ret)
		ret = expect_ring(a, b, 2, 10);
	if (!ret)
		ret = expect_ring(b, a, 3, 1000);
	check(ret == 0, "ring: 10 and 1000 rings add up to 10 and 1000");

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
		ret = check_fail("client 1 knows %d vectors of peer 0",
				 ivshm_client_peer_vectors(b, 0));
	if (!ret)
		ret = expect_ring_both(a, b, 63, 0);
	check(ret == 0,
	      "64 vectors: handshake, join, ring on vectors 63 and 0");
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
		ret = check_fail("send: %s", strerror(errno));
	if (!ret)
		ret = expect_leave(a, 1);
	if (!ret) {
		/* x's connection is closed by the server */
		ret = ivshm_client_process(x, TMO, &ev);
		ret = ret == -ECONNRESET ? 0 :
			check_fail("dropped client read %d, expected EOF", ret);
	}
	ivshm_client_close(x);
	x = NULL;
	if (!ret)
		ret = connect_client(&y, path, 2, 2);
	if (!ret)
		ret = expect_join(a, 2, 2);
	if (!ret)
		ret = expect_ring_both(y, a, 1, 0);
	check(ret == 0,
	      "client sending a byte is dropped, others told; a newcomer works");
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
		ret = check_fail("connect: %s", strerror(-ret));
	else if (ivshm_client_id(y) != 3 && ivshm_client_id(y) != 4)
		ret = check_fail("got ID %u, expected 3 or 4",
				 ivshm_client_id(y));
	/*
	 * a may see the short-lived client join and leave, possibly under
	 * y's ID.  z joins after y, so once a has z's join, a's entry for
	 * y's ID is y's.
	 */
	if (!ret)
		ret = ivshm_client_connect(&z, path, 2, TMO);
	if (ret < 0)
		ret = check_fail("connect z: %s", strerror(-ret));
	while (!ret) {
		ret = ivshm_client_process(a, TMO, &ev);
		if (ret < 0) {
			ret = check_fail("client 0 waiting for the join of %u: %s",
					 ivshm_client_id(z), strerror(-ret));
			break;
		}
		if (ev.type == IVSHM_EVENT_PEER_VECTOR &&
		    ev.peer == ivshm_client_id(z) && ev.vector == 1)
			break;
	}
	if (!ret)
		ret = expect_ring_both(a, y, 0, 1);
	check(ret == 0, "client that connects and closes at once does no harm");
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
	check(ret == 0,
	      "client vanishing mid-handshake (64 vectors, 4 peers) is dropped, others keep working");
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
			ret = check_fail("round %u: connect: %s", round,
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
				ret = check_fail("round %u: %s", round,
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
				ret = check_fail("round %u: unexpected leave of %u",
						 round, ev.peer);
		}
	}
	if (!ret && !gone)
		ret = check_fail("silent client still connected after %u rounds",
				 round);
	if (!ret)
		ret = connect_client(&c, path, 1, ANY_ID);
	if (!ret)
		ret = expect_join(a, ivshm_client_id(c), 1);
	if (!ret)
		ret = expect_ring_both(a, c, 0, 0);
	check(ret == 0,
	      "client that never reads is dropped once its socket fills; others keep working");
	if (sock >= 0)
		close(sock);
	finish(&s, 2, a, c);
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
			ret = check_fail("fdset_new/eventfd: %s",
					 strerror(errno));
	}
	outq_init(&q, 4);
	/* 10 (2 fds), 11, 12 (2 fds), 13: full; sent: 10 x2 */
	if (!ret && (outq_push(&q, 10, s[0]) || outq_push(&q, 11, NULL) ||
		     outq_push(&q, 12, s[1]) || outq_push(&q, 13, NULL) ||
		     outq_push(&q, 14, NULL) != -ENOBUFS))
		ret = check_fail("4 entries do not fill a queue of 4");
	for (i = 0; i < 2 && !ret; i++) {
		if (!outq_peek(&q, &val, &fd) || val != 10 || fd != s[0]->fd[i])
			ret = check_fail("message %u is not 10 with fd %u", i,
					 i);
		outq_pop(&q);
	}
	/* the ring wraps: 11, 12 x2, 13, 15 (2 fds), then 12 taken back */
	if (!ret && outq_push(&q, 15, s[2]))
		ret = check_fail("no room after the head went");
	if (!ret && !outq_peek(&q, &val, &fd))
		ret = check_fail("queue empty");
	if (!ret && (!outq_cancel(&q, s[1]) || outq_cancel(&q, s[1]) ||
		     outq_cancel(&q, s[3])))
		ret = check_fail("cancel: 12 once, then nothing");
	if (!ret)
		ret = drain_outq(&q, vals, fds, 32, &n);
	if (!ret && (n != 4 || vals[0] != 11 || fds[0] != -1 ||
		     vals[1] != 13 || vals[2] != 15 || fds[2] != s[2]->fd[0] ||
		     vals[3] != 15 || fds[3] != s[2]->fd[1]))
		ret = check_fail("after taking back 12: %u messages, not 11, 13, 15 x2",
				 n);
	/* A join half sent is not taken back; a cleared queue lets go. */
	if (!ret && (outq_push(&q, 16, s[3]) || outq_push(&q, 17, s[4]) ||
		     outq_push(&q, 18, s[5])))
		ret = check_fail("push after draining failed");
	if (!ret) {
		outq_pop(&q);	/* half of 16 */
		if (outq_cancel(&q, s[3]) || !outq_cancel(&q, s[5]))
			ret = check_fail("cancel of a half sent entry, or of the last");
	}
	for (i = 0; i < 6; i++) {
		fds[2 * i] = s[i] ? s[i]->fd[0] : -1;
		fds[2 * i + 1] = s[i] ? s[i]->fd[1] : -1;
		fdset_put(s[i]);
	}
	if (!ret && (!fd_open(fds[6]) || !fd_open(fds[8])))
		ret = check_fail("a queued entry's descriptors were closed");
	outq_clear(&q);
	for (i = 0; i < 12 && !ret; i++)
		if (fds[i] >= 0 && fd_open(fds[i]))
			ret = check_fail("descriptor %u of 12 still open", i);
	check(ret == 0,
	      "output queue: bounded, wraps, takes back unsent joins, closes dropped fds");
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
		check(ret == 0, "%s", what[0]);
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
		check(ret == 0, "%s", what[0]);
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
				check_fail("peer %u not shown peer %u", i,
					   stalled_id);
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
		ret = check_fail("worst handshake took %ld ms (joiner %u of %u)",
				 worst, worst_i, NJ);
	check(ret == 0,
	      "peer stalling half-way through its handshake: 20 peers (64 vectors) join after it, each within a second");
	if (ret)
		goto out;

	for (i = 0; i < N && !ret; i++)
		if (w[i].knew)
			ret = watch_until_told(&w[i]);
	if (!ret)
		ret = drain(w, N);
	check(ret == 0,
	      "stalled peer: dropped after the send timeout, its leave told to all who knew it, nobody else dropped");
out:
	if (stalled >= 0)
		close(stalled);
	close_watchers(w, N);
	finish(&s, 0);
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
		check(ret == 0, "%s", what);
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
	check(ret == 0,
	      "100 clients get IDs 0..99, each join announced to all earlier ones");
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
				ret = check_fail("client %u: %s", i,
						 strerror(-ret));
			} else if (fd >= 0 || val < 0 || val >= N || val % 2 ||
				   seen[val]) {
				if (fd >= 0)
					close(fd);
				ret = check_fail("client %u: bad leave %lld", i,
						 (long long)val);
			} else {
				seen[val] = true;
			}
		}
	}
	if (!ret)
		ret = connect_client(&c, path, 1, N);
	if (!ret && ivshm_client_peer_count(c) != N / 2)
		ret = check_fail("newcomer knows %u peers, expected %u",
				 ivshm_client_peer_count(c), N / 2);
	for (i = 0; i < N / 2 && !ret; i++)
		if (ivshm_client_peer_id(c, i) != (int)(2 * i + 1))
			ret = check_fail("newcomer's peer %u is %d", i,
					 ivshm_client_peer_id(c, i));
	check(ret == 0,
	      "50 of them leave, all told; a newcomer gets ID 100 and sees the other 50");
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
			check_fail("third client: %s, expected a closed connection",
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
	check(ret == 0,
	      "max_peers 2: a third client is turned away, admitted once one leaves");
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
		ret = check_fail("size %llu",
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
			ret = check_fail("mmap/shm_open: %s", strerror(errno));
	}
	if (!ret) {
		ma[100] = 0xdeadbeef;
		if (mb[100] != 0xdeadbeef ||
		    ((volatile uint32_t *)mn)[100] != 0xdeadbeef)
			ret = check_fail("write by client 0 not seen by client 1 or %s",
					 name);
	}
	check(ret == 0,
	      "POSIX shm name: both clients and shm_open() see the same 64 KiB");
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

static void test_library_errors(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *c = NULL;
	struct server s;
	char path[PATH_MAX], why[256];
	int ret, fd;

	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.shm_size = 3 << 20;
	ret = try_create(&cfg, why, sizeof(why));
	check(ret == -EINVAL || check_why("returned %d (%s)", ret, why),
	      "library refuses a size that is not a power of two");

	test_cfg(&cfg, path, sizeof(path), 0);
	ret = try_create(&cfg, why, sizeof(why));
	if (ret == -EINVAL) {
		test_cfg(&cfg, path, sizeof(path), 65);
		ret = try_create(&cfg, why, sizeof(why));
	}
	check(ret == -EINVAL || check_why("returned %d (%s)", ret, why),
	      "library refuses 0 and 65 vectors");

	test_cfg(&cfg, path, sizeof(path), 1);
	ret = server_start(&s, &cfg);
	if (!ret) {
		ret = try_create(&cfg, why, sizeof(why));
		ret = ret == -EADDRINUSE && strstr(why, "another server") ? 0 :
			check_fail("returned %d (%s)", ret, why);
	}
	/* the refused server's probe may have taken an ID */
	if (!ret)
		ret = connect_client(&c, path, 1, ANY_ID);
	ivshm_client_close(c);
	check(ret == 0,
	      "library refuses a socket a live server answers on, which keeps serving");
	server_stop(&s);

	test_cfg(&cfg, path, sizeof(path), 1);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	ret = try_create(&cfg, why, sizeof(why));
	check((ret == -EEXIST && access(path, F_OK) == 0) ||
	      check_why("returned %d (%s)", ret, why),
	      "library refuses to replace a file that is not a socket");
	unlink(path);
}

static void test_existing_object(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *a = NULL, *b = NULL;
	struct server s;
	char path[PATH_MAX], name[64], why[256];
	int ret;

	snprintf(name, sizeof(name), "/ivshmem-test-old-%ld", (long)getpid());
	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.shm_dir = NULL;
	cfg.shm_name = name;
	cfg.shm_size = 2 << 20;
	ret = make_object(name, 1 << 20, 0x5a);
	if (!ret) {
		ret = try_create(&cfg, why, sizeof(why));
		ret = ret == -EEXIST && strstr(why, "1 MiB") && strstr(why, "2 MiB") ?
			0 : check_fail("returned %d (%s)", ret, why);
	}
	if (!ret)
		ret = expect_object(name, 1 << 20, 0x5a);
	check(ret == 0,
	      "an existing object of another size is refused, naming both sizes, its data kept");

	cfg.shm_size = 1 << 20;
	ret = start_pair(&s, &cfg, &a, &b);
	finish(&s, 2, a, b);
	if (!ret)
		ret = expect_object(name, 1 << 20, 0x5a);
	check(ret == 0,
	      "an existing object of the size asked is served as it is, its data kept");

	snprintf(path, sizeof(path), "%s/no-such-dir/s", tmpdir);
	ret = try_create(&cfg, why, sizeof(why));
	ret = ret < 0 ? expect_object(name, 1 << 20, 0x5a) :
		check_fail("a missing socket directory was accepted");
	check(ret == 0,
	      "a server that fails to start keeps an object that was there before");
	shm_unlink(name);
}

static void test_memfd(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *a = NULL, *b = NULL;
	struct server s;
	char path[PATH_MAX], why[256];
	volatile uint32_t *ma = MAP_FAILED, *mb = MAP_FAILED;
	struct stat st;
	int ret;

	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.shm_dir = NULL;
	cfg.shm_memfd = true;
	ret = start_pair(&s, &cfg, &a, &b);
	if (!ret && !is_memfd(ivshm_client_shm_fd(a)))
		ret = check_fail("the client's shared memory fd is not a memfd");
	if (!ret) {
		ma = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED,
			  ivshm_client_shm_fd(a), 0);
		mb = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED,
			  ivshm_client_shm_fd(b), 0);
		if (ma == MAP_FAILED || mb == MAP_FAILED)
			ret = check_fail("mmap: %s", strerror(errno));
	}
	if (!ret) {
		ma[4096] = 0x1234abcd;
		if (mb[4096] != 0x1234abcd)
			ret = check_fail("client 1 does not see client 0's store");
	}
	check(ret == 0, "memfd: both clients map the same 1 MiB memfd");
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
		ret = check_fail("the client's shared memory fd is not a memfd");
	if (!ret && fstat(ivshm_client_shm_fd(a), &st) < 0)
		ret = check_fail("fstat: %s", strerror(errno));
	if (!ret && (st.st_blksize < 2 << 20 || st.st_size != 2 << 20))
		ret = check_fail("block size %ld, size %lld: not 2 MiB of huge pages",
				 (long)st.st_blksize, (long long)st.st_size);
	check(ret == 0, "--hugetlb: clients get a 2 MiB memfd of huge pages");
	finish(&s, 2, a, b);

	test_cfg(&cfg, path, sizeof(path), 1);
	cfg.shm_dir = NULL;
	cfg.shm_memfd = true;
	cfg.shm_hugetlb = true;
	cfg.shm_size = 1 << 20;
	ret = try_create(&cfg, why, sizeof(why));
	check((ret < 0 && strstr(why, "memfd (huge pages)")) ||
	      check_why("returned %d (%s)", ret, why),
	      "--hugetlb: a size that is not a multiple of the huge page size is refused");
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
		ret = check_fail("clients told %llu bytes",
				 (unsigned long long)ivshm_client_shm_size(a));
	if (!ret) {
		ma = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
			  ivshm_client_shm_fd(a), (off_t)last);
		mb = mmap(NULL, 4096, PROT_READ, MAP_SHARED,
			  ivshm_client_shm_fd(b), (off_t)last);
		if (ma == MAP_FAILED || mb == MAP_FAILED)
			ret = check_fail("mmap of the last page: %s",
					 strerror(errno));
	}
	if (!ret) {
		memcpy(ma + 4090, "last!", 6);
		if (memcmp(mb + 4090, "last!", 6))
			ret = check_fail("client 1 does not see the store in the last page");
	}
	if (!ret && (fstat(ivshm_client_shm_fd(a), &st) < 0 ||
		     (uint64_t)st.st_size != size || st.st_blocks * 512 > (1 << 20)))
		ret = check_fail("size %lld, %lld blocks: not a sparse 4 GiB object",
				 (long long)st.st_size,
				 (long long)st.st_blocks);
	check(ret == 0,
	      "4 GiB sparse object: both clients map its last page, the same bytes");
	if (ma != MAP_FAILED)
		munmap(ma, 4096);
	if (mb != MAP_FAILED)
		munmap(mb, 4096);
	finish(&s, 2, a, b);
	shm_unlink(name);
}

int main(void)
{
	if (test_setup())
		return 1;
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
	return test_finish();
}
