// SPDX-License-Identifier: GPL-2.0
/*
 * What the ivshmem server's test suites share: see test-peers.h.
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

char tmpdir[64];
unsigned int sock_seq;

/* The descriptors open when the suite started. */
static int fds_before;

int test_setup(void)
{
	struct rlimit rl;

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
		return -1;
	}
	fds_before = count_fds();
	return 0;
}

/* Remove tmpdir and what is in it. */
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

int test_finish(void)
{
	int fds_after = count_fds();

	check(fds_after == fds_before ||
	      check_why("%d open before, %d after", fds_before, fds_after),
	      "no file descriptors leaked");
	remove_tmpdir();
	return check_summary();
}

/* ---- a server running in a thread ---- */

void test_cfg(struct ivshm_server_config *cfg, char *path, size_t len,
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

int server_start(struct server *s, const struct ivshm_server_config *cfg)
{
	char why[256];
	int ret;

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", cfg->socket_path);
	ret = ivshm_server_create(&s->srv, cfg, why, sizeof(why));
	if (ret < 0)
		return check_fail("ivshm_server_create: %s", why);
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s->stop_fd < 0) {
		ivshm_server_destroy(s->srv);
		return check_fail("eventfd: %s", strerror(errno));
	}
	ret = pthread_create(&s->thread, NULL, server_thread, s);
	if (ret) {
		close(s->stop_fd);
		ivshm_server_destroy(s->srv);
		return check_fail("pthread_create: %s", strerror(ret));
	}
	s->running = true;
	return 0;
}

int server_stop(struct server *s)
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
		return check_fail("server loop failed: %s", strerror(-s->ret));
	if (access(s->path, F_OK) == 0)
		return check_fail("%s still exists after destroy", s->path);
	return 0;
}

/* ---- protocol helpers ---- */

int expect_raw(int sock, int64_t want, bool with_fd, int *fd_out)
{
	int64_t val;
	int fd, ret;

	ret = ivshm_recv_msg(sock, &val, &fd, TMO);
	if (ret < 0)
		return check_fail("waiting for %lld%s: %s", (long long)want,
				  with_fd ? " with fd" : "", strerror(-ret));
	if (val != want || (fd >= 0) != with_fd) {
		if (fd >= 0)
			close(fd);
		return check_fail("got %lld %s, expected %lld %s",
				  (long long)val,
				  fd >= 0 ? "with fd" : "without fd",
				  (long long)want,
				  with_fd ? "with fd" : "without fd");
	}
	if (fd_out)
		*fd_out = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
}

/* Where /proc/self/fd/@fd points, into @buf: its length, or -1. */
static ssize_t fd_target(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

bool is_eventfd(int fd)
{
	char target[64];

	return fd_target(fd, target, sizeof(target)) >= 0 &&
	       strcmp(target, "anon_inode:[eventfd]") == 0;
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
		return check_fail("client %u waiting for %s %u/%u: %s",
				  ivshm_client_id(c), event_name(type), peer,
				  vector, strerror(-ret));
	if (ev.type != type || ev.peer != peer ||
	    (type != IVSHM_EVENT_PEER_LEFT && ev.vector != vector))
		return check_fail("client %u got %s %u/%u, expected %s %u/%u",
				  ivshm_client_id(c), event_name(ev.type),
				  ev.peer, ev.vector, event_name(type), peer,
				  vector);
	return 0;
}

int expect_join(struct ivshm_client *c, unsigned int peer,
		unsigned int vectors)
{
	unsigned int v;

	for (v = 0; v < vectors; v++)
		if (expect_event(c, IVSHM_EVENT_PEER_VECTOR, peer, v))
			return -1;
	if (ivshm_client_peer_vectors(c, peer) != (int)vectors)
		return check_fail("client %u has %d vectors for peer %u, not %u",
				  ivshm_client_id(c),
				  ivshm_client_peer_vectors(c, peer), peer,
				  vectors);
	return 0;
}

int expect_leave(struct ivshm_client *c, unsigned int peer)
{
	if (expect_event(c, IVSHM_EVENT_PEER_LEFT, peer, 0))
		return -1;
	if (ivshm_client_peer_vectors(c, peer) != -ENOENT)
		return check_fail("client %u still knows peer %u after it left",
				  ivshm_client_id(c), peer);
	return 0;
}

int connect_client(struct ivshm_client **c, const char *path,
		   unsigned int vectors, unsigned int want_id)
{
	int ret = ivshm_client_connect(c, path, vectors, TMO);

	if (ret < 0)
		return check_fail("client connect: %s", strerror(-ret));
	if (want_id != ANY_ID && ivshm_client_id(*c) != want_id) {
		check_fail("got id %u, expected %u", ivshm_client_id(*c),
			   want_id);
		ivshm_client_close(*c);
		*c = NULL;
		return -1;
	}
	return 0;
}

int start_pair(struct server *s, const struct ivshm_server_config *cfg,
	       struct ivshm_client **a, struct ivshm_client **b)
{
	int ret = server_start(s, cfg);

	if (!ret)
		ret = connect_client(a, cfg->socket_path, cfg->vectors, 0);
	if (!ret)
		ret = connect_client(b, cfg->socket_path, cfg->vectors, 1);
	return ret;
}

void finish(struct server *s, unsigned int n, ...)
{
	va_list ap;

	va_start(ap, n);
	while (n--)
		ivshm_client_close(va_arg(ap, struct ivshm_client *));
	va_end(ap);
	if (server_stop(s))
		check(0, "server stops cleanly");
}

int raw_connect(const char *path, int *sock)
{
	*sock = ivshm_socket_connect(path);
	if (*sock < 0)
		return check_fail("connect: %s", strerror(-*sock));
	return 0;
}

int expect_greeting(int sock, unsigned int id, int *shm)
{
	int ret = expect_raw(sock, 0, false, NULL);

	if (!ret)
		ret = expect_raw(sock, id, false, NULL);
	if (!ret)
		ret = expect_raw(sock, -1, true, shm);
	return ret;
}

int expect_join_leave(struct ivshm_client *c, unsigned int peer,
		      unsigned int vectors)
{
	int ret = expect_join(c, peer, vectors);

	if (!ret)
		ret = expect_leave(c, peer);
	return ret;
}

int expect_ring(struct ivshm_client *from, struct ivshm_client *to,
		unsigned int vector, unsigned int count)
{
	uint64_t total = 0, n;
	unsigned int i;
	int ret;

	for (i = 0; i < count; i++) {
		ret = ivshm_client_ring(from, ivshm_client_id(to), vector);
		if (ret < 0)
			return check_fail("client %u ringing %u/%u: %s",
					  ivshm_client_id(from),
					  ivshm_client_id(to), vector,
					  strerror(-ret));
	}
	while (total < count) {
		ret = ivshm_client_wait(to, (int)vector, TMO, &n);
		if (ret < 0)
			return check_fail("client %u waiting on vector %u: %s (got %llu of %u)",
					  ivshm_client_id(to), vector,
					  strerror(-ret),
					  (unsigned long long)total, count);
		total += n;
	}
	if (total != count)
		return check_fail("client %u vector %u counted %llu, expected %u",
				  ivshm_client_id(to), vector,
				  (unsigned long long)total, count);
	/* Nothing else pending on any vector. */
	ret = ivshm_client_wait(to, -1, 0, &n);
	if (ret != -ETIMEDOUT)
		return check_fail("client %u: unexpected ring on vector %d",
				  ivshm_client_id(to), ret);
	return 0;
}

int expect_ring_both(struct ivshm_client *from, struct ivshm_client *to,
		     unsigned int vector, unsigned int back)
{
	int ret = expect_ring(from, to, vector, 1);

	if (!ret)
		ret = expect_ring(to, from, back, 1);
	return ret;
}

int raw_join(const char *path, unsigned int want_id, unsigned int npeers,
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

int drain_until_leave(struct ivshm_client *c, unsigned int peer)
{
	struct ivshm_event ev;
	int ret;

	do {
		ret = ivshm_client_process(c, TMO, &ev);
		if (ret < 0)
			return check_fail("client %u waiting for leave of %u: %s",
					  ivshm_client_id(c), peer,
					  strerror(-ret));
	} while (!(ev.type == IVSHM_EVENT_PEER_LEFT && ev.peer == peer));
	return 0;
}

/* ---- the output queue ---- */

int drain_outq(struct outq *q, int64_t *vals, int *fds, unsigned int max,
	       unsigned int *n)
{
	for (*n = 0; *n < max && outq_peek(q, &vals[*n], &fds[*n]); ++*n)
		outq_pop(q);
	return outq_empty(q) ? 0 : check_fail("more than %u messages queued",
					      max);
}

bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* ---- peers that stop reading ---- */


static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
		return check_fail("peer %u: %s", w->id, strerror(-ret));
	*had_fd = fd >= 0;
	if (fd >= 0) {
		close(fd);
		if (*val == (int64_t)w->id)
			w->own++;
		else if (*val == (int64_t)w->silent)
			w->knew = true;
	} else if (*val == (int64_t)w->silent) {
		if (!w->knew || w->told)
			return check_fail("peer %u: leave of silent peer %u %s",
					  w->id, w->silent,
					  w->told ? "told twice" : "that it was never shown");
		w->told = true;
	}
	return 1;
}

int watch_one(struct watcher *w, int timeout_ms)
{
	int64_t val;
	bool had_fd;
	int ret = watch_msg(w, timeout_ms, &val, &had_fd);

	if (ret > 0 && !had_fd && val != (int64_t)w->silent)
		return check_fail("peer %u: unexpected leave of %lld", w->id,
				  (long long)val);
	return ret;
}

int drain(struct watcher *w, unsigned int n)
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

int watch_until_told(struct watcher *w)
{
	int ret;

	while (!w->told) {
		ret = watch_one(w, TMO);
		if (ret <= 0)
			return ret ? ret :
				check_fail("peer %u: silent peer %u not gone within %d ms",
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
				check_fail("peer %u: no %s of %u within %d ms",
					   w->id, join ? "join" : "leave", id,
					   TMO);
		if (had_fd) {
			if (join && val == (int64_t)id)
				return 0;
			continue;
		}
		if (!join && val == (int64_t)id)
			return 0;
		if (val != (int64_t)w->silent)
			return check_fail("peer %u: unexpected leave of %lld",
					  w->id, (long long)val);
	}
}

int join_timed(const char *path, unsigned int vectors, unsigned int silent,
	       struct watcher *w, long *ms)
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
			ret = check_fail("waiting for an ID: %s",
					 strerror(-ret));
		} else if (fd >= 0 || val < 0 || val > PCIMEM_MAX_PEER_ID) {
			if (fd >= 0)
				close(fd);
			ret = check_fail("got %lld as an ID", (long long)val);
		} else {
			w->id = (unsigned int)val;
		}
	}
	if (!ret)
		ret = expect_raw(w->sock, -1, true, NULL);
	while (!ret && w->own < vectors) {
		ret = watch_one(w, TMO);
		if (ret == 0)
			ret = check_fail("peer %u: %u of %u own vectors within %d ms",
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
			return check_fail("peer %u: no join within %d ms",
					  a->id, TMO);
		if (ret > 0 && !had_fd)
			return check_fail("peer %u: unexpected leave of %lld",
					  a->id, (long long)val);
	} while (ret > 0 && val == (int64_t)a->id);
	if (ret < 0)
		return ret;
	a->silent = (unsigned int)val;
	a->knew = true;
	return 0;
}

void close_watchers(struct watcher *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (w[i].sock >= 0)
			close(w[i].sock);
}

/* The entries of the directory @path but . and ..; -1 if it cannot be read. */
static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int count_fds(void)
{
	int n = count_entries("/proc/self/fd");

	return n < 0 ? n : n - 1;	/* the directory's own fd */
}

/* Descriptors in /proc/PID/fd (pid 0: this process, less the dir's own). */
static int count_fds_of(pid_t pid)
{
	char dir[64];

	if (!pid)
		return count_fds();
	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	return count_entries(dir);
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
			ret = check_fail("cannot read the usage of pid %ld",
					 (long)pid);
	}
	if (c.sock >= 0)
		close(c.sock);
	if (!ret)
		ret = watch_until(a, c.id, false);
	return ret;
}

void silent_peer_checks(const char *path, pid_t pid, unsigned int joiners,
			bool until_dropped, const char *const what[3])
{
	unsigned int i, n = joiners + 1, worst_i = 0, left;
	struct watcher *w = calloc(n, sizeof(*w));
	struct usage before = { 0 }, after = { 0 };
	long ms, worst = 0;
	int silent = -1, ret;
	int64_t val;
	bool had_fd;

	if (!w) {
		check(check_fail("out of memory") == 0, "%s", what[0]);
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
		ret = check_fail("worst handshake took %ld ms (joiner %u of %u)",
				 worst, worst_i, n - 1);
	check(ret == 0, "%s", what[0]);
	if (ret)
		goto out;

	for (i = 0; i < n && !ret; i++)
		if (w[i].knew)
			ret = watch_until_told(&w[i]);
	/* Everyone is still there: nobody else's leave was seen. */
	if (!ret)
		ret = drain(w, n);
	check(ret == 0, "%s", what[1]);
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
			ret = check_fail("peer %u: %u of %u leaves within %d ms",
					 w[0].id, left, n - 1, TMO);
		else if (ret > 0 && !had_fd && val != (int64_t)w[0].silent)
			left++;
		if (ret > 0)
			ret = 0;
	}
	if (!ret)
		ret = measure(path, &w[0], SILENT_VECTORS, pid, &after);
	if (!ret && after.fds != before.fds)
		ret = check_fail("%d descriptors open before, %d after",
				 before.fds, after.fds);
	check(ret == 0, "%s", what[2]);
out:
	if (silent >= 0)
		close(silent);
	close_watchers(w, n);
	free(w);
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

void churn_checks(const char *path, pid_t pid, long mem_slack,
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
		ret = check_fail("worst handshake took %ld ms", worst);
	if (!ret && after.fds != before.fds)
		ret = check_fail("%d descriptors open before, %d after",
				 before.fds, after.fds);
	if (!ret && after.mem - before.mem > mem_slack)
		ret = check_fail("%ld bytes of memory in use before, %ld after",
				 before.mem, after.mem);
	check(ret == 0, "%s", what);
	/* Closing it also frees a server that blocks on it for good. */
	if (silent >= 0)
		close(silent);
	if (a.sock >= 0)
		close(a.sock);
}

int try_create(const struct ivshm_server_config *cfg, char *why, size_t whylen)
{
	struct ivshm_server *srv = NULL;
	int ret = ivshm_server_create(&srv, cfg, why, whylen);

	ivshm_server_destroy(srv);
	return ret;
}

/* ---- the shared memory is the user's data ---- */

int make_object(const char *name, size_t size, unsigned char byte)
{
	void *m;
	int fd;

	shm_unlink(name);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return check_fail("shm_open %s: %s", name, strerror(errno));
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return check_fail("ftruncate %s: %s", name, strerror(errno));
	}
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return check_fail("mmap %s: %s", name, strerror(errno));
	memset(m, byte, size);
	munmap(m, size);
	return 0;
}

int expect_object(const char *name, size_t size, unsigned char byte)
{
	struct stat st;
	unsigned char *m;
	size_t i;
	int fd;

	fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return check_fail("shm_open %s: %s", name, strerror(errno));
	if (fstat(fd, &st) < 0 || (size_t)st.st_size != size) {
		close(fd);
		return check_fail("%s: size %lld, expected %zu", name,
				  (long long)st.st_size, size);
	}
	m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return check_fail("mmap %s: %s", name, strerror(errno));
	for (i = 0; i < size && m[i] == byte; i++)
		;
	munmap(m, size);
	if (i < size)
		return check_fail("%s: byte %zu is 0x%02x, not 0x%02x", name, i,
				  m[i], byte);
	return 0;
}

/* ---- memfd, huge pages, sizes above 1 GiB, socket activation ---- */

bool is_memfd(int fd)
{
	char target[256];

	return fd_target(fd, target, sizeof(target)) >= 0 &&
	       !strncmp(target, "/memfd:", 7);
}
