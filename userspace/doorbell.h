/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcimem's interrupt and doorbell commands, on the driver's per-vector
 * interrupt counts (PCIMEM_IOC_EVENTS, poll) and PCIMEM_IOC_RING:
 *
 *   ring   DEV PEER VECTOR
 *   wait   DEV [VECTOR] [--count N] [--timeout MS]
 *   events DEV
 *   ping   DEV PEER [--count N] [--offset OFF] [--vector V] [--timeout MS]
 *                   [--latency]
 *   pong   DEV [--count N] [--offset OFF] [--vector V] [--timeout MS]
 *
 * ping and pong speak the mailbox protocol of mailbox.h.
 */
#ifndef DOORBELL_H
#define DOORBELL_H

#include "device.h"

/* A command of the guest tool that handles its own arguments. */
struct guest_command {
	const char *name;
	const char *usage;	/* arguments after DEV */
	const char *help;
	/* @argv[0] is DEV; @argc >= 1. Returns the exit code. */
	int (*run)(int argc, char **argv, const struct device_options *o);
};

/* ring, wait, events, ping, pong; ends with a NULL name. */
extern const struct guest_command doorbell_commands[];

#endif /* DOORBELL_H */
