// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of mailbox.c: two peers share a temporary file through two
 * regions (one mapped, one with pread/pwrite) and ring each other through
 * eventfds. Pong runs in a child process; scripted peers check that lost,
 * duplicated and wrong messages are caught.
 *
 * Prints "ok - what" or "FAIL - what: detail" per check, then
 * "N passed, N failed"; exits 1 if anything failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "mailbox.h"

#define FILE_SIZE	(2 << 20)
#define VECTORS		2
#define PING_ID		3
#define PONG_ID		7
#define TIMEOUT_MS	5000
#define SHORT_MS	100
#define ROUND_TRIPS	100

/* The doorbells: eventfds of both peers, shared across fork(). */
static int doorbell[2][VECTORS];	/* [0] ping's, [1] pong's */

static int doorbell_fd(unsigned int peer, unsigned int vector)
{
	if (vector >= VECTORS)
		return -EINVAL;
	if (peer == PING_ID)
		return doorbell[0][vector];
	if (peer == PONG_ID)
		return doorbell[1][vector];
	return -ENOENT;
}

static int fake_ring(void *ctx, unsigned int peer, unsigned int vector)
{
	const uint64_t one = 1;
	int fd = doorbell_fd(peer, vector);

	(void)ctx;
	if (fd < 0)
		return fd;
	return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

/* ctx: the waiter's own ID. */
static int fake_wait(void *ctx, unsigned int vector, int timeout_ms,
		     uint64_t *rings)
{
	int fd = doorbell_fd(*(unsigned int *)ctx, vector);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	if (fd < 0)
		return fd;
	n = poll(&p, 1, timeout_ms);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	return read(fd, rings, sizeof(*rings)) == sizeof(*rings) ? 0 : -errno;
}

static const struct mailbox_ops fake_ops = {
	.ring = fake_ring,
	.wait = fake_wait,
};

static int gone_ring(void *ctx, unsigned int peer, unsigned int vector)
{
	(void)ctx;
	(void)peer;
	(void)vector;
	return -EPIPE;
}

static const struct mailbox_ops gone_ops = {
	.ring = gone_ring,
	.wait = fake_wait,
};

static unsigned int ping_id = PING_ID, pong_id = PONG_ID;

struct fixture {
	char path[64];
	int raw;		/* to look and write behind the regions' backs */
	struct region mapped;	/* ping's view */
	struct region plain;	/* pong's view: pread/pwrite */
};

static bool open_region(struct fixture *f, struct region *r,
			enum region_mode mode, const char *what)
{
	int fd = open(f->path, O_RDWR | O_CLOEXEC);
	int err;

	if (fd < 0) {
		perror(f->path);
		return false;
	}
	err = pcimem_region_init(r, f->path, what, fd, true, FILE_SIZE, mode);
	if (err) {
		fprintf(stderr, "%s: pcimem_region_init: %s\n", f->path, strerror(-err));
		close(fd);
		return false;
	}
	return true;
}

static bool fixture_open(struct fixture *f)
{
	unsigned int i, v;

	f->raw = check_temp_file(f->path, sizeof(f->path), "mailbox-test",
				 FILE_SIZE);
	if (f->raw < 0)
		return false;
	for (i = 0; i < 2; i++) {
		for (v = 0; v < VECTORS; v++) {
			doorbell[i][v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			if (doorbell[i][v] < 0) {
				perror("eventfd");
				return false;
			}
		}
	}
	return open_region(f, &f->mapped, REGION_MMAP, "shared memory") &&
	       open_region(f, &f->plain, REGION_FD, "shared memory");
}

static void fixture_close(struct fixture *f)
{
	unsigned int i, v;

	pcimem_region_close(&f->mapped);
	pcimem_region_close(&f->plain);
	for (i = 0; i < 2; i++)
		for (v = 0; v < VECTORS; v++)
			close(doorbell[i][v]);
	close(f->raw);
	unlink(f->path);
}

static struct mailbox make_mailbox(const struct region *r, unsigned int *id,
				   unsigned int vector, int timeout_ms)
{
	return (struct mailbox) {
		.r = r,
		.offset = MAILBOX_DEFAULT_OFFSET,
		.self = *id,
		.vector = vector,
		.timeout_ms = timeout_ms,
		.ops = &fake_ops,
		.ctx = id,
	};
}

/* A child running pong; its exit code and mb.why come back. */
struct child {
	pid_t pid;
	int pipe;
};

static bool start_pong(struct fixture *f, struct child *c, uint64_t count,
		       unsigned int vector, int timeout_ms)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC)) {
		perror("pipe");
		return false;
	}
	fflush(stdout);
	c->pid = fork();
	if (c->pid < 0) {
		perror("fork");
		return false;
	}
	if (c->pid == 0) {
		struct mailbox mb = make_mailbox(&f->plain, &pong_id, vector,
						 timeout_ms);
		int code = pcimem_mailbox_pong(&mb, count);

		if (write(fds[1], mb.why, strlen(mb.why)) < 0)
			code = 99;
		_exit(code);
	}
	close(fds[1]);
	c->pipe = fds[0];
	return true;
}

static int finish(struct child *c, char *why, size_t len)
{
	ssize_t n = read(c->pipe, why, len - 1);
	int status;

	why[n > 0 ? n : 0] = '\0';
	close(c->pipe);
	if (waitpid(c->pid, &status, 0) != c->pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Raw access to a slot through the fixture's own fd. */
static void put_message(struct fixture *f, uint64_t slot, uint64_t seq,
			uint32_t sender, const char *text)
{
	unsigned char buf[MAILBOX_SLOT_SIZE] = { 0 };
	uint32_t len = (uint32_t)strlen(text);

	memcpy(buf + MAILBOX_SEQ, &seq, sizeof(seq));
	memcpy(buf + MAILBOX_SENDER, &sender, sizeof(sender));
	memcpy(buf + MAILBOX_LENGTH, &len, sizeof(len));
	memcpy(buf + MAILBOX_PAYLOAD, text, len);
	if (pwrite(f->raw, buf, sizeof(buf),
		   (off_t)(MAILBOX_DEFAULT_OFFSET + slot)) != sizeof(buf))
		perror("pwrite");
}

static void ring_raw(unsigned int peer, unsigned int vector)
{
	if (fake_ring(NULL, peer, vector))
		perror("ring");
}

static bool wait_raw(unsigned int self, unsigned int vector)
{
	uint64_t rings;

	return !fake_wait(&self, vector, TIMEOUT_MS, &rings);
}

static void test_round_trips(void)
{
	uint64_t rtt[ROUND_TRIPS], seq = 0;
	struct pcimem_mailbox_latency lat;
	struct fixture f;
	struct child c;
	struct mailbox mb;
	char why[256], text[8] = "";
	uint32_t len = 0;
	int code, child;

	if (!fixture_open(&f) || !start_pong(&f, &c, ROUND_TRIPS, 1, TIMEOUT_MS)) {
		check(check_why("cannot set up"), "fixture");
		return;
	}
	mb = make_mailbox(&f.mapped, &ping_id, 1, TIMEOUT_MS);
	code = pcimem_mailbox_ping(&mb, PONG_ID, ROUND_TRIPS, rtt);
	child = finish(&c, why, sizeof(why));
	check(code == 0 || check_why("exit %d: %s", code, mb.why),
	      "ping: 100 round trips on vector 1, mapped against pread/pwrite");
	check(child == 0 || check_why("exit %d: %s", child, why),
	      "pong: 100 requests answered");

	if (pread(f.raw, &seq, 8, MAILBOX_DEFAULT_OFFSET + MAILBOX_REPLY) != 8 ||
	    pread(f.raw, &len, 4, MAILBOX_DEFAULT_OFFSET + MAILBOX_REPLY +
		  MAILBOX_LENGTH) != 4 ||
	    pread(f.raw, text, 8, MAILBOX_DEFAULT_OFFSET + MAILBOX_REPLY +
		  MAILBOX_PAYLOAD) != 8)
		perror("pread");
	check((seq == 100 && len == 8 && !memcmp(text, "pong 100", 8)) ||
	      check_why("seq %llu length %u", (unsigned long long)seq, len),
	      "the file holds reply 100, \"pong 100\", at 1 MiB + 256");

	if (!code) {
		pcimem_mailbox_latency(rtt, ROUND_TRIPS, &lat);
		check((lat.p50 > 0 && lat.p50 <= lat.p99 &&
		       lat.p99 <= lat.max) ||
		      check_why("p50 %.1f p99 %.1f max %.1f", lat.p50, lat.p99,
				lat.max), "latency: 0 < p50 <= p99 <= max");
	}
	fixture_close(&f);
}

static void test_early_ring(void)
{
	struct fixture f;
	struct child c;
	char why[256];
	int child;

	if (!fixture_open(&f)) {
		check(check_why("cannot set up"), "fixture");
		return;
	}
	/* Request and ring before pong even exists: counted, not lost. */
	put_message(&f, MAILBOX_REQUEST, 1, PING_ID, "ping 1");
	ring_raw(PONG_ID, 0);
	if (!start_pong(&f, &c, 1, 0, TIMEOUT_MS)) {
		check(check_why("cannot fork"), "fixture");
		fixture_close(&f);
		return;
	}
	check(wait_raw(PING_ID, 0) ||
	      check_why("no reply ring within %d ms", TIMEOUT_MS),
	      "a ring made before pong waits is answered");
	child = finish(&c, why, sizeof(why));
	check(child == 0 || check_why("exit %d: %s", child, why),
	      "pong answers it and exits 0");
	fixture_close(&f);
}

/*
 * A scripted ping against a real pong: request 1 as it should be, then
 * @bad_seq carrying @bad_text, rung @rings times. Pong must exit 1 and
 * say @want.
 */
static void pong_catches(const char *what, uint64_t bad_seq,
			 const char *bad_text, int rings, const char *want)
{
	struct fixture f;
	struct child c;
	char why[256];
	int child, i;

	if (!fixture_open(&f) || !start_pong(&f, &c, 3, 0, SHORT_MS * 5)) {
		check(check_why("cannot set up"), "fixture");
		return;
	}
	put_message(&f, MAILBOX_REQUEST, 1, PING_ID, "ping 1");
	ring_raw(PONG_ID, 0);
	if (!wait_raw(PING_ID, 0))
		fprintf(stderr, "%s: no reply to request 1\n", what);
	if (bad_seq)
		put_message(&f, MAILBOX_REQUEST, bad_seq, PING_ID, bad_text);
	for (i = 0; i < rings; i++)
		ring_raw(PONG_ID, 0);
	child = finish(&c, why, sizeof(why));
	check((child == EXIT_MISMATCH && strstr(why, want)) ||
	      check_why("exit %d: \"%s\" (want exit 1 and \"%s\")", child, why,
			want), "%s", what);
	fixture_close(&f);
}

/*
 * A scripted pong against a real ping: reply 1 is @bad, rung @rings
 * times. Ping must exit 1 and say @want.
 */
static void ping_catches(const char *what, uint64_t seq, uint32_t sender,
			 const char *text, int rings, const char *want)
{
	struct fixture f;
	struct child c;
	struct mailbox mb;
	int code, i;

	if (!fixture_open(&f)) {
		check(check_why("cannot set up"), "fixture");
		return;
	}
	/* The script in a child, the real ping here. */
	fflush(stdout);
	c.pid = fork();
	if (c.pid == 0) {
		if (!wait_raw(PONG_ID, 0))
			_exit(2);
		put_message(&f, MAILBOX_REPLY, seq, sender, text);
		for (i = 0; i < rings; i++)
			ring_raw(PING_ID, 0);
		_exit(0);
	}
	mb = make_mailbox(&f.mapped, &ping_id, 0, SHORT_MS * 5);
	code = pcimem_mailbox_ping(&mb, PONG_ID, 2, NULL);
	waitpid(c.pid, NULL, 0);
	check((code == EXIT_MISMATCH && strstr(mb.why, want)) ||
	      check_why("exit %d: \"%s\" (want exit 1 and \"%s\")", code,
			mb.why, want), "%s", what);
	fixture_close(&f);
}

/*
 * pcimem_mailbox_check() on MAILBOX_OFFSET_AUTO must pick @want in the
 * region @mb is on, at whatever size the caller has told that region.
 */
static void check_auto_offset(struct mailbox *mb, uint64_t want,
			      const char *what)
{
	int code;

	mb->offset = MAILBOX_OFFSET_AUTO;
	code = pcimem_mailbox_check(mb);
	check((code == 0 && mb->offset == want) ||
	      check_why("exit %d, offset 0x%llx: %s", code,
			(unsigned long long)mb->offset, mb->why),
	      "%s", what);
}

static void test_errors(void)
{
	struct mailbox mb;
	struct fixture f;
	int code;

	if (!fixture_open(&f)) {
		check(check_why("cannot set up"), "fixture");
		return;
	}
	mb = make_mailbox(&f.plain, &pong_id, 0, SHORT_MS);
	code = pcimem_mailbox_pong(&mb, 1);
	check((code == EXIT_MISMATCH && strstr(mb.why,
					       "no ring on vector 0 within 100 ms")) ||
	      check_why("exit %d: %s", code, mb.why),
	      "pong with nobody pinging times out, exit 1");

	mb = make_mailbox(&f.mapped, &ping_id, 0, SHORT_MS);
	mb.ops = &gone_ops;
	code = pcimem_mailbox_ping(&mb, PONG_ID, 1, NULL);
	check((code == EXIT_NODEV && strstr(mb.why, "the peer left")) ||
	      check_why("exit %d: %s", code, mb.why),
	      "a partner gone while ringing: exit 3");

	mb = make_mailbox(&f.mapped, &ping_id, 0, SHORT_MS);
	code = pcimem_mailbox_ping(&mb, 42, 1, NULL);
	check((code == EXIT_NODEV && strstr(mb.why,
					    "ringing peer 42 vector 0: no such peer")) ||
	      check_why("exit %d: %s", code, mb.why),
	      "an unknown peer: exit 3");

	mb.offset = FILE_SIZE - MAILBOX_SIZE + 8;
	code = pcimem_mailbox_check(&mb);
	check((code == EXIT_USAGE && strstr(mb.why,
					    "beyond shared memory (2 MiB)")) ||
	      check_why("exit %d: %s", code, mb.why),
	      "a mailbox across the end is refused, exit 2");
	mb.offset = FILE_SIZE - MAILBOX_SIZE;
	code = pcimem_mailbox_check(&mb);
	check(code == 0 || check_why("exit %d: %s", code, mb.why),
	      "a mailbox at the very end fits");
	mb.offset = 4;
	code = pcimem_mailbox_check(&mb);
	check((code == EXIT_USAGE && strstr(mb.why, "not a multiple of 8")) ||
	      check_why("exit %d: %s", code, mb.why),
	      "an unaligned mailbox is refused, exit 2");
	check_auto_offset(&mb, MAILBOX_DEFAULT_OFFSET,
			  "the default offset in 2 MiB is 1 MiB");
	/* Smaller regions, told so: the mapping itself stays 2 MiB. */
	f.mapped.size = 1 << 20;
	check_auto_offset(&mb, 0xffe00,
			  "the default offset in 1 MiB is its last 512 bytes, 0xffe00");
	f.mapped.size = MAILBOX_SIZE;
	check_auto_offset(&mb, 0,
			  "in 512 bytes the default mailbox is the whole region");
	f.mapped.size = 256;
	mb.offset = MAILBOX_OFFSET_AUTO;
	code = pcimem_mailbox_check(&mb);
	check((code == EXIT_USAGE && strstr(mb.why,
					    "the mailbox (512 bytes) does not fit in shared memory (256 B)")) ||
	      check_why("exit %d: %s", code, mb.why),
	      "a region smaller than the mailbox is refused, exit 2");
	check((pcimem_mailbox_default_offset(4096) == 0xe00 &&
	       pcimem_mailbox_default_offset((1 << 20) + MAILBOX_SIZE) == MAILBOX_DEFAULT_OFFSET &&
	      pcimem_mailbox_default_offset((1 << 20) + MAILBOX_SIZE - 8) == 0xffff8) ||
	      check_why("0x%llx 0x%llx 0x%llx",
			(unsigned long long)pcimem_mailbox_default_offset(4096),
	      (unsigned long long)pcimem_mailbox_default_offset((1 << 20) + MAILBOX_SIZE),
	      (unsigned long long)pcimem_mailbox_default_offset((1 << 20) + MAILBOX_SIZE - 8)),
	      "default offsets: 4 KiB 0xe00, 1 MiB + 512 at 1 MiB, 8 bytes less at the end");
	f.mapped.size = FILE_SIZE;

	mb.offset = 0;
	f.mapped.access_width = 4;
	code = pcimem_mailbox_check(&mb);
	check((code == EXIT_USAGE && strstr(mb.why, "holds registers")) ||
	      check_why("exit %d: %s", code, mb.why),
	      "a mailbox in registers is refused, exit 2");
	f.mapped.access_width = 1;
	fixture_close(&f);
}

static void test_latency(void)
{
	uint64_t ns[200];
	struct pcimem_mailbox_latency lat;
	unsigned int i;

	for (i = 0; i < 200; i++)		/* 200 us .. 1 us, reversed */
		ns[i] = (200 - i) * 1000ULL;
	pcimem_mailbox_latency(ns, 200, &lat);
	check((lat.p50 == 100.0 && lat.p99 == 198.0 && lat.max == 200.0) ||
	      check_why("p50 %.1f p99 %.1f max %.1f", lat.p50, lat.p99,
			lat.max), "latency of 1..200 us: p50 100, p99 198, max 200");
	ns[0] = 7000;
	pcimem_mailbox_latency(ns, 1, &lat);
	check((lat.p50 == 7.0 && lat.p99 == 7.0 && lat.max == 7.0) ||
	      check_why("p50 %.1f p99 %.1f max %.1f", lat.p50, lat.p99,
			lat.max), "latency of one round trip");
}

int main(void)
{
	test_round_trips();
	test_early_ring();
	pong_catches("pong: a skipped request is a lost message", 3, "ping 3", 1,
		     "request 2: slot holds sequence 3, ahead of 2: a message was lost");
	pong_catches("pong: a ring without a new request is a duplicate", 0, "", 1,
		     "request 2: slot still holds sequence 1 after the ring: a duplicate");
	pong_catches("pong: request 2 rung twice is a duplicate", 2, "ping 2", 2,
		     "duplicate");
	pong_catches("pong: a wrong payload", 2, "pang 2", 1,
		     "request 2: payload \"pang 2\", expected \"ping 2\"");
	ping_catches("ping: a reply with the old sequence", 0, PONG_ID, "pong 1", 1,
		     "reply 1: slot still holds sequence 0 after the ring");
	ping_catches("ping: a reply from another peer", 1, 9, "pong 1", 1,
		     "reply 1: from peer 9, expected peer 7");
	ping_catches("ping: a wrong reply payload", 1, PONG_ID, "pong 2", 1,
		     "reply 1: payload \"pong 2\", expected \"pong 1\"");
	ping_catches("ping: a reply rung twice is a duplicate", 1, PONG_ID, "pong 1", 2,
		     "duplicate");
	test_errors();
	test_latency();
	return check_summary();
}
