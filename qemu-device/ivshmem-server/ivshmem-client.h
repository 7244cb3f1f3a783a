/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ivshmem client: connects to an ivshmem server, receives the shared
 * memory and the doorbell eventfds, follows peers joining and leaving,
 * rings peers and waits for its own doorbells.  No global state; one
 * client object must only be used by one thread at a time.
 */
#ifndef IVSHMEM_CLIENT_H
#define IVSHMEM_CLIENT_H

#include <stdint.h>

#include "pcimem.h"	/* PCIMEM_MAX_VECTORS, PCIMEM_MAX_PEER_ID */

/*
 * Low level: connect a close-on-exec stream socket to path (returns the
 * fd or -errno), and receive one protocol message: *val gets the value,
 * *fd the attached descriptor or -1.  Returns 0, -ETIMEDOUT when nothing
 * arrived within timeout_ms (-1: wait forever), -ECONNRESET on EOF,
 * -EPROTO on a malformed message, or another -errno.
 */
int ivshm_socket_connect(const char *path);
int ivshm_recv_msg(int sock, int64_t *val, int *fd, int timeout_ms);

enum ivshm_event_type {
	IVSHM_EVENT_PEER_VECTOR,	/* a peer's eventfd for .vector arrived */
	IVSHM_EVENT_PEER_LEFT,		/* .peer left; its eventfds are closed */
	IVSHM_EVENT_OWN_VECTOR,		/* own eventfd for .vector arrived */
};

struct ivshm_event {
	enum ivshm_event_type type;
	unsigned int peer;
	unsigned int vector;
};

struct ivshm_client;

/*
 * Connect to the server at path and read the handshake: version, own ID,
 * shared memory, the peers' eventfds, and own eventfds until `vectors` of
 * them have arrived (0: return as soon as the shared memory is there;
 * later ones arrive as IVSHM_EVENT_OWN_VECTOR).  timeout_ms bounds the
 * wait for each message.  Returns 0 or -errno (-EPROTO: bad handshake,
 * -ECONNRESET: the server closed the connection, e.g. when it is full).
 */
int ivshm_client_connect(struct ivshm_client **out, const char *path,
			 unsigned int vectors, int timeout_ms);

/*
 * Read and apply one message from the server, waiting up to timeout_ms.
 * Returns 0 and fills *ev (if not NULL), or -ETIMEDOUT, -ECONNRESET,
 * -EPROTO, -errno.
 */
int ivshm_client_process(struct ivshm_client *c, int timeout_ms,
			 struct ivshm_event *ev);

int ivshm_client_socket(const struct ivshm_client *c);	/* for poll() */
unsigned int ivshm_client_id(const struct ivshm_client *c);
int ivshm_client_shm_fd(const struct ivshm_client *c);
uint64_t ivshm_client_shm_size(const struct ivshm_client *c);

/* Own eventfds received so far, and the one for a vector (or -1). */
unsigned int ivshm_client_vectors(const struct ivshm_client *c);
int ivshm_client_vector_fd(const struct ivshm_client *c, unsigned int vector);

/* Known peers: count, the i-th ID (ascending), and a peer's vectors. */
unsigned int ivshm_client_peer_count(const struct ivshm_client *c);
int ivshm_client_peer_id(const struct ivshm_client *c, unsigned int i);
int ivshm_client_peer_vectors(const struct ivshm_client *c, unsigned int id);

/*
 * Ring vector of peer (which may be this client itself).  Returns 0,
 * -ENOENT for an unknown peer, -EINVAL for an unknown vector, or -errno.
 */
int ivshm_client_ring(struct ivshm_client *c, unsigned int peer,
		      unsigned int vector);

/*
 * Wait up to timeout_ms for own vector (-1: any vector) to be rung and
 * consume its count.  Returns the vector number and sets *count to the
 * rings collected, or -ETIMEDOUT / -errno.
 */
int ivshm_client_wait(struct ivshm_client *c, int vector, int timeout_ms,
		      uint64_t *count);

/* Close the connection and every descriptor.  NULL is allowed. */
void ivshm_client_close(struct ivshm_client *c);

#endif /* IVSHMEM_CLIENT_H */
