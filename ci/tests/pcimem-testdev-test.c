// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem-testdev-test: pcimem against our QEMU device model,
 * pcimem-testdev (qemu-device/testdev/pcimem-testdev.rst), from user space
 * in the guest.
 *
 *   pcimem-testdev-test bars NODE SLOT
 *	every BAR of the device as BAR_INFO reports it against the PCI
 *	core's view (sysfs resource), and the mmap, read and write contract
 *	of each kind: registers, plain memory (sub-page or not, 32- or
 *	64-bit, anywhere), I/O ports, the MSI-X table's pages.
 *   pcimem-testdev-test pattern NODE PATTERN
 *	the driver's pattern over the main BAR, and not over the MSI-X
 *	table's pages in it.
 *   pcimem-testdev-test irq NODE
 *	every vector (INTx, MSI or MSI-X) raised through the RAISE register
 *	counts exactly once per raise, in the counts, through poll's EPOLLPRI
 *	and through the vector's eventfd; a raise past the vectors counts
 *	nowhere; the device's own COUNT agrees.
 *   pcimem-testdev-test storm NODE SLOT
 *	an interrupt storm (QMP qom-set storm-us, through the host agent):
 *	the guest keeps working, the counts stay consistent, and exact
 *	counting comes back once it stops.
 *   pcimem-testdev-test dma NODE busmaster|nobusmaster
 *	the DMA engine copies between its BAR and a page of ours when the
 *	device masters the bus, and is refused when it does not.
 *   pcimem-testdev-test privileges NODE
 *	an unprivileged opener may read the registers, never read or map
 *	STATUS (reading clears it) without opening for writing, and may write
 *	or map them writable only when the device neither masters the bus
 *	(the command register's bit, even set behind the kernel's back) nor
 *	has an INTx pin.
 *   pcimem-testdev-test reset NODE SLOT
 *	sysfs reset (FLR where the device has it) while threads read the
 *	registers through read() and through a mapping: none sees the device
 *	while it does not decode; the device was really reset (SCRATCH is 0),
 *	and memory and interrupts work after it.
 *   pcimem-testdev-test fail NODE SLOT
 *	the device falls off the bus (qom-set fail on) while mapped and read
 *	by a thread, then is hot-unplugged: nothing hangs, read() says EIO
 *	while it is off the bus, then ENODEV, a load from the mapping SIGBUS.
 *   pcimem-testdev-test shared DEAD_NODE DEAD_SLOT LIVE_NODE LIVE_SLOT
 *	two devices on one INTx line: DEAD off the bus (qom-set fail), LIVE
 *	storming; DEAD's handler counts none of LIVE's interrupts.
 *   pcimem-testdev-test ivshmem-intx NODE SLOT PEER OTHER_NODE OTHER_SLOT
 *	ivshmem's INTx path: NODE a device posing as ivshmem with ivshmem's
 *	registers (regs=ivshmem, IVPosition PEER), INTx only, on one line
 *	with OTHER, a pcimem-testdev with INTx. Rings to itself through
 *	PCIMEM_IOC_RING count exactly (counts, EPOLLPRI, eventfd) and none
 *	of OTHER's interrupts; IntrStatus clears on read; IntrMask 0 holds
 *	the interrupt back (OTHER's interrupts meanwhile do not take it),
 *	and 1 lets the pending one through, once.
 *   pcimem-testdev-test gap NODE BAR TABLE PBA
 *	the MSI-X table and its PBA apart in BAR: their pages are refused,
 *	the pages between them read, written and mapped.
 *
 * One line per check; exit status 1 if any failed, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "guest-util.h"
#include "pcimem.h"

#define PAGE		4096UL

/* pcimem-testdev's registers (BAR0) */
#define TD_IDENT	0x00
#define TD_SCRATCH	0x04
#define TD_CAPS		0x08
#define TD_MODE		0x0c
#define TD_RAISE	0x10
#define TD_STATUS	0x14
#define TD_COUNT	0x18
#define TD_ERRORS	0x20
#define TD_DMA_OFF	0x30
#define TD_DMA_LEN	0x34
#define TD_DMA_LO	0x38
#define TD_DMA_HI	0x3c
#define TD_DMA_CMD	0x40
#define TD_DMA_RES	0x44
#define TD_IDENT_VALUE	0x7e570100U
#define TD_DMA_START	0x1
#define TD_DMA_TO_BAR	0x2
#define TD_DMA_DONE	1
#define TD_DMA_REFUSED	2

/* The PCI core's resource flags, as sysfs prints them */
#define IORESOURCE_IO		0x00000100
#define IORESOURCE_MEM		0x00000200
#define IORESOURCE_PREFETCH	0x00002000
#define IORESOURCE_MEM_64	0x00100000

static const char *const mt_names[] = { "uc", "wc", "wb" };

static int open_node(const char *node, int flags)
{
	int fd = open(node, flags | O_CLOEXEC);

	if (fd < 0) {
		check(0, "open %s: %s", node, strerror(errno));
		exit(1);
	}
	return fd;
}

/* A file of the node that reaches the registers, BAR0. */
static int open_regs(const char *node, int flags)
{
	int fd = open_node(node, flags);

	if (select_bar(fd, 0, PCIMEM_MT_DEFAULT)) {
		check(0, "%s: select BAR0, the registers: %s", node, strerror(errno));
		exit(1);
	}
	return fd;
}

/* ---- bars ---------------------------------------------------------- */

struct resource {
	unsigned long long start, end, flags;
};

static int read_resources(const char *slot, struct resource res[6])
{
	char path[128];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:%s/resource", slot);
	f = fopen(path, "r");
	if (!f)
		return -1;
	for (i = 0; i < 6; i++)
		if (fscanf(f, "%llx %llx %llx", &res[i].start, &res[i].end, &res[i].flags) != 3)
			break;
	fclose(f);
	return i == 6 ? 0 : -1;
}

static void check_refused_map(int fd, size_t len, off_t off, int want, const char *what)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	int err = errno;

	check(p == MAP_FAILED && err == want, "%s: mmap is refused with %s (got %s)", what,
	      strerror(want), p == MAP_FAILED ? strerror(err) : "a mapping");
	if (p != MAP_FAILED)
		munmap(p, len);
}

/* The end of a BAR for read() and write(): short across it, 0 and ENOSPC past it. */
static void check_rw_ends(int fd, const char *what, uint64_t size, unsigned int width)
{
	unsigned char buf[16], keep[16];
	off_t end = (off_t)size;
	unsigned int n = width > 1 ? width : 8;

	check(lseek(fd, 0, SEEK_END) == end, "%s: lseek(SEEK_END) is its size, %llu", what,
	      (unsigned long long)size);
	if (size >= 2 * n) {
		check(pread(fd, buf, 2 * n, end - n) == (ssize_t)n,
		      "%s: a read across the end is short (%u of %u)", what, n, 2 * n);
		check(pread(fd, keep, n, end - n) == (ssize_t)n &&
		      pwrite(fd, keep, 2 * n, end - n) == (ssize_t)n,
		      "%s: a write across the end is short (%u of %u)", what, n, 2 * n);
	}
	check(pread(fd, buf, n, end) == 0, "%s: a read at the end gives 0", what);
	check(failed_with(pwrite(fd, buf, n, end), ENOSPC),
	      "%s: a write at the end fails with ENOSPC", what);
}

/* Offsets to try in a BAR: its first, a middle and its last page. */
static void probe_offsets(uint64_t size, uint64_t off[3])
{
	off[0] = 0;
	off[1] = size >= 8 * PAGE ? (size / 2 / PAGE) * PAGE + 40 : size / 2;
	off[2] = size >= PAGE ? size - PAGE + 64 : size >= 64 ? size - 32 : size - 8;
}

/* Plain memory: what read() writes, mmap sees, and back. */
static void check_ram(int fd, const char *what, const struct pcimem_bar_info *bi)
{
	uint64_t off[3];
	char tok[24], seen[24];
	size_t len = bi->size < 64 ? 8 : sizeof(tok);	/* a BAR of 16 bytes */
	int i;

	probe_offsets(bi->size, off);
	check_rw_ends(fd, what, bi->size, 1);
	for (i = 0; i < 3; i++) {
		char *m;
		uint64_t page = off[i] & ~(PAGE - 1);

		snprintf(tok, sizeof(tok), "t%d-%08llx", i, (unsigned long long)off[i]);
		if (pread(fd, seen, sizeof(tok), off[i]) < 0 && errno == EPERM)
			continue;	/* a page of the MSI-X table, checked elsewhere */
		check(pwrite(fd, tok, len, off[i]) == (ssize_t)len &&
		      pread(fd, seen, len, off[i]) == (ssize_t)len && !memcmp(tok, seen, len),
		      "%s: bytes written at 0x%llx read back", what, (unsigned long long)off[i]);
		if (!(bi->flags & PCIMEM_BAR_MMAP))
			continue;
		m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)page);
		check(m != MAP_FAILED, "%s: the page at 0x%llx maps", what,
		      (unsigned long long)page);
		if (m == MAP_FAILED)
			continue;
		check(!memcmp(m + (off[i] - page), tok, sizeof(tok)),
		      "%s: the mapping sees what write() stored at 0x%llx", what,
		      (unsigned long long)off[i]);
		memcpy(m + (off[i] - page), "through-the-map", 15);
		check(pread(fd, seen, 15, off[i]) == 15 && !memcmp(seen, "through-the-map", 15),
		      "%s: read() sees what the mapping stored at 0x%llx", what,
		      (unsigned long long)off[i]);
		munmap(m, PAGE);
	}
}

static void check_msix_hole(int fd, const char *what, const struct pcimem_bar_info *bi)
{
	uint64_t page;
	unsigned char b[8];
	void *m;
	int ok_page = -1, hole_page = -1;
	uint64_t pages = bi->size / PAGE, i;

	check(bi->memtype == PCIMEM_MT_UC, "%s: beside the MSI-X table it is uncached (%s)", what,
	      bi->memtype <= 2 ? mt_names[bi->memtype] : "?");
	check(failed_with(select_bar(fd, bi->bar, PCIMEM_MT_WC), EINVAL),
	      "%s: write-combining is refused (EINVAL)", what);
	/* Find a page that is the table's and one that is not, through read(). */
	for (i = 0; i < pages && i < 64 && (ok_page < 0 || hole_page < 0); i++) {
		ssize_t n = pread(fd, b, sizeof(b), (off_t)(i * PAGE));

		if (n < 0 && errno == EPERM && hole_page < 0)
			hole_page = (int)i;
		else if (n == sizeof(b) && ok_page < 0)
			ok_page = (int)i;
	}
	check(hole_page >= 0, "%s: read() of the MSI-X table's page %d is refused (EPERM)", what,
	      hole_page);
	check(ok_page >= 0, "%s: read() of page %d, beside the table, works", what, ok_page);
	if (hole_page >= 0) {
		page = (uint64_t)hole_page * PAGE;
		check_refused_map(fd, PAGE, (off_t)page, EPERM, "the MSI-X table's page");
		check_refused_map(fd, (size_t)bi->size, 0, EPERM, "a window over the whole BAR");
		check(failed_with(pwrite(fd, b, sizeof(b), (off_t)page), EPERM),
		      "%s: write() to the MSI-X table's page is refused (EPERM)", what);
		if (hole_page > 0)
			check(pread(fd, b, sizeof(b), (off_t)page - 4) == 4,
			      "%s: a read up to the table is short (4 of 8)", what);
	}
	if (ok_page >= 0) {
		m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 (off_t)ok_page * PAGE);
		check(m != MAP_FAILED, "%s: page %d, beside the table, maps", what, ok_page);
		if (m != MAP_FAILED)
			munmap(m, PAGE);
	}
}

static void check_regs(int fd, const char *what, const struct pcimem_bar_info *bi)
{
	uint16_t half;
	uint32_t v;
	volatile uint32_t *m;

	check(bi->access_width == 4 && bi->memtype == PCIMEM_MT_UC &&
	      (bi->flags & PCIMEM_BAR_REGS),
	      "%s: 32-bit registers, uncached (flags 0x%x)", what, bi->flags);
	check(reg_read(fd, TD_IDENT) == TD_IDENT_VALUE, "%s: IDENT reads 0x%08x through read()", what,
	      reg_read(fd, TD_IDENT));
	check(reg_write(fd, TD_SCRATCH, 0x5a5a1234) == 0 && reg_read(fd, TD_SCRATCH) == 0x5a5a1234,
	      "%s: SCRATCH keeps what write() stored", what);
	check(failed_with(pread(fd, &half, 2, 0), EINVAL), "%s: a 16-bit read fails with EINVAL",
	      what);
	check(failed_with(pread(fd, &v, 4, 2), EINVAL), "%s: an unaligned read fails with EINVAL",
	      what);
	check(failed_with(select_bar(fd, 0, PCIMEM_MT_WC), EINVAL),
	      "%s: write-combining on registers is refused (EINVAL)", what);
	check_rw_ends(fd, what, bi->size, 4);
	if (!(bi->flags & PCIMEM_BAR_MMAP))
		return;
	m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(m != MAP_FAILED, "%s: the registers map", what);
	if (m == MAP_FAILED)
		return;
	check(m[TD_IDENT / 4] == TD_IDENT_VALUE && m[TD_SCRATCH / 4] == 0x5a5a1234,
	      "%s: IDENT and SCRATCH read the same through the mapping", what);
	m[TD_SCRATCH / 4] = 0;
	check(reg_read(fd, TD_SCRATCH) == 0, "%s: a store through the mapping reaches SCRATCH", what);
	munmap((void *)m, PAGE);
}

static void check_io(int fd, const char *what, const struct pcimem_bar_info *bi)
{
	unsigned char b[4] = { 0x11, 0x22, 0x33, 0x44 }, r[4];

	check(bi->memtype == PCIMEM_MT_UC && bi->access_width == 1,
	      "%s: I/O ports, byte by byte, uncached", what);
	check_refused_map(fd, PAGE, 0, EPERM, what);
	check(pwrite(fd, b, 4, 0) == 4 && pread(fd, r, 4, 0) == 4,
	      "%s: four ports written and read", what);
	check_rw_ends(fd, what, bi->size, 1);
}

static int bars_main(const char *node, const char *slot)
{
	struct resource res[6];
	struct pcimem_info info;
	int fd = open_node(node, O_RDWR), bar;
	char what[48];

	check(ioctl(fd, PCIMEM_IOC_INFO, &info) == 0, "%s (%s): PCIMEM_IOC_INFO", node, slot);
	if (read_resources(slot, res)) {
		check(0, "read the PCI core's resources of %s", slot);
		return 1;
	}
	for (bar = 0; bar < 6; bar++) {
		struct pcimem_bar_info bi;
		struct resource *r = &res[bar];
		unsigned long long size = r->flags ? r->end - r->start + 1 : 0;
		unsigned int want_kind;

		snprintf(what, sizeof(what), "%s BAR%d", slot, bar);
		if (bar_info(fd, bar, &bi)) {
			check(0, "%s: BAR_INFO: %s", what, strerror(errno));
			continue;
		}
		if (!size) {
			check(!bi.flags && !bi.size, "%s: absent, and BAR_INFO says so", what);
			check(failed_with(select_bar(fd, bar, PCIMEM_MT_DEFAULT), EINVAL),
			      "%s: selecting it fails with EINVAL", what);
			continue;
		}
		want_kind = r->flags & IORESOURCE_IO ? PCIMEM_BAR_IO : PCIMEM_BAR_MEM;
		check(bi.size == size && bi.start == r->start && (bi.flags & want_kind) &&
		      !!(bi.flags & PCIMEM_BAR_64BIT) == !!(r->flags & IORESOURCE_MEM_64) &&
		      !!(bi.flags & PCIMEM_BAR_PREFETCH) == !!(r->flags & IORESOURCE_PREFETCH),
		      "%s: %llu bytes at 0x%llx%s%s%s, as the PCI core has it (flags 0x%x)", what,
		      size, r->start, r->flags & IORESOURCE_IO ? ", I/O" : "",
		      r->flags & IORESOURCE_MEM_64 ? ", 64-bit" : "",
		      r->flags & IORESOURCE_PREFETCH ? ", prefetchable" : "", bi.flags);
		check(!!(bi.flags & PCIMEM_BAR_MMAP) ==
		      (want_kind == PCIMEM_BAR_MEM && size >= PAGE && !(bi.flags & PCIMEM_BAR_MSIX)),
		      "%s: mappable exactly when it is memory of a page or more, not only the MSI-X table",
		      what);
		if (bi.flags & PCIMEM_BAR_MSIX) {
			check(failed_with(select_bar(fd, bar, PCIMEM_MT_DEFAULT), EBUSY),
			      "%s: only the MSI-X table: selecting it fails with EBUSY", what);
			continue;
		}
		if (select_bar(fd, bar, PCIMEM_MT_DEFAULT)) {
			check(0, "%s: select it: %s", what, strerror(errno));
			continue;
		}
		if (!(bi.flags & PCIMEM_BAR_MMAP)) {
			check_refused_map(fd, PAGE, 0, EPERM, what);
			/* Its page is a neighbour's too: uncached, as theirs. */
			check(bi.memtype == PCIMEM_MT_UC &&
			      failed_with(select_bar(fd, bar, PCIMEM_MT_WC), EINVAL) &&
			      failed_with(select_bar(fd, bar, PCIMEM_MT_WB), EINVAL),
			      "%s: not page-aligned: uncached (%s), write-combining and "
			      "write-back refused (EINVAL)", what,
			      bi.memtype < 3 ? mt_names[bi.memtype] : "?");
			select_bar(fd, bar, PCIMEM_MT_DEFAULT);
		} else
			check_refused_map(fd, PAGE, (off_t)bi.size, EINVAL, "a window at the end");
		if (bi.flags & PCIMEM_BAR_IO)
			check_io(fd, what, &bi);
		else if (bar == 0)
			check_regs(fd, what, &bi);
		else
			check_ram(fd, what, &bi);
		if (bi.flags & PCIMEM_BAR_MSIX_HOLE)
			check_msix_hole(fd, what, &bi);
	}
	close(fd);
	return check_failures() ? 1 : 0;
}

/*
 * The driver's pattern over the main BAR: the byte at offset o is
 * pat[o % len] everywhere but on the MSI-X table's pages, which read()
 * refuses, and which must not have been written (the vectors still work:
 * the irq checks run after this).
 */
static int pattern_main(const char *node, const char *pat)
{
	struct pcimem_info info;
	int fd = open_node(node, O_RDWR);
	size_t plen = strlen(pat), i;
	uint64_t off, bad = UINT64_MAX, skipped = 0;
	static unsigned char buf[1 << 16];

	if (ioctl(fd, PCIMEM_IOC_INFO, &info) || !plen) {
		check(0, "%s: PCIMEM_IOC_INFO, a pattern", node);
		return 1;
	}
	for (off = 0; off < info.bar_size && bad == UINT64_MAX;) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)off);

		if (n < 0 && errno == EPERM) {
			skipped++;
			off += PAGE;
			continue;
		}
		if (n <= 0)
			break;
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != (unsigned char)pat[(off + i) % plen]) {
				bad = off + i;
				break;
			}
		off += (uint64_t)n;
	}
	check(off >= info.bar_size && bad == UINT64_MAX,
	      "%s: \"%s\" repeated over BAR%u, read to 0x%llx (first wrong byte: %lld)", node,
	      pat, info.bar, (unsigned long long)off, bad == UINT64_MAX ? -1LL : (long long)bad);
	check(!!skipped == !!(info.flags & PCIMEM_BAR_MSIX_HOLE),
	      "%s: the pattern skips %llu pages of the MSI-X table (flags 0x%x)", node,
	      (unsigned long long)skipped, info.flags);
	close(fd);
	return check_failures() ? 1 : 0;
}

/* ---- interrupts ----------------------------------------------------- */

static int get_events(int fd, struct pcimem_events *ev)
{
	return ioctl(fd, PCIMEM_IOC_EVENTS, ev);
}

static int pri_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLPRI };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLPRI);
}

static uint64_t eventfd_take(int efd)
{
	uint64_t n = 0;

	if (read(efd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

struct irq_ctx {
	int fd, regs;
	unsigned int vectors, mode;
	int efd[PCIMEM_MAX_VECTORS];
};

static int irq_setup(struct irq_ctx *c, const char *node)
{
	struct pcimem_info info;
	unsigned int i;

	c->fd = open_node(node, O_RDWR);
	c->regs = open_regs(node, O_RDWR);
	if (ioctl(c->fd, PCIMEM_IOC_INFO, &info)) {
		check(0, "%s: PCIMEM_IOC_INFO: %s", node, strerror(errno));
		return -1;
	}
	c->vectors = info.vectors;
	c->mode = info.irq_mode;
	for (i = 0; i < c->vectors; i++) {
		struct pcimem_eventfd e = { .vector = i };

		c->efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		e.fd = c->efd[i];
		if (ioctl(c->fd, PCIMEM_IOC_SET_EVENTFD, &e)) {
			check(0, "%s: an eventfd for vector %u: %s", node, i, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Raise vector v once and wait until it was counted. */
static int raise_and_wait(struct irq_ctx *c, unsigned int v)
{
	struct pcimem_events ev;

	if (reg_write(c->regs, TD_RAISE, v))
		return -1;
	if (!pri_within(c->fd, 5000))
		return -1;
	return get_events(c->fd, &ev);
}

static const char *const mode_names[] = { "none", "INTx", "MSI", "MSI-X" };

static int irq_main(const char *node)
{
	struct pcimem_events before, after;
	struct irq_ctx c;
	unsigned int i, v, exact = 0, efd_ok = 0, others_ok = 1, pri_ok = 0;
	uint32_t caps, count0, errors0;
	uint64_t total = 0;

	if (irq_setup(&c, node))
		return 1;
	caps = reg_read(c.regs, TD_CAPS);
	check(c.mode != PCIMEM_IRQ_NONE && c.mode == reg_read(c.regs, TD_MODE),
	      "%s: the driver uses %s, the mode the device sees enabled (MODE %u)", node,
	      mode_names[c.mode & 3], reg_read(c.regs, TD_MODE));
	check(c.vectors >= 1 && c.vectors == caps >> 16,
	      "%s: the driver counts %u vectors, the device has %u enabled (CAPS 0x%08x)", node,
	      c.vectors, caps >> 16, caps);
	get_events(c.fd, &before);
	check(before.vectors == c.vectors, "%s: PCIMEM_IOC_EVENTS reports %u vectors", node,
	      before.vectors);
	check(!pri_within(c.fd, 0), "%s: no EPOLLPRI once the counts were read", node);
	count0 = reg_read(c.regs, TD_COUNT);
	errors0 = reg_read(c.regs, TD_ERRORS);

	for (v = 0; v < c.vectors; v++) {
		get_events(c.fd, &before);
		if (reg_write(c.regs, TD_RAISE, v))
			break;
		pri_ok += pri_within(c.fd, 5000);
		get_events(c.fd, &after);
		exact += after.count[v] == before.count[v] + 1;
		for (i = 0; i < c.vectors; i++)
			if (i != v && after.count[i] != before.count[i])
				others_ok = 0;
		efd_ok += eventfd_take(c.efd[v]) == 1;
	}
	check(pri_ok == c.vectors, "%s: a raise of each of the %u vectors wakes poll() with "
	      "EPOLLPRI (%u did)", node, c.vectors, pri_ok);
	check(exact == c.vectors, "%s: each vector's count moved by exactly 1 (%u of %u)", node,
	      exact, c.vectors);
	check(others_ok, "%s: and no other vector's count moved", node);
	check(efd_ok == c.vectors, "%s: each vector's eventfd was signalled exactly once (%u of %u)",
	      node, efd_ok, c.vectors);

	/* 20 more on the last vector, one at a time. */
	v = c.vectors - 1;
	get_events(c.fd, &before);
	for (i = 0; i < 20; i++)
		if (raise_and_wait(&c, v))
			break;
	get_events(c.fd, &after);
	check(i == 20 && after.count[v] == before.count[v] + 20 && eventfd_take(c.efd[v]) == 20,
	      "%s: 20 more raises of vector %u count 20, and the eventfd reads 20 (%llu)", node, v,
	      (unsigned long long)(after.count[v] - before.count[v]));

	if (c.mode == PCIMEM_IRQ_MSI || c.mode == PCIMEM_IRQ_MSIX) {
		get_events(c.fd, &before);
		reg_write(c.regs, TD_RAISE, c.vectors);
		sleep_us(200000);
		get_events(c.fd, &after);
		for (i = 0; i < c.vectors; i++)
			total += after.count[i] - before.count[i];
		check(total == 0 && reg_read(c.regs, TD_ERRORS) == errors0 + 1,
		      "%s: a raise of vector %u, past the enabled ones, counts nowhere and the "
		      "device drops it (ERRORS %u -> %u)", node, c.vectors, errors0,
		      reg_read(c.regs, TD_ERRORS));
	} else {
		int ro = open_regs(node, O_RDONLY);
		uint32_t s;

		check(failed_with(pread(ro, &s, 4, TD_STATUS), EPERM),
		      "%s: INTx: a read-only opener cannot read STATUS, which clears on read (EPERM)",
		      node);
		close(ro);
	}
	check(reg_read(c.regs, TD_COUNT) - count0 == c.vectors + 20,
	      "%s: the device's COUNT agrees: %u interrupts sent", node,
	      reg_read(c.regs, TD_COUNT) - count0);
	return check_failures() ? 1 : 0;
}

/* ---- storm ---------------------------------------------------------- */

static int storm_main(const char *node, const char *slot)
{
	struct pcimem_events before, during, after;
	struct irq_ctx c;
	uint32_t count0, count1;
	uint64_t efd, sum = 0;
	unsigned int i, work = 0;
	pid_t pid;
	int status = 0;

	if (irq_setup(&c, node))
		return 1;
	eventfd_take(c.efd[0]);
	get_events(c.fd, &before);
	count0 = reg_read(c.regs, TD_COUNT);
	check(host("qom-set %s storm-us 100", slot) == 0,
	      "%s: the host starts a storm on vector 0, one every 100 us", node);
	/* The guest must go on working: processes, reads, the counts moving. */
	for (i = 0; i < 20; i++) {
		pid = fork();
		if (pid == 0)
			_exit(reg_read(c.regs, TD_IDENT) == TD_IDENT_VALUE ? 0 : 1);
		if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    !WEXITSTATUS(status))
			work++;
		sleep_us(20000);
	}
	get_events(c.fd, &during);
	check(work == 20, "%s: during the storm 20 processes ran and read the device (%u did)",
	      node, work);
	check(during.count[0] > before.count[0] + 10,
	      "%s: the storm is counted (%llu interrupts so far)", node,
	      (unsigned long long)(during.count[0] - before.count[0]));
	check(host("qom-set %s storm-us 0", slot) == 0, "%s: the host stops the storm", node);
	sleep_us(300000);
	get_events(c.fd, &after);
	count1 = reg_read(c.regs, TD_COUNT);
	efd = eventfd_take(c.efd[0]);
	for (i = 1; i < c.vectors; i++)
		sum += after.count[i] - before.count[i];
	check(efd == after.count[0] - before.count[0],
	      "%s: the eventfd's total equals the count's: %llu", node, (unsigned long long)efd);
	check(sum == 0, "%s: no other vector counted anything", node);
	check(after.count[0] - before.count[0] <= (uint64_t)(count1 - count0),
	      "%s: no more counted (%llu) than the device sent (%u): interrupts may merge, "
	      "never multiply", node, (unsigned long long)(after.count[0] - before.count[0]),
	      count1 - count0);
	get_events(c.fd, &before);
	for (i = 0; i < 5; i++)
		if (raise_and_wait(&c, 0))
			break;
	get_events(c.fd, &after);
	check(after.count[0] - before.count[0] == 5 && reg_read(c.regs, TD_COUNT) - count1 == 5,
	      "%s: after the storm, 5 raises count exactly 5 again", node);
	return check_failures() ? 1 : 0;
}

/* ---- DMA ------------------------------------------------------------ */

/* The physical address of a locked page of ours, from /proc/self/pagemap. */
static uint64_t phys_of(void *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &e, 8, (off_t)((uintptr_t)p / PAGE) * 8) != 8)
		e = 0;
	close(fd);
	if (!(e & (1ULL << 63)))
		return 0;
	return (e & ((1ULL << 55) - 1)) * PAGE;
}

static int dma_main(const char *node, int busmaster)
{
	int regs = open_regs(node, O_RDWR), mem = open_node(node, O_RDWR);
	unsigned char *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	unsigned char src[256], keep[256];
	uint64_t phys;
	uint32_t errors0 = reg_read(regs, TD_ERRORS), res;
	struct pcimem_info info;
	unsigned int i;

	ioctl(mem, PCIMEM_IOC_INFO, &info);
	if (page == MAP_FAILED) {
		check(0, "a locked page for DMA: %s", strerror(errno));
		return 1;
	}
	memset(page, 0x5c, PAGE);
	phys = phys_of(page);
	check(phys != 0, "%s: our page is at physical 0x%llx (pagemap)", node,
	      (unsigned long long)phys);
	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 1);
	/* The DMA BAR is the main BAR: plain memory. */
	check(pread(mem, keep, sizeof(keep), 0) == sizeof(keep) &&
	      pwrite(mem, src, sizeof(src), 0) == sizeof(src),
	      "%s: 256 bytes of BAR%u set for the DMA", node, info.main_bar);
	reg_write(regs, TD_DMA_OFF, 0);
	reg_write(regs, TD_DMA_LEN, sizeof(src));
	reg_write(regs, TD_DMA_LO, (uint32_t)phys);
	reg_write(regs, TD_DMA_HI, (uint32_t)(phys >> 32));
	reg_write(regs, TD_DMA_CMD, TD_DMA_START);
	res = reg_read(regs, TD_DMA_RES);
	if (busmaster) {
		check(res == TD_DMA_DONE && !memcmp(page, src, sizeof(src)),
		      "%s: bus master on: the DMA from the BAR into our page is done "
		      "(DMA_RES %u) and the page holds the BAR's bytes", node, res);
		memset(page, 0xa7, 64);
		reg_write(regs, TD_DMA_LEN, 64);
		reg_write(regs, TD_DMA_CMD, TD_DMA_START | TD_DMA_TO_BAR);
		check(reg_read(regs, TD_DMA_RES) == TD_DMA_DONE &&
		      pread(mem, src, 64, 0) == 64 && src[0] == 0xa7 && src[63] == 0xa7,
		      "%s: and the DMA from our page into the BAR too", node);
	} else {
		check(res == TD_DMA_REFUSED && page[0] == 0x5c && page[255] == 0x5c,
		      "%s: bus master off: the DMA is refused (DMA_RES %u) and our page is "
		      "untouched", node, res);
		check(reg_read(regs, TD_ERRORS) == errors0 + 1, "%s: the device counts the refusal", node);
	}
	pwrite(mem, keep, sizeof(keep), 0);
	munmap(page, PAGE);
	close(regs);
	close(mem);
	return check_failures() ? 1 : 0;
}

/* ---- privileges ----------------------------------------------------- */

/* The node's device's configuration space, open for reading and writing. */
static int config_of(const char *node)
{
	char path[128], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/pcimem/%s/device", strrchr(node, '/') + 1);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", strrchr(link, '/') + 1);
	return open(path, O_RDWR | O_CLOEXEC);
}

static int busmaster_of(const char *node)
{
	uint16_t cmd = 0;
	int fd = config_of(node);

	if (fd < 0 || pread(fd, &cmd, 2, 4) != 2)
		cmd = 0xffff;
	if (fd >= 0)
		close(fd);
	return cmd == 0xffff ? -1 : !!(cmd & 0x4);
}

/* Has the device an INTx pin (configuration byte 0x3d)? */
static int pin_of(const char *node)
{
	uint8_t pin = 0;
	int fd = config_of(node);

	if (fd < 0 || pread(fd, &pin, 1, 0x3d) != 1)
		pin = 0;
	if (fd >= 0)
		close(fd);
	return pin != 0;
}

/* Set or clear the bus-master bit behind the kernel's back. */
static int set_master_bit(const char *node, int on)
{
	uint16_t cmd;
	int fd = config_of(node), ret = -1;

	if (fd >= 0 && pread(fd, &cmd, 2, 4) == 2) {
		cmd = on ? cmd | 0x4 : cmd & ~0x4;
		ret = pwrite(fd, &cmd, 2, 4) == 2 ? 0 : -1;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * In a child that gave up root: exit 0 when every rule held, else the
 * number of the first that did not.
 */
static int unprivileged(const char *node, int guarded)
{
	int ro, rw;
	uint32_t v;
	void *m;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 10;
	ro = open(node, O_RDONLY);
	rw = open(node, O_RDWR);
	if (ro < 0 || rw < 0 || select_bar(ro, 0, PCIMEM_MT_DEFAULT) ||
	    select_bar(rw, 0, PCIMEM_MT_DEFAULT))
		return 11;
	if (reg_read(ro, TD_IDENT) != TD_IDENT_VALUE)
		return 12;
	if (!failed_with(pread(ro, &v, 4, TD_STATUS), EPERM))
		return 13;
	v = 0x600d;
	if (guarded) {
		if (!failed_with(pwrite(rw, &v, 4, TD_SCRATCH), EPERM))
			return 14;
		m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
		if (m != MAP_FAILED || errno != EPERM)
			return 15;
	} else if (pwrite(rw, &v, 4, TD_SCRATCH) != 4) {
		return 17;
	}
	/* A load of STATUS through a mapping would clear it, as read() would. */
	m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	if (m != MAP_FAILED || errno != EPERM)
		return 16;
	return 0;
}

/*
 * Root too: a read-only opener may not map the page of STATUS, which a
 * load would clear (read() refuses it the same way).
 */
static void ro_map_refused(const char *node)
{
	int ro = open_regs(node, O_RDONLY);
	void *m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	int err = errno;

	check(m == MAP_FAILED && err == EPERM,
	      "%s: a read-only opener (root) may not map the registers, STATUS among them "
	      "(EPERM; got %s)", node, m == MAP_FAILED ? strerror(err) : "a mapping");
	if (m != MAP_FAILED)
		munmap(m, PAGE);
	close(ro);
}

/* Fork a child that gives up root and follows the rules; its status. */
static int run_unprivileged(const char *node, int guarded)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(unprivileged(node, guarded));
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Writing the registers takes CAP_SYS_RAWIO while the device masters the
 * bus (DMA anywhere) or has an INTx pin (LEVEL holds it up: a shared line
 * screams). The bus-master bit counts as the device has it, also when set
 * behind the kernel's back.
 */
static int privileges_main(const char *node)
{
	int bm = busmaster_of(node), pin = pin_of(node), guarded = bm || pin, rule;

	check(bm >= 0, "%s: the device %s the bus, %s an INTx pin", node,
	      bm ? "masters" : "does not master", pin ? "has" : "has no");
	ro_map_refused(node);
	if (bm < 0 || chmod(node, 0666))
		return 1;
	rule = run_unprivileged(node, guarded);
	check(rule == 0,
	      "%s: an unprivileged opener reads the registers, neither reads STATUS nor maps it "
	      "read-only, and %s (rule %d broke; 10-11: the set-up)", node,
	      guarded ? "neither writes them nor maps them writable (EPERM): DMA or a pin" :
	      "writes them: the device can neither DMA nor hold a pin", rule);
	if (!guarded) {
		check(set_master_bit(node, 1) == 0 && busmaster_of(node) == 1,
		      "%s: bus mastering set in the command register behind the kernel's back", node);
		rule = run_unprivileged(node, 1);
		check(rule == 0,
		      "%s: then an unprivileged opener neither writes the registers nor maps them "
		      "writable (EPERM) (rule %d broke)", node, rule);
		check(set_master_bit(node, 0) == 0 && busmaster_of(node) == 0,
		      "%s: bus mastering cleared again", node);
	}
	chmod(node, 0600);
	return check_failures() ? 1 : 0;
}

/* ---- reset ---------------------------------------------------------- */

struct reader {
	int fd;
	volatile uint32_t *map;		/* NULL: through pread() */
	atomic_int *stop;
	long reads, wrong;
	uint32_t seen;
};

static void *reader(void *arg)
{
	struct reader *r = arg;

	while (!atomic_load(r->stop)) {
		uint32_t v = r->map ? r->map[TD_IDENT / 4] : reg_read(r->fd, TD_IDENT);

		if (v != TD_IDENT_VALUE && !r->wrong++)
			r->seen = v;
		r->reads++;
	}
	return NULL;
}

static int reset_main(const char *node, const char *slot)
{
	int regs = open_regs(node, O_RDWR), mem = open_node(node, O_RDWR), i, ret;
	volatile uint32_t *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, regs, 0);
	char *ram = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mem, 0);
	struct reader r[2];
	atomic_int stop = 0;
	pthread_t t[2];
	char path[128], method[64] = "";
	struct irq_ctx c;
	struct pcimem_events ev0, ev1;
	FILE *f;

	if (m == MAP_FAILED || ram == MAP_FAILED) {
		check(0, "%s: map the registers and the memory: %s", node, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:%s/reset_method", slot);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(method, sizeof(method), f))
			method[0] = 0;
		fclose(f);
	}
	method[strcspn(method, "\n")] = 0;
	memcpy(ram + 100, "kept-over-reset", 15);
	m[TD_SCRATCH / 4] = 0xc0ffee;
	for (i = 0; i < 2; i++) {
		r[i] = (struct reader){ .fd = regs, .map = i ? m : NULL, .stop = &stop };
		pthread_create(&t[i], NULL, reader, &r[i]);
	}
	sleep_us(100000);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:%s/reset", slot);
	ret = sysfs_write(path, "1");
	sleep_us(100000);
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	check(ret == 0, "%s: reset through sysfs, by %s (%s)", slot, method,
	      ret ? strerror(-ret) : "done");
	check(r[0].reads > 0 && !r[0].wrong, "%s: %ld reads of IDENT through read() around the "
	      "reset, none saw the device while it did not decode (%ld wrong, first 0x%08x)", slot,
	      r[0].reads, r[0].wrong, r[0].seen);
	check(r[1].reads > 0 && !r[1].wrong, "%s: %ld loads through a mapping, none either "
	      "(%ld wrong, first 0x%08x)", slot, r[1].reads, r[1].wrong, r[1].seen);
	check(m[TD_SCRATCH / 4] == 0, "%s: the device was reset: SCRATCH reads 0 (0x%x)", slot,
	      m[TD_SCRATCH / 4]);
	check(!memcmp(ram + 100, "kept-over-reset", 15),
	      "%s: the memory mapping reads the memory again", slot);
	munmap((void *)m, PAGE);
	munmap(ram, PAGE);
	close(regs);
	close(mem);

	if (irq_setup(&c, node))
		return 1;
	get_events(c.fd, &ev0);
	ret = raise_and_wait(&c, c.vectors - 1);
	get_events(c.fd, &ev1);
	check(!ret && ev1.count[c.vectors - 1] == ev0.count[c.vectors - 1] + 1,
	      "%s: interrupts come back after the reset (%s, vector %u counted once)", slot,
	      mode_names[c.mode & 3], c.vectors - 1);
	return check_failures() ? 1 : 0;
}

/* ---- falling off the bus --------------------------------------------- */

struct failer {
	volatile uint32_t *map;
	atomic_int *stop;
	long loads, ones, sigbus;
};

/* Loads through the mapping until told to stop, or until SIGBUS. */
static void *fail_reader(void *arg)
{
	struct failer *f = arg;

	while (!atomic_load(f->stop)) {
		if (faults(f->map)) {
			f->sigbus++;
			break;
		}
		f->ones += f->map[TD_IDENT / 4] == 0xffffffff;
		f->loads++;
		sleep_us(1000);
	}
	return NULL;
}

static int fail_main(const char *node, const char *slot)
{
	int regs = open_regs(node, O_RDWR), i;
	volatile uint32_t *m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, regs, 0);
	struct pollfd p = { .fd = regs, .events = POLLPRI };
	struct pcimem_info info;
	atomic_int stop = 0;
	struct failer f = { .map = m, .stop = &stop };
	pthread_t t;
	uint32_t v;

	catch_sigbus();
	if (m == MAP_FAILED) {
		check(0, "%s: map the registers: %s", node, strerror(errno));
		return 1;
	}
	check(m[0] == TD_IDENT_VALUE, "%s: mapped, IDENT reads 0x%08x", slot, m[0]);
	pthread_create(&t, NULL, fail_reader, &f);
	check(host("qom-set %s fail on", slot) == 0, "%s: the host has the device fall off the bus",
	      slot);
	sleep_us(100000);
	check(m[0] == 0xffffffff, "%s: a load through the mapping gives all-ones, no hang", slot);
	check(failed_with(pread(regs, &v, 4, TD_IDENT), EIO),
	      "%s: read() of a register says EIO: the device does not answer", slot);
	check(ioctl(regs, PCIMEM_IOC_INFO, &info) == 0, "%s: the info ioctl still works", slot);
	check(host("unplug %s", slot) == 0, "%s: the host unplugs it (device_del)", slot);
	for (i = 0; i < 100 && access("/sys/bus/pci/devices", F_OK) == 0; i++) {
		char path[96];

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:%s", slot);
		if (access(path, F_OK))
			break;
		sleep_us(100000);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	check(i < 100, "%s: the guest let it go", slot);
	check(f.loads > 0 && f.ones > 0 && f.sigbus == 1,
	      "%s: the mapped reader ran on (%ld loads, %ld all-ones), then met SIGBUS", slot,
	      f.loads, f.ones);
	check(faults(m), "%s: a load through the mapping now raises SIGBUS", slot);
	check(failed_with(pread(regs, &v, 4, TD_IDENT), ENODEV), "%s: read() fails with ENODEV",
	      slot);
	check(failed_with(pwrite(regs, &v, 4, TD_SCRATCH), ENODEV),
	      "%s: write() fails with ENODEV", slot);
	check(poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)) == (POLLERR | POLLHUP),
	      "%s: poll() reports POLLERR|POLLHUP", slot);
	check(munmap((void *)m, PAGE) == 0 && close(regs) == 0, "%s: munmap() and close() work",
	      slot);
	return check_failures() ? 1 : 0;
}

/* ---- ivshmem's INTx (regs=ivshmem) --------------------------------- */

/* ivshmem's registers (BAR0) */
#define IV_INTR_MASK	0x00
#define IV_INTR_STATUS	0x04
#define IV_POSITION	0x08

static int irq_of(const char *slot);

static int ring(int fd, uint32_t peer, uint32_t vector)
{
	struct pcimem_ring r = { .peer = peer, .vector = vector };

	return ioctl(fd, PCIMEM_IOC_RING, &r);
}

/* The interrupts on line IRQ that no handler took (/proc/irq/IRQ/spurious). */
static long unhandled_of(int irq)
{
	char path[64], key[32];
	long v, unhandled = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/irq/%d/spurious", irq);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%31s %ld", key, &v) == 2)
		if (!strcmp(key, "unhandled"))
			unhandled = v;
	fclose(f);
	return unhandled;
}

/* Vector 0 of two devices: the counts, and what their eventfds had since the last snap. */
struct snap {
	uint64_t count[2], efd[2];
};

static void snap_of(const struct irq_ctx *a, const struct irq_ctx *b, struct snap *n)
{
	struct pcimem_events ev;

	n->count[0] = get_events(a->fd, &ev) ? UINT64_MAX : ev.count[0];
	n->count[1] = get_events(b->fd, &ev) ? UINT64_MAX : ev.count[0];
	n->efd[0] = eventfd_take(a->efd[0]);
	n->efd[1] = eventfd_take(b->efd[0]);
}

/* How far device I's count moved from snap a to snap b. */
static unsigned long long moved(const struct snap *a, const struct snap *b, int i)
{
	return b->count[i] - a->count[i];
}

#define IV_RINGS	20

static int ivshmem_intx_main(const char *node, const char *slot, uint32_t peer,
			     const char *other_node, const char *other_slot)
{
	struct pcimem_info info;
	struct irq_ctx c, o;
	struct snap n0, n1;
	unsigned int i, pri_ok = 0, exact = 0;
	int irq = irq_of(slot);
	long unhandled0, unhandled1;
	uint32_t v;

	if (irq_setup(&c, node) || irq_setup(&o, other_node))
		return 1;
	if (ioctl(c.fd, PCIMEM_IOC_INFO, &info)) {
		check(0, "%s: PCIMEM_IOC_INFO: %s", node, strerror(errno));
		return 1;
	}
	check(info.vendor == 0x1af4 &&
	      info.device == 0x1110 && c.mode == PCIMEM_IRQ_INTX && c.vectors == 1,
	      "%s (%s): an ivshmem (%04x:%04x) on INTx, one vector (%s, %u)", node, slot,
	      info.vendor, info.device, mode_names[c.mode & 3], c.vectors);
	v = reg_read(c.regs, IV_POSITION);
	check(v == peer && info.peer_id == (int32_t)peer,
	      "%s: IVPosition reads %u and the driver's peer_id %d agrees", slot, v, info.peer_id);
	check(reg_read(c.regs, IV_INTR_MASK) == 1, "%s: the driver set IntrMask to 1 (reads %u)", slot,
	      reg_read(c.regs, IV_INTR_MASK));
	check(reg_read(c.regs, IV_INTR_STATUS) == 0, "%s: IntrStatus reads 0: nothing pending", slot);
	check(o.mode == PCIMEM_IRQ_INTX && irq > 0 && irq == irq_of(other_slot),
	      "%s and %s (a pcimem-testdev on INTx) share interrupt line %d (%s: %d)", slot,
	      other_slot, irq, other_slot, irq_of(other_slot));
	unhandled0 = unhandled_of(irq);

	/* Rings to itself, one at a time. */
	snap_of(&c, &o, &n0);
	for (i = 0; i < IV_RINGS; i++) {
		struct pcimem_events before, after;

		get_events(c.fd, &before);
		if (ring(c.fd, peer, 0)) {
			check(0, "%s: PCIMEM_IOC_RING of peer %u, vector 0: %s", slot, peer,
			      strerror(errno));
			break;
		}
		pri_ok += pri_within(c.fd, 5000);
		get_events(c.fd, &after);
		exact += after.count[0] == before.count[0] + 1;
	}
	snap_of(&c, &o, &n1);
	check(pri_ok == IV_RINGS, "%s: each of %d rings to itself (peer %u) woke poll() with "
	      "EPOLLPRI (%u did)", slot, IV_RINGS, peer, pri_ok);
	check(exact == IV_RINGS && moved(&n0, &n1, 0) == IV_RINGS,
	      "%s: each ring counted exactly once (%u of %d; %llu in all)", slot, exact,
	      IV_RINGS, moved(&n0, &n1, 0));
	check(n1.efd[0] == IV_RINGS, "%s: its eventfd reads %d (%llu)", slot, IV_RINGS,
	      (unsigned long long)n1.efd[0]);
	check(!moved(&n0, &n1, 1) && n1.efd[1] == 0,
	      "%s, on the same line, counted none of them (%llu): its STATUS was clear, IRQ_NONE",
	      other_slot, moved(&n0, &n1, 1));
	check(reg_read(c.regs, IV_INTR_STATUS) == 0,
	      "%s: IntrStatus reads 0 after them: the handler's read cleared it", slot);

	/* The other device's interrupts on the line are not ivshmem's. */
	snap_of(&c, &o, &n0);
	for (i = 0; i < IV_RINGS; i++)
		if (raise_and_wait(&o, 0))
			break;
	snap_of(&c, &o, &n1);
	check(i == IV_RINGS && moved(&n0, &n1, 1) == IV_RINGS && n1.efd[1] == IV_RINGS,
	      "%s: %d raises on its pin counted %llu, its eventfd %llu", other_slot, IV_RINGS,
	      moved(&n0, &n1, 1), (unsigned long long)n1.efd[1]);
	check(!moved(&n0, &n1, 0) && n1.efd[0] == 0,
	      "%s counted none of them (%llu): IntrStatus was 0, IRQ_NONE", slot,
	      moved(&n0, &n1, 0));

	/* Without MSI-X any vector sets IntrStatus: one interrupt, vector 0's. */
	snap_of(&c, &o, &n0);
	check(ring(c.fd, peer, 5) == 0 && pri_within(c.fd, 5000),
	      "%s: a ring of its vector 5 interrupts too (INTx: any vector)", slot);
	sleep_us(100000);
	snap_of(&c, &o, &n1);
	check(moved(&n0, &n1, 0) == 1 && n1.efd[0] == 1,
	      "%s: it counted once, on vector 0 (%llu)", slot,
	      moved(&n0, &n1, 0));

	/* A ring of another peer: there is none (no server), nothing comes. */
	snap_of(&c, &o, &n0);
	check(ring(c.fd, peer + 1, 0) == 0, "%s: ringing peer %u is accepted", slot, peer + 1);
	sleep_us(200000);
	snap_of(&c, &o, &n1);
	check(!moved(&n0, &n1, 0) && !moved(&n0, &n1, 1),
	      "%s: and no interrupt comes of it, on either device (%llu, %llu)", slot,
	      moved(&n0, &n1, 0), moved(&n0, &n1, 1));

	/* IntrMask 0 holds the interrupt back; IntrStatus keeps it till read. */
	snap_of(&c, &o, &n0);
	check(reg_write(c.regs, IV_INTR_MASK, 0) == 0 && reg_read(c.regs, IV_INTR_MASK) == 0,
	      "%s: IntrMask written 0", slot);
	for (i = 0; i < 3; i++)
		ring(c.fd, peer, 0);
	check(!pri_within(c.fd, 200), "%s: masked, 3 rings wake no poll()", slot);
	snap_of(&c, &o, &n1);
	check(!moved(&n0, &n1, 0) && n1.efd[0] == 0,
	      "%s: and count nothing (%llu)", slot, moved(&n0, &n1, 0));
	v = reg_read(c.regs, IV_INTR_STATUS);
	check(v == 1, "%s: IntrStatus reads 1, pending, however many rings (0x%x)", slot, v);
	v = reg_read(c.regs, IV_INTR_STATUS);
	check(v == 0, "%s: then 0: the read cleared it (0x%x)", slot, v);
	check(reg_write(c.regs, IV_INTR_MASK, 1) == 0 && !pri_within(c.fd, 200),
	      "%s: IntrMask 1 again, with nothing pending, brings no interrupt", slot);
	check(reg_write(c.regs, IV_INTR_MASK, 0) == 0 && ring(c.fd, peer, 0) == 0 &&
	      reg_write(c.regs, IV_INTR_STATUS, 0) == 0 && reg_read(c.regs, IV_INTR_STATUS) == 0,
	      "%s: masked, a ring's IntrStatus is cleared by writing 0 too", slot);

	/*
	 * A ring under the mask, and meanwhile the other device's interrupt on
	 * the line: not ours, and IntrStatus keeps our ring for the unmask.
	 */
	snap_of(&c, &o, &n0);
	ring(c.fd, peer, 0);
	check(raise_and_wait(&o, 0) == 0, "%s: raises its pin while %s's ring waits masked",
	      other_slot, slot);
	sleep_us(100000);
	snap_of(&c, &o, &n1);
	check(moved(&n0, &n1, 1) == 1 && n1.efd[1] == 1, "%s: counted it (%llu)", other_slot,
	      moved(&n0, &n1, 1));
	check(!moved(&n0, &n1, 0) && n1.efd[0] == 0,
	      "%s, masked, counted none of it (%llu): IntrStatus & IntrMask is 0, not its "
	      "interrupt", slot, moved(&n0, &n1, 0));

	/* Two rings under the mask are one IntrStatus: one interrupt on unmask. */
	snap_of(&c, &o, &n0);
	ring(c.fd, peer, 0);
	check(!pri_within(c.fd, 200), "%s: masked, a second ring wakes no poll()", slot);
	check(reg_write(c.regs, IV_INTR_MASK, 1) == 0 && pri_within(c.fd, 5000),
	      "%s: IntrMask 1 lets the pending interrupt through", slot);
	sleep_us(100000);
	snap_of(&c, &o, &n1);
	check(moved(&n0, &n1, 0) == 1 && n1.efd[0] == 1,
	      "%s: once: two masked rings are one IntrStatus, one interrupt (%llu)", slot,
	      moved(&n0, &n1, 0));
	check(reg_read(c.regs, IV_INTR_STATUS) == 0 && reg_read(c.regs, IV_INTR_MASK) == 1,
	      "%s: IntrStatus 0 again, IntrMask 1 as the driver left it", slot);

	unhandled1 = unhandled_of(irq);
	check(unhandled0 >= 0 && unhandled1 == unhandled0,
	      "line %d: no interrupt on it went unhandled all along (/proc/irq/%d/spurious: "
	      "unhandled %ld, then %ld)", irq, irq, unhandled0, unhandled1);
	return check_failures() ? 1 : 0;
}

/* ---- the pages between the MSI-X table and its PBA ------------------ */

/*
 * The table's page and the PBA's are refused, the pages between them are
 * the BAR's: read, written and mapped as any other.
 */
static int gap_main(const char *node, unsigned int bar, uint64_t table, uint64_t pba)
{
	int fd = open_node(node, O_RDWR);
	uint64_t mid = ((table + pba) / 2) & ~(PAGE - 1);
	char tok[8] = "gap-page", seen[8];
	void *m;

	if (select_bar(fd, bar, PCIMEM_MT_DEFAULT)) {
		check(0, "%s: select BAR%u: %s", node, bar, strerror(errno));
		return 1;
	}
	check(failed_with(pread(fd, seen, 8, (off_t)table), EPERM) &&
	      failed_with(pread(fd, seen, 8, (off_t)pba), EPERM),
	      "%s BAR%u: read() of the table's page (0x%llx) and the PBA's (0x%llx) is refused",
	      node, bar, (unsigned long long)table, (unsigned long long)pba);
	check(pwrite(fd, tok, 8, (off_t)mid) == 8 && pread(fd, seen, 8, (off_t)mid) == 8 &&
	      !memcmp(tok, seen, 8),
	      "%s BAR%u: the page at 0x%llx, between them, is written and read back", node, bar,
	      (unsigned long long)mid);
	check(pread(fd, seen, 8, (off_t)(pba - 4)) == 4,
	      "%s BAR%u: a read up to the PBA's page is short (4 of 8)", node, bar);
	m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)mid);
	check(m != MAP_FAILED && !memcmp(m, tok, 8),
	      "%s BAR%u: the page at 0x%llx, between them, maps and shows what write() stored",
	      node, bar, (unsigned long long)mid);
	if (m != MAP_FAILED)
		munmap(m, PAGE);
	check_refused_map(fd, PAGE, (off_t)pba, EPERM, "the PBA's page");
	close(fd);
	return check_failures() ? 1 : 0;
}

/* ---- a shared INTx line ------------------------------------------- */

static int irq_of(const char *slot)
{
	char path[96];
	FILE *f;
	int irq = -1;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:%s/irq", slot);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &irq) != 1)
		irq = -1;
	fclose(f);
	return irq;
}

/*
 * Two devices on one INTx line: DEAD falls off the bus (every read
 * all-ones), LIVE storms. Each of LIVE's interrupts runs DEAD's handler
 * too, which must take all-ones for "not mine": DEAD counts nothing, LIVE
 * counts its storm.
 */
static int shared_main(const char *dead_node, const char *dead, const char *live_node,
		       const char *live)
{
	int dfd = open_node(dead_node, O_RDWR), lfd = open_node(live_node, O_RDWR);
	struct pcimem_info di, li;
	struct pcimem_events d0, d1, l0, l1;
	int irq = irq_of(dead);

	check(ioctl(dfd, PCIMEM_IOC_INFO, &di) == 0 && ioctl(lfd, PCIMEM_IOC_INFO, &li) == 0 &&
	      di.irq_mode == PCIMEM_IRQ_INTX && li.irq_mode == PCIMEM_IRQ_INTX,
	      "%s and %s both use INTx", dead, live);
	check(irq > 0 && irq == irq_of(live), "%s and %s share interrupt line %d (%s: %d)",
	      dead, live, irq, live, irq_of(live));
	check(host("qom-set %s fail on", dead) == 0, "%s: the host has it fall off the bus", dead);
	get_events(dfd, &d0);
	get_events(lfd, &l0);
	check(host("qom-set %s storm-us 100", live) == 0,
	      "%s: the host starts a storm on its pin, one every 100 us", live);
	sleep_us(500000);
	check(host("qom-set %s storm-us 0", live) == 0, "%s: the host stops the storm", live);
	sleep_us(100000);
	get_events(dfd, &d1);
	get_events(lfd, &l1);
	check(l1.count[0] > l0.count[0] + 10, "%s: its storm is counted (%llu interrupts)", live,
	      (unsigned long long)(l1.count[0] - l0.count[0]));
	check(d1.count[0] == d0.count[0],
	      "%s, off the bus, counted none of the line's interrupts (%llu): all-ones is not ours",
	      dead, (unsigned long long)(d1.count[0] - d0.count[0]));
	check(host("qom-set %s fail off", dead) == 0, "%s: the host has it answer again", dead);
	close(dfd);
	close(lfd);
	return check_failures() ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (check_command(argc, argv, "bars", 4))
		return bars_main(argv[2], argv[3]);
	if (check_command(argc, argv, "pattern", 4))
		return pattern_main(argv[2], argv[3]);
	if (check_command(argc, argv, "irq", 3))
		return irq_main(argv[2]);
	if (check_command(argc, argv, "storm", 4))
		return storm_main(argv[2], argv[3]);
	if (check_command(argc, argv, "dma", 4) &&
	    (!strcmp(argv[3], "busmaster") || !strcmp(argv[3], "nobusmaster")))
		return dma_main(argv[2], !strcmp(argv[3], "busmaster"));
	if (check_command(argc, argv, "privileges", 3))
		return privileges_main(argv[2]);
	if (check_command(argc, argv, "reset", 4))
		return reset_main(argv[2], argv[3]);
	if (check_command(argc, argv, "fail", 4))
		return fail_main(argv[2], argv[3]);
	if (check_command(argc, argv, "gap", 6))
		return gap_main(argv[2], (unsigned int)strtoul(argv[3], NULL, 0),
				strtoull(argv[4], NULL, 0), strtoull(argv[5], NULL, 0));
	if (check_command(argc, argv, "ivshmem-intx", 7))
		return ivshmem_intx_main(argv[2], argv[3], (uint32_t)strtoul(argv[4], NULL, 0),
					 argv[5], argv[6]);
	if (check_command(argc, argv, "shared", 6))
		return shared_main(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: pcimem-testdev-test bars NODE SLOT\n"
		"       pcimem-testdev-test pattern NODE PATTERN\n"
		"       pcimem-testdev-test irq NODE\n"
		"       pcimem-testdev-test storm NODE SLOT\n"
		"       pcimem-testdev-test dma NODE busmaster|nobusmaster\n"
		"       pcimem-testdev-test privileges NODE\n"
		"       pcimem-testdev-test reset NODE SLOT\n"
		"       pcimem-testdev-test fail NODE SLOT\n"
		"       pcimem-testdev-test shared DEAD_NODE DEAD_SLOT LIVE_NODE LIVE_SLOT\n"
		"       pcimem-testdev-test gap NODE BAR TABLE PBA\n"
		"       pcimem-testdev-test ivshmem-intx NODE SLOT PEER OTHER_NODE OTHER_SLOT\n");
	return 2;
}
