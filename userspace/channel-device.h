/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcimem's channel commands, on DEV's shared memory (channel-stream.h):
 *
 *   send DEV PEER   [--offset OFF] [--vector V] [--timeout MS] [--force] [--json]
 *   recv DEV [PEER] [--offset OFF] [--vector V] [--timeout MS] [--force] [--json]
 *
 * Their run() takes pcimem's struct device_options.
 */
#ifndef CHANNEL_DEVICE_H
#define CHANNEL_DEVICE_H

#include "cli.h"

extern const struct cli_command channel_send_command;
extern const struct cli_command channel_recv_command;

#endif /* CHANNEL_DEVICE_H */
