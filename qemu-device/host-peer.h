/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ivshmem-host peer SOCKET COMMAND ...: the host joins an ivshmem server
 * as one more peer, next to the guests' ivshmem-doorbell devices, through
 * the server's client library (ivshmem-server/ivshmem-client.h):
 *
 *   id                        print own peer ID
 *   peers [--json]            "peer ID: N vectors", one line per peer
 *   ring PEER VECTOR [--count N]
 *   wait [VECTOR] [--count N] [--timeout MS]
 *   dump, read, write, fill, verify, expect, put ...
 *                             on the shared memory the server hands out
 *   ping PEER [--count N] [--offset OFF] [--vector V] [--timeout MS]
 *             [--latency]
 *   pong [--count N] [--offset OFF] [--vector V] [--timeout MS]
 *   shell                     stay connected, one of the above per line
 *
 * ping and pong speak the mailbox protocol of mailbox.h, so they pair
 * with pcimem ping/pong in a guest or with another host peer.
 */
#ifndef HOST_PEER_H
#define HOST_PEER_H

#include <stdbool.h>

#include "cli.h"

struct host_peer;

/* ivshmem-host's own options; its commands' ctx. */
struct host_tool_options {
	bool rw;	/* --rw: pread/pwrite instead of mmap */
	struct host_peer *peer;	/* in peer SOCKET shell: the connection */
};

/*
 * The commands after "peer SOCKET", a sub tool of ivshmem-host's "peer"
 * command (its ctx: the parent's struct host_tool_options).
 */
extern const struct cli_tool host_peer_tool;

#endif /* HOST_PEER_H */
