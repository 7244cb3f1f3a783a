// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem-bench: the guest half of ci/bench.sh, and the raw ring ioctl for
 * the doorbell tests (the pcimem tool checks its arguments before the
 * driver could).
 *
 *   pcimem-bench memcpy NODE SIZE uc|wc|wb...  MiB/s of memcpy to and from
 *                                             an mmap of SIZE bytes, per type
 *   pcimem-bench ring NODE PEER VECTOR        one PCIMEM_IOC_RING; prints
 *                                             "ring: ok" or "ring: EINVAL ..."
 *   pcimem-bench rings NODE PEER VECTOR N     N rings as fast as they go
 *   pcimem-bench time CMD ARGS...             run CMD; print its wall time
 *   pcimem-bench maptouch FILE SIZE REPS      mmap SIZE bytes of FILE (a node
 *                                             or a sysfs resourceN), touch
 *                                             every page, munmap: best and
 *                                             median ms of REPS
 *
 * Exit status: 0 success, 1 the ioctl failed or CMD did, 2 bad usage,
 * 5 other errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pcimem.h"

#define PASSES	3

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: pcimem-bench memcpy NODE SIZE uc|wc|wb...\n"
		"       pcimem-bench ring NODE PEER VECTOR\n"
		"       pcimem-bench rings NODE PEER VECTOR COUNT\n"
		"       pcimem-bench time CMD [ARGS...]\n"
		"       pcimem-bench maptouch FILE SIZE REPS\n");
	return 2;
}

static int open_node(const char *node)
{
	int fd = open(node, O_RDWR);

	if (fd < 0)
		fprintf(stderr, "pcimem-bench: %s: %s\n", node, strerror(errno));
	return fd;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': v <<= 10; /* fall through */
	case 'M': v <<= 10; /* fall through */
	case 'K': v <<= 10; end++; break;
	}
	return *end ? 0 : v;
}

static const char *const memtypes[] = {
	[PCIMEM_MT_UC] = "uc", [PCIMEM_MT_WC] = "wc", [PCIMEM_MT_WB] = "wb",
};

/* The best of PASSES memcpy writes and reads of @size bytes, per memtype. */
static int bench_memcpy(const char *node, uint64_t size, char **types, int n)
{
	struct pcimem_info info;
	unsigned char *buf, *map;
	int fd, i, p, ret = 0;

	fd = open_node(node);
	if (fd < 0)
		return 5;
	if (ioctl(fd, PCIMEM_IOC_INFO, &info) || size > info.bar_size) {
		fprintf(stderr, "pcimem-bench: %s: no info, or smaller than %" PRIu64 "\n",
			node, size);
		close(fd);
		return 5;
	}
	buf = malloc(size);
	if (!buf) {
		close(fd);
		return 5;
	}
	for (i = 0; (uint64_t)i < size; i++)
		buf[i] = (unsigned char)(i * 7 + 1);

	for (i = 0; i < n; i++) {
		struct pcimem_select sel = { .bar = info.main_bar };
		double wbest = 0, rbest = 0, t;
		unsigned int mt;

		for (mt = 0; mt < 3 && strcmp(types[i], memtypes[mt]); mt++)
			;
		if (mt == 3) {
			fprintf(stderr, "pcimem-bench: unknown memory type %s\n", types[i]);
			ret = 2;
			break;
		}
		sel.memtype = mt;
		if (ioctl(fd, PCIMEM_IOC_SELECT, &sel)) {
			/* The platform gives the BAR another type: say so, go on. */
			if (errno == EOPNOTSUPP) {
				printf("memcpy %s %" PRIu64 " MiB: refused, the kernel would map it "
				       "with another type\n", types[i], size >> 20);
				continue;
			}
			fprintf(stderr, "pcimem-bench: SELECT %s: %s\n", types[i], strerror(errno));
			ret = 5;
			continue;
		}
		map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			fprintf(stderr, "pcimem-bench: mmap %s: %s\n", types[i], strerror(errno));
			ret = 5;
			continue;
		}
		for (p = 0; p < PASSES; p++) {
			t = now_s();
			memcpy(map, buf, size);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			t = now_s() - t;
			if (!wbest || t < wbest)
				wbest = t;
			memset(buf, 0, size);
			t = now_s();
			memcpy(buf, map, size);
			t = now_s() - t;
			if (!rbest || t < rbest)
				rbest = t;
		}
		for (p = 0; (uint64_t)p < size; p++)
			if (buf[p] != (unsigned char)(p * 7 + 1))
				break;
		if ((uint64_t)p != size) {
			fprintf(stderr, "pcimem-bench: %s: byte %d read back wrong\n", types[i], p);
			ret = 1;
		}
		printf("memcpy %s %" PRIu64 " MiB: write %.0f MiB/s, read %.0f MiB/s\n",
		       types[i], size >> 20, (double)(size >> 20) / wbest,
		       (double)(size >> 20) / rbest);
		fflush(stdout);
		munmap(map, size);
	}
	free(buf);
	close(fd);
	return ret;
}

static int bench_ring(const char *node, const char *peer, const char *vector,
		      const char *count)
{
	struct pcimem_ring r = {
		.peer = (__u32)strtoul(peer, NULL, 0),
		.vector = (__u32)strtoul(vector, NULL, 0),
	};
	unsigned long i, n = count ? strtoul(count, NULL, 0) : 1;
	int fd, err = 0;
	double t;

	fd = open_node(node);
	if (fd < 0)
		return 5;
	t = now_s();
	for (i = 0; i < n && !err; i++)
		if (ioctl(fd, PCIMEM_IOC_RING, &r))
			err = errno;
	t = now_s() - t;
	close(fd);
	if (err) {
		printf("ring: %s (%s)\n", err == EINVAL ? "EINVAL" :
		       err == EOPNOTSUPP ? "EOPNOTSUPP" : "error", strerror(err));
		return 1;
	}
	if (count)
		printf("rings: %lu in %.3f s, %.0f rings/s\n", n, t, (double)n / t);
	else
		printf("ring: ok\n");
	return 0;
}

static int bench_time(char **argv)
{
	double t = now_s();
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return 5;
	if (!pid) {
		execvp(argv[0], argv);
		fprintf(stderr, "pcimem-bench: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 5;
	printf("time: %.1f ms\n", (now_s() - t) * 1000);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The cost of mapping: mmap, a read of one byte of every page (the first
 * touch faults the mapping in, however the driver does it), munmap.
 */
static int bench_maptouch(const char *file, uint64_t size, int reps)
{
	double t[64];
	int i, fd = open_node(file);

	if (fd < 0)
		return 5;
	if (reps < 1 || reps > 64)
		return usage();
	for (i = 0; i < reps; i++) {
		volatile unsigned char sum = 0;
		double t0 = now_s();
		unsigned char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		uint64_t o;

		if (m == MAP_FAILED) {
			fprintf(stderr, "pcimem-bench: mmap %s: %s\n", file, strerror(errno));
			close(fd);
			return 5;
		}
		for (o = 0; o < size; o += 4096)
			sum += m[o];
		munmap(m, size);
		t[i] = (now_s() - t0) * 1000;
	}
	close(fd);
	qsort(t, reps, sizeof(t[0]), cmp_double);
	printf("maptouch: best %.2f ms, median %.2f ms\n", t[0], t[reps / 2]);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t size;

	if (argc >= 5 && !strcmp(argv[1], "memcpy")) {
		size = parse_size(argv[3]);
		if (!size)
			return usage();
		return bench_memcpy(argv[2], size, argv + 4, argc - 4);
	}
	if (argc == 5 && !strcmp(argv[1], "ring"))
		return bench_ring(argv[2], argv[3], argv[4], NULL);
	if (argc == 6 && !strcmp(argv[1], "rings"))
		return bench_ring(argv[2], argv[3], argv[4], argv[5]);
	if (argc >= 3 && !strcmp(argv[1], "time"))
		return bench_time(argv + 2);
	if (argc == 5 && !strcmp(argv[1], "maptouch")) {
		size = parse_size(argv[3]);
		if (!size)
			return usage();
		return bench_maptouch(argv[2], size, atoi(argv[4]));
	}
	return usage();
}
