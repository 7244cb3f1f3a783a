// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem-fault-test: the fault path and the privileges of /dev/pcimemN,
 * from user space in the guest, as an attacker would try them.
 *
 *   pcimem-fault-test faults IVSHMEM_NODE huge|nohuge
 *	tasks whose first touch of a mapping comes from inside the kernel
 *	(write(2) to a pipe, pread(2) into it), SIGKILLed at many moments of
 *	the fault, must all die; mappings are answered with 2 MiB entries
 *	where the kernel has huge PFN mappings ("huge") and with 4 KiB ones
 *	otherwise, always with the right bytes (counted in debugfs).
 *   pcimem-fault-test deputy EDU_NODE SUID_HELPER
 *	an unprivileged opener of edu's registers cannot have a set-user-ID
 *	root program write to them for it.
 *   pcimem-fault-test intrstatus IVSHMEM_NODE
 *	a read-only opener cannot read ivshmem's IntrStatus (read clears it).
 *   pcimem-fault-test memtypes NODE...
 *	the memory type every memory BAR of each node reports (BAR_INFO) is
 *	the one x86 PAT holds for its range (debugfs x86/pat_memtype_list).
 *   pcimem-fault-test framebuffer NODE
 *	a prefetchable BAR of a device pcimem does not know (bochs-display)
 *	is write-combining by default, and write-back is refused.
 *   pcimem-fault-test quiesce EDU_NODE EDU_SLOT
 *	edu is given work that interrupts later (a DMA, 100 ms after it
 *	starts; factorials), then unbound: the device must be left with bus
 *	mastering off, INTx disabled and its factorial interrupt off.
 *   pcimem-fault-test reset EDU_NODE EDU_SLOT IVSHMEM_NODE IVSHMEM_SLOT
 *	each device is reset through sysfs while threads read it through
 *	read() and through a mapping: no access may see the device while it
 *	does not decode (they wait), and everything works after it,
 *	interrupts included.
 *   pcimem-fault-test lockdown IVSHMEM_NODE
 *	locks the kernel down (for good: run it last), then files opened and
 *	mapped before must refuse mmap, read and write.
 *
 * One line per check; exit status 1 if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "guest-util.h"
#include "pcimem.h"

#define PAGE		4096UL
#define PMD		(2UL << 20)
#define KILL_ROUNDS	48
#define EDU_LIVENESS	0x04	/* reads back the inverse of what was written */
#define IVSHMEM_INTR_STATUS	0x04
#define IVSHMEM_IV_POSITION	0x08

static int open_node(const char *node, int flags, struct pcimem_info *info)
{
	int fd = open(node, flags | O_CLOEXEC);

	if (fd < 0) {
		check(0, "open %s: %s", node, strerror(errno));
		exit(1);
	}
	if (info && ioctl(fd, PCIMEM_IOC_INFO, info)) {
		check(0, "PCIMEM_IOC_INFO on %s: %s", node, strerror(errno));
		exit(1);
	}
	return fd;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A child that maps the whole BAR and touches its last page first from
 * inside the kernel: how == 0 copies it into a pipe, how == 1 preads the
 * same bytes of the node into it (the content does not change). It says
 * when it is about to, then spins.
 */
static void fault_from_kernel(const char *node, size_t size, int how, int ready)
{
	int fd = open(node, O_RDWR), p[2];
	char *m = fd < 0 ? MAP_FAILED :
		  mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED || pipe(p))
		_exit(2);
	if (write(ready, "r", 1) != 1)
		_exit(2);
	if (how == 0 ? write(p[1], m + size - PAGE, PAGE) != (ssize_t)PAGE :
		       pread(fd, m + size - PAGE, PAGE, size - PAGE) != (ssize_t)PAGE)
		_exit(3);
	for (;;)
		pause();
}

/* waitpid with a deadline: 1 if the child was reaped in time. */
static int reaped_within(pid_t pid, double seconds)
{
	double end = now_s() + seconds;

	do {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 1;
		sleep_us(1000);
	} while (now_s() < end);
	return 0;
}

static void check_killable(const char *node, size_t size)
{
	int how, round, stuck[2] = { 0, 0 };

	for (round = 0; round < KILL_ROUNDS; round++) {
		int ready[2];
		pid_t pid;
		char c;

		how = round & 1;
		if (pipe(ready))
			break;
		pid = fork();
		if (pid == 0) {
			close(ready[0]);
			fault_from_kernel(node, size, how, ready[1]);
		}
		close(ready[1]);
		if (pid < 0 || read(ready[0], &c, 1) != 1) {
			check(0, "fault child %d did not start", round);
			close(ready[0]);
			continue;
		}
		close(ready[0]);
		/* From at once to well after the fault is over, 250 us apart. */
		sleep_us((round / 2) * 250L);
		kill(pid, SIGKILL);
		if (!reaped_within(pid, 1.0))
			stuck[how]++;
	}
	check(!stuck[0], "%d tasks whose first touch is write(pipe, map + %zu MiB) are SIGKILLed at "
	      "moments 0-%d ms: every one gone within 1 s (%d stuck)", KILL_ROUNDS / 2,
	      (size - PAGE) >> 20, KILL_ROUNDS / 8, stuck[0]);
	check(!stuck[1], "%d tasks whose first touch is pread(node, map + %zu MiB) are SIGKILLed at "
	      "moments 0-%d ms: every one gone within 1 s (%d stuck)", KILL_ROUNDS / 2,
	      (size - PAGE) >> 20, KILL_ROUNDS / 8, stuck[1]);
}

struct faults {
	long long pte, pmd, prefault;
};

static int read_faults(const char *node, struct faults *f)
{
	char path[256], key[16];
	long long v;
	FILE *fp;

	snprintf(path, sizeof(path), "/sys/kernel/debug/pcimem/%s/faults",
		 strrchr(node, '/') + 1);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	memset(f, 0, sizeof(*f));
	while (fscanf(fp, "%15s %lld", key, &v) == 2) {
		if (!strcmp(key, "pte"))
			f->pte = v;
		else if (!strcmp(key, "pmd"))
			f->pmd = v;
		else if (!strcmp(key, "prefault"))
			f->prefault = v;
	}
	fclose(fp);
	return 0;
}

/*
 * Touch every page of a window and compare 64 bytes of each with what
 * read() gives at the same offset. Returns the first bad offset or -1.
 */
static long touch_and_compare(int fd, const char *m, size_t len, off_t off)
{
	char want[64];
	size_t o;

	for (o = 0; o < len; o += PAGE) {
		if (pread(fd, want, sizeof(want), off + o) != (ssize_t)sizeof(want) ||
		    memcmp(m + o, want, sizeof(want)))
			return (long)o;
	}
	return -1;
}

/*
 * Map a window, touch it all, and return the faults it took; addr, if not
 * NULL, is a fixed address.
 */
static int map_window(const char *node, int fd, void *addr, size_t len, off_t off,
		      struct faults *d, long *bad, uintptr_t *at)
{
	struct faults before, after;
	char *m;

	if (read_faults(node, &before))
		return -1;
	m = mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | (addr ? MAP_FIXED : 0), fd, off);
	if (m == MAP_FAILED)
		return -1;
	*at = (uintptr_t)m;
	*bad = touch_and_compare(fd, m, len, off);
	munmap(m, len);
	if (read_faults(node, &after))
		return -1;
	d->pte = after.pte - before.pte;
	d->pmd = after.pmd - before.pmd;
	d->prefault = after.prefault - before.prefault;
	return 0;
}

static void check_fault_sizes(const char *node, const struct pcimem_info *info, int huge)
{
	int fd = open_node(node, O_RDWR, NULL);
	size_t size = info->bar_size, pages = size / PAGE;
	struct faults d;
	uintptr_t at;
	long bad;
	char *hole;

	if (map_window(node, fd, NULL, size, 0, &d, &bad, &at)) {
		check(0, "debugfs faults of %s readable, whole-BAR window maps: %s", node,
		      strerror(errno));
		close(fd);
		return;
	}
	check(bad < 0, "whole BAR: every page reads what read() reads (first bad: %ld)", bad);
	if (huge) {
		check((at - info->bar_start) % PMD == 0,
		      "mmap(NULL) picks an address congruent to the BAR modulo 2 MiB (0x%lx)",
		      (unsigned long)at);
		check(d.pmd == (long long)(size / PMD) && d.pte == 0,
		      "whole BAR: mapped with %zu 2 MiB entries and no 4 KiB one "
		      "(pmd %lld, pte %lld)", size / PMD, d.pmd, d.pte);
	} else {
		check(d.pmd == 0,
		      "no huge PFN mappings in this kernel: no 2 MiB entry (pmd %lld)",
		      d.pmd);
		check(d.pte >= 1 && d.pte <= 3 && d.pte + d.prefault == (long long)pages,
		      "whole BAR: %zu pages mapped in at most 3 faults, each page once "
		      "(faults %lld, prefaulted %lld)", pages, d.pte, d.prefault);
	}

	/* An address that can never hold a 2 MiB entry: 4 KiB past a 2 MiB one. */
	hole = mmap(NULL, 4 * PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hole != MAP_FAILED) {
		uintptr_t fix = (((uintptr_t)hole + PMD - 1) & ~(PMD - 1)) + PAGE;

		munmap(hole, 4 * PMD);
		fix += (info->bar_start % PMD);
		if (map_window(node, fd, (void *)fix, PMD + PMD / 2, 0, &d, &bad, &at) == 0) {
			check(bad < 0, "a window at an address out of step with the BAR reads "
			      "the right bytes (first bad: %ld)", bad);
			check(d.pmd == 0 && d.pte >= 1,
			      "it falls back to 4 KiB entries (pmd %lld, pte %lld)", d.pmd, d.pte);
		} else {
			check(0, "MAP_FIXED window at 0x%lx: %s", (unsigned long)fix,
			      strerror(errno));
		}
	}

	/* A window starting 2 MiB + 4 KiB into the BAR, 6 MiB long. */
	if (map_window(node, fd, NULL, 3 * PMD, PMD + PAGE, &d, &bad, &at) == 0) {
		check(bad < 0, "a window at offset 2 MiB + 4 KiB reads the right bytes "
		      "(first bad: %ld)", bad);
		if (huge)
			check(d.pmd == 2 && d.pte >= 1,
			      "it is mapped with 2 MiB entries inside and 4 KiB ones at its "
			      "edges (pmd %lld, pte %lld)", d.pmd, d.pte);
		else
			check(d.pmd == 0 && d.pte + d.prefault == (long long)(3 * PMD / PAGE),
			      "it is mapped with 4 KiB entries, each page once (pte %lld, "
			      "prefault %lld)", d.pte, d.prefault);
	} else {
		check(0, "window at offset 2 MiB + 4 KiB: %s", strerror(errno));
	}
	close(fd);
}

static int faults_main(const char *node, const char *mode)
{
	struct pcimem_info info;
	int fd = open_node(node, O_RDWR, &info);

	close(fd);
	check_killable(node, info.bar_size);
	check_fault_sizes(node, &info, !strcmp(mode, "huge"));
	return check_failures() ? 1 : 0;
}

static int rw32(int fd, int write, uint32_t *v, off_t off)
{
	ssize_t n = write ? pwrite(fd, v, 4, off) : pread(fd, v, 4, off);

	return n == 4 ? 0 : -1;
}

/*
 * The attack: a user who may open edu's node (here: anyone, mode 0666)
 * opens it write-only, seeks to a register and makes it the standard
 * output of a set-user-ID root program. Whatever that program prints must
 * not reach the device: the right to write edu's registers is the
 * opener's, CAP_SYS_RAWIO, which the user lacks.
 */
static int deputy_main(const char *node, const char *helper)
{
	struct stat st;
	uint32_t v = 0x11111111, got = 0;
	int fd = open_node(node, O_RDWR, NULL), status = 0, ok;
	pid_t pid;

	check(stat(helper, &st) == 0 && (st.st_mode & S_ISUID) && st.st_uid == 0,
	      "%s is set-user-ID root", helper);
	ok = rw32(fd, 1, &v, EDU_LIVENESS) == 0 && rw32(fd, 0, &got, EDU_LIVENESS) == 0;
	check(ok && got == ~v, "root writes edu's liveness register (reads back 0x%08x)", got);
	if (chmod(node, 0666)) {
		check(0, "chmod 0666 %s: %s", node, strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		int w;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(100);
		w = open(node, O_WRONLY);
		if (w < 0)
			_exit(101);
		uint32_t mine = 0x22222222;

		/* Without the helper, the user is refused. */
		if (pwrite(w, &mine, 4, EDU_LIVENESS) != -1 || errno != EPERM)
			_exit(102);
		if (lseek(w, EDU_LIVENESS, SEEK_SET) != EDU_LIVENESS || dup2(w, 1) != 1)
			_exit(103);
		execl(helper, helper, (char *)NULL);
		_exit(104);
	}
	waitpid(pid, &status, 0);
	chmod(node, 0600);
	check(WIFEXITED(status) && WEXITSTATUS(status) == EPERM,
	      "the set-user-ID root helper writing to the user's edu fd gets EPERM "
	      "(exit status %d; 100-104: the set-up failed)",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	got = 0;
	ok = rw32(fd, 0, &got, EDU_LIVENESS) == 0;
	check(ok && got == ~v,
	      "edu's register still holds root's value (reads 0x%08x, want 0x%08x)", got, ~v);
	close(fd);
	return check_failures() ? 1 : 0;
}

static void select_bar0(int fd)
{
	struct pcimem_select sel = { .bar = 0, .memtype = PCIMEM_MT_DEFAULT };

	if (ioctl(fd, PCIMEM_IOC_SELECT, &sel))
		check(0, "select BAR0: %s", strerror(errno));
}

static int intrstatus_main(const char *node)
{
	int ro = open_node(node, O_RDONLY, NULL), rw = open_node(node, O_RDWR, NULL);
	uint32_t v, regs[4];
	ssize_t n;

	select_bar0(ro);
	select_bar0(rw);
	check(failed_with(pread(ro, &v, 4, IVSHMEM_INTR_STATUS), EPERM),
	      "a read-only opener cannot read IntrStatus (EPERM): reading it clears it");
	check(failed_with(pread(ro, regs, sizeof(regs), 0), EPERM),
	      "nor a range of registers that holds it (EPERM)");
	check(pread(ro, &v, 4, IVSHMEM_IV_POSITION) == 4,
	      "a read-only opener still reads IVPosition");
	n = pread(rw, &v, 4, IVSHMEM_INTR_STATUS);
	check(n == 4, "an opener for writing reads IntrStatus (%zd)", n);
	close(ro);
	close(rw);
	return check_failures() ? 1 : 0;
}

static const char *const mt_names[] = { "uc", "wc", "wb" };

/* PAT's name for a type of ours: cattr_name() in arch/x86/mm/pat/memtype.c. */
static int pat_name_matches(const char *pat, unsigned int mt)
{
	switch (mt) {
	case PCIMEM_MT_UC:
		return !strcmp(pat, "uncached-minus") || !strcmp(pat, "uncached");
	case PCIMEM_MT_WC:
		return !strcmp(pat, "write-combining");
	case PCIMEM_MT_WB:
		return !strcmp(pat, "write-back");
	}
	return 0;
}

/*
 * Every PAT reservation that overlaps [start, end) must agree with mt;
 * returns how many there were, or -1 on a disagreement (named in *bad).
 */
static int pat_agrees(uint64_t start, uint64_t end, unsigned int mt, char *bad, size_t len)
{
	FILE *f = fopen("/sys/kernel/debug/x86/pat_memtype_list", "r");
	char line[256], type[64];
	unsigned long long s, e;
	int n = 0;

	if (!f)
		return -2;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "PAT: [mem 0x%llx-0x%llx] %63s", &s, &e, type) != 3 ||
		    e <= start || s >= end)
			continue;
		if (!pat_name_matches(type, mt)) {
			snprintf(bad, len, "%s", line);
			bad[strcspn(bad, "\n")] = 0;
			fclose(f);
			return -1;
		}
		n++;
	}
	fclose(f);
	return n;
}

static int memtypes_main(int n, char **nodes)
{
	int i, bar;

	for (i = 0; i < n; i++) {
		int fd = open_node(nodes[i], O_RDONLY, NULL);

		for (bar = 0; bar < 6; bar++) {
			struct pcimem_bar_info bi = { .bar = bar };
			char bad[256] = "";
			int r;

			if (ioctl(fd, PCIMEM_IOC_BAR_INFO, &bi) || !(bi.flags & PCIMEM_BAR_MEM) ||
			    (bi.flags & PCIMEM_BAR_MSIX) || bi.memtype > PCIMEM_MT_WB)
				continue;
			r = pat_agrees(bi.start, bi.start + bi.size, bi.memtype, bad, sizeof(bad));
			check(r > 0, "%s BAR%d reports %s, as x86 PAT holds it (%s)", nodes[i], bar,
			      mt_names[bi.memtype], r > 0 ? "agrees" : r == 0 ? "no reservation" :
			      r == -2 ? "no pat_memtype_list" : bad);
		}
		close(fd);
	}
	return check_failures() ? 1 : 0;
}

static int framebuffer_main(const char *node)
{
	struct pcimem_bar_info bi = { .bar = 0 };
	struct pcimem_select sel = { .bar = 0, .memtype = PCIMEM_MT_WB };
	int fd = open_node(node, O_RDWR, NULL);
	void *m;

	int ok = ioctl(fd, PCIMEM_IOC_BAR_INFO, &bi) == 0;

	check(ok && (bi.flags & (PCIMEM_BAR_PREFETCH | PCIMEM_BAR_RAM)) ==
	      (PCIMEM_BAR_PREFETCH | PCIMEM_BAR_RAM),
	      "BAR0 of %s is prefetchable memory (flags 0x%x)", node, bi.flags);
	check(bi.memtype == PCIMEM_MT_WC, "it is write-combining by default (%s)",
	      bi.memtype <= PCIMEM_MT_WB ? mt_names[bi.memtype] : "?");
	check(failed_with(ioctl(fd, PCIMEM_IOC_SELECT, &sel), EINVAL),
	      "write-back is refused for it (EINVAL): it is not known to be RAM");
	sel.memtype = PCIMEM_MT_UC;
	check(ioctl(fd, PCIMEM_IOC_SELECT, &sel) == 0, "uncached may be selected");
	sel.memtype = PCIMEM_MT_WC;
	check(ioctl(fd, PCIMEM_IOC_SELECT, &sel) == 0, "and write-combining again");
	m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(m != MAP_FAILED, "1 MiB of it maps write-combining");
	if (m != MAP_FAILED)
		munmap(m, 1 << 20);
	close(fd);
	return check_failures() ? 1 : 0;
}

#define EDU_STATUS		0x20
#define EDU_STATUS_IRQ		0x80
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_DMA_START		0x1
#define EDU_DMA_IRQ		0x4
#define EDU_DMA_BUFFER		0x40000	/* edu's own buffer, in its address space */

static int rw64(int fd, off_t off, uint64_t v)
{
	uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);

	return rw32(fd, 1, &lo, off) || rw32(fd, 1, &hi, off + 4);
}

static int quiesce_main(const char *node, const char *slot)
{
	char path[128];
	uint16_t cmd = 0;
	uint32_t status = 0, v = EDU_STATUS_IRQ;
	int fd = open_node(node, O_RDWR, NULL), cfg, ok;
	void *m;

	/* A DMA from guest page 0x1000 into edu's buffer, interrupting when done. */
	ok = rw32(fd, 1, &v, EDU_STATUS) == 0 && rw64(fd, EDU_DMA_SRC, 0x1000) == 0 &&
	     rw64(fd, EDU_DMA_DST, EDU_DMA_BUFFER) == 0 && rw64(fd, EDU_DMA_COUNT, 8) == 0;
	v = EDU_DMA_START | EDU_DMA_IRQ;
	ok = ok && rw32(fd, 1, &v, EDU_DMA_CMD) == 0;
	check(ok, "edu: factorial interrupts on, a DMA with an interrupt started");
	close(fd);
	snprintf(path, sizeof(path), "0000:%s", slot);
	check(sysfs_write("/sys/bus/pci/drivers/pcimem/unbind", path) == 0,
	      "edu unbound at once, its DMA still pending");
	sleep_us(300000);	/* the DMA's interrupt came and went */

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:%s/config", slot);
	cfg = open(path, O_RDONLY);
	ok = cfg >= 0 && pread(cfg, &cmd, 2, 4) == 2;
	check(ok && !(cmd & 0x4), "after remove(), bus mastering is off (command 0x%04x)", cmd);
	check(ok && (cmd & 0x400), "after remove(), INTx is disabled (command 0x%04x)", cmd);
	if (cfg >= 0)
		close(cfg);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:%s/resource0", slot);
	fd = open(path, O_RDWR);
	m = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED) {
		status = *(volatile uint32_t *)((char *)m + EDU_STATUS);
		munmap(m, 4096);
	}
	check(m != MAP_FAILED && !(status & EDU_STATUS_IRQ),
	      "after remove(), edu's factorial interrupt is off (status 0x%08x)", status);
	if (fd >= 0)
		close(fd);
	return check_failures() ? 1 : 0;
}

struct reset_reader {
	int fd;
	volatile uint32_t *map;		/* NULL: read through pread() */
	uint32_t want;
	atomic_int *stop;
	long reads, wrong;
	uint32_t seen;			/* the first wrong value */
};

static void *reset_reader(void *arg)
{
	struct reset_reader *r = arg;

	while (!atomic_load(r->stop)) {
		uint32_t v = 0;

		if (r->map)
			v = *r->map;
		else if (pread(r->fd, &v, 4, 0) != 4)
			v = 0xdeadbeef;
		if (v != r->want && !r->wrong++)
			r->seen = v;
		r->reads++;
	}
	return NULL;
}

/* Reset one device under two readers: one through read(), one through m. */
static void reset_under_load(const char *slot, const char *what, int fd,
			     volatile uint32_t *m)
{
	struct reset_reader r[2];
	atomic_int stop = 0;
	pthread_t t[2];
	char path[128];
	int i, ret;

	for (i = 0; i < 2; i++) {
		r[i] = (struct reset_reader){ .fd = fd, .map = i ? m : NULL, .want = *m,
					      .stop = &stop };
		pthread_create(&t[i], NULL, reset_reader, &r[i]);
	}
	sleep_us(100000);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:%s/reset", slot);
	ret = sysfs_write(path, "1");
	sleep_us(100000);
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	check(ret == 0, "%s: reset through sysfs (%s)", what, ret ? strerror(-ret) : "done");
	check(r[0].reads > 0 && !r[0].wrong,
	      "%s: %ld reads through read() around the reset, none saw the device "
	      "while it did not decode (%ld wrong, first 0x%08x)", what, r[0].reads,
	      r[0].wrong, r[0].seen);
	check(r[1].reads > 0 && !r[1].wrong,
	      "%s: %ld loads through a mapping around the reset, none saw it either "
	      "(%ld wrong, first 0x%08x)", what, r[1].reads, r[1].wrong, r[1].seen);
}

static int reset_main(char **argv)
{
	const char *edu = argv[0], *edu_slot = argv[1], *shm = argv[2], *shm_slot = argv[3];
	int fd = open_node(edu, O_RDWR, NULL), i;
	volatile uint32_t *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	struct pcimem_events ev;
	long long before;
	uint32_t ident;

	if (m == MAP_FAILED) {
		check(0, "map edu's registers: %s", strerror(errno));
		return 1;
	}
	ident = m[0];
	reset_under_load(edu_slot, "edu", fd, m);
	check(m[0] == ident, "edu: after the reset the mapping reads its identification "
	      "again (0x%08x)", m[0]);
	m[1] = 0x12345678;	/* liveness: reads back inverted */
	check(m[1] == ~0x12345678U, "edu: its registers work after the reset");
	ioctl(fd, PCIMEM_IOC_EVENTS, &ev);
	before = (long long)ev.count[0];
	m[0x60 / 4] = 1;	/* raise an interrupt */
	for (i = 0; i < 500; i++) {
		if (ioctl(fd, PCIMEM_IOC_EVENTS, &ev) == 0 && (long long)ev.count[0] > before)
			break;
		sleep_us(10000);
	}
	check(i < 500, "edu: interrupts come back after the reset (count %lld -> %lld)",
	      before, (long long)ev.count[0]);
	munmap((void *)m, PAGE);
	close(fd);

	fd = open_node(shm, O_RDWR, NULL);
	m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		check(0, "map ivshmem: %s", strerror(errno));
		return 1;
	}
	ident = m[0];
	reset_under_load(shm_slot, "ivshmem", fd, m);
	check(m[0] == ident, "ivshmem: after the reset the mapping reads the memory again");
	munmap((void *)m, PAGE);
	close(fd);
	return check_failures() ? 1 : 0;
}

static int lockdown_main(const char *node)
{
	int fd = open_node(node, O_RDWR, NULL), lock;
	char *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), c = 0;
	void *m2;

	check(m != MAP_FAILED && pread(fd, &c, 1, 0) == 1,
	      "before lockdown: the node maps and reads");
	lock = open("/sys/kernel/security/lockdown", O_WRONLY);
	if (lock < 0 || write(lock, "integrity", 9) != 9) {
		check(0, "lock the kernel down (/sys/kernel/security/lockdown): %s",
		      strerror(errno));
		return 1;
	}
	close(lock);
	m2 = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	check(m2 == MAP_FAILED && errno == EPERM,
	      "locked down: mmap of a file opened before is refused (EPERM)");
	check(failed_with(pread(fd, &c, 1, 0), EPERM),
	      "locked down: read of a file opened before is refused (EPERM)");
	check(failed_with(pwrite(fd, &c, 1, 0), EPERM),
	      "locked down: write of a file opened before is refused (EPERM)");
	check(open(node, O_RDWR) < 0 && errno == EPERM, "locked down: open is refused (EPERM)");
	close(fd);
	return check_failures() ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (check_command(argc, argv, "faults", 4))
		return faults_main(argv[2], argv[3]);
	if (check_command(argc, argv, "deputy", 4))
		return deputy_main(argv[2], argv[3]);
	if (check_command(argc, argv, "intrstatus", 3))
		return intrstatus_main(argv[2]);
	if (check_command(argc, argv, "lockdown", 3))
		return lockdown_main(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "memtypes"))
		return memtypes_main(argc - 2, argv + 2);
	if (check_command(argc, argv, "reset", 6))
		return reset_main(argv + 2);
	if (check_command(argc, argv, "quiesce", 4))
		return quiesce_main(argv[2], argv[3]);
	if (check_command(argc, argv, "framebuffer", 3))
		return framebuffer_main(argv[2]);
	fprintf(stderr, "usage: pcimem-fault-test faults NODE huge|nohuge\n"
		"       pcimem-fault-test deputy EDU_NODE SUID_HELPER\n"
		"       pcimem-fault-test intrstatus IVSHMEM_NODE\n"
		"       pcimem-fault-test memtypes NODE...\n"
		"       pcimem-fault-test framebuffer NODE\n"
		"       pcimem-fault-test quiesce EDU_NODE EDU_SLOT\n"
		"       pcimem-fault-test reset EDU_NODE EDU_SLOT IVSHMEM_NODE IVSHMEM_SLOT\n"
		"       pcimem-fault-test lockdown IVSHMEM_NODE\n");
	return 2;
}
