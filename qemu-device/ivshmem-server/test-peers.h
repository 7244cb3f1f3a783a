/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the ivshmem server's two test suites share: ivshmem-server-lib-test
 * (the server library in-process) and ivshmem-server-test (the program).
 * A server library running in a thread; clients and raw protocol peers
 * and what they must be told; watchers of a peer that stops reading; the
 * descriptors and memory a process holds; temporary sockets and shared
 * memory objects. Helpers that check return 0, or -1 with the reason of
 * the next failing check (check_fail(), check.h).
 */
#ifndef IVSHMEM_TEST_PEERS_H
#define IVSHMEM_TEST_PEERS_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ivshmem-client.h"
#include "ivshmem-server-lib.h"
#include "outq.h"

#define TMO		5000	/* ms: guard for anything expected to happen */
#define ANY_ID		UINT_MAX
#define WATCHDOG_S	600	/* s: guard for the whole run */

/* The run's temporary directory, and the number of its last socket. */
extern char tmpdir[64];
extern unsigned int sock_seq;

/*
 * A suite's start: SIGPIPE ignored, the watchdog (WATCHDOG_S) armed, the
 * descriptor limit raised, tmpdir made, the open descriptors counted. 0,
 * or -1 after perror().
 */
int test_setup(void);
/*
 * A suite's end: the check that every descriptor opened since
 * test_setup() was closed, tmpdir removed, "N passed, N failed". Returns
 * the exit status.
 */
int test_finish(void);

/* ---- a server running in a thread ---- */

struct server {
	struct ivshm_server *srv;
	pthread_t thread;
	int stop_fd;
	int ret;
	bool running;
	char path[PATH_MAX];
};

/* A config for a server on a new socket in tmpdir: 1 MiB, @vectors, TMO. */
void test_cfg(struct ivshm_server_config *cfg, char *path, size_t len,
	      unsigned int vectors);

/* Create the server for @cfg and run it in a thread. */
int server_start(struct server *s, const struct ivshm_server_config *cfg);

/* Stop the thread and destroy the server, which must remove its socket. */
int server_stop(struct server *s);

/* ---- protocol helpers ---- */

/*
 * The next message on raw socket @sock is @want, with an fd or not as
 * @with_fd says; the fd goes to *@fd_out (or is closed).
 */
int expect_raw(int sock, int64_t want, bool with_fd, int *fd_out);

/* Does fd name an eventfd? */
bool is_eventfd(int fd);

/* @c is told of @peer, once per vector for its @vectors eventfds. */
int expect_join(struct ivshm_client *c, unsigned int peer,
		unsigned int vectors);

/* @c is told that @peer left, and forgets it. */
int expect_leave(struct ivshm_client *c, unsigned int peer);

/*
 * Connect a client for @vectors to @path; its ID must be @want_id (ANY_ID:
 * any).
 */
int connect_client(struct ivshm_client **c, const char *path,
		   unsigned int vectors, unsigned int want_id);

/* Start the server for cfg; connect clients 0 and 1, with cfg's vectors. */
int start_pair(struct server *s, const struct ivshm_server_config *cfg,
	       struct ivshm_client **a, struct ivshm_client **b);

/*
 * The end of a test: close the n clients given (NULL ones too), stop the
 * server; only a server that fails to stop is a check of its own.
 */
void finish(struct server *s, unsigned int n, ...);

/* A raw protocol connection to path in *sock. */
int raw_connect(const char *path, int *sock);

/* The handshake's start: version 0, the ID, -1 with the shm fd (to shm). */
int expect_greeting(int sock, unsigned int id, int *shm);

/* @c is told that @peer joined with @vectors, then that it left. */
int expect_join_leave(struct ivshm_client *c, unsigned int peer,
		      unsigned int vectors);

/* from rings vector of to; to must see exactly count on that vector. */
int expect_ring(struct ivshm_client *from, struct ivshm_client *to,
		unsigned int vector, unsigned int count);

/* One ring each way: from rings vector of to, then to rings back of from. */
int expect_ring_both(struct ivshm_client *from, struct ivshm_client *to,
		     unsigned int vector, unsigned int back);

/* Minimal client: read the handshake for one vector, keep no fds. */
int raw_join(const char *path, unsigned int want_id, unsigned int npeers,
	     int *sock_out);

/* Wait until c has seen peer leave, skipping other events. */
int drain_until_leave(struct ivshm_client *c, unsigned int peer);

/* ---- the output queue ---- */

/* The value of every message in q, as outq_peek() and outq_pop() give them. */
int drain_outq(struct outq *q, int64_t *vals, int *fds, unsigned int max,
	       unsigned int *n);

/* Is @fd still open? */
bool fd_open(int fd);

/* ---- peers that stop reading ---- */

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

/* As watch_msg(), where only the silent peer may leave. */
int watch_one(struct watcher *w, int timeout_ms);

/* Read what is waiting for the n watchers, without waiting. */
int drain(struct watcher *w, unsigned int n);

/* Read w until it has been told the silent peer left. */
int watch_until_told(struct watcher *w);

/*
 * Join as a raw peer with `vectors` vectors and read the whole handshake
 * into w (its ID from the greeting); *ms gets how long that took.
 */
int join_timed(const char *path, unsigned int vectors, unsigned int silent,
	       struct watcher *w, long *ms);

/* Close the sockets of @n watchers. */
void close_watchers(struct watcher *w, unsigned int n);

/* The descriptors this process has open. */
int count_fds(void);

/* The server's open descriptors and memory in use, as far as we can see. */
struct usage {
	int fds;
	long mem;
};

/*
 * A peer that never reads, then up to `joiners` peers joining (and
 * staying, their messages read now and then; with until_dropped, only
 * until the silent peer is gone): each handshake must complete within a
 * second (what[0]); the silent peer be dropped and announced to every
 * peer that was shown it, and nobody else dropped (what[1]); once all
 * have left, the server (pid; 0: this process) must hold the descriptors
 * it held before (what[2]).
 */
void silent_peer_checks(const char *path, pid_t pid, unsigned int joiners,
			bool until_dropped, const char *const what[3]);

/*
 * 5000 connect and close cycles past a silent peer that stays (the server,
 * pid or 0 for this process, has no send timeout): every join within a
 * second, and the server's fds and memory after them what they were after
 * the first 500 (allowing mem_slack bytes).
 */
void churn_checks(const char *path, pid_t pid, long mem_slack,
		  const char *what);

/* ivshm_server_create() for cfg, its result destroyed: what it returned. */
int try_create(const struct ivshm_server_config *cfg, char *why, size_t whylen);

/* ---- the shared memory is the user's data ---- */

/* Make the POSIX object name of size bytes, filled with byte. */
int make_object(const char *name, size_t size, unsigned char byte);

/* The object name is size bytes of byte. */
int expect_object(const char *name, size_t size, unsigned char byte);

/* ---- memfd, huge pages, sizes above 1 GiB, socket activation ---- */

/* Does fd name a memfd ("/memfd:NAME (deleted)")? */
bool is_memfd(int fd);

#endif /* IVSHMEM_TEST_PEERS_H */
