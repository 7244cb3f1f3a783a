/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A /dev/pcimemN node opened by the guest tool: finding it from DEV,
 * selecting a BAR and memory type (--bar, --memtype), what the driver
 * says about it, and a region over the selected BAR.
 *
 * Functions returning int return an exit code of cli.h and have said why
 * on stderr when it is not 0.
 */
#ifndef DEVICE_H
#define DEVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "pcimem.h"

#include "discover.h"
#include "region.h"

#define DEVICE_PATH_LEN	256
#define DEVICE_BARS	6
#define DEVICE_NO_BAR	(~0U)

/* pcimem's global options. */
struct device_options {
	bool rw;		/* --rw: pread/pwrite instead of mmap */
	unsigned int bar;	/* --bar N, or DEVICE_NO_BAR: keep the main BAR */
	unsigned int memtype;	/* --memtype, or PCIMEM_MT_DEFAULT */
	struct discover_filter filter;	/* -s, -d */
	char node[DEVICE_PATH_LEN];	/* the device they picked */
};

struct device {
	char path[DEVICE_PATH_LEN];
	int fd;
	struct pcimem_info info;	/* of the selected BAR */
	struct pcimem_bar_info bar;	/* the selected BAR */
	char what[16];			/* "BAR2", for messages */
};

/* DEV: "/dev/pcimemN" (any path), "N", or a PCI address, into @path. */
int device_resolve(const char *dev, char *path, size_t len);

/*
 * Open DEV read-only or read-write and ask the driver about it. With
 * @o (may be NULL) asking for a BAR or a memory type, select them first.
 */
int device_open(struct device *d, const char *dev, bool writes,
		const struct device_options *o);
void device_close(struct device *d);

/* Ask the driver about BAR @bar (0-5): 0 or -errno. */
int device_bar_info(const struct device *d, unsigned int bar,
		    struct pcimem_bar_info *bi);

/*
 * A region over the selected BAR, through mmap or (@rw) pread/pwrite,
 * with 32-bit accesses on registers. It has its own descriptor of the
 * same open file; close it with pcimem_region_close() before device_close().
 */
int device_region(struct device *d, bool writes, bool rw, struct region *r);

/* "uc", "wc", "wb" and back; "?" for an unknown value. */
const char *device_memtype_name(unsigned int memtype);
bool device_parse_memtype(const char *s, unsigned int *memtype);
/* "none", "intx", "msi", "msix" */
const char *device_irq_mode_name(unsigned int mode);
/* "absent", "msix", "io", "regs", "ram", or "mem" for other memory */
const char *device_bar_kind(unsigned int flags);

#endif /* DEVICE_H */
