// SPDX-License-Identifier: GPL-2.0
/*
 * Byte-range access through a shared mapping or pread/pwrite, with the
 * dump, fill and verify operations both pcimem and ivshmem-host use.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "region.h"

#define CHUNK_SIZE	(64 * 1024)	/* multiple of the 16-byte dump line */
#define DUMP_LINE	16

int pcimem_region_init(struct region *r, const char *name, const char *what,
		       int fd, bool writable, uint64_t size, enum region_mode mode)
{
	void *map;

	*r = (struct region) {
		.name = name,
		.what = what,
		.fd = fd,
		.writable = writable,
		.mode = mode,
		.size = size,
		.access_width = 1,
	};
	if (mode != REGION_MMAP || size == 0)
		return 0;
	if (size > SIZE_MAX)
		return -EFBIG;

	map = mmap(NULL, size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
		   MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	r->map = map;
	return 0;
}

void pcimem_region_close(struct region *r)
{
	if (r->map)
		munmap((void *)r->map, r->size);
	if (r->fd >= 0)
		close(r->fd);
	r->map = NULL;
	r->fd = -1;
}

bool pcimem_region_contains(const struct region *r, uint64_t off, uint64_t len)
{
	return off <= r->size && len <= r->size - off;
}

/* pread/pwrite all of @len bytes, retrying short transfers. */
static int fd_transfer(const struct region *r, uint64_t off, void *buf,
		       size_t len, bool write)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t n = write ? pwrite(r->fd, p, len, (off_t)off) :
				    pread(r->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;	/* region ended early */
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static bool registers(const struct region *r)
{
	return r->access_width > 1;
}

/* @v's @width low-order bytes as they lie in memory, and back. */
static void value_to_bytes(uint64_t v, unsigned int width, unsigned char *b)
{
	union { uint8_t b; uint16_t w; uint32_t l; uint64_t q; } u;

	switch (width) {
	case 1: u.b = (uint8_t)v; break;
	case 2: u.w = (uint16_t)v; break;
	case 4: u.l = (uint32_t)v; break;
	default: u.q = v; break;
	}
	memcpy(b, &u, width);
}

static uint64_t bytes_to_value(const unsigned char *b, unsigned int width)
{
	union { uint8_t b; uint16_t w; uint32_t l; uint64_t q; } u;

	memcpy(&u, b, width);
	switch (width) {
	case 1: return u.b;
	case 2: return u.w;
	case 4: return u.l;
	default: return u.q;
	}
}

/* Byte copy over registers: one access of the region's width each. */
static int register_copy(const struct region *r, uint64_t off,
			 unsigned char *buf, size_t len, bool write)
{
	unsigned int w = r->access_width;
	uint64_t v = 0;
	size_t i;
	int err;

	if (off % w || len % w)
		return -EINVAL;
	for (i = 0; i < len; i += w) {
		if (write)
			err = pcimem_region_write_value(r, off + i, w,
							bytes_to_value(buf + i, w));
		else
			err = pcimem_region_read_value(r, off + i, w, &v);
		if (err)
			return err;
		if (!write)
			value_to_bytes(v, w, buf + i);
	}
	return 0;
}

int pcimem_region_read_bytes(const struct region *r, uint64_t off, void *buf,
			     size_t len)
{
	if (!pcimem_region_contains(r, off, len))
		return -ERANGE;
	if (len == 0)
		return 0;
	if (registers(r))
		return register_copy(r, off, buf, len, false);
	if (r->mode == REGION_FD)
		return fd_transfer(r, off, buf, len, false);
	memcpy(buf, (const void *)(r->map + off), len);
	return 0;
}

int pcimem_region_write_bytes(const struct region *r, uint64_t off,
			      const void *buf, size_t len)
{
	if (!pcimem_region_contains(r, off, len))
		return -ERANGE;
	if (!r->writable)
		return -EBADF;
	if (len == 0)
		return 0;
	if (registers(r))
		return register_copy(r, off, (void *)buf, len, true);
	if (r->mode == REGION_FD)
		return fd_transfer(r, off, (void *)buf, len, true);
	memcpy((void *)(r->map + off), buf, len);
	return 0;
}

/* Whether one access of @width bytes at @off is allowed: 0 or -errno. */
static int validate_access(const struct region *r, uint64_t off,
			   unsigned int width)
{
	if (width != 1 && width != 2 && width != 4 && width != 8)
		return -EINVAL;
	if (registers(r) && width != r->access_width)
		return -EINVAL;
	if (off % width)
		return -EINVAL;
	if (!pcimem_region_contains(r, off, width))
		return -ERANGE;
	return 0;
}

/* A single pread/pwrite of exactly @width bytes. */
static int fd_single(const struct region *r, uint64_t off, void *buf,
		     unsigned int width, bool write)
{
	ssize_t n;

	do {
		n = write ? pwrite(r->fd, buf, width, (off_t)off) :
			    pread(r->fd, buf, width, (off_t)off);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)width ? 0 : -EIO;
}

int pcimem_region_read_value(const struct region *r, uint64_t off,
			     unsigned int width, uint64_t *value)
{
	union { uint8_t b; uint16_t w; uint32_t l; uint64_t q; } v;
	const volatile void *p;
	int err;

	err = validate_access(r, off, width);
	if (err)
		return err;
	if (r->mode == REGION_FD) {
		err = fd_single(r, off, &v, width, false);
		if (err)
			return err;
	} else {
		p = r->map + off;
		switch (width) {
		case 1: v.b = *(const volatile uint8_t *)p; break;
		case 2: v.w = *(const volatile uint16_t *)p; break;
		case 4: v.l = *(const volatile uint32_t *)p; break;
		case 8: v.q = *(const volatile uint64_t *)p; break;
		}
	}
	switch (width) {
	case 1: *value = v.b; break;
	case 2: *value = v.w; break;
	case 4: *value = v.l; break;
	case 8: *value = v.q; break;
	}
	return 0;
}

int pcimem_region_write_value(const struct region *r, uint64_t off,
			      unsigned int width, uint64_t value)
{
	union { uint8_t b; uint16_t w; uint32_t l; uint64_t q; } v;
	volatile void *p;
	int err;

	err = validate_access(r, off, width);
	if (err)
		return err;
	if (!r->writable)
		return -EBADF;
	switch (width) {
	case 1: v.b = (uint8_t)value; break;
	case 2: v.w = (uint16_t)value; break;
	case 4: v.l = (uint32_t)value; break;
	case 8: v.q = value; break;
	}
	if (r->mode == REGION_FD)
		return fd_single(r, off, &v, width, true);

	p = r->map + off;
	switch (width) {
	case 1: *(volatile uint8_t *)p = v.b; break;
	case 2: *(volatile uint16_t *)p = v.w; break;
	case 4: *(volatile uint32_t *)p = v.l; break;
	case 8: *(volatile uint64_t *)p = v.q; break;
	}
	return 0;
}

static void dump_line(FILE *out, uint64_t addr, const unsigned char *b,
		      size_t n)
{
	size_t i;

	fprintf(out, "%08llx  ", (unsigned long long)addr);
	for (i = 0; i < DUMP_LINE; i++) {
		if (i < n)
			fprintf(out, "%02x ", b[i]);
		else
			fputs("   ", out);
		if (i == DUMP_LINE / 2 - 1)
			fputc(' ', out);
	}
	fputs(" |", out);
	for (i = 0; i < n; i++)
		fputc(isprint(b[i]) ? b[i] : '.', out);
	fputs("|\n", out);
}

int pcimem_region_dump(const struct region *r, uint64_t off, uint64_t len,
		       FILE *out)
{
	unsigned char prev[DUMP_LINE];
	bool have_prev = false, starred = false;
	unsigned char *buf;
	uint64_t done;
	int err = 0;

	if (!pcimem_region_contains(r, off, len))
		return -ERANGE;
	buf = malloc(CHUNK_SIZE);
	if (!buf)
		return -ENOMEM;

	for (done = 0; done < len && !err; ) {
		size_t n = len - done < CHUNK_SIZE ? len - done : CHUNK_SIZE;
		size_t i;

		err = pcimem_region_read_bytes(r, off + done, buf, n);
		for (i = 0; i < n && !err; i += DUMP_LINE) {
			size_t line = n - i < DUMP_LINE ? n - i : DUMP_LINE;
			unsigned char *b = buf + i;

			if (line == DUMP_LINE && have_prev &&
			    !memcmp(b, prev, DUMP_LINE)) {
				if (!starred)
					fputs("*\n", out);
				starred = true;
				continue;
			}
			dump_line(out, off + done + i, b, line);
			starred = false;
			if (line == DUMP_LINE) {
				memcpy(prev, b, DUMP_LINE);
				have_prev = true;
			}
		}
		done += n;
	}
	if (!err && len)
		fprintf(out, "%08llx\n", (unsigned long long)(off + len));
	free(buf);
	if (!err && (fflush(out) || ferror(out)))
		err = -EIO;
	return err;
}

/*
 * A buffer holding @pat repeated, its length a multiple of @patlen so that
 * every chunk written at a multiple of that length starts at phase 0.
 */
static unsigned char *pattern_chunk(const void *pat, size_t patlen,
				    size_t *chunk_len)
{
	unsigned char *buf;
	size_t len, i;

	len = patlen >= CHUNK_SIZE ? patlen : CHUNK_SIZE - CHUNK_SIZE % patlen;
	buf = malloc(len);
	if (!buf)
		return NULL;
	for (i = 0; i < len; i += patlen)
		memcpy(buf + i, pat, patlen);
	*chunk_len = len;
	return buf;
}

int pcimem_region_fill(const struct region *r, const void *pat, size_t patlen)
{
	unsigned char *chunk;
	size_t chunk_len;
	uint64_t off;
	int err = 0;

	if (patlen == 0)
		return -EINVAL;
	if (!r->writable)
		return -EBADF;
	chunk = pattern_chunk(pat, patlen, &chunk_len);
	if (!chunk)
		return -ENOMEM;

	for (off = 0; off < r->size && !err; off += chunk_len) {
		uint64_t left = r->size - off;
		size_t n = left < chunk_len ? left : chunk_len;

		err = pcimem_region_write_bytes(r, off, chunk, n);
		if (!err && r->progress)
			r->progress(r->progress_ctx, off + n);
	}
	free(chunk);
	return err;
}

/* A run of bad bytes being collected by pcimem_region_verify(). */
struct bad_run {
	uint64_t start;
	uint64_t len;		/* 0: none open */
	unsigned char expected;
	unsigned char found;
};

static void end_run(struct region_mismatch *m, struct bad_run *run)
{
	if (run->len && m->range)
		m->range(m->range_ctx, run->start, run->len, run->expected,
			 run->found);
	run->len = 0;
}

int pcimem_region_verify(const struct region *r, const void *pat, size_t patlen,
			 struct region_mismatch *m)
{
	unsigned char *chunk, *buf;
	struct bad_run run = { 0 };
	size_t chunk_len;
	uint64_t off;
	int err = 0;

	m->count = 0;
	m->offset = 0;
	m->expected = 0;
	m->found = 0;
	if (patlen == 0)
		return -EINVAL;
	chunk = pattern_chunk(pat, patlen, &chunk_len);
	buf = malloc(chunk_len);
	if (!chunk || !buf) {
		free(chunk);
		free(buf);
		return -ENOMEM;
	}

	for (off = 0; off < r->size && !err; off += chunk_len) {
		uint64_t left = r->size - off;
		size_t n = left < chunk_len ? left : chunk_len;
		size_t i;

		err = pcimem_region_read_bytes(r, off, buf, n);
		if (!err && r->progress)
			r->progress(r->progress_ctx, off + n);
		if (err || !memcmp(buf, chunk, n)) {
			end_run(m, &run);
			continue;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] == chunk[i]) {
				end_run(m, &run);
				continue;
			}
			if (!m->count++) {
				m->offset = off + i;
				m->expected = chunk[i];
				m->found = buf[i];
			}
			if (!run.len++) {
				run.start = off + i;
				run.expected = chunk[i];
				run.found = buf[i];
			}
		}
	}
	if (!err)
		end_run(m, &run);
	free(chunk);
	free(buf);
	return err;
}

int pcimem_region_sync(const struct region *r)
{
	if (r->map && msync((void *)r->map, r->size, MS_SYNC))
		return -errno;
	if (r->mode == REGION_FD && r->writable && fdatasync(r->fd))
		return -errno;
	return 0;
}
