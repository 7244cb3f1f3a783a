/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ivshmem-server library: hands out shared memory and doorbell eventfds
 * to QEMU ivshmem-doorbell devices (and other clients) over a Unix socket.
 *
 * Protocol (the server is the only sender): every message is a signed
 * 64-bit little-endian integer with at most one file descriptor attached.
 * A new client receives the protocol version (0), its own ID, -1 with the
 * shared memory fd, the ID of every connected peer once per vector with
 * that peer's eventfds, then its own ID once per vector with its own
 * eventfds.  Connected clients are first told about the newcomer the same
 * way.  An ID without an fd announces that this peer has left.
 *
 * The server never blocks on one client: what a client's socket does not
 * take at once is sent when it becomes writable, and a client that falls
 * too far behind (its queue of joins and leaves full, or nothing taken for
 * the send timeout) is dropped, and the others told it left, as if it had
 * hung up.  A peer that joins and leaves while a client is not reading is
 * not announced to that client at all.
 *
 * The library is single-threaded: one server object must only be used by
 * one thread at a time.
 */
#ifndef IVSHMEM_SERVER_H
#define IVSHMEM_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pcimem.h"	/* PCIMEM_MAX_VECTORS, PCIMEM_MAX_PEER_ID */

#define IVSHM_PROTOCOL_VERSION	0
/*
 * Vectors per peer: at most PCIMEM_MAX_VECTORS, QEMU's server's limit too.
 * Peers at once: one per peer ID, 0..PCIMEM_MAX_PEER_ID.
 */
#define IVSHM_MAX_PEERS		((int)PCIMEM_MAX_PEER_ID + 1)

#define IVSHM_DEFAULT_SOCKET	"/tmp/ivshmem_socket"
#define IVSHM_DEFAULT_SHM_NAME	"ivshmem"
#define IVSHM_DEFAULT_SIZE	(4ULL << 20)
#define IVSHM_DEFAULT_VECTORS	1
#define IVSHM_DEFAULT_SEND_TIMEOUT_MS	10000
/*
 * Default limit of joins and leaves of other peers queued for a client
 * whose socket is full; one more drops it.  At 16 bytes each that is
 * 64 KiB, less than the kernel's own buffer for a Unix socket.
 */
#define IVSHM_QUEUE_LIMIT	4096

struct ivshm_server_config {
	const char *socket_path;	/* required */
	/*
	 * Shared memory: when shm_dir is set, an unnamed file is created in
	 * that directory (and unlinked at once); otherwise the POSIX shared
	 * memory object shm_name is opened or created with shm_open() and
	 * left in place on exit, so that other programs can find it.  An
	 * object that exists already is served as it is if its size is
	 * shm_size (or it is empty) and refused otherwise (-EEXIST): it is
	 * never truncated.  One created by a server that fails to start is
	 * removed again.  shm_memfd (with shm_hugetlb for huge pages) takes a
	 * memfd instead of both.
	 */
	const char *shm_name;
	const char *shm_dir;
	bool shm_memfd;
	bool shm_hugetlb;
	uint64_t shm_size;		/* bytes, a power of two, at least a page */
	/*
	 * listen_fd_set: serve on listen_fd, a socket already bound and
	 * listening (from systemd's socket activation); socket_path is then
	 * only a name for messages, and the socket file is not removed on
	 * exit.
	 */
	bool listen_fd_set;
	int listen_fd;
	unsigned int vectors;		/* 1..PCIMEM_MAX_VECTORS */
	unsigned int max_peers;		/* 0: IVSHM_MAX_PEERS */
	/*
	 * A client whose socket takes nothing of what is due to it for this
	 * long is dropped.  Others are served meanwhile.  0: no time limit
	 * (the queue limit still applies).
	 */
	unsigned int send_timeout_ms;
	unsigned int queue_limit;	/* 0: IVSHM_QUEUE_LIMIT */
	/*
	 * false (default): IDs rotate as with QEMU's example server, the
	 * next unused one after the last handed out, wrapping at 65536.
	 * true: the lowest unused ID.  Unsafe with QEMU's ivshmem device
	 * (7.2, and unchanged in current QEMU sources): a QEMU that saw an
	 * ID leave corrupts its heap when that ID joins again.  For
	 * clients other than QEMU only.
	 */
	bool lowest_free_ids;
	FILE *log;			/* warnings (and joins/leaves if verbose) */
	bool verbose;
};

struct ivshm_server;

/*
 * Create the shared memory and the listening socket.  A socket path that
 * another server answers on is refused (-EADDRINUSE); a stale socket left
 * behind by a dead server is replaced.  On error returns -errno and puts
 * a message into why (if whylen > 0).
 */
int ivshm_server_create(struct ivshm_server **out,
			const struct ivshm_server_config *cfg,
			char *why, size_t whylen);

/* The listening socket, for callers with their own event loop. */
int ivshm_server_listen_fd(const struct ivshm_server *srv);

/* The shared memory fd (owned by the server). */
int ivshm_server_shm_fd(const struct ivshm_server *srv);

/* Number of clients currently connected. */
unsigned int ivshm_server_peer_count(const struct ivshm_server *srv);

/*
 * One poll iteration: wait up to timeout_ms (-1: forever) for activity on
 * the listening socket, the clients and extra_fd (ignored if < 0), or
 * less until a client's send timeout expires, then handle what arrived.
 * Returns 1 if extra_fd is readable, 0 otherwise, or -errno on a fatal
 * error.
 */
int ivshm_server_poll(struct ivshm_server *srv, int extra_fd, int timeout_ms);

/*
 * Serve until stop_fd (a signalfd, eventfd or pipe) becomes readable.
 * stop_fd is not read.  Returns 0, or -errno on a fatal error.
 */
int ivshm_server_run(struct ivshm_server *srv, int stop_fd);

/*
 * Disconnect every client, close everything and remove the socket file
 * (if it is still the one this server created).  NULL is allowed.
 */
void ivshm_server_destroy(struct ivshm_server *srv);

/* Helpers shared with the command line front end. */
static inline bool ivshm_is_power_of_2(uint64_t v)
{
	return v && !(v & (v - 1));
}

#endif /* IVSHMEM_SERVER_H */
