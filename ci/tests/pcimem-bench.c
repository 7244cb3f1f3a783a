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
 *   pcimem-bench maptouch FILE SIZE REPS [4k] mmap SIZE bytes of FILE (a node
 *                                             or a sysfs resourceN), touch
 *                                             every page, munmap: best and
 *                                             median ms of REPS; 4k places
 *                                             the mapping 4 KiB off a 2 MiB
 *                                             boundary, so that no 2 MiB
 *                                             entry can map it
 *   pcimem-bench mapsplit FILE SIZE REPS [4k] the parts of that cost: mmap,
 *                                             first touch of every page,
 *                                             a second touch, munmap, and
 *                                             mmap + one byte per 2 MiB
 *                                             (SIZE a multiple of 2 MiB)
 *   pcimem-bench bw NAME TARGET MIN SIZE...   sequential read, write and copy
 *                                             of each SIZE through TARGET:
 *                                             "bw NAME OP SIZE MIB_S" lines
 *   pcimem-bench epong NODE ID COUNT [OFFSET] the mailbox's pong (see
 *                                             userspace/mailbox.h) as peer
 *                                             ID, woken by an eventfd on
 *                                             vector 0 (PCIMEM_IOC_SET_EVENTFD;
 *                                             NODE vfio:BDF: vfio-pci's MSI-X
 *                                             eventfd, VFIO_DEVICE_SET_IRQS)
 *   pcimem-bench hostmem FILE OP PATTERN      memset, fill or memcmp of the
 *                                             whole of FILE's mapping: the
 *                                             host's ceiling for ivshmem-host
 *                                             fill and verify
 *
 * bw's TARGET: "ram" (anonymous memory, the ceiling), "mmap:NODE:uc|wc|wb"
 * (an mmap of a pcimem node in that memory type), "rw:NODE" (pread and
 * pwrite of the node), "file:PATH" (an mmap of PATH, e.g. a sysfs
 * resource2 or resource2_wc), "vfio:BDF" or "vfiorw:BDF" (vfio-pci's BAR2
 * region of the device at BDF, e.g. 0000:00:04.0, bound to vfio-pci:
 * mmap, or pread and pwrite), "bounce4:NODE" and "bounce16:NODE" (the
 * driver's read()/write() copies replayed in user space over an mmap of
 * the node, the BAR side moved 4 or 16 bytes at a time: see bounce_io()).
 * maptouch's FILE may be vfio:BDF too. read copies SIZE bytes of the target into
 * anonymous memory, write copies them back, copy moves SIZE bytes of the
 * target to SIZE bytes further on in it (the target needs twice the
 * largest SIZE). Each figure is the median of $PCIMEM_BENCH_PASSES passes
 * (1 to 16, default 5), a pass repeating the operation until it has moved
 * MIN bytes (and at least once). $PCIMEM_BENCH_OPS (e.g. "read") runs only
 * the operations it names, and then checks no data (for profiling).
 *
 * Exit status: 0 success, 1 the ioctl failed, CMD did or data read back
 * wrong, 2 bad usage, 5 other errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "pcimem.h"

#define PASSES	3
#define BW_PASSES_MAX	16
#define SZ_2M	(2ULL << 20)

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
		"       pcimem-bench maptouch FILE SIZE REPS [4k]\n"
		"       pcimem-bench mapsplit FILE SIZE REPS [4k]\n"
		"       pcimem-bench bw NAME ram|mmap:NODE:TYPE|rw:NODE|file:PATH|bounce4:NODE MIN SIZE...\n"
		"       pcimem-bench epong NODE ID COUNT [OFFSET]\n"
		"       pcimem-bench hostmem FILE memset|fill|memcmp PATTERN\n");
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

/*
 * vfio-pci's view of BAR2 of the device at BDF (0000:00:04.0): a type-1
 * container, the device's group, the device fd and the region's offset in
 * it. Returns the device fd, or -1 with the reason printed.
 */
static int open_vfio(const char *bdf, uint64_t *offset, uint64_t *size)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_BAR2_REGION_INDEX };
	char link[256], path[300], *g;
	int container, group, dev;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		fprintf(stderr, "pcimem-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	link[n] = 0;
	g = strrchr(link, '/');
	snprintf(path, sizeof(path), "/dev/vfio/%s", g ? g + 1 : link);
	container = open("/dev/vfio/vfio", O_RDWR);
	group = open(path, O_RDWR);
	if (container < 0 || group < 0) {
		fprintf(stderr, "pcimem-bench: /dev/vfio/vfio or %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(group, VFIO_GROUP_GET_STATUS, &gs) || !(gs.flags & VFIO_GROUP_FLAGS_VIABLE) ||
	    ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU)) {
		fprintf(stderr, "pcimem-bench: vfio container and group %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (dev < 0 || ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri)) {
		fprintf(stderr, "pcimem-bench: vfio device %s, region 2: %s\n", bdf, strerror(errno));
		return -1;
	}
	*offset = ri.offset;
	*size = ri.size;
	return dev;
}

/*
 * vfio-pci's MSI-X vector 0 signals @efd; bus mastering on, so that the
 * device's MSI-X writes reach the CPU; *regs: BAR0's region offset.
 */
static int vfio_msix(int dev, int efd, uint64_t *regs)
{
	struct vfio_region_info cfg = { .argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	struct vfio_region_info bar0 = { .argsz = sizeof(bar0), .index = VFIO_PCI_BAR0_REGION_INDEX };
	/* struct vfio_irq_set ends in a flexible array: the eventfd follows it. */
	union {
		struct vfio_irq_set set;
		unsigned char bytes[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	} irq = {
		.set = { .argsz = sizeof(irq), .index = VFIO_PCI_MSIX_IRQ_INDEX, .start = 0,
			 .count = 1,
			 .flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER },
	};
	int32_t fd = efd;
	uint16_t cmd;

	memcpy(irq.set.data, &fd, sizeof(fd));
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &cfg) ||
	    ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &bar0) ||
	    pread(dev, &cmd, 2, (off_t)(cfg.offset + 4)) != 2) {
		fprintf(stderr, "pcimem-bench: vfio config or BAR0 region: %s\n", strerror(errno));
		return -1;
	}
	cmd |= 0x4;	/* PCI_COMMAND_MASTER */
	if (pwrite(dev, &cmd, 2, (off_t)(cfg.offset + 4)) != 2 ||
	    ioctl(dev, VFIO_DEVICE_SET_IRQS, &irq)) {
		fprintf(stderr, "pcimem-bench: vfio bus master or MSI-X eventfd: %s\n",
			strerror(errno));
		return -1;
	}
	*regs = bar0.offset;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * A free range of @size bytes whose start lies 4 KiB past a 2 MiB
 * boundary, so that no 2 MiB entry can map a window there; MAP_FAILED
 * with the reason printed.
 */
static unsigned char *window_4k(uint64_t size)
{
	unsigned char *hint = mmap(NULL, size + 2 * SZ_2M, PROT_NONE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (hint == MAP_FAILED) {
		fprintf(stderr, "pcimem-bench: reserve %" PRIu64 " bytes: %s\n",
			size, strerror(errno));
		return MAP_FAILED;
	}
	munmap(hint, size + 2 * SZ_2M);
	return (unsigned char *)(((uintptr_t)hint + SZ_2M - 1) &
				 ~(uintptr_t)(SZ_2M - 1)) + 4096;
}

/*
 * The node, or with "vfio:BDF" the BAR2 region of that device through
 * VFIO (its offset in the descriptor in *@base): a descriptor, or -1 with
 * the reason printed.
 */
static int open_file(const char *file, uint64_t *base)
{
	uint64_t rsize;

	if (!strncmp(file, "vfio:", 5))
		return open_vfio(file + 5, base, &rsize);
	return open_node(file);
}

/*
 * A fresh shared mapping of @size bytes of @fd at @base, on a window_4k()
 * range when @off4k; *@t0 is the time just before mmap. MAP_FAILED with
 * the reason printed.
 */
static unsigned char *map_timed(const char *file, int fd, uint64_t base, uint64_t size,
				int off4k, double *t0)
{
	unsigned char *hint = off4k ? window_4k(size) : NULL, *m;

	if (hint == MAP_FAILED)
		return MAP_FAILED;
	*t0 = now_s();
	m = mmap(hint, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | (hint ? MAP_FIXED_NOREPLACE : 0), fd, (off_t)base);
	if (m == MAP_FAILED)
		fprintf(stderr, "pcimem-bench: mmap %s: %s\n", file, strerror(errno));
	return m;
}

/*
 * The cost of mapping: mmap, a read of one byte of every page (the first
 * touch faults the mapping in, however the driver does it), munmap.
 */
static int bench_maptouch(const char *file, uint64_t size, int reps, int off4k)
{
	uint64_t base = 0;
	double t[64];
	int i, fd;

	fd = open_file(file, &base);
	if (fd < 0)
		return 5;
	if (reps < 1 || reps > 64)
		return usage();
	for (i = 0; i < reps; i++) {
		volatile unsigned char sum = 0;
		unsigned char *m;
		double t0;
		uint64_t o;

		m = map_timed(file, fd, base, size, off4k, &t0);
		if (m == MAP_FAILED) {
			close(fd);
			return 5;
		}
		for (o = 0; o < size; o += 4096)
			sum += m[o];
		(void)sum;
		munmap(m, size);
		t[i] = (now_s() - t0) * 1000;
	}
	close(fd);
	qsort(t, reps, sizeof(t[0]), cmp_double);
	printf("maptouch: best %.2f ms, median %.2f ms\n", t[0], t[reps / 2]);
	return 0;
}

/*
 * The parts of a mapping's cost, each the median of @reps fresh mappings:
 * mmap alone; the first read of one byte of every page (the faults and
 * the touching); a second such pass over the same mapping (no faults: the
 * touching alone, under TCG QEMU's soft TLB refilled page by page);
 * munmap; and, on another fresh mapping, mmap and a read of one byte per
 * 2 MiB (the faults with little touching). Prints "mapsplit: mmap MS,
 * first MS, second MS, munmap MS, sparse MS".
 */
static int bench_mapsplit(const char *file, uint64_t size, int reps, int off4k)
{
	double t[5][64], t0;
	uint64_t base = 0, o;
	int i, k, fd;

	if (reps < 1 || reps > 64)
		return usage();
	fd = open_file(file, &base);
	if (fd < 0)
		return 5;
	for (i = 0; i < reps; i++) {
		volatile unsigned char sum = 0;
		unsigned char *m;
		int pass;

		for (pass = 0; pass < 2; pass++) {
			m = map_timed(file, fd, base, size, off4k, &t0);
			if (m == MAP_FAILED) {
				close(fd);
				return 5;
			}
			if (pass) {
				for (o = 0; o < size; o += SZ_2M)
					sum += m[o];
				t[4][i] = (now_s() - t0) * 1000;
				munmap(m, size);
				continue;
			}
			t[0][i] = (now_s() - t0) * 1000;
			t0 = now_s();
			for (o = 0; o < size; o += 4096)
				sum += m[o];
			t[1][i] = (now_s() - t0) * 1000;
			t0 = now_s();
			for (o = 0; o < size; o += 4096)
				sum += m[o];
			t[2][i] = (now_s() - t0) * 1000;
			t0 = now_s();
			munmap(m, size);
			t[3][i] = (now_s() - t0) * 1000;
		}
		(void)sum;
	}
	close(fd);
	for (k = 0; k < 5; k++)
		qsort(t[k], reps, sizeof(t[k][0]), cmp_double);
	printf("mapsplit: mmap %.2f ms, first %.2f ms, second %.2f ms, munmap %.2f ms, "
	       "sparse %.2f ms\n", t[0][reps / 2], t[1][reps / 2], t[2][reps / 2],
	       t[3][reps / 2], t[4][reps / 2]);
	return 0;
}

/* ---- bw: sequential read, write and copy through one target ---- */

struct target {
	int fd;			/* rw: the node; -1 for mappings */
	unsigned char *map;	/* the mapping; NULL for rw */
	uint64_t len;
	uint64_t base;		/* the region's offset in fd (vfio) */
	int bounce;		/* 0, or the width of the BAR side's moves */
};

/*
 * The driver's read()/write() loop, replayed in user space over a mapping:
 * 16 KiB chunks through a bounce buffer, the BAR side moved as x86's
 * memcpy_fromio/memcpy_toio move it (rep movsl: 4 bytes a move; width 4)
 * or as memcpy does (width 16), the user side as x86's copy_user moves it
 * without ERMS (rep movsq), and a read's chunk scanned for all-ones as
 * pcimem_fell_off() does. It leaves out the system call, the lock and the
 * presence check, so that the copies' share of read()/write() shows.
 */
#define BOUNCE_CHUNK	(16 << 10)

static void movs(void *to, const void *from, size_t n, int width)
{
	size_t cnt;

	if (width == 16) {
		memcpy(to, from, n);
		return;
	}
	cnt = n / (size_t)width;
#if defined(__x86_64__)
	if (width == 4)
		__asm__ __volatile__("rep movsl" : "+D"(to), "+S"(from), "+c"(cnt) : : "memory");
	else
		__asm__ __volatile__("rep movsq" : "+D"(to), "+S"(from), "+c"(cnt) : : "memory");
#else
	memcpy(to, from, n);
#endif
}

static int bounce_io(struct target *t, unsigned char *buf, uint64_t size, uint64_t off, int wr)
{
	static unsigned char bounce[BOUNCE_CHUNK] __attribute__((aligned(64)));
	volatile int ones = 1;
	uint64_t done, n, i;

	for (done = 0; done < size; done += n) {
		n = size - done < BOUNCE_CHUNK ? size - done : BOUNCE_CHUNK;
		if (wr) {
			movs(bounce, buf + done, n, 8);
			movs(t->map + off + done, bounce, n, t->bounce);
			continue;
		}
		movs(bounce, t->map + off + done, n, t->bounce);
		for (i = 0; i < n && ones; i++)
			ones = bounce[i] == 0xff;
		ones = 1;
		movs(buf + done, bounce, n, 8);
	}
	return 0;
}

/* Faults every page of a mapping in, so that bw times the copy alone. */
static void touch(unsigned char *m, uint64_t len)
{
	volatile unsigned char sum = 0;
	uint64_t o;

	for (o = 0; o < len; o += 4096)
		sum += m[o];
	(void)sum;
}

/* 0, 3 when the node refuses the memory type, 5 on errors. */
static int open_target(const char *spec, uint64_t len, struct target *t)
{
	char path[256];
	const char *what = spec;
	unsigned int mt = 3;
	int flags = MAP_SHARED;

	t->fd = -1;
	t->map = NULL;
	t->len = len;
	t->base = 0;
	t->bounce = 0;
	if (!strncmp(spec, "bounce4:", 8) || !strncmp(spec, "bounce16:", 9)) {
		/* The driver's loop over an mmap of the node (uc): bounce_io(). */
		snprintf(path, sizeof(path), "%s", strchr(spec, ':') + 1);
		t->bounce = spec[6] == '4' ? 4 : 16;
		t->fd = open_node(path);
		if (t->fd < 0)
			return 5;
		goto map;
	}
	if (!strcmp(spec, "ram")) {
		t->map = mmap(NULL, len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (t->map == MAP_FAILED) {
			fprintf(stderr, "pcimem-bench: %" PRIu64 " bytes of RAM: %s\n",
				len, strerror(errno));
			return 5;
		}
		memset(t->map, 0, len);
		return 0;
	}
	if (!strncmp(spec, "mmap:", 5)) {
		const char *type = strrchr(spec, ':');

		if (type == spec + 4 || (size_t)(type - spec - 5) >= sizeof(path))
			return 2;
		memcpy(path, spec + 5, type - spec - 5);
		path[type - spec - 5] = 0;
		for (mt = 0; mt < 3 && strcmp(type + 1, memtypes[mt]); mt++)
			;
		if (mt == 3)
			return 2;
	} else if (!strncmp(spec, "vfio:", 5) || !strncmp(spec, "vfiorw:", 7)) {
		uint64_t size;

		t->fd = open_vfio(strchr(spec, ':') + 1, &t->base, &size);
		if (t->fd < 0)
			return 5;
		if (size < len) {
			fprintf(stderr, "pcimem-bench: %s: region of %" PRIu64 " bytes\n", spec, size);
			return 5;
		}
		if (spec[4] == 'r')
			return 0;
		goto map;
	} else if (!strncmp(spec, "rw:", 3) || !strncmp(spec, "file:", 5)) {
		snprintf(path, sizeof(path), "%s", strchr(spec, ':') + 1);
	} else {
		return 2;
	}
	t->fd = open_node(path);
	if (t->fd < 0)
		return 5;
	if (mt < 3) {
		struct pcimem_select sel = { .memtype = mt };
		struct pcimem_info info;

		if (ioctl(t->fd, PCIMEM_IOC_INFO, &info))
			goto fail;
		sel.bar = info.main_bar;
		if (ioctl(t->fd, PCIMEM_IOC_SELECT, &sel)) {
			if (errno == EOPNOTSUPP) {
				close(t->fd);
				return 3;
			}
			goto fail;
		}
	}
	if (!strncmp(spec, "rw:", 3))
		return 0;
map:
	t->map = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, t->fd, (off_t)t->base);
	if (t->map == MAP_FAILED)
		goto fail;
	close(t->fd);
	t->fd = -1;
	touch(t->map, len);
	return 0;
fail:
	fprintf(stderr, "pcimem-bench: %s: %s\n", what, strerror(errno));
	close(t->fd);
	return 5;
}

static int full_io(int fd, unsigned char *buf, uint64_t size, uint64_t off, int wr)
{
	while (size) {
		ssize_t n = wr ? pwrite(fd, buf, size, off) : pread(fd, buf, size, off);

		if (n <= 0) {
			fprintf(stderr, "pcimem-bench: %s at %" PRIu64 ": %s\n",
				wr ? "pwrite" : "pread", off, n ? strerror(errno) : "end of file");
			return -1;
		}
		buf += n;
		off += n;
		size -= n;
	}
	return 0;
}

enum { OP_READ, OP_WRITE, OP_COPY };
static const char *const op_names[] = { "read", "write", "copy" };

/* One operation of @size bytes between @t and @buf: 0 or -1. */
static int bw_op(struct target *t, int op, unsigned char *buf, uint64_t size)
{
	if (t->bounce) {
		if (op == OP_READ)
			return bounce_io(t, buf, size, 0, 0);
		if (op == OP_WRITE)
			return bounce_io(t, buf, size, 0, 1);
		return bounce_io(t, buf, size, 0, 0) || bounce_io(t, buf, size, size, 1);
	}
	if (t->map) {
		if (op == OP_READ)
			memcpy(buf, t->map, size);
		else if (op == OP_WRITE)
			memcpy(t->map, buf, size);
		else
			memcpy(t->map + size, t->map, size);
		/* A full fence: drains write-combining buffers too. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		__asm__ __volatile__("" ::: "memory");
		return 0;
	}
	if (op == OP_READ)
		return full_io(t->fd, buf, size, t->base, 0);
	if (op == OP_WRITE)
		return full_io(t->fd, buf, size, t->base, 1);
	return full_io(t->fd, buf, size, t->base, 0) ||
	       full_io(t->fd, buf, size, t->base + size, 1);
}

static uint64_t pattern_word(uint64_t i)
{
	return (i + 1) * 0x9e3779b97f4a7c15ULL;
}

static int bench_bw(const char *name, const char *spec, const char *min_s,
		    char **sizes, int n)
{
	uint64_t min = parse_size(min_s), max = 0, sz[32], i;
	const char *passes_s = getenv("PCIMEM_BENCH_PASSES");
	const char *ops = getenv("PCIMEM_BENCH_OPS");
	int s, op, p, ret = 0, passes = passes_s ? atoi(passes_s) : 5;
	unsigned char *buf;
	struct target t;

	if (!min || n > 32 || passes < 1 || passes > BW_PASSES_MAX)
		return usage();
	for (s = 0; s < n; s++) {
		sz[s] = parse_size(sizes[s]);
		if (!sz[s] || sz[s] % 8)
			return usage();
		if (sz[s] > max)
			max = sz[s];
	}
	ret = open_target(spec, 2 * max, &t);
	if (ret == 3) {
		printf("bw %s refused: the kernel would map it with another type\n", name);
		return 0;
	}
	if (ret)
		return ret == 2 ? usage() : ret;
	buf = mmap(NULL, max, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		fprintf(stderr, "pcimem-bench: %" PRIu64 " bytes of RAM: %s\n", max, strerror(errno));
		return 5;
	}
	for (i = 0; i < max / 8; i++)
		((uint64_t *)buf)[i] = pattern_word(i);

	for (s = 0; s < n && !ret; s++) {
		uint64_t reps = sz[s] >= min ? 1 : (min + sz[s] - 1) / sz[s];

		for (op = OP_WRITE; op >= OP_READ && !ret; op--) {
			double t_pass[BW_PASSES_MAX] = { 0 };

			/* read checks what write left: a read alone checks nothing. */
			if (ops && !strstr(ops, op_names[op]))
				continue;
			for (p = 0; p < passes && !ret; p++) {
				double t0 = now_s();
				uint64_t k;

				for (k = 0; k < reps && !ret; k++)
					ret = bw_op(&t, op, buf, sz[s]) ? 5 : 0;
				t_pass[p] = now_s() - t0;
			}
			if (ret)
				break;
			qsort(t_pass, passes, sizeof(t_pass[0]), cmp_double);
			printf("bw %s %s %" PRIu64 " %.1f\n", name, op_names[op], sz[s],
			       (double)(reps * sz[s]) / t_pass[passes / 2] / (1 << 20));
			fflush(stdout);
		}
		/* write put buf there, read brought it back: it must be intact. */
		for (i = 0; !ret && !ops && i < sz[s] / 8; i++)
			if (((uint64_t *)buf)[i] != pattern_word(i)) {
				fprintf(stderr, "pcimem-bench: %s: word %" PRIu64
					" of %" PRIu64 " bytes read back wrong\n", name, i, sz[s]);
				ret = 1;
			}
		if (ret)
			break;
		if (!ops || strstr(ops, "copy")) {
			double t_pass[BW_PASSES_MAX] = { 0 };

			for (p = 0; p < passes && !ret; p++) {
				double t0 = now_s();
				uint64_t k;

				for (k = 0; k < reps && !ret; k++)
					ret = bw_op(&t, OP_COPY, buf, sz[s]) ? 5 : 0;
				t_pass[p] = now_s() - t0;
			}
			if (ret)
				break;
			qsort(t_pass, passes, sizeof(t_pass[0]), cmp_double);
			printf("bw %s copy %" PRIu64 " %.1f\n", name, sz[s],
			       (double)(reps * sz[s]) / t_pass[passes / 2] / (1 << 20));
			fflush(stdout);
		}
	}
	munmap(buf, max);
	if (t.map)
		munmap(t.map, t.len);
	if (t.fd >= 0)
		close(t.fd);
	return ret;
}

/* ---- epong: the mailbox's pong, woken by an eventfd ---- */

#define MB_SEQ		0x00
#define MB_SENDER	0x08
#define MB_LENGTH	0x0c
#define MB_PAYLOAD	0x10
#define MB_REPLY	0x100

static int bench_epong(const char *node, const char *id_s, const char *count_s,
		       const char *offset_s)
{
	uint64_t count = strtoull(count_s, NULL, 0), offset = 1ULL << 20, i, seq;
	struct pcimem_eventfd ev = { .vector = 0 };
	struct pcimem_ring r = { .vector = 0 };
	uint32_t id = (uint32_t)strtoul(id_s, NULL, 0), sender, len;
	volatile unsigned char *mb;
	unsigned char *map;
	char want[32], got[32];
	int fd, efd, ret = 0, vfio = !strncmp(node, "vfio:", 5);
	uint64_t base = 0, rsize, regs = 0;

	if (offset_s)
		offset = parse_size(offset_s);
	if (!count || offset % 8)
		return usage();
	efd = eventfd(0, 0);
	if (vfio) {
		fd = open_vfio(node + 5, &base, &rsize);
		if (fd < 0 || efd < 0 || vfio_msix(fd, efd, &regs))
			return 5;
	} else {
		fd = open_node(node);
		if (fd < 0)
			return 5;
	}
	map = mmap(NULL, offset + 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)base);
	ev.fd = efd;
	if (map == MAP_FAILED || efd < 0 || (!vfio && ioctl(fd, PCIMEM_IOC_SET_EVENTFD, &ev))) {
		fprintf(stderr, "pcimem-bench: %s: mmap, eventfd or SET_EVENTFD: %s\n",
			node, strerror(errno));
		close(fd);
		return 5;
	}
	mb = map + offset;
	memset((void *)(mb + MB_REPLY), 0, 256);
	for (i = 1; i <= count && !ret; i++) {
		struct pollfd pfd = { .fd = efd, .events = POLLIN };
		uint64_t rings;
		int n;

		if (poll(&pfd, 1, 20000) != 1 || read(efd, &rings, 8) != 8) {
			fprintf(stderr, "epong: no ring for message %" PRIu64 "\n", i);
			ret = 1;
			break;
		}
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		memcpy(&seq, (void *)(mb + MB_SEQ), 8);
		memcpy(&sender, (void *)(mb + MB_SENDER), 4);
		memcpy(&len, (void *)(mb + MB_LENGTH), 4);
		n = snprintf(want, sizeof(want), "ping %" PRIu64, i);
		if (len < sizeof(got))
			memcpy(got, (void *)(mb + MB_PAYLOAD), len);
		if (rings != 1 || seq != i || len != (uint32_t)n || memcmp(got, want, n)) {
			fprintf(stderr, "epong: message %" PRIu64 ": %" PRIu64
				" rings, seq %" PRIu64 ", length %u\n", i, rings, seq, len);
			ret = 1;
			break;
		}
		n = snprintf(want, sizeof(want), "pong %" PRIu64, i);
		memcpy((void *)(mb + MB_REPLY + MB_SENDER), &id, 4);
		len = (uint32_t)n;
		memcpy((void *)(mb + MB_REPLY + MB_LENGTH), &len, 4);
		memcpy((void *)(mb + MB_REPLY + MB_PAYLOAD), want, n);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		*(volatile uint64_t *)(mb + MB_REPLY + MB_SEQ) = i;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		r.peer = sender;
		if (vfio) {
			/* ivshmem's Doorbell register, BAR0 + 12: peer << 16 | vector. */
			uint32_t bell = sender << 16;

			if (pwrite(fd, &bell, 4, (off_t)(regs + 12)) != 4) {
				fprintf(stderr, "epong: doorbell through vfio: %s\n", strerror(errno));
				ret = 1;
			}
		} else if (ioctl(fd, PCIMEM_IOC_RING, &r)) {
			fprintf(stderr, "epong: ring %u: %s\n", sender, strerror(errno));
			ret = 1;
		}
	}
	if (!ret)
		printf("epong: %" PRIu64 " messages answered\n", count);
	close(efd);
	close(fd);
	return ret;
}

/* ---- hostmem: the host's ceiling for fill and verify ---- */

/*
 * One operation over the whole of FILE through a fresh shared mapping, as
 * ivshmem-host does it: memset (the byte PATTERN[0]), fill (PATTERN
 * repeated, copied from a 1 MiB buffer) or memcmp (against that buffer;
 * exit 1 on a difference).
 */
static int bench_hostmem(const char *file, const char *op, const char *pattern)
{
	size_t plen = strlen(pattern), chunk = 1 << 20, i;
	unsigned char *pat, *map;
	uint64_t size, o;
	struct stat st;
	int fd, ret = 0;

	if (!plen || chunk % plen)
		return usage();
	fd = open(file, O_RDWR);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "pcimem-bench: %s: %s\n", file, strerror(errno));
		return 5;
	}
	size = (uint64_t)st.st_size;
	pat = malloc(chunk);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (!pat || map == MAP_FAILED) {
		fprintf(stderr, "pcimem-bench: %s: map %" PRIu64 " bytes: %s\n", file, size,
			strerror(errno));
		return 5;
	}
	for (i = 0; i < chunk; i++)
		pat[i] = (unsigned char)pattern[i % plen];
	if (!strcmp(op, "memset")) {
		memset(map, pattern[0], size);
	} else {
		for (o = 0; o < size && !ret; o += chunk) {
			size_t n = size - o < chunk ? size - o : chunk;

			if (!strcmp(op, "fill"))
				memcpy(map + o, pat, n);
			else if (!strcmp(op, "memcmp"))
				ret = memcmp(map + o, pat, n) ? 1 : 0;
			else
				ret = 2;
		}
	}
	if (ret == 1)
		fprintf(stderr, "pcimem-bench: %s does not hold \"%s\" repeated\n", file, pattern);
	munmap(map, size);
	free(pat);
	return ret == 2 ? usage() : ret;
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
		return bench_maptouch(argv[2], size, atoi(argv[4]), 0);
	}
	if (argc == 6 && !strcmp(argv[1], "maptouch") && !strcmp(argv[5], "4k")) {
		size = parse_size(argv[3]);
		if (!size)
			return usage();
		return bench_maptouch(argv[2], size, atoi(argv[4]), 1);
	}
	if ((argc == 5 || (argc == 6 && !strcmp(argv[5], "4k"))) &&
	    !strcmp(argv[1], "mapsplit")) {
		size = parse_size(argv[3]);
		if (!size || size % SZ_2M)
			return usage();
		return bench_mapsplit(argv[2], size, atoi(argv[4]), argc == 6);
	}
	if (argc >= 6 && !strcmp(argv[1], "bw"))
		return bench_bw(argv[2], argv[3], argv[4], argv + 5, argc - 5);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "epong"))
		return bench_epong(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	if (argc == 5 && !strcmp(argv[1], "hostmem"))
		return bench_hostmem(argv[2], argv[3], argv[4]);
	return usage();
}
