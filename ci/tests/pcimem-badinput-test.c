// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem-badinput-test: a table per entry point of /dev/pcimemN (mmap,
 * read, write, lseek, ioctl), each row a bad (or borderline) request and
 * the exact result it must get. NODE must be an ivshmem-plain device.
 *
 *   pcimem-badinput-test NODE
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"
#include "pcimem.h"

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif

#define PAGE	4096L
#define HUGE_OFF	((off_t)0x7ffffffffffff000LL)

static int fd, rofd;

/* The raw calls: the compiler must not judge the pointers we pass on purpose. */
static long raw_pread(int f, void *buf, size_t n, off_t off)
{
	return syscall(SYS_pread64, f, buf, n, off);
}

static long raw_pwrite(int f, const void *buf, size_t n, off_t off)
{
	return syscall(SYS_pwrite64, f, buf, n, off);
}
static off_t size;
static int cases;

/* want < 0 means "succeeds"; otherwise the errno the call must fail with. */
static void expect(long ret, int want, const char *entry, const char *what)
{
	int err = errno;
	int ok = want < 0 ? ret != -1 : ret == -1 && err == want;

	cases++;
	check(ok, "%s: %s -> %s (got %s)", entry, what,
	      want < 0 ? "succeeds" : strerror(want),
	      ret == -1 ? strerror(err) : "success");
}

static void table_mmap(void)
{
	static const struct {
		const char *what;
		long len;	/* <= 0: size + len */
		off_t off;	/* < 0 with rel: size + off */
		int rel, prot, flags, want;
	} rows[] = {
		{ "whole BAR, shared, read-write", 0, 0, 0, PROT_READ | PROT_WRITE, MAP_SHARED, -1 },
		{ "one page at the last page", PAGE, -PAGE, 1, PROT_READ, MAP_SHARED, -1 },
		{ "PROT_EXEC as well", PAGE, 0, 0, PROT_READ | PROT_EXEC, MAP_SHARED, -1 },
		{ "PROT_NONE", PAGE, 0, 0, PROT_NONE, MAP_SHARED, -1 },
		{ "MAP_SHARED_VALIDATE", PAGE, 0, 0, PROT_READ, MAP_SHARED_VALIDATE, -1 },
		{ "offset at the end", PAGE, 0, 1, PROT_READ, MAP_SHARED, EINVAL },
		{ "window across the end", 2 * PAGE, -PAGE, 1, PROT_READ, MAP_SHARED, EINVAL },
		{ "length one page past the BAR", PAGE, 0, 2, PROT_READ, MAP_SHARED, EINVAL },
		{ "huge offset", PAGE, HUGE_OFF, 0, PROT_READ, MAP_SHARED, EINVAL },
		{ "offset -4096 (the kernel's own check)", PAGE, -PAGE, 0, PROT_READ,
		  MAP_SHARED, EOVERFLOW },
		{ "unaligned offset", PAGE, 1, 0, PROT_READ, MAP_SHARED, EINVAL },
		{ "zero length", -1, 0, 0, PROT_READ, MAP_SHARED, EINVAL },
		{ "private mapping", PAGE, 0, 0, PROT_READ, MAP_PRIVATE, EINVAL },
		{ "private read-write mapping", PAGE, 0, 0, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		  EINVAL },
		{ "MAP_HUGETLB", PAGE, 0, 0, PROT_READ, MAP_SHARED | MAP_HUGETLB, EINVAL },
		{ "unknown flag under MAP_SHARED_VALIDATE", PAGE, 0, 0, PROT_READ,
		  MAP_SHARED_VALIDATE | 0x800000, EOPNOTSUPP },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t len = rows[i].len == -1 ? 0 :
			     rows[i].len == 0 ? (size_t)size : (size_t)rows[i].len;
		off_t off = rows[i].rel == 1 ? size + rows[i].off : rows[i].off;
		void *p;

		if (rows[i].rel == 2)
			len = size + PAGE;
		p = mmap(NULL, len, rows[i].prot, rows[i].flags, fd, off);
		expect(p == MAP_FAILED ? -1 : 0, rows[i].want, "mmap", rows[i].what);
		if (p != MAP_FAILED)
			munmap(p, len);
	}

	/* A read-only open file. */
	expect(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rofd, 0) == MAP_FAILED ?
	       -1 : 0, EACCES, "mmap", "writable shared mapping of a read-only file");
	expect(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, rofd, 0) == MAP_FAILED ?
	       -1 : 0, EINVAL, "mmap", "private writable mapping of a read-only file");
}

static void table_rw(void)
{
	char buf[64], *guard, *big;
	ssize_t n;

	big = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	/* A page, then a page that is not mapped: a buffer that ends early. */
	guard = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(guard + PAGE, PAGE);

	expect(pread(fd, buf, 0, 0), -1, "read", "zero bytes");
	n = pread(fd, buf, 64, size - 10);
	expect(n == 10 ? 0 : -1, -1, "read", "64 bytes 10 before the end gives 10");
	expect(pread(fd, buf, 64, size) == 0 ? 0 : -1, -1, "read", "at the end gives 0");
	expect(pread(fd, buf, 64, LLONG_MAX - 64) == 0 ? 0 : -1, -1, "read",
	       "at offset LLONG_MAX - 64 gives 0");
	expect(pread(fd, buf, 64, LLONG_MAX), EINVAL, "read",
	       "at offset LLONG_MAX (offset + count overflows: the kernel's check)");
	expect(pread(fd, buf, 64, -1), EINVAL, "read", "at offset -1");
	expect(pread(fd, buf, 64, LLONG_MIN), EINVAL, "read", "at offset LLONG_MIN");
	expect(raw_pread(fd, NULL, 64, 0), EFAULT, "read", "into a NULL buffer");
	expect(raw_pread(fd, (void *)1, 64, 0), EFAULT, "read", "into address 1");
	expect(raw_pread(fd, guard, 2 * PAGE, 0), EFAULT, "read",
	       "into a buffer whose second page is unmapped");
	expect(raw_pread(fd, big, 1 << 20, size - 64) == 64 ? 0 : -1, -1, "read",
	       "1 MiB 64 bytes before the end gives 64");
	expect(raw_pread(fd, big, SSIZE_MAX, 0), EFAULT, "read",
	       "SSIZE_MAX bytes (the kernel's access_ok)");
	expect(read(rofd, buf, 8), -1, "read", "through a read-only file");

	expect(pwrite(fd, buf, 0, 0), -1, "write", "zero bytes");
	expect(pwrite(fd, buf, 0, size + PAGE), -1, "write", "zero bytes past the end");
	n = pread(fd, buf, 10, size - 10);
	expect(pwrite(fd, buf, 64, size - 10) == 10 ? 0 : -1, -1, "write",
	       "64 bytes 10 before the end writes 10");
	expect(pwrite(fd, buf, 1, size), ENOSPC, "write", "one byte at the end");
	expect(pwrite(fd, buf, 1, LLONG_MAX - 64), ENOSPC, "write", "at offset LLONG_MAX - 64");
	expect(pwrite(fd, buf, 64, LLONG_MAX), EINVAL, "write",
	       "at offset LLONG_MAX (offset + count overflows: the kernel's check)");
	expect(pwrite(fd, buf, 1, -1), EINVAL, "write", "at offset -1");
	expect(raw_pwrite(fd, NULL, 64, 0), EFAULT, "write", "from a NULL buffer");
	expect(raw_pwrite(fd, (void *)1, 64, 0), EFAULT, "write", "from address 1");
	expect(write(rofd, buf, 8), EBADF, "write", "through a read-only file");
	munmap(guard, PAGE);
	munmap(big, 1 << 20);
	(void)n;
}

static void table_lseek(void)
{
	static const struct {
		const char *what;
		off_t off;
		int rel_end, whence;
		off_t want_pos;	/* with rel_end: size + want_pos */
		int want_rel, want;
	} rows[] = {
		{ "SEEK_SET 0", 0, 0, SEEK_SET, 0, 0, -1 },
		{ "SEEK_END 0 gives the size", 0, 0, SEEK_END, 0, 1, -1 },
		{ "SEEK_END -1", -1, 0, SEEK_END, -1, 1, -1 },
		{ "SEEK_SET to the end", 0, 1, SEEK_SET, 0, 1, -1 },
		{ "SEEK_SET -1", -1, 0, SEEK_SET, 0, 0, EINVAL },
		{ "SEEK_SET past the end", 1, 1, SEEK_SET, 0, 0, EINVAL },
		{ "SEEK_END +1", 1, 0, SEEK_END, 0, 0, EINVAL },
		{ "SEEK_SET LLONG_MAX", LLONG_MAX, 0, SEEK_SET, 0, 0, EINVAL },
		{ "SEEK_DATA (a device has no holes to find)", 0, 0, SEEK_DATA, 0, 0, EINVAL },
		{ "SEEK_HOLE", 0, 0, SEEK_HOLE, 0, 0, EINVAL },
		{ "whence 5", 0, 0, 5, 0, 0, EINVAL },
		{ "whence -1", 0, 0, -1, 0, 0, EINVAL },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		off_t off = rows[i].rel_end ? size + rows[i].off : rows[i].off;
		off_t want = rows[i].want_rel ? size + rows[i].want_pos : rows[i].want_pos;
		off_t got = lseek(fd, off, rows[i].whence);

		if (rows[i].want < 0 && got != -1 && got != want) {
			cases++;
			check(0, "lseek: %s -> %lld (got %lld)", rows[i].what, (long long)want,
			      (long long)got);
			continue;
		}
		expect(got, rows[i].want, "lseek", rows[i].what);
	}
}

static void table_ioctl(void)
{
	struct pcimem_bar_info bi = { 0 };
	struct pcimem_select sel = { 0 };
	struct pcimem_ring ring = { 0 };
	struct pcimem_eventfd efd;
	struct pcimem_info info;
	struct pcimem_events ev;
	struct termios t;
	int n = 0;

	expect(ioctl(fd, PCIMEM_IOC_INFO, &info), -1, "ioctl", "INFO");
	expect(ioctl(fd, PCIMEM_IOC_INFO, NULL), EFAULT, "ioctl", "INFO to NULL");
	expect(ioctl(fd, PCIMEM_IOC_INFO, (void *)1), EFAULT, "ioctl", "INFO to address 1");
	expect(ioctl(fd, _IOR(PCIMEM_IOC_MAGIC, 0x00, int), &n), ENOTTY, "ioctl",
	       "INFO's number with the wrong size");
	expect(ioctl(fd, _IOW(PCIMEM_IOC_MAGIC, 0x00, struct pcimem_info), &info), ENOTTY,
	       "ioctl", "INFO's number with the wrong direction");

	bi.bar = 2;
	expect(ioctl(fd, PCIMEM_IOC_BAR_INFO, &bi), -1, "ioctl", "BAR_INFO BAR2");
	bi.bar = 6;
	expect(ioctl(fd, PCIMEM_IOC_BAR_INFO, &bi), EINVAL, "ioctl", "BAR_INFO BAR6");
	bi.bar = 0xffffffff;
	expect(ioctl(fd, PCIMEM_IOC_BAR_INFO, &bi), EINVAL, "ioctl", "BAR_INFO BAR 0xffffffff");
	expect(ioctl(fd, PCIMEM_IOC_BAR_INFO, NULL), EFAULT, "ioctl", "BAR_INFO from NULL");

	sel = (struct pcimem_select){ .bar = 6, .memtype = PCIMEM_MT_DEFAULT };
	expect(ioctl(fd, PCIMEM_IOC_SELECT, &sel), EINVAL, "ioctl", "SELECT BAR6");
	sel = (struct pcimem_select){ .bar = 1, .memtype = PCIMEM_MT_DEFAULT };
	expect(ioctl(fd, PCIMEM_IOC_SELECT, &sel), EINVAL, "ioctl", "SELECT an absent BAR");
	sel = (struct pcimem_select){ .bar = 2, .memtype = 3 };
	expect(ioctl(fd, PCIMEM_IOC_SELECT, &sel), EINVAL, "ioctl", "SELECT memory type 3");
	sel = (struct pcimem_select){ .bar = 2, .memtype = 0xfffffffe };
	expect(ioctl(fd, PCIMEM_IOC_SELECT, &sel), EINVAL, "ioctl",
	       "SELECT memory type 0xfffffffe");
	sel = (struct pcimem_select){ .bar = 0, .memtype = PCIMEM_MT_WC };
	expect(ioctl(fd, PCIMEM_IOC_SELECT, &sel), EINVAL, "ioctl", "SELECT wc on registers");
	expect(ioctl(fd, PCIMEM_IOC_SELECT, NULL), EFAULT, "ioctl", "SELECT from NULL");
	sel = (struct pcimem_select){ .bar = 2, .memtype = PCIMEM_MT_DEFAULT, .flags = 1 };
	expect(ioctl(fd, PCIMEM_IOC_SELECT, &sel), EINVAL, "ioctl", "SELECT with flags 1");
	sel = (struct pcimem_select){ .bar = 2, .memtype = PCIMEM_MT_DEFAULT };
	sel.reserved[4] = 1;
	expect(ioctl(fd, PCIMEM_IOC_SELECT, &sel), EINVAL, "ioctl",
	       "SELECT with reserved space not zero");
	bi = (struct pcimem_bar_info){ .bar = 2 };
	bi.reserved[3] = 1;
	expect(ioctl(fd, PCIMEM_IOC_BAR_INFO, &bi), EINVAL, "ioctl",
	       "BAR_INFO with reserved space not zero");
	sel = (struct pcimem_select){ .bar = 2, .memtype = PCIMEM_MT_DEFAULT };
	expect(ioctl(fd, PCIMEM_IOC_SELECT, &sel), -1, "ioctl", "SELECT BAR2 back");

	ring = (struct pcimem_ring){ .peer = 0, .vector = 0 };
	expect(ioctl(fd, PCIMEM_IOC_RING, &ring), EOPNOTSUPP, "ioctl",
	       "RING on ivshmem-plain (no doorbell)");
	expect(ioctl(fd, PCIMEM_IOC_RING, NULL), EFAULT, "ioctl", "RING from NULL");
	ring = (struct pcimem_ring){ .flags = 1 };
	expect(ioctl(fd, PCIMEM_IOC_RING, &ring), EINVAL, "ioctl", "RING with flags 1");
	ring = (struct pcimem_ring){ 0 };
	ring.reserved[0] = 1;
	expect(ioctl(fd, PCIMEM_IOC_RING, &ring), EINVAL, "ioctl",
	       "RING with reserved space not zero");
	ring = (struct pcimem_ring){ 0 };
	efd = (struct pcimem_eventfd){ .vector = 0, .fd = -1 };
	expect(ioctl(fd, PCIMEM_IOC_SET_EVENTFD, &efd), EOPNOTSUPP, "ioctl",
	       "SET_EVENTFD on a device without interrupts");
	efd.flags = 1;
	expect(ioctl(fd, PCIMEM_IOC_SET_EVENTFD, &efd), EINVAL, "ioctl", "SET_EVENTFD with flags 1");
	efd.flags = 0;
	expect(ioctl(rofd, PCIMEM_IOC_SET_EVENTFD, &efd), EBADF, "ioctl",
	       "SET_EVENTFD through a read-only file");
	expect(ioctl(fd, PCIMEM_IOC_SET_EVENTFD, NULL), EFAULT, "ioctl", "SET_EVENTFD from NULL");
	expect(ioctl(rofd, PCIMEM_IOC_RING, &ring), EBADF, "ioctl",
	       "RING through a read-only file (ringing writes to the device)");

	expect(ioctl(fd, PCIMEM_IOC_EVENTS, &ev), -1, "ioctl", "EVENTS");
	expect(ioctl(fd, PCIMEM_IOC_EVENTS, NULL), EFAULT, "ioctl", "EVENTS to NULL");

	expect(ioctl(fd, _IO(PCIMEM_IOC_MAGIC, 0x06)), ENOTTY, "ioctl", "our magic, number 6");
	expect(ioctl(fd, _IO(PCIMEM_IOC_MAGIC, 0xff)), ENOTTY, "ioctl", "our magic, number 255");
	expect(ioctl(fd, 0, NULL), ENOTTY, "ioctl", "command 0");
	expect(ioctl(fd, 0xffffffff, NULL), ENOTTY, "ioctl", "command 0xffffffff");
	expect(ioctl(fd, TCGETS, &t), ENOTTY, "ioctl", "TCGETS (not a tty)");
	expect(ioctl(fd, FIONREAD, &n), ENOTTY, "ioctl", "FIONREAD");
	expect(ioctl(fd, FIOCLEX), -1, "ioctl", "FIOCLEX (the VFS's own)");
	expect(ioctl(rofd, PCIMEM_IOC_INFO, &info), -1, "ioctl", "INFO through a read-only file");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pcimem-badinput-test NODE\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	rofd = open(argv[1], O_RDONLY);
	if (fd < 0 || rofd < 0) {
		check(0, "open %s: %s", argv[1], strerror(errno));
		return 1;
	}
	size = lseek(fd, 0, SEEK_END);
	table_mmap();
	table_rw();
	table_lseek();
	table_ioctl();
	printf("    %d bad-input cases, %d failed\n", cases, check_failures());
	return check_failures() ? 1 : 0;
}
