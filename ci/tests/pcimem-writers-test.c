// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem-writers-test: concurrent writers on one plain-memory BAR.
 *
 *   pcimem-writers-test NODE SLOT THREADS
 *
 * Zeroes the main BAR of NODE (it must be plain memory) with write(), then
 * THREADS threads, half of them storing through one shared mapping and
 * half writing with pwrite() on their own open files, each fill a disjoint
 * range of the BAR (starting at a multiple of 16) in chunks whose sizes are
 * not multiples of 16, so that the whole BAR ends up holding the 16-byte
 * pattern "concurrent-write" repeated. Then every byte is read back with
 * pread() and the host agent verifies the backing file of the device at
 * SLOT.
 *
 * One line per check; exit status 1 if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "pcimem.h"

#define PATTERN		"concurrent-write"
#define PLEN		16
#define MAX_THREADS	64
#define MAX_CHUNK	70000

struct writer {
	pthread_t tid;
	int id;
	int through_mmap;
	uint64_t start, end;	/* [start, end) of the BAR */
	uint64_t rng;
	long chunks, odd;	/* chunks written, of them sizes not multiples of 16 */
	char err[160];		/* empty on success */
};

static const char *node;
static unsigned char *map;	/* the shared mapping of the whole BAR */

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A chunk size that is not a multiple of 16, mostly; never past the end. */
static size_t chunk_size(struct writer *w, uint64_t left)
{
	size_t n;

	switch (next(&w->rng) % 4) {
	case 0:
		n = 1 + next(&w->rng) % 15;
		break;
	case 1:
		n = 16 * (1 + next(&w->rng) % 64) + 1 + next(&w->rng) % 15;
		break;
	default:
		n = 1 + next(&w->rng) % MAX_CHUNK;
		break;
	}
	if (n % PLEN == 0)
		n++;
	return n < left ? n : left;
}

/* The pattern's bytes for [off, off + n) of the BAR. */
static void fill(unsigned char *buf, uint64_t off, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = PATTERN[(off + i) % PLEN];
}

static void *writer_main(void *arg)
{
	static _Thread_local unsigned char buf[MAX_CHUNK];
	struct writer *w = arg;
	uint64_t off = w->start;
	int fd = -1;

	if (!w->through_mmap) {
		fd = open(node, O_RDWR);
		if (fd < 0) {
			snprintf(w->err, sizeof(w->err), "open %s: %s", node, strerror(errno));
			return NULL;
		}
	}
	while (off < w->end) {
		size_t n = chunk_size(w, w->end - off), done = 0;

		fill(buf, off, n);
		if (w->through_mmap) {
			memcpy(map + off, buf, n);
		} else {
			while (done < n) {
				ssize_t ret = pwrite(fd, buf + done, n - done, (off_t)(off + done));

				if (ret <= 0) {
					snprintf(w->err, sizeof(w->err),
						 "pwrite(%zu bytes at 0x%llx): %s", n - done,
						 (unsigned long long)(off + done),
						 ret ? strerror(errno) : "0");
					close(fd);
					return NULL;
				}
				done += ret;
			}
		}
		w->chunks++;
		w->odd += n % PLEN != 0;
		off += n;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Zero the BAR with write() from offset 0; returns the bytes written. */
static uint64_t zero_bar(int fd, uint64_t size)
{
	static unsigned char zeros[1 << 20];
	uint64_t done = 0;

	if (lseek(fd, 0, SEEK_SET))
		return 0;
	while (done < size) {
		size_t n = size - done < sizeof(zeros) ? size - done : sizeof(zeros);
		ssize_t ret = write(fd, zeros, n);

		if (ret <= 0)
			break;
		done += ret;
	}
	return done;
}

/* Every byte through pread(); returns the mismatches, first one in *first. */
static uint64_t verify(int fd, uint64_t size, uint64_t *first, int *io_error)
{
	static unsigned char buf[1 << 16];
	uint64_t off = 0, bad = 0;
	size_t i;

	*io_error = 0;
	while (off < size) {
		size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);
		ssize_t ret = pread(fd, buf, n, (off_t)off);

		if (ret <= 0) {
			*io_error = 1;
			return bad + size - off;
		}
		for (i = 0; i < (size_t)ret; i++)
			if (buf[i] != (unsigned char)PATTERN[(off + i) % PLEN] && !bad++)
				*first = off + i;
		off += ret;
	}
	return bad;
}

int main(int argc, char **argv)
{
	static struct writer w[MAX_THREADS];
	struct pcimem_info info;
	const char *slot;
	uint64_t size, part, bad, first = 0;
	long chunks = 0, odd = 0;
	int fd, n, i, started, io_error, errors = 0, mapped = 0;

	n = argc == 4 ? atoi(argv[3]) : 0;
	if (n < 1 || n > MAX_THREADS) {
		fprintf(stderr, "usage: pcimem-writers-test NODE SLOT THREADS (1-%d)\n",
			MAX_THREADS);
		return 2;
	}
	node = argv[1];
	slot = argv[2];

	fd = open(node, O_RDWR);
	check(fd >= 0, "%s opens read-write", node);
	if (fd < 0)
		return 1;
	if (ioctl(fd, PCIMEM_IOC_INFO, &info)) {
		check(0, "%s: PCIMEM_IOC_INFO: %s", node, strerror(errno));
		return 1;
	}
	size = info.bar_size;
	check((info.flags & PCIMEM_BAR_RAM) && !(info.flags & PCIMEM_BAR_REGS),
	      "%s: BAR%u is plain memory (flags 0x%x), %llu bytes", node, info.bar, info.flags,
	      (unsigned long long)size);
	if (!(info.flags & PCIMEM_BAR_RAM) || size < PLEN * (uint64_t)n)
		return 1;

	check(zero_bar(fd, size) == size, "write() zeroes all %llu bytes of the BAR",
	      (unsigned long long)size);

	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(map != MAP_FAILED, "mmap of the whole BAR for the writers through mmap");
	if (map == MAP_FAILED)
		return 1;

	/* Ranges of whole patterns; the last one takes the rest. */
	part = size / n / PLEN * PLEN;
	for (i = 0, started = 0; i < n; i++) {
		w[i].id = i;
		w[i].through_mmap = i % 2 == 0;
		w[i].start = part * i;
		w[i].end = i == n - 1 ? size : part * (i + 1);
		w[i].rng = 0x9e3779b97f4a7c15ULL * (i + 1);
		mapped += w[i].through_mmap;
		if (pthread_create(&w[i].tid, NULL, writer_main, &w[i])) {
			snprintf(w[i].err, sizeof(w[i].err), "pthread_create failed");
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	for (i = 0; i < n; i++) {
		chunks += w[i].chunks;
		odd += w[i].odd;
		if (w[i].err[0] || i >= started) {
			printf("    writer %d (%s, 0x%llx-0x%llx): %s\n", i,
			       w[i].through_mmap ? "mmap" : "pwrite",
			       (unsigned long long)w[i].start, (unsigned long long)w[i].end,
			       w[i].err[0] ? w[i].err : "not started");
			errors++;
		}
	}
	check(!errors,
	      "%d threads (%d through one mmap, %d through pwrite on their own files) wrote disjoint ranges in %ld chunks, %ld of them not multiples of 16 bytes",
	      n, mapped, n - mapped, chunks, odd);
	munmap(map, size);

	bad = verify(fd, size, &first, &io_error);
	check(!bad, "pread(): every one of the %llu bytes holds \"%s\" repeated%s",
	      (unsigned long long)size, PATTERN,
	      bad ? "" : " (no byte missed, none out of place)");
	if (bad)
		printf("    %llu bytes differ%s, the first at 0x%llx\n", (unsigned long long)bad,
		       io_error ? " (a read failed)" : "", (unsigned long long)first);
	close(fd);

	check(host("verify %s %s", slot, PATTERN) == 0,
	      "host: the backing file of %s holds \"%s\" everywhere", slot, PATTERN);
	return check_failures() ? 1 : 0;
}
