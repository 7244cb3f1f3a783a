/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pcimem user-space ABI: shared by the driver and the user-space tools.
 *
 * /dev/pcimemN reaches one BAR of the device at a time, file offset 0 being
 * the BAR's first byte: mmap, read, write, pread, pwrite and lseek all act
 * on it. A new open file reaches the device's main BAR (ivshmem: BAR2, the
 * shared memory; edu: BAR0, its registers). PCIMEM_IOC_SELECT points an
 * open file at another BAR, or changes the memory type of its mappings.
 *
 * Interrupts (ivshmem doorbells, edu) are counted per vector since probe.
 * read() and write() never block, so poll/epoll on the node always report
 * EPOLLIN | EPOLLOUT, as for a regular file; EPOLLPRI once a count has
 * moved since this open file last read the counts with PCIMEM_IOC_EVENTS;
 * EPOLLERR | EPOLLHUP alone once the device is gone. PCIMEM_IOC_SET_EVENTFD
 * has a vector signal an eventfd instead, for any event loop (io_uring
 * included) and for handing to another process.
 *
 * Every structure user space passes in has a flags field and reserved
 * space: both must be zero (EINVAL otherwise), so that the ABI can grow
 * without new ioctl numbers.
 *
 * Errors: EINVAL for a bad argument, EPERM for what the opener may not do
 * (decided at open from its credentials), EBUSY when another file's
 * mappings or registrations are in the way, EOPNOTSUPP when the device or
 * the platform cannot do it (PCIMEM_IOC_SELECT of a memory type that x86
 * PAT would not give the BAR), EIO from read() or write() of a device that
 * fell off the bus (it answers all-ones) but is not removed yet, ENODEV
 * once the device is gone.
 */
#ifndef _UAPI_PCIMEM_H
#define _UAPI_PCIMEM_H

/*
 * Every structure has explicit fields only, no padding, and the same layout
 * for 32-bit and 64-bit user space.
 */

#include <linux/ioctl.h>
#include <linux/types.h>

/* BAR flags: struct pcimem_info.flags, struct pcimem_bar_info.flags */
#define PCIMEM_BAR_MEM		0x1U	/* memory BAR */
#define PCIMEM_BAR_PREFETCH	0x2U	/* prefetchable */
#define PCIMEM_BAR_64BIT	0x4U	/* 64-bit address */
#define PCIMEM_BAR_MMAP		0x8U	/* may be mapped with mmap() */
#define PCIMEM_BAR_IO		0x10U	/* I/O port BAR: read/write only */
#define PCIMEM_BAR_RAM		0x20U	/* plain memory: any access width */
#define PCIMEM_BAR_REGS		0x40U	/* registers: access_width accesses only */
#define PCIMEM_BAR_MSIX		0x80U	/* holds the MSI-X table in use: no access */
/*
 * Holds the MSI-X table or its pending bits beside other contents: the
 * pages from the first to the last byte of those (as the MSI-X capability
 * places them) are refused to mmap (EPERM), read and write (EPERM at them,
 * short before them); the rest is reached as usual, uncached only.
 */
#define PCIMEM_BAR_MSIX_HOLE	0x100U

/* Memory types of the kernel's and user space's mappings of a BAR */
#define PCIMEM_MT_UC		0U	/* uncached (uncached-minus on x86) */
#define PCIMEM_MT_WC		1U	/* write-combining */
#define PCIMEM_MT_WB		2U	/* write-back */
#define PCIMEM_MT_DEFAULT	0xffffffffU	/* in PCIMEM_IOC_SELECT: the BAR's default */
/*
 * Their names, indexed by PCIMEM_MT_* (sysfs, the module parameter
 * ram_memtype, the tools): static const char *const n[] = PCIMEM_MT_NAMES;
 */
#define PCIMEM_MT_NAMES		{ "uc", "wc", "wb" }

/* How interrupts reach the driver: struct pcimem_info.irq_mode */
#define PCIMEM_IRQ_NONE		0U
#define PCIMEM_IRQ_INTX		1U
#define PCIMEM_IRQ_MSI		2U
#define PCIMEM_IRQ_MSIX		3U
/* Their names, indexed by PCIMEM_IRQ_* (sysfs irq_mode, the tools) */
#define PCIMEM_IRQ_MODE_NAMES	{ "none", "intx", "msi", "msix" }

/* Interrupt vectors counted per device, at most (struct pcimem_events) */
#define PCIMEM_MAX_VECTORS	64
/* ivshmem peer IDs are 0 to this (the high half of the Doorbell register) */
#define PCIMEM_MAX_PEER_ID	65535U

/*
 * What a BAR is, from its PCIMEM_BAR_* flags, as sysfs bars and the tools
 * name it: "absent", "msix", "io", "regs", "ram", or "mem" for memory that
 * is neither (the driver classifies every memory BAR as one of the two).
 */
static inline const char *pcimem_bar_kind_name(__u32 flags)
{
	if (!flags)
		return "absent";
	if (flags & PCIMEM_BAR_MSIX)
		return "msix";
	if (flags & PCIMEM_BAR_IO)
		return "io";
	if (flags & PCIMEM_BAR_REGS)
		return "regs";
	if (flags & PCIMEM_BAR_RAM)
		return "ram";
	return "mem";
}

/*
 * The devices pcimem knows, by PCI vendor and device ID. (Others can still
 * be bound through new_id or driver_override.)
 */
#define PCIMEM_VENDOR_REDHAT	0x1af4U	/* virtio's vendor: ivshmem */
#define PCIMEM_VENDOR_QEMU	0x1234U	/* QEMU's own devices */
#define PCIMEM_DEVICE_IVSHMEM	0x1110U
#define PCIMEM_DEVICE_EDU	0x11e8U
#define PCIMEM_DEVICE_TESTDEV	0x11e9U	/* qemu-device/testdev/pcimem-testdev.rst */

/*
 * The same devices as a table, each with a name for when pci.ids has none:
 * static const struct pcimem_known_device t[] = PCIMEM_KNOWN_DEVICES;
 * The driver's ID table lists the same, in this order (its build checks
 * that it has as many). Not an ioctl structure: never passed to the kernel.
 */
struct pcimem_known_device {
	__u16 vendor;
	__u16 device;
	const char *name;
};

#define PCIMEM_KNOWN_DEVICES {						\
	{ PCIMEM_VENDOR_REDHAT, PCIMEM_DEVICE_IVSHMEM, "ivshmem" },	\
	{ PCIMEM_VENDOR_QEMU, PCIMEM_DEVICE_EDU, "QEMU edu" },		\
	{ PCIMEM_VENDOR_QEMU, PCIMEM_DEVICE_TESTDEV, "pcimem-testdev" },	\
}

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
	__u32 bar;		/* BAR this open file reaches */
	__u32 flags;		/* its PCIMEM_BAR_* */
	__u32 minor;		/* N of /dev/pcimemN */
	__u32 main_bar;		/* BAR a new open file reaches */
	__u64 bar_size;		/* bytes */
	__u64 bar_start;	/* CPU physical address of the BAR */
	__s32 peer_id;		/* ivshmem IVPosition (0 without a server); -1: not ivshmem */
	__u32 vectors;		/* interrupt vectors counted (0: no interrupts) */
	__u32 irq_mode;		/* PCIMEM_IRQ_* */
	__u32 memtype;		/* PCIMEM_MT_* of this file's mappings of the BAR */
	__u32 reserved[4];	/* zero */
};

struct pcimem_bar_info {
	__u32 bar;		/* in: BAR index, 0-5 */
	__u32 flags;		/* out: PCIMEM_BAR_*; 0 when the BAR is absent */
	__u64 size;		/* out: bytes */
	__u64 start;		/* out: CPU physical address (I/O port for I/O BARs) */
	__u32 memtype;		/* out: PCIMEM_MT_* the kernel really mapped it with */
	__u32 access_width;	/* out: bytes per access for registers; 1 for memory */
	__u32 reserved[4];	/* in: zero; out: zero */
};

struct pcimem_select {
	__u32 bar;		/* BAR index, 0-5 */
	__u32 memtype;		/* PCIMEM_MT_*, or PCIMEM_MT_DEFAULT */
	__u32 flags;		/* zero */
	__u32 reserved[5];	/* zero */
};

struct pcimem_ring {
	__u32 peer;		/* ivshmem peer ID, 0-PCIMEM_MAX_PEER_ID */
	__u32 vector;		/* below struct pcimem_info.vectors */
	__u32 flags;		/* zero */
	__u32 reserved[5];	/* zero */
};

/*
 * One eventfd per vector, signalled by every interrupt on it (the counts
 * go on as well). An open file registers it, and must be open for writing;
 * it stays until that file replaces it, detaches it (fd -1) or closes, or
 * the device goes away. Another file's registration is EBUSY.
 */
struct pcimem_eventfd {
	__u32 vector;		/* below struct pcimem_info.vectors */
	__s32 fd;		/* an eventfd, or -1 to detach */
	__u32 flags;		/* zero */
	__u32 reserved[5];	/* zero */
};

struct pcimem_events {
	__u32 vectors;		/* out: entries of count[] in use */
	__u32 reserved;		/* zero */
	__u64 count[PCIMEM_MAX_VECTORS];	/* out: interrupts per vector since probe */
};

#define PCIMEM_IOC_MAGIC	0xB9	/* unused in ioctl-number.rst */
#define PCIMEM_IOC_INFO		_IOR(PCIMEM_IOC_MAGIC, 0x00, struct pcimem_info)
#define PCIMEM_IOC_BAR_INFO	_IOWR(PCIMEM_IOC_MAGIC, 0x01, struct pcimem_bar_info)
#define PCIMEM_IOC_SELECT	_IOW(PCIMEM_IOC_MAGIC, 0x02, struct pcimem_select)
#define PCIMEM_IOC_RING		_IOW(PCIMEM_IOC_MAGIC, 0x03, struct pcimem_ring)
#define PCIMEM_IOC_EVENTS	_IOR(PCIMEM_IOC_MAGIC, 0x04, struct pcimem_events)
#define PCIMEM_IOC_SET_EVENTFD	_IOW(PCIMEM_IOC_MAGIC, 0x05, struct pcimem_eventfd)

#endif /* _UAPI_PCIMEM_H */
