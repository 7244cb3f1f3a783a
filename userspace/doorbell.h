/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcimem's interrupt and doorbell commands, on the driver's per-vector
 * interrupt counts (PCIMEM_IOC_EVENTS, poll) and PCIMEM_IOC_RING:
 *
 *   ring   DEV PEER VECTOR
 *   wait   DEV [VECTOR] [--count N] [--timeout MS]
 *   events DEV [--json]
 *   ping   DEV PEER [--count N] [--offset OFF] [--vector V] [--timeout MS]
 *                   [--latency]
 *   pong   DEV [--count N] [--offset OFF] [--vector V] [--timeout MS]
 *
 * ping and pong speak the mailbox protocol of mailbox.h.
 */
#ifndef DOORBELL_H
#define DOORBELL_H

#include "cli.h"
#include "device.h"

/* The commands, for pcimem's table; their run() takes the device_options. */
extern const struct cli_command doorbell_ring;
extern const struct cli_command doorbell_wait;
extern const struct cli_command doorbell_events;
extern const struct cli_command doorbell_ping;
extern const struct cli_command doorbell_pong;

#endif /* DOORBELL_H */
