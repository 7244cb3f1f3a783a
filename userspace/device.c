// SPDX-License-Identifier: GPL-2.0
/*
 * Opening /dev/pcimemN, selecting its BAR and memory type, and mapping
 * the selected BAR, with messages that name the BAR and say why.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "discover.h"

#define SIZE_TEXT	32

int device_resolve(const char *dev, char *path, size_t len)
{
	uint64_t n;

	if (strchr(dev, '/')) {
		snprintf(path, len, "%s", dev);
		return EXIT_OK;
	}
	if (!pcimem_number_parse(dev, 0, &n)) {
		snprintf(path, len, "/dev/pcimem%llu", (unsigned long long)n);
		return EXIT_OK;
	}
	if (strchr(dev, ':'))
		return discover_node_by_address(dev, path, len);
	pcimem_cli_error(NULL, "bad device '%s': expected /dev/pcimemN, N or a PCI address",
			 dev);
	return EXIT_USAGE;
}

static int get_info(struct device *d)
{
	int errnum;

	if (!ioctl(d->fd, PCIMEM_IOC_INFO, &d->info))
		return EXIT_OK;
	errnum = errno;
	if (errnum == ENOTTY || errnum == EINVAL) {
		pcimem_cli_error(d->path, "not a pcimem device (%s)", strerror(errnum));
		return EXIT_NODEV;
	}
	return pcimem_cli_fail(d->path, errnum);
}

int device_bar_info(const struct device *d, unsigned int bar,
		    struct pcimem_bar_info *bi)
{
	*bi = (struct pcimem_bar_info) { .bar = bar };
	return ioctl(d->fd, PCIMEM_IOC_BAR_INFO, bi) ? -errno : 0;
}

/* Why PCIMEM_IOC_SELECT refused @bar with @memtype: exit code. */
static int select_error(struct device *d, unsigned int bar,
			unsigned int memtype, int err)
{
	struct pcimem_bar_info bi;
	const char *mt = memtype == PCIMEM_MT_DEFAULT ?
			 "default" : device_memtype_name(memtype);

	if (device_bar_info(d, bar, &bi))
		bi.flags = 0;
	if (err == EINVAL && !bi.flags) {
		pcimem_cli_error(d->path, "BAR%u: no such BAR on this device", bar);
		return EXIT_USAGE;
	}
	if (err == EINVAL && (bi.flags & (PCIMEM_BAR_REGS | PCIMEM_BAR_IO))) {
		pcimem_cli_error(d->path, "BAR%u holds %s: memory type %s refused (uc only)",
				 bar, bi.flags & PCIMEM_BAR_IO ? "I/O ports" : "registers",
			  mt);
		return EXIT_USAGE;
	}
	if (err == EBUSY && (bi.flags & PCIMEM_BAR_MSIX)) {
		pcimem_cli_error(d->path, "BAR%u holds the MSI-X table in use: no access",
				 bar);
		return EXIT_USAGE;
	}
	if (err == EBUSY) {
		pcimem_cli_error(d->path, "BAR%u is mapped with another memory type than %s (by another process): %s",
				 bar, mt, strerror(err));
		return EXIT_IOERR;
	}
	pcimem_cli_error(d->path, "cannot select BAR%u with memory type %s: %s", bar,
			 mt, strerror(err));
	return err == EINVAL ? EXIT_USAGE : pcimem_cli_errno_exit(err);
}

static int select_bar(struct device *d, const struct device_options *o)
{
	struct pcimem_select sel = {
		.bar = o->bar == DEVICE_NO_BAR ? d->info.bar : o->bar,
		.memtype = o->memtype,
	};

	if (!ioctl(d->fd, PCIMEM_IOC_SELECT, &sel))
		return get_info(d);
	if (errno == ENOTTY) {
		pcimem_cli_error(d->path, "this pcimem driver cannot select a BAR or memory type (%s)",
				 strerror(errno));
		return EXIT_IOERR;
	}
	return select_error(d, sel.bar, sel.memtype, errno);
}

int device_open(struct device *d, const char *dev, bool writes,
		const struct device_options *o)
{
	int code;

	*d = (struct device) { .fd = -1 };
	code = device_resolve(dev, d->path, sizeof(d->path));
	if (code)
		return code;
	d->fd = open(d->path, (writes ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (d->fd < 0 && errno == ENOENT && !discover_module_loaded())
		return discover_no_module();
	if (d->fd < 0)
		return pcimem_cli_fail(d->path, errno);

	code = get_info(d);
	if (!code && o && (o->bar != DEVICE_NO_BAR || o->memtype != PCIMEM_MT_DEFAULT))
		code = select_bar(d, o);
	if (code) {
		device_close(d);
		return code;
	}
	snprintf(d->what, sizeof(d->what), "BAR%u", d->info.bar);

	if (device_bar_info(d, d->info.bar, &d->bar)) {
		/* A driver older than PCIMEM_IOC_BAR_INFO: memory only. */
		d->bar = (struct pcimem_bar_info) {
			.bar = d->info.bar,
			.flags = d->info.flags,
			.size = d->info.bar_size,
			.start = d->info.bar_start,
			.memtype = d->info.memtype,
			.access_width = 1,
		};
	}
	if (!(d->bar.flags & PCIMEM_BAR_REGS) || !d->bar.access_width)
		d->bar.access_width = 1;
	return EXIT_OK;
}

void device_close(struct device *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/* Whether the selected BAR can be mapped; if not, say why. */
static int check_mappable(const struct device *d)
{
	char size[SIZE_TEXT];
	long page = sysconf(_SC_PAGESIZE);

	if (d->bar.flags & PCIMEM_BAR_MMAP)
		return EXIT_OK;
	pcimem_cli_human_size(d->info.bar_size, size, sizeof(size));
	if (d->bar.flags & PCIMEM_BAR_IO)
		pcimem_cli_error(d->path, "%s is an I/O port BAR: cannot be mapped (use --rw)",
				 d->what);
	else if (page > 0 && d->info.bar_size < (uint64_t)page)
		pcimem_cli_error(d->path, "%s is %s, smaller than a page: cannot be mapped (use --rw)",
				 d->what, size);
	else
		pcimem_cli_error(d->path, "%s (%s) cannot be mapped (use --rw)",
				 d->what, size);
	return EXIT_USAGE;
}

int device_region(struct device *d, bool writes, bool rw, struct region *r)
{
	enum region_mode mode = rw ? REGION_FD : REGION_MMAP;
	char size[SIZE_TEXT];
	int fd, err;

	if (d->bar.flags & PCIMEM_BAR_MSIX) {
		pcimem_cli_error(d->path, "%s holds the MSI-X table in use: no access",
				 d->what);
		return EXIT_USAGE;
	}
	if (mode == REGION_MMAP) {
		int code = check_mappable(d);

		if (code)
			return code;
	}
	fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return pcimem_cli_fail(d->path, errno);
	err = pcimem_region_init(r, d->path, d->what, fd, writes, d->info.bar_size,
				 mode);
	if (err) {
		pcimem_cli_error(d->path, "cannot map %s (%s): %s%s", d->what,
				 pcimem_cli_human_size(d->info.bar_size, size, sizeof(size)),
			  strerror(-err), mode == REGION_MMAP ? " (try --rw)" : "");
		close(fd);
		return pcimem_cli_errno_exit(-err);
	}
	r->access_width = d->bar.access_width;
	return EXIT_OK;
}

static const char *const memtype_names[] = PCIMEM_MT_NAMES;

const char *device_memtype_name(unsigned int memtype)
{
	if (memtype < sizeof(memtype_names) / sizeof(memtype_names[0]))
		return memtype_names[memtype];
	return "?";
}

bool device_parse_memtype(const char *s, unsigned int *memtype)
{
	unsigned int i;

	for (i = 0; i < sizeof(memtype_names) / sizeof(memtype_names[0]); i++) {
		if (!strcmp(s, memtype_names[i])) {
			*memtype = i;
			return true;
		}
	}
	pcimem_cli_error(NULL, "bad memory type '%s': must be uc, wc or wb", s);
	return false;
}

const char *device_irq_mode_name(unsigned int mode)
{
	static const char *const names[] = PCIMEM_IRQ_MODE_NAMES;

	return mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "?";
}

const char *device_bar_kind(unsigned int flags)
{
	return pcimem_bar_kind_name(flags);
}
