/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pcimem user-space ABI: shared by the driver and the user-space tools.
 *
 * /dev/pcimemN maps the device's main memory BAR at file offset 0
 * (ivshmem: BAR2). read/write/pread/pwrite reach the same bytes.
 */
#ifndef _UAPI_PCIMEM_H
#define _UAPI_PCIMEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* struct pcimem_info.flags */
#define PCIMEM_BAR_MEM		0x1U	/* memory BAR (not I/O ports) */
#define PCIMEM_BAR_PREFETCH	0x2U	/* prefetchable */
#define PCIMEM_BAR_64BIT	0x4U	/* 64-bit address */
#define PCIMEM_BAR_MMAP		0x8U	/* may be mapped with mmap() */

struct pcimem_info {
	__u32 domain;		/* PCI segment */
	__u8 bus;
	__u8 slot;		/* PCI_SLOT(devfn) */
	__u8 function;		/* PCI_FUNC(devfn) */
	__u8 revision;
	__u16 vendor;
	__u16 device;
	__u16 subsystem_vendor;
	__u16 subsystem_device;
	__u32 bar;		/* BAR index mapped at file offset 0 */
	__u32 flags;		/* PCIMEM_BAR_* */
	__u32 minor;		/* N of /dev/pcimemN */
	__u64 bar_size;		/* bytes */
	__u64 bar_start;	/* CPU physical address of the BAR */
	__u32 reserved[8];	/* zero */
};

#define PCIMEM_IOC_MAGIC	0xB9	/* unused in ioctl-number.rst */
#define PCIMEM_IOC_INFO		_IOR(PCIMEM_IOC_MAGIC, 0x00, struct pcimem_info)

#endif /* _UAPI_PCIMEM_H */
