/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A region: a named byte range (a PCI BAR behind /dev/pcimemN, or the
 * host's ivshmem backing file) reached either through a MAP_SHARED
 * mapping or through pread/pwrite on its fd.
 *
 * All functions return 0 or a negative errno. Offsets and lengths are
 * checked by the caller (see region_check_range()).
 */
#ifndef PCIMEM_REGION_H
#define PCIMEM_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum region_mode {
	REGION_MMAP,	/* map the whole region once, MAP_SHARED */
	REGION_FD,	/* pread/pwrite on the fd */
};

struct region {
	const char *name;	/* path, for messages */
	const char *what;	/* "BAR2", "shared memory", for messages */
	int fd;
	bool writable;
	enum region_mode mode;
	volatile unsigned char *map;	/* REGION_MMAP only */
	uint64_t size;
	/*
	 * 1 for memory. Registers (e.g. 4) take accesses of exactly this
	 * many bytes at multiples of it: the byte copies below then go
	 * register by register, and other widths are -EINVAL. Set by the
	 * caller after pcimem_region_init().
	 */
	unsigned int access_width;
	/*
	 * If set (by the caller, after pcimem_region_init()), called by fill and
	 * verify after each chunk with the bytes done so far.
	 */
	void (*progress)(void *ctx, uint64_t done);
	void *progress_ctx;
};

/*
 * First mismatch and count of bad bytes found by pcimem_region_verify(). If the
 * caller sets @range, it is called once per run of consecutive bad bytes,
 * in order, with the run's first expected and found byte.
 */
struct region_mismatch {
	uint64_t count;
	uint64_t offset;
	unsigned char expected;
	unsigned char found;
	void (*range)(void *ctx, uint64_t off, uint64_t len,
		      unsigned char expected, unsigned char found);
	void *range_ctx;
};

/* Take over @fd (opened O_RDONLY or O_RDWR) of @size bytes; maps it in
 * REGION_MMAP mode. On failure @fd is left open. */
int pcimem_region_init(struct region *r, const char *name, const char *what,
		       int fd, bool writable, uint64_t size, enum region_mode mode);
/* Unmap and close the fd. */
void pcimem_region_close(struct region *r);

/* Whether [off, off + len) lies inside the region (overflow-safe). */
bool pcimem_region_contains(const struct region *r, uint64_t off, uint64_t len);

/* One access of @width bytes (1, 2, 4, 8) at @off aligned to @width:
 * a single volatile load/store, or a single pread/pwrite. -EINVAL if
 * @width is bad (or not the region's access width) or @off unaligned,
 * -ERANGE if outside the region. */
int pcimem_region_read_value(const struct region *r, uint64_t off,
			     unsigned int width, uint64_t *value);
int pcimem_region_write_value(const struct region *r, uint64_t off,
			      unsigned int width, uint64_t value);

/* Plain byte copies; -ERANGE if outside the region, -EINVAL if @off or
 * @len is not a multiple of the region's access width. */
int pcimem_region_read_bytes(const struct region *r, uint64_t off, void *buf,
			     size_t len);
int pcimem_region_write_bytes(const struct region *r, uint64_t off,
			      const void *buf, size_t len);

/* hexdump -C of [off, off + len) with absolute offsets, collapsing
 * repeated 16-byte lines into one "*" line, ending with the end offset. */
int pcimem_region_dump(const struct region *r, uint64_t off, uint64_t len,
		       FILE *out);

/* Fill the whole region with @pat repeated; byte at offset o gets
 * pat[o % patlen]. */
int pcimem_region_fill(const struct region *r, const void *pat, size_t patlen);

/* Compare every byte with what pcimem_region_fill() would have written; the
 * caller sets @m's range callback (or zeroes it). */
int pcimem_region_verify(const struct region *r, const void *pat, size_t patlen,
			 struct region_mismatch *m);

/* Push stores to the backing file (msync / fdatasync). */
int pcimem_region_sync(const struct region *r);

#endif /* PCIMEM_REGION_H */
