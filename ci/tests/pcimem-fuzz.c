// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem-fuzz: a syscall fuzzer for /dev/pcimemN, run in the guest while
 * the device at SLOT is unbound and bound again in a loop.
 *
 *   pcimem-fuzz SEED OPS THREADS SLOT [SECONDS]
 *
 * THREADS workers each perform OPS/THREADS random operations (open, close,
 * mmap, munmap, mremap, touching a mapped byte, read/pread, write/pwrite,
 * lseek, ioctl, poll) on the nodes present at the time, each from its own
 * generator seeded from SEED: the sequence of choices replays. Each worker
 * owns its file descriptors and mappings, so that what it knows about them
 * (the BAR a file reaches) cannot change behind its back.
 *
 * It never writes registers (edu's DMA registers would write anywhere):
 * write/pwrite only when PCIMEM_IOC_INFO says the file reaches plain memory,
 * stores through a mapping only of plain memory, PCIMEM_IOC_RING only with
 * a peer or vector the device must refuse.
 *
 * Every failure must carry an errno allowed for its operation. Besides:
 * ENODEV, SIGBUS or POLLERR only on the device that is unbound; once a
 * file saw its device go, it never comes back; and once an unbind that
 * began after a file saw its device alive has returned, no operation on
 * that file succeeds and every touch of its mappings is a SIGBUS.
 *
 * At the end SLOT is bound again and must work: info, read, mmap, touch.
 * Stops at SECONDS of wall-clock time (default 120) even if OPS are not
 * done. One line per check; exit status 1 if any failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <pci/pci.h>

#include "check.h"
#include "guest-util.h"
#include "pcimem.h"

#define DRV		"/sys/bus/pci/drivers/pcimem"
#define MAX_THREADS	64
#define MAX_FDS		8
#define MAX_MAPS	12
#define MAX_NODES	32
#define NODE_LEN	32
#define BUF_SIZE	(64 * 1024)
#define GUARD_SIZE	(64 * 1024)
#define PAGE		4096UL
#define MAX_REPORTS	40
#define KERNEL_PTR	((void *)0xffffffff81000000UL)

enum op {
	OP_OPEN, OP_CLOSE, OP_MMAP, OP_MUNMAP, OP_MREMAP, OP_TOUCH, OP_READ,
	OP_WRITE, OP_LSEEK, OP_IOCTL, OP_POLL, OP_NR
};

static const char *const op_names[OP_NR] = {
	"open", "close", "mmap", "munmap", "mremap", "touch", "read",
	"write", "lseek", "ioctl", "poll",
};

/* How often each operation is drawn, out of the sum. */
static const int op_weight[OP_NR] = { 9, 5, 12, 5, 2, 16, 12, 8, 5, 18, 5 };

struct rng {
	uint64_t s;
};

/* An open file of a worker. */
struct fz_fd {
	int fd;
	int acc;		/* O_RDONLY, O_WRONLY or O_RDWR */
	unsigned int minor;	/* N of the node it was opened through */
	char node[NODE_LEN];
	int known;		/* PCIMEM_IOC_INFO answered right after open */
	int at_slot;		/* ... and named SLOT */
	long epoch;		/* unbinds done when it was last known alive */
	int gone;		/* saw ENODEV or POLLERR */
	uint64_t size;		/* size of the BAR it reached when last asked */
	int size_known;		/* ... and it has not selected another since */
};

/* A mapping of a worker. */
struct fz_map {
	unsigned char *addr;
	size_t len;
	int prot;
	unsigned int flags;	/* PCIMEM_BAR_* of its BAR; 0 if unknown */
	int known, at_slot;
	long epoch;
	int revoked;		/* a touch got SIGBUS */
	char node[NODE_LEN];
};

struct worker {
	pthread_t tid;
	int id;
	struct rng rng;
	long ops, nr;
	struct fz_fd fds[MAX_FDS];
	int nfds;
	struct fz_map maps[MAX_MAPS];
	int nmaps;
	char nodes[MAX_NODES][NODE_LEN];
	int nnodes;
	/* BUF_SIZE bytes, GUARD_SIZE unmapped, one read-only page of 0xff, a guard */
	unsigned char *buf, *ro;
	/* ioctl arguments with random contents */
	union {
		struct pcimem_info info;
		struct pcimem_bar_info bi;
		struct pcimem_select sel;
		struct pcimem_ring ring;
		struct pcimem_events ev;
		unsigned char raw[1024];
	} arg;
	char what[256];		/* the operation in flight, for reports */
	long count[OP_NR], okcount[OP_NR];
	long sigbus, unexpected;
};

static unsigned long long seed;
static long total_ops;
static int nthreads;
static char slot[32];		/* 0000:00:04.0 */
static unsigned int slot_dom, slot_bus, slot_dev, slot_fn;
static char replay[256];
static struct timespec t_start;
static double cap = 120;

static atomic_long unbinds_done;
static atomic_int workers_done, capped, reports;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/* The unbind/bind loop's results. */
static long cycles, binder_errors;
static int bound;

static _Thread_local sigjmp_buf touch_jmp;
static _Thread_local volatile sig_atomic_t touch_armed;

static void on_fault(int sig)
{
	if (touch_armed) {
		touch_armed = 0;
		siglongjmp(touch_jmp, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * One access to p, 1 byte (a store of val if store) or 4 bytes; returns 0,
 * or the signal it got (SIGBUS for a revoked mapping).
 */
static int guarded_access(unsigned char *p, int width, int store, unsigned char val)
{
	int sig;

	touch_armed = 1;
	sig = sigsetjmp(touch_jmp, 1);
	if (!sig) {
		if (store)
			*(volatile unsigned char *)p = val;
		else if (width == 1)
			(void)*(volatile unsigned char *)p;
		else
			(void)*(volatile uint32_t *)p;
		touch_armed = 0;
	}
	return sig;
}

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static int chance(struct rng *r, int percent)
{
	return below(r, 100) < (uint64_t)percent;
}

static double elapsed(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t_start.tv_sec) + (t.tv_nsec - t_start.tv_nsec) / 1e9;
}

static void report(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* An unexpected result: one line, with what was in flight and the replay. */
static void report(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (w)
		w->unexpected++;
	else
		binder_errors++;
	if (atomic_fetch_add(&reports, 1) >= MAX_REPORTS)
		return;
	pthread_mutex_lock(&out_lock);
	if (w)
		printf("    unexpected: [thread %d op %ld] %s: ", w->id, w->nr, w->what);
	else
		printf("    unexpected: [binder] ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (replay: %s)\n", replay);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

#define ALLOWED(...) ((const int[]){ __VA_ARGS__, 0 })

static int errno_in(int err, const int *set)
{
	for (; *set; set++)
		if (*set == err)
			return 1;
	return 0;
}

/* Checks a failed call's errno; ENODEV also means the device went. */
static void check_errno(struct worker *w, struct fz_fd *f, int err, const int *allowed)
{
	if (!errno_in(err, allowed))
		report(w, "-1 %s", strerror(err));
	if (err == ENODEV && f) {
		if (f->known && !f->at_slot)
			report(w, "ENODEV from a device that is never unbound");
		f->gone = 1;
	}
}

/*
 * An operation that needs the device succeeded on f, which was known alive
 * at f->epoch unbinds; d is the unbind count taken before the call. An
 * unbind that begins after this success must remove the device.
 */
static void check_alive(struct worker *w, struct fz_fd *f, long d)
{
	if (f->gone)
		report(w, "succeeded on a file whose device had gone");
	else if (f->known && f->at_slot && d > f->epoch)
		report(w, "succeeded %ld unbind(s) after its device was removed",
		       d - f->epoch);
	f->epoch = atomic_load(&unbinds_done);
}

static int is_slot(const struct pcimem_info *info)
{
	return info->domain == slot_dom && info->bus == slot_bus &&
	       info->slot == slot_dev && info->function == slot_fn;
}

/* PCIMEM_IOC_INFO on one of our files, checked; 0 when it answered. */
static int fd_info(struct worker *w, struct fz_fd *f, struct pcimem_info *info)
{
	long d = atomic_load(&unbinds_done);
	int ret;

	ret = ioctl(f->fd, PCIMEM_IOC_INFO, info);
	if (ret) {
		check_errno(w, f, errno, ALLOWED(ENODEV));
		return -1;
	}
	check_alive(w, f, d);
	if (info->minor != f->minor || info->bar >= 6 || info->reserved[0] ||
	    info->reserved[1] || info->reserved[2])
		report(w, "info: minor %u bar %u reserved %u %u %u", info->minor, info->bar,
		       info->reserved[0], info->reserved[1], info->reserved[2]);
	f->size = info->bar_size;
	f->size_known = 1;
	return 0;
}

static void list_nodes(struct worker *w)
{
	DIR *dir = opendir("/dev");
	struct dirent *e;

	w->nnodes = 0;
	if (!dir)
		return;
	while ((e = readdir(dir)) && w->nnodes < MAX_NODES) {
		if (strncmp(e->d_name, "pcimem", 6) || strlen(e->d_name) > 16)
			continue;
		snprintf(w->nodes[w->nnodes++], NODE_LEN, "/dev/%s", e->d_name);
	}
	closedir(dir);
}

static void close_fd(struct worker *w, int i)
{
	snprintf(w->what, sizeof(w->what), "close(%s fd %d)", w->fds[i].node, w->fds[i].fd);
	if (close(w->fds[i].fd))
		report(w, "-1 %s", strerror(errno));
	else
		w->okcount[OP_CLOSE]++;
	w->fds[i] = w->fds[--w->nfds];
}

static void unmap(struct worker *w, int i)
{
	struct fz_map *m = &w->maps[i];

	snprintf(w->what, sizeof(w->what), "munmap(%s %p, %zu)", m->node, (void *)m->addr,
		 m->len);
	if (munmap(m->addr, m->len))
		report(w, "-1 %s", strerror(errno));
	else
		w->okcount[OP_MUNMAP]++;
	w->maps[i] = w->maps[--w->nmaps];
}

static void op_open(struct worker *w)
{
	static const int accs[] = { O_RDWR, O_RDWR, O_RDWR, O_RDONLY, O_RDONLY, O_WRONLY };
	struct pcimem_info info;
	struct fz_fd *f;
	char bogus[NODE_LEN];
	const char *node;
	int acc, flags, fd;

	if (w->nfds == MAX_FDS) {
		w->count[OP_CLOSE]++;
		close_fd(w, below(&w->rng, w->nfds));
	}
	if (!w->nnodes || chance(&w->rng, 5))
		list_nodes(w);
	if (!w->nnodes || chance(&w->rng, 2)) {
		snprintf(bogus, sizeof(bogus), "/dev/pcimem%u", (unsigned int)below(&w->rng, 64));
		node = bogus;
	} else {
		node = w->nodes[below(&w->rng, w->nnodes)];
	}
	acc = accs[below(&w->rng, 6)];
	flags = acc | (chance(&w->rng, 30) ? O_CLOEXEC : 0) |
		(chance(&w->rng, 20) ? O_NONBLOCK : 0);
	snprintf(w->what, sizeof(w->what), "open(%s, 0x%x)", node, flags);
	fd = open(node, flags);
	if (fd < 0) {
		check_errno(w, NULL, errno, ALLOWED(ENODEV, ENOENT, ENXIO));
		return;
	}
	w->okcount[OP_OPEN]++;
	f = &w->fds[w->nfds++];
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->acc = acc;
	f->size = 16 << 20;
	snprintf(f->node, sizeof(f->node), "%s", node);
	if (sscanf(node, "/dev/pcimem%u", &f->minor) != 1)
		f->minor = -1U;
	snprintf(w->what, sizeof(w->what), "ioctl(%s fd %d, INFO) after open", node, fd);
	if (!fd_info(w, f, &info)) {
		f->known = 1;
		f->at_slot = is_slot(&info);
	}
}

static uint64_t pick_offset(struct rng *r, uint64_t size)
{
	switch (below(r, 10)) {
	case 0:
		return 0;
	case 1:
		return below(r, size + 1);
	case 2:
		return below(r, size / PAGE + 1) * PAGE;
	case 3:
		return size - below(r, 64);
	case 4:
		return size + below(r, 1 << 20);
	case 5:
		return -below(r, 1 << 20) - 1;
	case 6:
		return rnd(r) >> 1;
	case 7:
		return rnd(r);
	default:
		return below(r, size + 1) & ~3ULL;
	}
}

static size_t pick_count(struct rng *r)
{
	switch (below(r, 9)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(r, 8);
	case 2:
		return 4 * (1 + below(r, 16));
	case 3:
		return below(r, BUF_SIZE + 1);
	case 4:
		return 4096;
	case 5:
		return 16384 - 1 + below(r, 3);
	case 6:
		return SIZE_MAX >> below(r, 48);
	default:
		return below(r, 70000);
	}
}

/*
 * A buffer for read (into it) or write (from it): mostly our own, whose
 * overruns hit the guard; sometimes bad pointers; sometimes a mapping of
 * plain memory, the count clamped to it.
 */
static void *pick_buf(struct worker *w, size_t *count, int into)
{
	uint64_t k = below(&w->rng, 100);
	int i;

	if (k < 70)
		return w->buf + below(&w->rng, BUF_SIZE);
	if (k < 73)
		return NULL;
	if (k < 75)
		return (void *)1;
	if (k < 77)
		return (void *)0x1000;
	if (k < 79)
		return KERNEL_PTR;
	if (k < 82)
		return w->buf + BUF_SIZE - below(&w->rng, 8);
	if (k < 86)
		return w->ro + below(&w->rng, PAGE);
	for (i = 0; i < w->nmaps; i++) {
		struct fz_map *m = &w->maps[(i + k) % w->nmaps];
		size_t off;

		if (!(m->flags & PCIMEM_BAR_RAM) || !(m->prot & (into ? PROT_WRITE : PROT_READ)))
			continue;
		off = below(&w->rng, m->len);
		if (*count > m->len - off)
			*count = m->len - off;
		return m->addr + off;
	}
	return w->buf;
}

static void op_read(struct worker *w, struct fz_fd *f)
{
	size_t count = pick_count(&w->rng);
	void *p = pick_buf(w, &count, 1);
	int positional = chance(&w->rng, 60);
	uint64_t off = pick_offset(&w->rng, f->size);
	long d = atomic_load(&unbinds_done);
	ssize_t ret;

	if (positional) {
		snprintf(w->what, sizeof(w->what), "pread(%s fd %d, %p, %zu, %lld)", f->node,
			 f->fd, p, count, (long long)off);
		ret = pread(f->fd, p, count, (off_t)off);
	} else {
		snprintf(w->what, sizeof(w->what), "read(%s fd %d, %p, %zu)", f->node, f->fd, p,
			 count);
		ret = read(f->fd, p, count);
	}
	if (ret < 0) {
		/*
		 * EPERM: a read-only file reading ivshmem's IntrStatus, whose
		 * read clears it (after a SELECT of BAR0).
		 */
		check_errno(w, f, errno, f->acc == O_WRONLY ? ALLOWED(EBADF, EINVAL) :
			    f->acc == O_RDONLY ? ALLOWED(EINVAL, EFAULT, ENODEV, EPERM) :
			    ALLOWED(EINVAL, EFAULT, ENODEV));
		return;
	}
	w->okcount[OP_READ]++;
	if ((size_t)ret > count)
		report(w, "%zd bytes, more than asked", ret);
	if (f->acc == O_WRONLY)
		report(w, "%zd on a write-only file", ret);
	if (ret > 0)
		check_alive(w, f, d);
}

static void op_write(struct worker *w, struct fz_fd *f)
{
	struct pcimem_info info;
	size_t count;
	void *p;
	int positional;
	uint64_t off;
	long d;
	ssize_t ret;

	/* Plain memory only: never write registers. */
	snprintf(w->what, sizeof(w->what), "ioctl(%s fd %d, INFO) before write", f->node, f->fd);
	if (fd_info(w, f, &info) || !(info.flags & PCIMEM_BAR_RAM) ||
	    (info.flags & (PCIMEM_BAR_REGS | PCIMEM_BAR_IO | PCIMEM_BAR_MSIX)))
		return;
	count = pick_count(&w->rng);
	p = pick_buf(w, &count, 0);
	positional = chance(&w->rng, 60);
	off = pick_offset(&w->rng, f->size);
	d = atomic_load(&unbinds_done);
	if (positional) {
		snprintf(w->what, sizeof(w->what), "pwrite(%s fd %d, %p, %zu, %lld)", f->node,
			 f->fd, p, count, (long long)off);
		ret = pwrite(f->fd, p, count, (off_t)off);
	} else {
		snprintf(w->what, sizeof(w->what), "write(%s fd %d, %p, %zu)", f->node, f->fd, p,
			 count);
		ret = write(f->fd, p, count);
	}
	if (ret < 0) {
		check_errno(w, f, errno, f->acc == O_RDONLY ? ALLOWED(EBADF, EINVAL) :
			    ALLOWED(EINVAL, EFAULT, ENODEV, ENOSPC));
		return;
	}
	w->okcount[OP_WRITE]++;
	if ((size_t)ret > count)
		report(w, "%zd bytes, more than asked", ret);
	if (f->acc == O_RDONLY)
		report(w, "%zd on a read-only file", ret);
	if (ret > 0)
		check_alive(w, f, d);
}

static void op_lseek(struct worker *w, struct fz_fd *f)
{
	static const int whences[] = {
		SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE, 5, -1, 42,
	};
	int whence = whences[below(&w->rng, 8)];
	uint64_t off = chance(&w->rng, 50) ? pick_offset(&w->rng, f->size) :
		       below(&w->rng, 8192) - 4096;
	off_t ret;

	snprintf(w->what, sizeof(w->what), "lseek(%s fd %d, %lld, %d)", f->node, f->fd,
		 (long long)off, whence);
	ret = lseek(f->fd, (off_t)off, whence);
	if (ret < 0) {
		check_errno(w, f, errno, ALLOWED(EINVAL, ENXIO));
		return;
	}
	w->okcount[OP_LSEEK]++;
	/* SEEK_CUR 0 tells the position, which a SELECT does not move. */
	if (f->size_known && (uint64_t)ret > f->size && !(whence == SEEK_CUR && !off))
		report(w, "%lld, past the BAR's %llu bytes", (long long)ret,
		       (unsigned long long)f->size);
}

static size_t pick_map_len(struct rng *r, uint64_t size)
{
	switch (below(r, 8)) {
	case 0:
		return PAGE;
	case 1:
		return (1 + below(r, 16)) * PAGE;
	case 2:
		return (1 + below(r, size / PAGE + 1)) * PAGE;
	case 3:
		return size;
	case 4:
		return size + PAGE;
	case 5:
		return 1 + below(r, 3 * PAGE);
	case 6:
		return chance(r, 50) ? 0 : 1ULL << (40 + below(r, 8));
	default:
		return (1 + below(r, 64)) * PAGE;
	}
}

static uint64_t pick_map_offset(struct rng *r, uint64_t size)
{
	switch (below(r, 8)) {
	case 0:
	case 1:
		return 0;
	case 2:
	case 3:
		return below(r, size / PAGE + 1) * PAGE;
	case 4:
		return size - PAGE * below(r, 3);
	case 5:
		return 1 + below(r, size + 1);
	case 6:
		return chance(r, 50) ? -PAGE * (1 + below(r, 4)) : 0x7ffffffffffff000ULL;
	default:
		return rnd(r) & ~(PAGE - 1);
	}
}

static void op_mmap(struct worker *w, struct fz_fd *f)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_WRITE,
		PROT_NONE, PROT_READ | PROT_EXEC,
	};
	struct pcimem_info info;
	int have, prot, flags;
	size_t len;
	uint64_t off;
	long d;
	void *p;

	if (w->nmaps == MAX_MAPS) {
		w->count[OP_MUNMAP]++;
		unmap(w, below(&w->rng, w->nmaps));
	}
	snprintf(w->what, sizeof(w->what), "ioctl(%s fd %d, INFO) before mmap", f->node, f->fd);
	have = !fd_info(w, f, &info);
	prot = prots[below(&w->rng, 6)];
	flags = chance(&w->rng, 85) ? MAP_SHARED : MAP_PRIVATE;
	if (chance(&w->rng, 10))
		flags |= MAP_POPULATE;
	if (chance(&w->rng, 10))
		flags |= MAP_NORESERVE;
	len = pick_map_len(&w->rng, f->size);
	off = pick_map_offset(&w->rng, f->size);
	/* A huge private writable mapping would only make the kernel complain. */
	if (len > (1ULL << 32))
		flags |= MAP_NORESERVE;
	snprintf(w->what, sizeof(w->what), "mmap(%s fd %d, %zu, prot %d, flags 0x%x, %lld)",
		 f->node, f->fd, len, prot, flags, (long long)off);
	d = atomic_load(&unbinds_done);
	p = mmap(NULL, len, prot, flags, f->fd, (off_t)off);
	if (p == MAP_FAILED) {
		check_errno(w, f, errno, ALLOWED(EINVAL, EPERM, ENODEV, EACCES, EBUSY,
						 EOVERFLOW, ENOMEM));
		return;
	}
	w->okcount[OP_MMAP]++;
	len = (len + PAGE - 1) & ~(PAGE - 1);
	check_alive(w, f, d);
	if (!(flags & MAP_SHARED))
		report(w, "a private mapping succeeded");
	if (have && (off >= info.bar_size || len > info.bar_size - off))
		report(w, "mapped past the BAR's %llu bytes", (unsigned long long)info.bar_size);
	if (have && !(info.flags & PCIMEM_BAR_MMAP))
		report(w, "mapped a BAR without PCIMEM_BAR_MMAP (flags 0x%x)", info.flags);
	/* check_alive() took the epoch after the mapping was made. */
	w->maps[w->nmaps++] = (struct fz_map){
		.addr = p, .len = len, .prot = prot, .flags = have ? info.flags : 0,
		.known = f->known, .at_slot = f->at_slot, .epoch = f->epoch,
	};
	snprintf(w->maps[w->nmaps - 1].node, NODE_LEN, "%s", f->node);
}

/* Unmap a whole mapping, or a few pages at either end of it. */
static void op_munmap(struct worker *w)
{
	int i = below(&w->rng, w->nmaps);
	struct fz_map *m = &w->maps[i];
	size_t cut;

	if (m->len == PAGE || chance(&w->rng, 60)) {
		unmap(w, i);
		return;
	}
	cut = (1 + below(&w->rng, m->len / PAGE - 1)) * PAGE;
	if (chance(&w->rng, 50)) {
		snprintf(w->what, sizeof(w->what), "munmap(%s %p, %zu) at the head", m->node,
			 (void *)m->addr, cut);
		if (munmap(m->addr, cut)) {
			report(w, "-1 %s", strerror(errno));
			return;
		}
		m->addr += cut;
	} else {
		snprintf(w->what, sizeof(w->what), "munmap(%s %p, %zu) at the tail", m->node,
			 (void *)(m->addr + m->len - cut), cut);
		if (munmap(m->addr + m->len - cut, cut)) {
			report(w, "-1 %s", strerror(errno));
			return;
		}
	}
	m->len -= cut;
	w->okcount[OP_MUNMAP]++;
}

/* Shrink a mapping in place, try to grow it, or move it elsewhere. */
static void op_mremap(struct worker *w)
{
	struct fz_map *m = &w->maps[below(&w->rng, w->nmaps)];
	uint64_t k = below(&w->rng, 3);
	size_t len = m->len;
	void *to = NULL, *p;

	if (k == 0 && m->len > PAGE) {
		len = (1 + below(&w->rng, m->len / PAGE - 1)) * PAGE;
		snprintf(w->what, sizeof(w->what), "mremap(%s %p, %zu, %zu, 0)", m->node,
			 (void *)m->addr, m->len, len);
		p = mremap(m->addr, m->len, len, 0);
	} else if (k == 1) {
		len = m->len + PAGE * (1 + below(&w->rng, 4));
		snprintf(w->what, sizeof(w->what), "mremap(%s %p, %zu, %zu, MAYMOVE)", m->node,
			 (void *)m->addr, m->len, len);
		p = mremap(m->addr, m->len, len, MREMAP_MAYMOVE);
	} else {
		/* Reserve the destination, so that nothing of ours is replaced. */
		to = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (to == MAP_FAILED)
			return;
		snprintf(w->what, sizeof(w->what), "mremap(%s %p, %zu, %zu, MAYMOVE|FIXED, %p)",
			 m->node, (void *)m->addr, m->len, len, to);
		p = mremap(m->addr, m->len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	}
	if (p == MAP_FAILED) {
		check_errno(w, NULL, errno, ALLOWED(EINVAL, EFAULT, ENOMEM));
		if (to)
			munmap(to, len);
		return;
	}
	w->okcount[OP_MREMAP]++;
	if (len > m->len)
		report(w, "a device mapping grew");
	m->addr = p;
	m->len = len;
}

/* Read (or, for plain memory, write) one spot of a mapping, SIGBUS guarded. */
static void op_touch(struct worker *w)
{
	struct fz_map *m = &w->maps[below(&w->rng, w->nmaps)];
	int ram = (m->flags & PCIMEM_BAR_RAM) && !(m->flags & PCIMEM_BAR_REGS);
	int store = ram && (m->prot & PROT_WRITE) && chance(&w->rng, 40);
	size_t off = below(&w->rng, m->len);
	unsigned char *p;
	long d;
	int sig;

	if (!store && !(m->prot & PROT_READ))
		return;
	/* Registers: whole aligned 32-bit reads only. */
	if (!ram)
		off &= ~(size_t)3;
	p = m->addr + off;
	snprintf(w->what, sizeof(w->what), "%s %s mapping %p+0x%zx (flags 0x%x)",
		 store ? "store to" : "load from", m->node, (void *)m->addr, off, m->flags);
	d = atomic_load(&unbinds_done);
	sig = guarded_access(p, ram ? 1 : 4, store, (unsigned char)w->nr);
	if (sig == SIGBUS) {
		w->sigbus++;
		m->revoked = 1;
		if (m->known && !m->at_slot)
			report(w, "SIGBUS from a device that is never unbound");
		return;
	}
	if (sig) {
		report(w, "signal %d", sig);
		return;
	}
	w->okcount[OP_TOUCH]++;
	if (m->revoked)
		report(w, "a revoked mapping works again");
	else if (m->known && m->at_slot && d > m->epoch)
		report(w, "no SIGBUS %ld unbind(s) after its device was removed", d - m->epoch);
}

/* An ioctl argument: mostly our buffer, sometimes bad or read-only memory. */
static void *pick_arg(struct worker *w)
{
	uint64_t k = below(&w->rng, 100);

	if (k < 70)
		return &w->arg;
	if (k < 75)
		return NULL;
	if (k < 78)
		return (void *)(uintptr_t)(1 + below(&w->rng, 0x10000));
	if (k < 81)
		return KERNEL_PTR;
	if (k < 87)
		return w->buf + BUF_SIZE - below(&w->rng, 64);
	return w->ro;
}

/* An ioctl number nobody should answer, not even the VFS. */
static unsigned int pick_unknown_cmd(struct rng *r)
{
	static const unsigned char vfs_types[] = { 0x00, 0x15, 'T', 'X', 'f', 0x94 };
	unsigned int cmd, i;

	for (;;) {
		if (chance(r, 50))
			cmd = _IOC(below(r, 4), PCIMEM_IOC_MAGIC, below(r, 256), below(r, 1024));
		else
			cmd = (unsigned int)rnd(r);
		if (cmd == PCIMEM_IOC_INFO || cmd == PCIMEM_IOC_BAR_INFO ||
		    cmd == PCIMEM_IOC_SELECT || cmd == PCIMEM_IOC_RING ||
		    cmd == PCIMEM_IOC_EVENTS || cmd == PCIMEM_IOC_SET_EVENTFD)
			continue;
		for (i = 0; i < sizeof(vfs_types); i++)
			if (_IOC_TYPE(cmd) == vfs_types[i])
				break;
		if (i == sizeof(vfs_types))
			return cmd;
	}
}

static void fill_random(struct rng *r, void *p, size_t n)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		c[i] = (unsigned char)rnd(r);
}

static void op_ioctl(struct worker *w, struct fz_fd *f)
{
	static const unsigned int memtypes[] = {
		PCIMEM_MT_UC, PCIMEM_MT_WC, PCIMEM_MT_WB, 3, PCIMEM_MT_DEFAULT, 0x80000000,
	};
	struct pcimem_info info;
	unsigned int cmd;
	const char *name;
	void *arg = pick_arg(w);
	int needs_dev = 1;
	long d, ret;

	fill_random(&w->rng, &w->arg, sizeof(w->arg));
	switch (below(&w->rng, 6)) {
	case 0:
		cmd = PCIMEM_IOC_INFO;
		name = "INFO";
		break;
	case 1:
		cmd = PCIMEM_IOC_BAR_INFO;
		name = "BAR_INFO";
		if (chance(&w->rng, 80))
			w->arg.bi.bar = below(&w->rng, 7);
		/* Reserved space must be zero: mostly, so that most calls get in. */
		if (chance(&w->rng, 80))
			memset(w->arg.bi.reserved, 0, sizeof(w->arg.bi.reserved));
		break;
	case 2:
		cmd = PCIMEM_IOC_SELECT;
		name = "SELECT";
		if (chance(&w->rng, 80))
			w->arg.sel.bar = below(&w->rng, 7);
		if (chance(&w->rng, 80))
			w->arg.sel.memtype = memtypes[below(&w->rng, 6)];
		if (chance(&w->rng, 80)) {
			w->arg.sel.flags = 0;
			memset(w->arg.sel.reserved, 0, sizeof(w->arg.sel.reserved));
		}
		break;
	case 3:
		cmd = PCIMEM_IOC_RING;
		name = "RING";
		/*
		 * A peer or vector the device refuses: never ring anybody. The
		 * read-only page holds 0xff bytes: peer 0xffffffff. In our
		 * buffer, only a struct that runs into the guard (EFAULT).
		 */
		if ((unsigned char *)arg >= w->buf && (unsigned char *)arg < w->buf + BUF_SIZE)
			arg = w->buf + BUF_SIZE - 1 - below(&w->rng, sizeof(w->arg.ring) - 1);
		snprintf(w->what, sizeof(w->what), "ioctl(%s fd %d, INFO) before RING", f->node,
			 f->fd);
		if (chance(&w->rng, 50) && !fd_info(w, f, &info) && info.vectors) {
			w->arg.ring.peer = below(&w->rng, 0x10000);
			w->arg.ring.vector = info.vectors + below(&w->rng, 100);
		} else {
			w->arg.ring.peer = 0x10000 + below(&w->rng, 0xfffeffff);
		}
		needs_dev = 0;
		break;
	case 4:
		cmd = PCIMEM_IOC_EVENTS;
		name = "EVENTS";
		break;
	default:
		cmd = pick_unknown_cmd(&w->rng);
		name = "unknown";
		needs_dev = 0;
		break;
	}
	snprintf(w->what, sizeof(w->what), "ioctl(%s fd %d, %s 0x%08x, %p)", f->node, f->fd,
		 name, cmd, arg);
	d = atomic_load(&unbinds_done);
	ret = ioctl(f->fd, cmd, arg);
	if (ret < 0) {
		int err = errno;

		/* EBADF: RING through a file opened read-only. */
		check_errno(w, f, err, ALLOWED(ENOTTY, EFAULT, EINVAL, EBUSY, EOPNOTSUPP,
					       ENODEV, EBADF));
		if (!strcmp(name, "unknown") && err != ENOTTY)
			report(w, "an unknown ioctl failed with %s, not ENOTTY", strerror(err));
		return;
	}
	w->okcount[OP_IOCTL]++;
	if (!needs_dev)
		report(w, "%ld: succeeded", ret);
	else
		check_alive(w, f, d);
	if (cmd == PCIMEM_IOC_SELECT)
		f->size_known = 0;
}

static void op_poll(struct worker *w)
{
	struct pollfd pfd[MAX_FDS];
	int n = 1 + below(&w->rng, w->nfds), first = below(&w->rng, w->nfds);
	int timeout = below(&w->rng, 6), i, ret;
	long d;

	for (i = 0; i < n; i++) {
		pfd[i].fd = w->fds[(first + i) % w->nfds].fd;
		pfd[i].events = below(&w->rng, 2) ? POLLIN : POLLIN | POLLOUT | POLLPRI;
		pfd[i].revents = 0;
	}
	snprintf(w->what, sizeof(w->what), "poll(%d files from %s, %d ms)", n,
		 w->fds[first].node, timeout);
	d = atomic_load(&unbinds_done);
	ret = poll(pfd, n, timeout);
	if (ret < 0) {
		check_errno(w, NULL, errno, ALLOWED(EINTR));
		return;
	}
	w->okcount[OP_POLL]++;
	for (i = 0; i < n; i++) {
		struct fz_fd *f = &w->fds[(first + i) % w->nfds];
		short ev = pfd[i].revents;

		snprintf(w->what, sizeof(w->what), "poll(%s fd %d): revents 0x%x", f->node, f->fd,
			 ev);
		if (ev & ~(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLPRI | POLLERR | POLLHUP))
			report(w, "unexpected events");
		if ((ev & POLLERR) && (ev & (POLLIN | POLLOUT | POLLPRI)))
			report(w, "a gone device reports more than POLLERR | POLLHUP");
		if (!!(ev & POLLERR) != !!(ev & POLLHUP))
			report(w, "POLLERR without POLLHUP or the other way");
		if (ev & POLLERR) {
			if (f->known && !f->at_slot)
				report(w, "POLLERR from a device that is never unbound");
			f->gone = 1;
		} else if (f->gone) {
			report(w, "no POLLERR on a file whose device had gone");
		} else if (f->known && f->at_slot && d > f->epoch) {
			report(w, "no POLLERR %ld unbind(s) after its device was removed",
			       d - f->epoch);
		}
	}
}

static enum op pick_op(struct rng *r)
{
	int sum = 0, i, k;

	for (i = 0; i < OP_NR; i++)
		sum += op_weight[i];
	k = below(r, sum);
	for (i = 0; k >= op_weight[i]; i++)
		k -= op_weight[i];
	return i;
}

static void one_op(struct worker *w)
{
	enum op op = pick_op(&w->rng);
	struct fz_fd *f;

	if (op == OP_TOUCH || op == OP_MUNMAP || op == OP_MREMAP)
		if (!w->nmaps)
			op = OP_MMAP;
	if (op != OP_OPEN && !w->nfds && (op != OP_TOUCH && op != OP_MUNMAP &&
					  op != OP_MREMAP))
		op = OP_OPEN;
	w->count[op]++;
	f = w->nfds ? &w->fds[below(&w->rng, w->nfds)] : NULL;
	switch (op) {
	case OP_OPEN:
		op_open(w);
		break;
	case OP_CLOSE:
		close_fd(w, f - w->fds);
		break;
	case OP_MMAP:
		op_mmap(w, f);
		break;
	case OP_MUNMAP:
		op_munmap(w);
		break;
	case OP_MREMAP:
		op_mremap(w);
		break;
	case OP_TOUCH:
		op_touch(w);
		break;
	case OP_READ:
		op_read(w, f);
		break;
	case OP_WRITE:
		op_write(w, f);
		break;
	case OP_LSEEK:
		op_lseek(w, f);
		break;
	case OP_IOCTL:
		op_ioctl(w, f);
		break;
	default:
		op_poll(w);
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	size_t total = BUF_SIZE + GUARD_SIZE + 2 * PAGE;
	unsigned char *mem;

	mem = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || mprotect(mem, BUF_SIZE, PROT_READ | PROT_WRITE) ||
	    mprotect(mem + BUF_SIZE + GUARD_SIZE, PAGE, PROT_READ | PROT_WRITE)) {
		snprintf(w->what, sizeof(w->what), "setting up its buffers");
		report(w, "%s", strerror(errno));
		return NULL;
	}
	w->buf = mem;
	w->ro = mem + BUF_SIZE + GUARD_SIZE;
	fill_random(&w->rng, w->buf, BUF_SIZE);
	memset(w->ro, 0xff, PAGE);
	mprotect(w->ro, PAGE, PROT_READ);

	for (w->nr = 0; w->nr < w->ops; w->nr++) {
		if (atomic_load(&capped))
			break;
		if ((w->nr & 15) == 0 && elapsed() > cap) {
			atomic_store(&capped, 1);
			break;
		}
		one_op(w);
	}
	while (w->nmaps) {
		w->count[OP_MUNMAP]++;
		unmap(w, 0);
	}
	while (w->nfds) {
		w->count[OP_CLOSE]++;
		close_fd(w, 0);
	}
	munmap(mem, total);
	return NULL;
}

static int slot_bound(void)
{
	char path[128], target[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", slot);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = 0;
	return !strcmp(strrchr(target, '/') ? strrchr(target, '/') + 1 : target, "pcimem");
}

/* Unbind and bind SLOT, with small random pauses, until the workers end. */
static void *binder_main(void *arg)
{
	struct rng r = { seed ^ 0xb1dULL };
	int ret;

	(void)arg;
	while (!atomic_load(&workers_done)) {
		if (bound) {
			ret = sysfs_write(DRV "/unbind", slot);
			if (ret) {
				report(NULL, "unbind %s: %s", slot, strerror(-ret));
			} else {
				bound = 0;
				atomic_fetch_add(&unbinds_done, 1);
				cycles++;
			}
			sleep_us(below(&r, 10000));
		} else {
			ret = sysfs_write(DRV "/bind", slot);
			if (ret)
				report(NULL, "bind %s: %s", slot, strerror(-ret));
			else
				bound = 1;
			sleep_us(below(&r, 40000));
		}
	}
	return NULL;
}

/* /dev/pcimemN of SLOT, from its sysfs class directory. */
static int slot_node(char *node, size_t len)
{
	char path[128];
	struct dirent *e;
	DIR *dir;
	int found = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/pcimem", slot);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((e = readdir(dir)))
		if (!strncmp(e->d_name, "pcimem", 6)) {
			snprintf(node, len, "/dev/%.20s", e->d_name);
			found = 1;
			break;
		}
	closedir(dir);
	return found;
}

/* Why the device at SLOT does not work through node; "" when it does. */
static void try_device(const char *node, char *why, size_t len)
{
	static unsigned char buf[4096];
	struct pcimem_info info;
	unsigned char *p;
	int fd, sig;

	fd = open(node, O_RDWR);
	if (fd < 0) {
		snprintf(why, len, "open %s: %s", node, strerror(errno));
		return;
	}
	if (ioctl(fd, PCIMEM_IOC_INFO, &info)) {
		snprintf(why, len, "PCIMEM_IOC_INFO: %s", strerror(errno));
	} else if (!is_slot(&info)) {
		snprintf(why, len, "PCIMEM_IOC_INFO names another device");
	} else if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf)) {
		snprintf(why, len, "read 4 KiB: %s", strerror(errno));
	} else {
		p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			snprintf(why, len, "mmap: %s", strerror(errno));
		} else {
			sig = guarded_access(p + 4, 4, 0, 0);
			if (sig)
				snprintf(why, len, "touching the mapping: signal %d", sig);
			munmap(p, PAGE);
		}
	}
	close(fd);
}

static void check_works(void)
{
	char node[NODE_LEN], why[160] = "";

	if (slot_node(node, sizeof(node)))
		try_device(node, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "no node");
	check(!why[0], "%s works afterwards: info, read 4 KiB, mmap and touch%s%s", slot,
	      why[0] ? ": " : "", why);
}

/*
 * Every mapping is gone: on the devices that stayed bound, the BAR's
 * mapping count must be back to zero, so selecting another memory type
 * for it is not refused with EBUSY.
 */
static void check_vmas_balanced(void)
{
	struct worker w = { .id = -1 };
	int i, n = 0, busy = 0;

	list_nodes(&w);
	for (i = 0; i < w.nnodes; i++) {
		struct pcimem_info info;
		struct pcimem_bar_info bi;
		struct pcimem_select sel;
		int fd = open(w.nodes[i], O_RDONLY);

		if (fd < 0)
			continue;
		if (!ioctl(fd, PCIMEM_IOC_INFO, &info) && !is_slot(&info) &&
		    (info.flags & PCIMEM_BAR_RAM)) {
			bi.bar = info.bar;
			sel.bar = info.bar;
			if (!ioctl(fd, PCIMEM_IOC_BAR_INFO, &bi)) {
				sel.memtype = bi.memtype == PCIMEM_MT_UC ? PCIMEM_MT_WC :
					      PCIMEM_MT_UC;
				n++;
				if (ioctl(fd, PCIMEM_IOC_SELECT, &sel)) {
					printf("    %s: SELECT of BAR%u %s: %s\n", w.nodes[i],
					       sel.bar, sel.memtype ? "wc" : "uc",
					       strerror(errno));
					busy++;
				}
			}
		}
		close(fd);
	}
	if (n)
		check(!busy,
		      "no mapping count left behind: another memory type selectable on %d of %d plain-memory BARs that stayed bound",
		      n - busy, n);
}

/*
 * SLOT as libpci reads it (as pcimem -s and lspci -s do): [DOMAIN:]BUS:DEVICE.FUNCTION,
 * one function, no wildcards; the domain defaults to 0.
 */
static int parse_slot(const char *s)
{
	struct pci_access *pacc = pci_alloc();
	struct pci_filter f;
	char text[sizeof(slot)];
	const char *why = NULL;

	pci_filter_init(pacc, &f);
	if (strlen(s) >= sizeof(text)) {
		why = "too long";
	} else {
		strcpy(text, s);	/* libpci writes into it */
		why = pci_filter_parse_slot(&f, text);
	}
	if (!why && (f.bus < 0 || f.slot < 0 || f.func < 0))
		why = "not one function: BUS:DEVICE.FUNCTION wanted";
	pci_cleanup(pacc);
	if (why) {
		fprintf(stderr, "pcimem-fuzz: slot '%s': %s\n", s, why);
		return -1;
	}
	slot_dom = f.domain < 0 ? 0 : (unsigned int)f.domain;
	slot_bus = (unsigned int)f.bus;
	slot_dev = (unsigned int)f.slot;
	slot_fn = (unsigned int)f.func;
	snprintf(slot, sizeof(slot), "%04x:%02x:%02x.%x", slot_dom, slot_bus, slot_dev, slot_fn);
	return 0;
}

int main(int argc, char **argv)
{
	static struct worker workers[MAX_THREADS];
	long sum[OP_NR] = { 0 }, oks[OP_NR] = { 0 }, done = 0, sigbus = 0, bad = 0;
	struct sigaction sa = { .sa_handler = on_fault };
	char line[1024];
	pthread_t binder;
	int i, k, n;

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: pcimem-fuzz SEED OPS THREADS SLOT [SECONDS]\n");
		return 2;
	}
	seed = strtoull(argv[1], NULL, 0);
	total_ops = strtol(argv[2], NULL, 0);
	nthreads = atoi(argv[3]);
	if (argc == 6)
		cap = atof(argv[5]);
	if (total_ops < 1 || nthreads < 1 || nthreads > MAX_THREADS || cap <= 0 ||
	    parse_slot(argv[4])) {
		fprintf(stderr, "pcimem-fuzz: OPS >= 1, 1 <= THREADS <= %d, SLOT like 00:04.0\n",
			MAX_THREADS);
		return 2;
	}
	snprintf(replay, sizeof(replay), "pcimem-fuzz %llu %ld %d %s", seed, total_ops,
		 nthreads, argv[4]);
	printf("pcimem-fuzz: seed %llu, %ld ops, %d threads, unbinding %s, at most %.0f s\n",
	       seed, total_ops, nthreads, slot, cap);
	printf("pcimem-fuzz: replay with: %s\n", replay);
	fflush(stdout);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t_start);

	bound = slot_bound();
	check(bound, "%s is bound to pcimem at the start", slot);

	for (i = 0; i < nthreads; i++) {
		workers[i].id = i;
		workers[i].rng.s = seed * 0x100000001b3ULL + (i + 1) * 0x9e3779b97f4a7c15ULL;
		workers[i].ops = total_ops / nthreads + (i < total_ops % nthreads);
		if (pthread_create(&workers[i].tid, NULL, worker_main, &workers[i])) {
			check(0, "start worker %d", i);
			return 1;
		}
	}
	if (pthread_create(&binder, NULL, binder_main, NULL)) {
		check(0, "start the unbind/bind thread");
		return 1;
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(workers[i].tid, NULL);
	atomic_store(&workers_done, 1);
	pthread_join(binder, NULL);

	if (!slot_bound()) {
		int ret = sysfs_write(DRV "/bind", slot);

		check(!ret, "%s bound again after the fuzz%s%s", slot, ret ? ": " : "",
		      ret ? strerror(-ret) : "");
	}

	for (i = 0; i < nthreads; i++) {
		for (k = 0; k < OP_NR; k++) {
			sum[k] += workers[i].count[k];
			oks[k] += workers[i].okcount[k];
			done += workers[i].count[k];
		}
		sigbus += workers[i].sigbus;
		bad += workers[i].unexpected;
	}
	n = 0;
	for (k = 0; k < OP_NR; k++)
		n += snprintf(line + n, sizeof(line) - n, "%s %s %ld/%ld", k ? "," : "",
			      op_names[k], oks[k], sum[k]);
	if (atomic_load(&capped))
		printf("pcimem-fuzz: stopped at the %.0f s cap\n", cap);
	check(done > 0 && cycles > 0,
	      "%ld ops in %.1f s (succeeded/tried:%s), %ld SIGBUS, %ld unbind/bind cycles of %s",
	      done, elapsed(), line, sigbus, cycles, slot);
	check(!bad && !binder_errors,
	      "every error was an allowed errno, and the device's going was seen consistently (%ld unexpected; replay: %s)",
	      bad + binder_errors, replay);
	check_works();
	check_vmas_balanced();
	return check_failures() ? 1 : 0;
}
