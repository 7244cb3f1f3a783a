// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem-contract: checks, from user space in the guest, every promise
 * /dev/pcimemN makes: the info ioctl against libpci's view, the mmap
 * windows it accepts and refuses, EOF and short read/write, ENOSPC, lseek,
 * ENOTTY, that mmap and read/write see the same bytes, and, with --host,
 * that a token crosses to the host's backing file and back through a live
 * mapping.
 *
 *   pcimem-contract [--host SLOT [--tokens]] /dev/pcimemN
 *
 * --tokens runs only the exchange with the host (make run shows it).
 *
 * One line per check; exit status 1 if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pci/pci.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "pcimem.h"

static void *map(int fd, size_t len, int prot, int flags, off_t off)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

static void check_refused_map(int fd, size_t len, off_t off, int flags, int want,
			      const char *what)
{
	void *p = map(fd, len, PROT_READ | PROT_WRITE, flags, off);
	int err = errno;

	check(p == MAP_FAILED && err == want, "mmap refuses %s with %s (got %s)",
	      what, strerror(want), p == MAP_FAILED ? strerror(err) : "a mapping");
	if (p != MAP_FAILED)
		munmap(p, len);
}

/* Does the smaps entry of the mapping at addr list every flag in want? */
static int vma_has_flags(void *addr, const char *const *want, int n)
{
	char line[512], start[32];
	int found = 0, in_vma = 0, matched = 0, i;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return 0;
	snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, start, strlen(start)))
			in_vma = 1;
		else if (in_vma && !strncmp(line, "VmFlags:", 8)) {
			for (i = 0; i < n; i++) {
				char tok[8];

				snprintf(tok, sizeof(tok), " %s", want[i]);
				matched += strstr(line, tok) != NULL;
			}
			found = 1;
			break;
		}
	}
	fclose(f);
	return found && matched == n;
}

static void check_info(int fd, const char *node, struct pcimem_info *info)
{
	struct pci_access *pacc;
	struct pci_dev *d;
	unsigned int minor;
	int i, zero = 1, seen = 0;

	check(ioctl(fd, PCIMEM_IOC_INFO, info) == 0, "%s: PCIMEM_IOC_INFO succeeds", node);
	for (i = 0; i < (int)(sizeof(info->reserved) / sizeof(info->reserved[0])); i++)
		zero &= info->reserved[i] == 0;
	check(zero, "info: reserved fields are zero");
	check(sscanf(node, "/dev/pcimem%u", &minor) == 1 && minor == info->minor,
	      "info: minor %u matches the node name", info->minor);

	pacc = pci_alloc();
	pci_init(pacc);
	pci_scan_bus(pacc);
	for (d = pacc->devices; d; d = d->next) {
		pciaddr_t start, size;
		unsigned int b = info->bar;

		if ((unsigned int)d->domain != info->domain || d->bus != info->bus ||
		    d->dev != info->slot || d->func != info->function)
			continue;
		seen = 1;
		pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_BASES | PCI_FILL_SIZES);
		start = d->base_addr[b] & PCI_ADDR_MEM_MASK;
		size = d->size[b];
		check(d->vendor_id == info->vendor && d->device_id == info->device,
		      "info: IDs %04x:%04x match lspci", info->vendor, info->device);
		check(pci_read_word(d, PCI_SUBSYSTEM_VENDOR_ID) == info->subsystem_vendor &&
		      pci_read_word(d, PCI_SUBSYSTEM_ID) == info->subsystem_device,
		      "info: subsystem %04x:%04x matches lspci",
		      info->subsystem_vendor, info->subsystem_device);
		check(pci_read_byte(d, PCI_REVISION_ID) == info->revision,
		      "info: revision %u matches lspci", info->revision);
		check(size == info->bar_size && start == info->bar_start,
		      "info: BAR%u at 0x%llx, %llu bytes, matches lspci (0x%llx, %llu)", b,
		      (unsigned long long)info->bar_start, (unsigned long long)info->bar_size,
		      (unsigned long long)start, (unsigned long long)size);
		check(!!(d->base_addr[b] & PCI_BASE_ADDRESS_MEM_PREFETCH) ==
		      !!(info->flags & PCIMEM_BAR_PREFETCH) &&
		      !!((d->base_addr[b] & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
			 PCI_BASE_ADDRESS_MEM_TYPE_64) == !!(info->flags & PCIMEM_BAR_64BIT) &&
		      (info->flags & PCIMEM_BAR_MEM),
		      "info: flags 0x%x (memory, prefetchable, 64-bit) match lspci", info->flags);
	}
	check(seen, "info: %04x:%02x:%02x.%x is a device lspci sees", info->domain,
	      info->bus, info->slot, info->function);
	pci_cleanup(pacc);
}

static void check_mmap(int fd, size_t size, size_t page)
{
	static const char *const flags[] = { "io", "pf", "de", "dd" };
	unsigned char *all, *win;

	all = map(fd, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	check(all != MAP_FAILED, "mmap of the whole BAR (%zu bytes) succeeds", size);
	if (all == MAP_FAILED)
		return;
	check(vma_has_flags(all, flags, 4),
	      "the mapping is VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP (smaps)");

	win = map(fd, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, 3 * page);
	check(win != MAP_FAILED && !memcmp(win, all + 3 * page, 2 * page),
	      "a two-page window at page 3 maps the same bytes");
	if (win != MAP_FAILED) {
		unsigned char old = win[5];

		win[5] = (unsigned char)~old;
		check(all[3 * page + 5] == (unsigned char)~old,
		      "a store through the window is seen through the whole mapping");
		win[5] = old;
		munmap(win, 2 * page);
	}
	win = map(fd, page, PROT_READ | PROT_WRITE, MAP_SHARED, size - page);
	check(win != MAP_FAILED, "the last page of the BAR maps");
	if (win != MAP_FAILED)
		munmap(win, page);

	check_refused_map(fd, page, size, MAP_SHARED, EINVAL, "an offset at the end");
	check_refused_map(fd, 2 * page, size - page, MAP_SHARED, EINVAL,
			  "a window across the end");
	check_refused_map(fd, size + page, 0, MAP_SHARED, EINVAL, "a length past the BAR");
	check_refused_map(fd, page, (off_t)0x7ffffffffffff000LL, MAP_SHARED, EINVAL,
			  "a huge offset");
	/* The kernel's own check turns this one away before the driver sees it. */
	check_refused_map(fd, page, (off_t)-4096, MAP_SHARED, EOVERFLOW, "offset -4096");
	check_refused_map(fd, page, 0, MAP_PRIVATE, EINVAL, "a private (copy-on-write) mapping");

	munmap(all, size);
}

static void check_readonly(const char *node, size_t page)
{
	int fd = open(node, O_RDONLY);
	void *p;

	check(fd >= 0, "%s opens read-only", node);
	if (fd < 0)
		return;
	p = map(fd, page, PROT_READ, MAP_SHARED, 0);
	check(p != MAP_FAILED, "read-only fd: shared PROT_READ mapping succeeds");
	if (p != MAP_FAILED)
		munmap(p, page);
	p = map(fd, page, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	check(p == MAP_FAILED && errno == EACCES,
	      "read-only fd: shared writable mapping is refused with EACCES");
	if (p != MAP_FAILED)
		munmap(p, page);
	check(failed_with(write(fd, "x", 1), EBADF), "read-only fd: write() fails with EBADF");
	close(fd);
}

static void check_rw(int fd, size_t size)
{
	unsigned char buf[64], keep[64], *m;
	off_t end = (off_t)size;

	check(lseek(fd, 0, SEEK_END) == end, "lseek(0, SEEK_END) gives the BAR size");
	check(lseek(fd, 100, SEEK_SET) == 100 && lseek(fd, 10, SEEK_CUR) == 110,
	      "lseek SEEK_SET and SEEK_CUR move the offset");
	check(failed_with(lseek(fd, -1, SEEK_SET), EINVAL), "lseek to -1 fails with EINVAL");
	check(failed_with(lseek(fd, 0, 42), EINVAL), "lseek with a bad whence fails with EINVAL");

	check(pread(fd, buf, 64, end - 16) == 16, "a read across the end is short (16 of 64)");
	check(pread(fd, buf, 64, end) == 0, "a read at the end gives 0");
	check(pread(fd, buf, 64, end + 4096) == 0, "a read past the end gives 0");
	check(failed_with(pread(fd, buf, 64, -1), EINVAL), "a read at -1 fails with EINVAL");
	check(lseek(fd, end, SEEK_SET) == end && read(fd, buf, 8) == 0,
	      "read() at the end after lseek gives 0");

	check(pread(fd, keep, 16, end - 8) == 8, "save the last 8 bytes");
	check(pwrite(fd, "0123456789abcdef", 16, end - 8) == 8,
	      "a write across the end is short (8 of 16)");
	check(pread(fd, buf, 8, end - 8) == 8 && !memcmp(buf, "01234567", 8),
	      "the short write stored its 8 bytes");
	check(pwrite(fd, keep, 8, end - 8) == 8, "restore the last 8 bytes");
	check(failed_with(pwrite(fd, "x", 1, end), ENOSPC), "a write at the end fails with ENOSPC");
	check(failed_with(pwrite(fd, "x", 1, end + 4096), ENOSPC),
	      "a write past the end fails with ENOSPC");
	check(pwrite(fd, "x", 0, end) == 0, "a zero-length write at the end gives 0");

	/* read/write and mmap reach the same bytes. */
	m = map(fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (m == MAP_FAILED) {
		check(0, "map the first page for the coherence checks");
		return;
	}
	memcpy(keep, m + 128, 32);
	check(pwrite(fd, "written-by-pwrite", 17, 128) == 17 &&
	      !memcmp(m + 128, "written-by-pwrite", 17),
	      "bytes from pwrite() are seen through mmap");
	memcpy(m + 128, "stored-by-mmap", 14);
	check(pread(fd, buf, 14, 128) == 14 && !memcmp(buf, "stored-by-mmap", 14),
	      "bytes stored through mmap are seen by pread()");
	memcpy(m + 128, keep, 32);
	munmap(m, 4096);
}

static void check_ioctl(int fd)
{
	check(failed_with(ioctl(fd, _IO(PCIMEM_IOC_MAGIC, 0x7f)), ENOTTY),
	      "an unknown ioctl fails with ENOTTY");
	check(failed_with(ioctl(fd, _IOR('T', 0x00, int), NULL), ENOTTY),
	      "another driver's ioctl number fails with ENOTTY");
	check(failed_with(ioctl(fd, PCIMEM_IOC_INFO, (void *)16), EFAULT),
	      "PCIMEM_IOC_INFO with a bad pointer fails with EFAULT");
}

static void check_host(int fd, size_t size, const char *slot)
{
	char token[32], seen[32], keep[32];
	size_t off = size / 2 + 40;
	unsigned char *m;

	m = map(fd, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (m == MAP_FAILED) {
		check(0, "map the BAR for the host exchange");
		return;
	}
	memcpy(keep, m + off, sizeof(keep));

	snprintf(token, sizeof(token), "guest-token-%08x", (unsigned int)getpid() * 2654435761u);
	memcpy(m + off, token, strlen(token));
	check(host("expect %s 0x%zx %s", slot, off, token) == 0,
	      "a token the guest stored through mmap at 0x%zx is in the host's file", off);

	snprintf(token, sizeof(token), "host-token-%08x", (unsigned int)getppid() * 40503u);
	check(host("put %s 0x%zx %s", slot, off, token) == 0, "the host writes a token");
	memcpy(seen, m + off, strlen(token));
	check(!memcmp(seen, token, strlen(token)),
	      "the host's token is seen live through the guest's mapping");

	memcpy(m + off, keep, sizeof(keep));
	munmap(m, size);
}

int main(int argc, char **argv)
{
	struct pcimem_info info;
	const char *slot = NULL, *node;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int fd;

	int i, tokens_only = 0;

	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "--host") && i + 1 < argc - 1)
			slot = argv[++i];
		else if (!strcmp(argv[i], "--tokens"))
			tokens_only = 1;
		else
			break;
	}
	if (i != argc - 1 || (tokens_only && !slot)) {
		fprintf(stderr, "usage: pcimem-contract [--host SLOT [--tokens]] /dev/pcimemN\n");
		return 2;
	}
	node = argv[argc - 1];

	fd = open(node, O_RDWR);
	check(fd >= 0, "%s opens read-write", node);
	if (fd < 0)
		return 1;
	if (tokens_only) {
		check(ioctl(fd, PCIMEM_IOC_INFO, &info) == 0, "%s: PCIMEM_IOC_INFO", node);
		check_host(fd, info.bar_size, slot);
		close(fd);
		return check_failures() ? 1 : 0;
	}
	check_info(fd, node, &info);
	check_mmap(fd, info.bar_size, page);
	check_readonly(node, page);
	check_rw(fd, info.bar_size);
	check_ioctl(fd);
	if (slot)
		check_host(fd, info.bar_size, slot);
	close(fd);
	return check_failures() ? 1 : 0;
}
