/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ivshmem-host peer SOCKET COMMAND ...: the host joins an ivshmem server
 * as one more peer, next to the guests' ivshmem-doorbell devices, through
 * the server's client library (qemu-device/ivshmem-server/client.h):
 *
 *   id                        print own peer ID
 *   peers                     "peer ID: N vectors", one line per peer
 *   ring PEER VECTOR [--count N]
 *   wait [VECTOR] [--count N] [--timeout MS]
 *   dump, read, write, fill, verify, expect, put ...
 *                             on the shared memory the server hands out
 *   ping PEER [--count N] [--offset OFF] [--vector V] [--timeout MS]
 *             [--latency]
 *   pong [--count N] [--offset OFF] [--vector V] [--timeout MS]
 *
 * ping and pong speak the mailbox protocol of mailbox.h, so they pair
 * with pcimem ping/pong in a guest or with another host peer.
 */
#ifndef HOST_PEER_H
#define HOST_PEER_H

#include <stdbool.h>
#include <stdio.h>

/* @argv[0] is SOCKET, @argv[1] the command. Returns the exit code. */
int host_peer_main(int argc, char **argv, bool rw);

/* The usage lines of "peer SOCKET ...". */
void host_peer_help(FILE *out);

#endif /* HOST_PEER_H */
