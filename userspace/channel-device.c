// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem send DEV PEER and pcimem recv DEV [PEER]: channel streams
 * (channel-stream.h) on DEV's shared memory. On ivshmem-doorbell the
 * doorbells are PCIMEM_IOC_RING and the driver's interrupt counts (poll
 * for EPOLLPRI, then PCIMEM_IOC_EVENTS, which also re-arms it); on
 * ivshmem-plain, which has none, the two sides poll.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "channel-device.h"
#include "channel-stream.h"
#include "cli.h"
#include "device.h"

struct guest_link {
	const struct device *d;
	unsigned int vector;
};

static int guest_ring(void *ctx, uint32_t peer)
{
	struct guest_link *g = ctx;
	struct pcimem_ring r = { .peer = peer, .vector = g->vector };

	ioctl(g->d->fd, PCIMEM_IOC_RING, &r);
	return 0;	/* a peer gone is for the heartbeats to tell */
}

/* Read the counts: that re-arms EPOLLPRI for the next interrupt. */
static int rearm(const struct guest_link *g)
{
	struct pcimem_events ev;

	return ioctl(g->d->fd, PCIMEM_IOC_EVENTS, &ev) ? -errno : 0;
}

static int guest_wait(void *ctx, int timeout_ms)
{
	struct guest_link *g = ctx;
	struct pollfd p = { .fd = g->d->fd, .events = POLLPRI };
	int n;

	n = poll(&p, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
		return -ENODEV;
	return n ? rearm(g) : 0;
}

static int guest_error(void *ctx, int err)
{
	struct guest_link *g = ctx;

	if (err == -ENODEV) {
		pcimem_cli_error(g->d->path, "the device is gone");
		return EXIT_NODEV;
	}
	return pcimem_cli_fail(g->d->path, -err);
}

static const struct channel_link_ops guest_ops = {
	.ring = guest_ring,
	.wait = guest_wait,
	.error = guest_error,
};

static int run_stream(const struct cli_run *r, bool send)
{
	const struct device_options *o = r->ctx;
	struct guest_link g = { .vector = r->opt.vector };
	struct channel_link l;
	struct device d;
	struct region reg;
	unsigned int peer = 0;
	bool bells;
	int code, err;

	if (r->argc && !pcimem_cli_parse_peer(r->argv[0], &peer))
		return EXIT_USAGE;
	if (o->rw) {
		pcimem_cli_error(r->target, "send and recv need the BAR mapped, not --rw");
		return EXIT_USAGE;
	}
	code = device_open(&d, r->target, true, o);
	if (code)
		return code;
	if (d.bar.flags & PCIMEM_BAR_REGS) {
		pcimem_cli_error(d.path, "%s holds registers: a channel needs shared memory", d.what);
		device_close(&d);
		return EXIT_USAGE;
	}
	bells = d.info.peer_id >= 0 && d.info.vectors;
	if (bells && g.vector >= d.info.vectors) {
		pcimem_cli_error(d.path, "vector %u out of range (device has %u)", g.vector,
				 d.info.vectors);
		device_close(&d);
		return EXIT_USAGE;
	}
	g.d = &d;
	err = bells ? rearm(&g) : 0;
	if (err) {
		code = guest_error(&g, err);
		device_close(&d);
		return code;
	}
	code = device_region(&d, true, false, &reg);
	if (code) {
		device_close(&d);
		return code;
	}
	l = (struct channel_link) {
		.name = d.path, .mem = reg.map, .size = reg.size,
		.self_id = bells ? d.info.peer_id : -1,
		.ops = bells ? &guest_ops : NULL, .ctx = &g,
	};
	code = pcimem_channel_stream_command(&l, &r->opt, send, !r->argc, peer);
	pcimem_region_close(&reg);
	device_close(&d);
	return code;
}

static int run_send(const struct cli_run *r)
{
	return run_stream(r, true);
}

static int run_recv(const struct cli_run *r)
{
	return run_stream(r, false);
}

const struct cli_command channel_send_command = {
	.name = "send", .args = "PEER",
	.help = "stream standard input to recv on PEER, over a channel",
	.details = CHANNEL_STREAM_SEND_DETAILS,
	.target = true, .min_args = 1, .max_args = 1,
	.options = CHANNEL_STREAM_OPTIONS, .defaults = &pcimem_channel_stream_send_defaults,
	.run = run_send,
};

const struct cli_command channel_recv_command = {
	.name = "recv", .args = "[PEER]",
	.help = "write what PEER (or the first peer) streams with send",
	.details = CHANNEL_STREAM_RECV_DETAILS,
	.target = true, .max_args = 1, .options = CHANNEL_STREAM_OPTIONS,
	.run = run_recv,
};
