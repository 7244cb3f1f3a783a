// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem ring, wait, events, ping and pong: interrupts as per-vector
 * totals since probe (PCIMEM_IOC_EVENTS), poll() for "a total moved", and
 * PCIMEM_IOC_RING for the ivshmem doorbell.
 *
 * Every wait first reads the totals as a baseline and then waits for
 * them to move past it, so an interrupt that arrives before poll() is
 * counted, never lost.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cli.h"
#include "deadline.h"
#include "doorbell.h"
#include "mailbox-command.h"
#include "report.h"

/* ---- interrupt totals and poll ---- */

static int read_events(const struct device *d, struct pcimem_events *ev)
{
	if (ioctl(d->fd, PCIMEM_IOC_EVENTS, ev))
		return -errno;
	if (ev->vectors > PCIMEM_MAX_VECTORS)
		ev->vectors = PCIMEM_MAX_VECTORS;
	return 0;
}

/* Exit code and message for a failed read_events() or poll. */
static int events_error(const struct device *d, int err)
{
	switch (err) {
	case -ENODEV:
		pcimem_cli_error(d->path, "the device is gone");
		return EXIT_NODEV;
	case -ENOTTY:
		pcimem_cli_error(d->path, "this pcimem driver does not count interrupts (%s)",
				 strerror(-err));
		return EXIT_IOERR;
	default:
		return pcimem_cli_fail(d->path, -err);
	}
}

/*
 * Wait until a total moved since this file last read them: 0, or
 * -ETIMEDOUT, -ENODEV when the device went away, -errno.
 */
static int poll_device(const struct device *d, uint64_t deadline)
{
	struct pollfd p = { .fd = d->fd, .events = POLLPRI };
	int n;

	do {
		n = poll(&p, 1, pcimem_deadline_remaining_ms(deadline));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
		return -ENODEV;
	return 0;
}

/* ---- argument checks ---- */

static int check_interrupts(const struct device *d)
{
	if (d->info.vectors)
		return EXIT_OK;
	pcimem_cli_error(d->path, "the device has no interrupts (irq_mode %s)",
			 device_irq_mode_name(d->info.irq_mode));
	return EXIT_USAGE;
}

static int check_vector(const struct device *d, uint64_t vector)
{
	int code = check_interrupts(d);

	if (code || vector < d->info.vectors)
		return code;
	pcimem_cli_error(d->path, "vector %" PRIu64 " out of range (device has %u)",
			 vector, d->info.vectors);
	return EXIT_USAGE;
}

static int no_doorbell(const struct device *d)
{
	pcimem_cli_error(d->path, "the device has no doorbell (only ivshmem-doorbell rings peers)");
	return EXIT_USAGE;
}

/* A doorbell needs an ivshmem peer ID and interrupt vectors. */
static int check_doorbell(const struct device *d)
{
	return d->info.peer_id < 0 || !d->info.vectors ? no_doorbell(d) : EXIT_OK;
}

/* ---- ring ---- */

static int ring(const struct device *d, unsigned int peer, unsigned int vector)
{
	struct pcimem_ring r = { .peer = peer, .vector = vector };

	return ioctl(d->fd, PCIMEM_IOC_RING, &r) ? -errno : 0;
}

static int run_ring(const struct cli_run *r)
{
	struct device d;
	unsigned int peer;
	uint64_t vector;
	int code, err;

	if (!pcimem_cli_parse_peer(r->argv[0], &peer) ||
	    !pcimem_cli_parse_max("vector", r->argv[1], PCIMEM_MAX_VECTORS - 1, &vector))
		return EXIT_USAGE;
	code = device_open(&d, r->target, true, NULL);
	if (code)
		return code;
	code = check_doorbell(&d);
	if (!code)
		code = check_vector(&d, vector);
	if (!code) {
		err = ring(&d, peer, (unsigned int)vector);
		if (err == -EOPNOTSUPP)
			code = no_doorbell(&d);
		else if (err == -ENODEV)
			code = events_error(&d, err);
		else if (err)
			code = pcimem_cli_fail(d.path, -err);
	}
	device_close(&d);
	return code;
}

/* ---- events, wait ---- */

static int run_events(const struct cli_run *r)
{
	struct pcimem_events ev;
	struct device d;
	int code, err;

	code = device_open(&d, r->target, false, NULL);
	if (code)
		return code;
	err = read_events(&d, &ev);
	if (err)
		code = events_error(&d, err);
	else
		report_events(stdout, d.path, &ev, r->opt.json);
	device_close(&d);
	return code;
}

/* Growth since @base: of @vector, or of all vectors when it is < 0. */
static uint64_t growth(const struct pcimem_events *base,
		       const struct pcimem_events *now, int vector)
{
	uint64_t sum = 0;
	unsigned int v;

	if (vector >= 0)
		return now->count[vector] - base->count[vector];
	for (v = 0; v < now->vectors; v++)
		sum += now->count[v] - base->count[v];
	return sum;
}

static void print_moved(const struct pcimem_events *base,
			const struct pcimem_events *now)
{
	unsigned int v;

	for (v = 0; v < now->vectors; v++)
		if (now->count[v] != base->count[v])
			printf("vector %u: +%llu (total %llu)\n", v,
			       (unsigned long long)(now->count[v] - base->count[v]),
			       (unsigned long long)now->count[v]);
}

static int wait_events(const struct device *d, int vector, uint64_t count,
		       int timeout_ms)
{
	struct pcimem_events base, now;
	uint64_t deadline = pcimem_deadline_after(timeout_ms);
	int err;

	err = read_events(d, &base);
	if (err)
		return events_error(d, err);
	now = base;
	while (growth(&base, &now, vector) < count) {
		err = poll_device(d, deadline);
		if (!err)
			err = read_events(d, &now);
		if (err)
			break;
	}
	print_moved(&base, &now);
	if (err == -ETIMEDOUT) {
		char which[32] = "";

		if (vector >= 0)
			snprintf(which, sizeof(which), " on vector %d", vector);
		pcimem_cli_error(d->path, "timeout after %d ms: %" PRIu64 " of %" PRIu64 " interrupts%s",
				 timeout_ms, growth(&base, &now, vector), count, which);
		return EXIT_MISMATCH;
	}
	return err ? events_error(d, err) : EXIT_OK;
}

static int run_wait(const struct cli_run *r)
{
	bool any = r->argc == 0;
	uint64_t vector = 0;
	struct device d;
	int code;

	if (!any && !pcimem_cli_parse_max("vector", r->argv[0], PCIMEM_MAX_VECTORS - 1,
					  &vector))
		return EXIT_USAGE;
	code = device_open(&d, r->target, false, NULL);
	if (code)
		return code;
	code = any ? check_interrupts(&d) : check_vector(&d, vector);
	if (!code)
		code = wait_events(&d, any ? -1 : (int)vector, r->opt.count,
				   r->opt.timeout_ms);
	device_close(&d);
	return code;
}

/* ---- ping, pong ---- */

/* The guest side of the mailbox: totals seen so far per vector. */
struct guest_bell {
	const struct device *d;
	uint64_t seen[PCIMEM_MAX_VECTORS];
};

static int guest_ring(void *ctx, unsigned int peer, unsigned int vector)
{
	struct guest_bell *b = ctx;

	return ring(b->d, peer, vector);
}

static int guest_wait(void *ctx, unsigned int vector, int timeout_ms,
		      uint64_t *rings)
{
	struct guest_bell *b = ctx;
	uint64_t deadline = pcimem_deadline_after(timeout_ms);
	struct pcimem_events ev;
	int err;

	for (;;) {
		err = read_events(b->d, &ev);
		if (err)
			return err;
		if (vector < ev.vectors && ev.count[vector] != b->seen[vector]) {
			*rings = ev.count[vector] - b->seen[vector];
			b->seen[vector] = ev.count[vector];
			return 0;
		}
		err = poll_device(b->d, deadline);
		if (err)
			return err;
	}
}

static const struct mailbox_ops guest_ops = {
	.ring = guest_ring,
	.wait = guest_wait,
};

/* ping and pong's own device, memory BAR and interrupt totals. */
struct guest_mailbox {
	const char *dev;
	const struct device_options *o;
	struct device d;
	struct region r;
	struct guest_bell bell;
};

/*
 * Open DEV, map the memory BAR and take the baseline of the interrupt
 * totals: everything ping and pong need before their first message.
 */
static int guest_mailbox_open(void *ctx, struct mailbox *mb)
{
	struct guest_mailbox *g = ctx;
	struct device *d = &g->d;
	struct pcimem_events ev;
	unsigned int v;
	int code, err;

	code = device_open(d, g->dev, true, g->o);
	if (code)
		return code;
	code = check_doorbell(d);
	if (!code)
		code = check_vector(d, mb->vector);
	if (!code && (d->bar.flags & PCIMEM_BAR_REGS)) {
		pcimem_cli_error(d->path, "%s holds registers: the mailbox needs the shared memory",
				 d->what);
		code = EXIT_USAGE;
	}
	if (!code) {
		err = read_events(d, &ev);
		if (err)
			code = events_error(d, err);
	}
	if (!code)
		code = device_region(d, true, g->o->rw, &g->r);
	if (code) {
		device_close(d);
		return code;
	}

	g->bell = (struct guest_bell) { .d = d };
	for (v = 0; v < ev.vectors; v++)
		g->bell.seen[v] = ev.count[v];
	mb->r = &g->r;
	mb->self = (unsigned int)d->info.peer_id;
	mb->ops = &guest_ops;
	mb->ctx = &g->bell;
	return EXIT_OK;
}

static void guest_mailbox_close(void *ctx)
{
	struct guest_mailbox *g = ctx;

	pcimem_region_close(&g->r);
	device_close(&g->d);
}

static const struct mailbox_side guest_side = {
	.open = guest_mailbox_open,
	.close = guest_mailbox_close,
};

static int run_ping(const struct cli_run *r)
{
	struct guest_mailbox g = { .o = r->ctx, .dev = r->target };
	unsigned int peer;

	if (!pcimem_cli_parse_peer(r->argv[0], &peer))
		return EXIT_USAGE;
	return pcimem_mailbox_command_ping(&guest_side, &g, &r->opt, peer);
}

static int run_pong(const struct cli_run *r)
{
	struct guest_mailbox g = { .o = r->ctx, .dev = r->target };

	return pcimem_mailbox_command_pong(&guest_side, &g, &r->opt);
}

const struct cli_command doorbell_ring = {
	.name = "ring", .args = "PEER VECTOR",
	.help = "ring VECTOR of ivshmem peer PEER",
	.target = true, .min_args = 2, .max_args = 2, .run = run_ring,
};

const struct cli_command doorbell_wait = {
	.name = "wait", .args = "[VECTOR]",
	.help = "wait for N interrupts (default 1) on VECTOR or any",
	.target = true, .min_args = 0, .max_args = 1,
	.options = CLI_OPT_COUNT | CLI_OPT_TIMEOUT, .run = run_wait,
};

const struct cli_command doorbell_events = {
	.name = "events", .args = "",
	.help = "interrupts per vector since the driver's probe",
	.details = "--json: {\"node\", \"vectors\": [{\"vector\", \"count\"}]}\n",
	.target = true, .options = CLI_OPT_JSON, .run = run_events,
};

const struct cli_command doorbell_ping = {
	.name = "ping", .args = "PEER",
	.help = "bounce N messages off pong on PEER through the shared memory",
	.details = "Defaults: --count 1, --vector 0, --timeout 10000 per message, --offset 1M\n"
		   "(the last 512 bytes of a region of 1 MiB or less).\n",
	.target = true, .min_args = 1, .max_args = 1,
	.options = MAILBOX_COMMAND_OPTIONS | CLI_OPT_LATENCY,
	.defaults = &pcimem_mailbox_command_defaults, .run = run_ping,
};

const struct cli_command doorbell_pong = {
	.name = "pong", .args = "",
	.help = "answer N messages from ping",
	.details = "Defaults: --count 1, --vector 0, --timeout 10000 per message, --offset 1M\n"
		   "(the last 512 bytes of a region of 1 MiB or less).\n",
	.target = true, .options = MAILBOX_COMMAND_OPTIONS,
	.defaults = &pcimem_mailbox_command_defaults, .run = run_pong,
};
