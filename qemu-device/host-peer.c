// SPDX-License-Identifier: GPL-2.0
/*
 * The host as an ivshmem peer: connect to the server, learn the other
 * peers' doorbells and its own, ring and wait on eventfds, and run the
 * region commands and the mailbox on the shared memory.
 *
 * An eventfd read gives the rings accumulated since the last read, so
 * rings that arrive before we wait are counted, never lost. Server
 * messages (peers joining and leaving) are applied while waiting; the
 * fds of a peer that left are closed by the client library.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "ivshmem-server/ivshmem-client.h"

#include "channel-stream.h"
#include "cli.h"
#include "commands.h"
#include "deadline.h"
#include "host-peer.h"
#include "mailbox-command.h"
#include "region.h"

#define CONNECT_TIMEOUT_MS	5000	/* per handshake message */
#define SETTLE_MS		50	/* quiet time that ends the handshake */
#define LATE_VECTOR_MS		1000	/* for an own eventfd still to come */

struct host_peer {
	const char *socket;
	struct ivshm_client *c;
	int watch;		/* peer whose leaving ends a wait, or -1 */
	int error;		/* once the watched peer or the server is gone */
	uint64_t total[PCIMEM_MAX_VECTORS];	/* rings since connect */
};

/* ---- the connection ---- */

/*
 * Apply one server message within @timeout_ms: 0, -ETIMEDOUT, -EPIPE
 * (the watched peer left), -ECONNRESET, -EPROTO, -errno.
 */
static int pump(struct host_peer *p, int timeout_ms)
{
	struct ivshm_event ev;
	int err;

	err = ivshm_client_process(p->c, timeout_ms, &ev);
	if (err)
		return err;
	if (ev.type == IVSHM_EVENT_PEER_LEFT && p->watch >= 0 &&
	    ev.peer == (unsigned int)p->watch)
		return -EPIPE;
	return 0;
}

/* Apply every server message already queued. */
static int pump_queued(struct host_peer *p)
{
	int err;

	while (!(err = pump(p, 0)))
		;
	return err == -ETIMEDOUT ? 0 : err;
}

/* Exit code and message for a broken connection or a vanished peer. */
static int connection_error(const struct host_peer *p, int err)
{
	switch (err) {
	case -ECONNRESET:
		pcimem_cli_error(p->socket, "the server closed the connection");
		return EXIT_NODEV;
	case -EPROTO:
		pcimem_cli_error(p->socket, "the server broke the ivshmem protocol");
		return EXIT_IOERR;
	case -EPIPE:
		pcimem_cli_error(p->socket, "peer %d left", p->watch);
		return EXIT_NODEV;
	default:
		return pcimem_cli_fail(p->socket, -err);
	}
}

/*
 * The handshake hands out own eventfds last, one message each: once the
 * first is here, there are as many as every other peer has; with no
 * other peer, the handshake ends when the server falls quiet.
 */
static int settle(struct host_peer *p)
{
	unsigned int want = 0;
	int err = 0;

	if (ivshm_client_peer_count(p->c)) {
		int id = ivshm_client_peer_id(p->c, 0);

		want = (unsigned int)ivshm_client_peer_vectors(p->c, (unsigned int)id);
	}
	while (!err && ivshm_client_vectors(p->c) < want)
		err = pump(p, CONNECT_TIMEOUT_MS);
	while (!err)
		err = pump(p, want ? 0 : SETTLE_MS);
	return err == -ETIMEDOUT ? 0 : err;
}

static int peer_connect(struct host_peer *p, const char *socket)
{
	int err;

	*p = (struct host_peer) { .socket = socket, .watch = -1 };
	err = ivshm_client_connect(&p->c, socket, 1, CONNECT_TIMEOUT_MS);
	switch (err) {
	case 0:
		break;
	case -ENOENT:
	case -ECONNREFUSED:
		pcimem_cli_error(socket, "no ivshmem server listening: %s",
				 strerror(-err));
		return EXIT_NODEV;
	case -ETIMEDOUT:
		pcimem_cli_error(socket, "the server sent no shared memory and doorbell within %d ms",
				 CONNECT_TIMEOUT_MS);
		return EXIT_NODEV;
	case -ECONNRESET:
		pcimem_cli_error(socket, "the server closed the connection during the handshake (full?)");
		return EXIT_NODEV;
	default:
		return connection_error(p, err);
	}
	err = settle(p);
	if (err) {
		ivshm_client_close(p->c);
		return connection_error(p, err);
	}
	return EXIT_OK;
}

static void peer_close(struct host_peer *p)
{
	ivshm_client_close(p->c);
	p->c = NULL;
}

static int check_own_vector(struct host_peer *p, uint64_t vector)
{
	int err = 0;

	/* A slow server may still be handing out own eventfds. */
	while (!err && vector >= ivshm_client_vectors(p->c))
		err = pump(p, LATE_VECTOR_MS);
	if (vector < ivshm_client_vectors(p->c))
		return EXIT_OK;
	if (err && err != -ETIMEDOUT)
		return connection_error(p, err);
	pcimem_cli_error(p->socket, "vector %" PRIu64 " out of range (the server gives %u)",
			 vector, ivshm_client_vectors(p->c));
	return EXIT_USAGE;
}

/* A peer we can ring on @vector: exit code. */
static int check_peer(struct host_peer *p, unsigned int peer, uint64_t vector)
{
	int n, err;

	err = pump_queued(p);
	if (err)
		return connection_error(p, err);
	n = ivshm_client_peer_vectors(p->c, peer);
	if (peer == ivshm_client_id(p->c))
		n = (int)ivshm_client_vectors(p->c);
	if (n < 0) {
		pcimem_cli_error(p->socket, "peer %u is not connected", peer);
		return EXIT_NODEV;
	}
	if (vector >= (unsigned int)n) {
		pcimem_cli_error(p->socket, "vector %" PRIu64 " out of range (peer %u has %d)",
				 vector, peer, n);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* ---- ringing and waiting ---- */

/*
 * Wait until own @vector (-1: any) has been rung, applying server
 * messages meanwhile. Adds the rings collected to @got[] and p->total[].
 * 0, -ETIMEDOUT, or the error that ended the connection or the watched
 * peer (kept in p->error): rings that came before it are still counted.
 */
static int host_poll(struct host_peer *p, int vector, uint64_t deadline,
		     uint64_t *got)
{
	struct pollfd pfd[PCIMEM_MAX_VECTORS + 1];
	unsigned int first, n, i;
	bool rung = false;
	int ready;

	first = vector < 0 ? 0 : (unsigned int)vector;
	n = vector < 0 ? ivshm_client_vectors(p->c) : 1;
	for (i = 0; i < n; i++)
		pfd[i] = (struct pollfd) {
			.fd = ivshm_client_vector_fd(p->c, first + i),
			.events = POLLIN,
		};

	while (!rung) {
		/* Once broken, the socket stays readable: stop polling it. */
		pfd[n] = (struct pollfd) {
			.fd = p->error ? -1 : ivshm_client_socket(p->c),
			.events = POLLIN,
		};
		ready = poll(pfd, n + 1, p->error ? 0 : pcimem_deadline_remaining_ms(deadline));
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			return -errno;
		if (ready == 0)
			return p->error ? p->error : -ETIMEDOUT;
		for (i = 0; i < n; i++) {
			uint64_t count;

			if (!(pfd[i].revents & POLLIN))
				continue;
			if (read(pfd[i].fd, &count, sizeof(count)) != sizeof(count)) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				return -errno;
			}
			got[first + i] += count;
			p->total[first + i] += count;
			rung = true;
		}
		if (pfd[n].revents)
			p->error = pump_queued(p);
	}
	return 0;
}

static int host_ring(void *ctx, unsigned int peer, unsigned int vector)
{
	struct host_peer *p = ctx;
	int err;

	if (p->error && (p->error != -EPIPE || p->watch == (int)peer))
		return p->error;
	p->watch = (int)peer;
	err = ivshm_client_ring(p->c, peer, vector);
	if (err == -ENOENT) {
		/* Its eventfds may still wait in the socket. */
		err = pump_queued(p);
		if (!err)
			err = ivshm_client_ring(p->c, peer, vector);
	}
	return err;
}

static int host_wait(void *ctx, unsigned int vector, int timeout_ms,
		     uint64_t *rings)
{
	uint64_t got[PCIMEM_MAX_VECTORS] = { 0 };
	int err;

	err = host_poll(ctx, (int)vector, pcimem_deadline_after(timeout_ms), got);
	*rings = got[vector];
	return err;
}

static const struct mailbox_ops host_ops = {
	.ring = host_ring,
	.wait = host_wait,
};

/* ---- commands ---- */

/* A peer command's arguments, parsed before connecting. */
struct peer_args {
	struct cli_command_options opt;
	unsigned int peer;		/* PEER */
	bool has_peer;			/* PEER given */
	uint64_t vector;		/* VECTOR */
	bool has_vector;
	bool rw;			/* --rw */
	const struct cli_command *region;	/* dump, read, ... */
	struct command_args region_args;
};

static int run_id(struct host_peer *p, const struct peer_args *a)
{
	(void)a;
	printf("%u\n", ivshm_client_id(p->c));
	return EXIT_OK;
}

static int run_peers(struct host_peer *p, const struct peer_args *a)
{
	unsigned int i;

	if (a->opt.json)
		printf("{\"self\": %u, \"peers\": [", ivshm_client_id(p->c));
	for (i = 0; i < ivshm_client_peer_count(p->c); i++) {
		int id = ivshm_client_peer_id(p->c, i);
		int n = ivshm_client_peer_vectors(p->c, (unsigned int)id);

		if (a->opt.json)
			printf("%s{\"id\": %d, \"vectors\": %d}", i ? ", " : "",
			       id, n);
		else
			printf("peer %d: %d vectors\n", id, n);
	}
	if (a->opt.json)
		fputs("]}\n", stdout);
	return EXIT_OK;
}

static int run_ring(struct host_peer *p, const struct peer_args *a)
{
	uint64_t i;
	int code, err;

	code = check_peer(p, a->peer, a->vector);
	for (i = 0; i < a->opt.count && !code; i++) {
		err = ivshm_client_ring(p->c, a->peer, (unsigned int)a->vector);
		if (err)
			code = pcimem_cli_fail(p->socket, -err);
	}
	return code;
}

static int run_wait(struct host_peer *p, const struct peer_args *a)
{
	uint64_t got[PCIMEM_MAX_VECTORS] = { 0 }, sum = 0, deadline;
	unsigned int v;
	int err;

	if (a->has_vector) {
		int code = check_own_vector(p, a->vector);

		if (code)
			return code;
	}
	deadline = pcimem_deadline_after(a->opt.timeout_ms);
	err = 0;
	while (!err && sum < a->opt.count) {
		err = host_poll(p, a->has_vector ? (int)a->vector : -1,
				deadline, got);
		for (sum = 0, v = 0; v < PCIMEM_MAX_VECTORS; v++)
			sum += got[v];
	}
	for (v = 0; v < PCIMEM_MAX_VECTORS; v++)
		if (got[v])
			printf("vector %u: +%" PRIu64 " (total %" PRIu64 ")\n",
			       v, got[v], p->total[v]);
	if (sum >= a->opt.count)
		return EXIT_OK;
	if (err == -ETIMEDOUT) {
		pcimem_cli_error(p->socket, "timeout after %d ms: %" PRIu64 " of %" PRIu64 " rings",
				 a->opt.timeout_ms, sum, a->opt.count);
		return EXIT_MISMATCH;
	}
	return connection_error(p, err);
}

/* A region over the shared memory; the region has its own fd. */
static int shm_region(struct host_peer *p, bool writes, bool rw,
		      struct region *r)
{
	int fd, err;

	fd = fcntl(ivshm_client_shm_fd(p->c), F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return pcimem_cli_fail(p->socket, errno);
	err = pcimem_region_init(r, p->socket, "shared memory", fd, writes,
				 ivshm_client_shm_size(p->c),
			  rw ? REGION_FD : REGION_MMAP);
	if (err) {
		close(fd);
		pcimem_cli_error(p->socket, "cannot map the shared memory: %s",
				 strerror(-err));
		return pcimem_cli_errno_exit(-err);
	}
	return EXIT_OK;
}

static int run_region(struct host_peer *p, const struct peer_args *a)
{
	struct region r;
	int code;

	code = shm_region(p, a->region->region->writes, a->rw, &r);
	if (code)
		return code;
	code = a->region->region->run(&r, &a->region_args);
	pcimem_region_close(&r);
	return code;
}

/* ping and pong's own region over the shared memory. */
struct host_mailbox {
	struct host_peer *p;
	const struct peer_args *a;
	struct region r;
};

static int host_mailbox_open(void *ctx, struct mailbox *mb)
{
	struct host_mailbox *h = ctx;
	int code;

	code = check_own_vector(h->p, mb->vector);
	if (!code)
		code = shm_region(h->p, true, h->a->rw, &h->r);
	if (code)
		return code;
	mb->r = &h->r;
	mb->self = ivshm_client_id(h->p->c);
	mb->ops = &host_ops;
	mb->ctx = h->p;
	return EXIT_OK;
}

static void host_mailbox_close(void *ctx)
{
	struct host_mailbox *h = ctx;

	pcimem_region_close(&h->r);
}

static const struct mailbox_side host_side = {
	.open = host_mailbox_open,
	.close = host_mailbox_close,
};

static int run_ping(struct host_peer *p, const struct peer_args *a)
{
	struct host_mailbox h = { .p = p, .a = a };
	int code;

	code = check_peer(p, a->peer, a->opt.vector);
	if (code)
		return code;
	return pcimem_mailbox_command_ping(&host_side, &h, &a->opt, a->peer);
}

static int run_pong(struct host_peer *p, const struct peer_args *a)
{
	struct host_mailbox h = { .p = p, .a = a };

	return pcimem_mailbox_command_pong(&host_side, &h, &a->opt);
}

/* send and recv: a channel stream, doorbells through the server. */
struct host_link {
	struct host_peer *p;
	unsigned int vector;
};

static int link_ring(void *ctx, uint32_t peer)
{
	struct host_link *h = ctx;

	if (ivshm_client_ring(h->p->c, peer, h->vector) == -ENOENT &&
	    !pump_queued(h->p))
		ivshm_client_ring(h->p->c, peer, h->vector);
	return 0;	/* a peer gone is for the liveness checks to see */
}

static int link_wait(void *ctx, int timeout_ms)
{
	uint64_t got[PCIMEM_MAX_VECTORS] = { 0 };
	struct host_link *h = ctx;
	int err;

	err = host_poll(h->p, (int)h->vector, pcimem_deadline_after(timeout_ms), got);
	return err == -ETIMEDOUT ? 0 : err;
}

static int link_present(void *ctx, uint32_t peer)
{
	struct host_link *h = ctx;
	int err;

	err = pump_queued(h->p);
	if (err)
		return err;
	return peer == ivshm_client_id(h->p->c) ||
	       ivshm_client_peer_vectors(h->p->c, peer) >= 0;
}

static int link_error(void *ctx, int err)
{
	struct host_link *h = ctx;

	return connection_error(h->p, err);
}

static const struct channel_link_ops host_link_ops = {
	.ring = link_ring,
	.wait = link_wait,
	.present = link_present,
	.error = link_error,
};

static int run_stream(struct host_peer *p, const struct peer_args *a,
		      bool send)
{
	struct host_link h = { .p = p, .vector = a->opt.vector };
	struct channel_link l;
	struct region r;
	int code;

	if (a->rw) {
		pcimem_cli_error(p->socket, "send and recv need the shared memory mapped, not --rw");
		return EXIT_USAGE;
	}
	code = check_own_vector(p, a->opt.vector);
	if (!code)
		code = shm_region(p, true, false, &r);
	if (code)
		return code;
	l = (struct channel_link) {
		.name = p->socket, .mem = r.map, .size = r.size,
		.self_id = (int)ivshm_client_id(p->c), .ops = &host_link_ops,
		.ctx = &h,
	};
	code = pcimem_channel_stream_command(&l, &a->opt, send, !a->has_peer, a->peer);
	pcimem_region_close(&r);
	return code;
}

static int run_send(struct host_peer *p, const struct peer_args *a)
{
	return run_stream(p, a, true);
}

static int run_recv(struct host_peer *p, const struct peer_args *a)
{
	return run_stream(p, a, false);
}

/* Parse PEER and VECTOR (if the command takes them), connect, run. */
static int run_connected(const struct cli_run *r, bool peer_arg,
			 bool vector_arg,
			 int (*run)(struct host_peer *p, const struct peer_args *a))
{
	const struct host_tool_options *o = r->ctx;
	struct peer_args a = { .opt = r->opt, .rw = o->rw };
	struct host_peer p;
	int code;

	if (peer_arg) {
		if (!pcimem_cli_parse_peer(r->argv[0], &a.peer))
			return EXIT_USAGE;
		a.has_peer = true;
	}
	a.has_vector = vector_arg && r->argc > peer_arg;
	if (a.has_vector &&
	    !pcimem_cli_parse_max("vector", r->argv[peer_arg],
			   PCIMEM_MAX_VECTORS - 1, &a.vector))
		return EXIT_USAGE;
	if (r->c->region) {
		a.region = r->c;
		if (!pcimem_command_parse(r, &a.region_args))
			return EXIT_USAGE;
	}

	if (o->peer) {		/* a line of peer SOCKET shell */
		code = run(o->peer, &a);
		/* The next line may ring other peers: forget this one. */
		if (o->peer->error == -EPIPE)
			o->peer->error = 0;
		o->peer->watch = -1;
		return code;
	}
	code = peer_connect(&p, r->target);
	if (code)
		return code;
	code = run(&p, &a);
	peer_close(&p);
	return code;
}

static const struct cli_tool shell_tool;

#define SHELL_LINE	4096
#define SHELL_WORDS	64

/*
 * peer SOCKET shell: one command per line of standard input on one
 * connection, so the peer ID stays; after each, a line "= EXIT_CODE".
 * Ends at end of input or "quit": 0; or when the server goes: 3.
 */
static int run_shell(struct host_peer *p, const struct peer_args *a)
{
	struct host_tool_options o = { .rw = a->rw, .peer = p };
	struct cli_tool t = shell_tool;
	char line[SHELL_LINE];
	int err = 0;

	t.ctx = &o;
	printf("id %u\n", ivshm_client_id(p->c));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		char *argv[SHELL_WORDS + 2] = { program_invocation_name };
		char *save = NULL, *w;
		int argc = 1, code;

		for (w = strtok_r(line, " \t\r\n", &save); w && argc <= SHELL_WORDS;
		     w = strtok_r(NULL, " \t\r\n", &save))
			argv[argc++] = w;
		if (argc == 1)
			continue;
		if (!strcmp(argv[1], "quit"))
			break;
		code = pcimem_cli_main(&t, argc, argv);
		printf("= %d\n", code);
		fflush(stdout);
		err = pump_queued(p);
		if (err && err != -EPIPE)
			return connection_error(p, err);
	}
	return EXIT_OK;
}

static int cmd_shell(const struct cli_run *r)
{
	const struct host_tool_options *o = r->ctx;

	if (o->peer) {
		pcimem_cli_error(NULL, "shell: already in one");
		return EXIT_USAGE;
	}
	return run_connected(r, false, false, run_shell);
}

static int cmd_id(const struct cli_run *r)
{
	return run_connected(r, false, false, run_id);
}

static int cmd_peers(const struct cli_run *r)
{
	return run_connected(r, false, false, run_peers);
}

static int cmd_ring(const struct cli_run *r)
{
	return run_connected(r, true, true, run_ring);
}

static int cmd_wait(const struct cli_run *r)
{
	return run_connected(r, false, true, run_wait);
}

static int cmd_ping(const struct cli_run *r)
{
	return run_connected(r, true, false, run_ping);
}

static int cmd_pong(const struct cli_run *r)
{
	return run_connected(r, false, false, run_pong);
}

static int cmd_send(const struct cli_run *r)
{
	return run_connected(r, true, false, run_send);
}

static int cmd_recv(const struct cli_run *r)
{
	return run_connected(r, r->argc > 0, false, run_recv);
}

static int cmd_region(const struct cli_run *r)
{
	return run_connected(r, false, false, run_region);
}

static const struct cli_command peer_id = {
	.name = "id", .help = "print own peer ID (gone when this command exits)",
	.run = cmd_id,
};

static const struct cli_command peer_peers = {
	.name = "peers", .help = "list the other peers: \"peer ID: N vectors\"",
	.details = "--json: {\"self\": own ID, \"peers\": [{\"id\", \"vectors\"}]}\n",
	.options = CLI_OPT_JSON, .run = cmd_peers,
};

static const struct cli_command peer_ring = {
	.name = "ring", .args = "PEER VECTOR",
	.help = "ring PEER's VECTOR N times (default 1)",
	.min_args = 2, .max_args = 2, .options = CLI_OPT_COUNT, .run = cmd_ring,
};

static const struct cli_command peer_wait = {
	.name = "wait", .args = "[VECTOR]",
	.help = "wait for N rings (default 1) on own VECTOR, or in all",
	.max_args = 1, .options = CLI_OPT_COUNT | CLI_OPT_TIMEOUT,
	.run = cmd_wait,
};

static const struct cli_command peer_ping = {
	.name = "ping", .args = "PEER",
	.help = "bounce N messages off pong on PEER",
	.details = "Defaults: --count 1, --vector 0, --timeout 10000 per message, --offset 1M\n"
		   "(the last 512 bytes of a region of 1 MiB or less).\n",
	.min_args = 1, .max_args = 1,
	.options = MAILBOX_COMMAND_OPTIONS | CLI_OPT_LATENCY,
	.defaults = &pcimem_mailbox_command_defaults, .run = cmd_ping,
};

static const struct cli_command peer_pong = {
	.name = "pong", .help = "answer N messages from ping",
	.details = "Defaults: --count 1, --vector 0, --timeout 10000 per message, --offset 1M\n"
		   "(the last 512 bytes of a region of 1 MiB or less).\n",
	.options = MAILBOX_COMMAND_OPTIONS,
	.defaults = &pcimem_mailbox_command_defaults, .run = cmd_pong,
};

static const struct cli_command peer_send = {
	.name = "send", .args = "PEER",
	.help = "stream standard input to recv on PEER, over a channel",
	.details = CHANNEL_STREAM_SEND_DETAILS,
	.min_args = 1, .max_args = 1, .options = CHANNEL_STREAM_OPTIONS,
	.defaults = &pcimem_channel_stream_send_defaults, .run = cmd_send,
};

static const struct cli_command peer_recv = {
	.name = "recv", .args = "[PEER]",
	.help = "write what PEER (or the first peer) streams with send",
	.details = CHANNEL_STREAM_RECV_DETAILS,
	.max_args = 1, .options = CHANNEL_STREAM_OPTIONS, .run = cmd_recv,
};

static const struct cli_command peer_shell = {
	.name = "shell",
	.help = "stay connected (the peer ID stays): one command a line on stdin",
	.details = "First prints \"id N\" (its own peer ID), then runs each line of standard\n"
		   "input as one of the commands above (without \"peer SOCKET\"), each\n"
		   "followed by a line \"= EXIT_CODE\". Ends at end of input or \"quit\"\n"
		   "(exit 0), or when the server goes away (exit 3).\n",
	.run = cmd_shell,
};

static const struct cli_command *const peer_commands[] = {
	&peer_id,
	&peer_peers,
	&peer_ring,
	&peer_wait,
	&peer_ping,
	&peer_pong,
	&peer_send,
	&peer_recv,
	&pcimem_command_dump,
	&pcimem_command_read,
	&pcimem_command_write,
	&pcimem_command_fill,
	&pcimem_command_verify,
	&pcimem_command_expect,
	&pcimem_command_put,
	&peer_shell,
	NULL,
};

const struct cli_tool host_peer_tool = {
	.prefix = "ivshmem-host peer SOCKET",
	.commands = peer_commands,
	.run_region = cmd_region,
};

/* The lines of peer SOCKET shell: the same commands, their ctx its own. */
static const struct cli_tool shell_tool = {
	.prefix = "",
	.commands = peer_commands,
	.run_region = cmd_region,
};
