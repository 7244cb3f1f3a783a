/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcimem: internal declarations shared by the driver's files.
 */
#ifndef PCIMEM_DEV_H
#define PCIMEM_DEV_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/capability.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/lockdep.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/security.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "pcimem_regs.h"
#include "uapi/pcimem.h"

#ifndef PCI_IRQ_INTX
#define PCI_IRQ_INTX	PCI_IRQ_LEGACY	/* renamed in 6.8 */
#endif

struct pcimem_dev;

/*
 * One BAR of a bound device. Fields are grouped by how they may change;
 * pd->lock guards nothing that is fixed, so a reader of a fixed field
 * needs only the device present.
 */
struct pcimem_bar {
	/* Fixed at probe, by pcimem_bars_map(), before the node exists. */
	struct pcimem_dev *pd;
	resource_size_t start;
	resource_size_t size;
	unsigned int index;
	unsigned int flags;		/* PCIMEM_BAR_* */
	unsigned int width;		/* access width in bytes (1: any) */
	unsigned int def_memtype;	/* what a new open file asks for */
	bool known_ram;			/* plain RAM by the variant: may be cached */
	/*
	 * The pages holding the MSI-X table or its pending bits, when the BAR
	 * holds other things as well (PCIMEM_BAR_MSIX_HOLE): [hole_start,
	 * hole_end), page aligned, never mapped, read or written by us, but
	 * for the pages between the table's and the PBA's, [gap_start,
	 * gap_end) (0 and 0: none), which are the BAR's as any other.
	 */
	resource_size_t hole_start, hole_end;
	resource_size_t gap_start, gap_end;

	/*
	 * Changed with pd->lock held for writing (pcimem_bar_set_memtype()),
	 * or once pd->pdev is NULL (remove() unmaps), read with it held.
	 * BAR0's never changes while interrupt handlers, which read it
	 * without the lock, are installed.
	 */
	void __iomem *kmap;		/* kernel mapping; NULL if absent or MSI-X */
	unsigned int memtype;		/* PCIMEM_MT_* of kmap and user mappings */
	unsigned long cachebits;	/* x86: the kernel mapping's cache bits (4 KiB form) */

	/* Atomic: counted by mmap() and VMA open/close, read under the lock. */
	atomic_t vmas;			/* user mappings of this BAR */
};

/* What a user fault mapped: one 4 KiB page or 2 MiB at once. */
enum pcimem_fault_kind {
	PCIMEM_FAULT_PTE,
	PCIMEM_FAULT_PMD,
	PCIMEM_FAULT_KINDS,
};

/*
 * What an interrupt handler needs: its device and its vector; and the
 * eventfd user space registered for it, with the file that did, both
 * under pd->trigger_lock.
 */
struct pcimem_vector {
	struct pcimem_dev *pd;
	unsigned int index;
	char name[32];
	struct eventfd_ctx *trigger;
	const struct pcimem_file *trigger_owner;
};

/* Devices we know. driver_data of the ID table; new_id can name them. */
enum pcimem_kind {
	PCIMEM_IVSHMEM,
	PCIMEM_EDU,
	PCIMEM_TESTDEV,
};

/* struct pcimem_variant.main_bar: the first BAR of plain memory, else BAR0 */
#define PCIMEM_MAIN_BAR_PICK	-1

/*
 * What a device is, for us: NULL for a device bound through new_id or
 * driver_override that we do not know. Every variant has its registers in
 * a memory BAR0.
 */
struct pcimem_variant {
	enum pcimem_kind kind;
	int main_bar;			/* or PCIMEM_MAIN_BAR_PICK */
	unsigned int regs_size;		/* BAR0 holds registers up to here */
	int read_clears;		/* offset of a register that clears on read, or -1 */
	bool ram_bars;			/* every memory BAR but BAR0 is plain RAM */
};

/*
 * One bound device. The structure is reference counted through @dev: it
 * outlives the PCI device for as long as a file is open on its node, so
 * every operation takes @lock for reading and checks @pdev, which remove()
 * clears under @lock held for writing before it tears anything down.
 * Fields are grouped by how they may change.
 */
struct pcimem_dev {
	/* Fixed at probe, before the node exists (bars[]: see pcimem_bar). */
	struct device dev;		/* class device, /dev/pcimemN */
	struct cdev cdev;
	const struct pcimem_variant *variant;
	struct pcimem_bar bars[PCI_STD_NUM_BARS];
	unsigned int main_bar;
	int minor;
	struct inode *inode;		/* every user mapping hangs off its i_mapping */
	unsigned int irq_mode;		/* PCIMEM_IRQ_* */
	unsigned int vectors;		/* interrupt vectors counted */
	u64 fill_bytes;			/* the pattern fill at probe: bytes written */
	u64 fill_ns;			/* and how long it took (debugfs probe_fill) */
	struct dentry *debugfs;		/* set after the node, cleared in remove() */

	/*
	 * The device lock, and what changes with it held for writing:
	 * @pdev, cleared by remove() (interrupt handlers read it with
	 * READ_ONCE()), and the BARs' mappings (see pcimem_bar). A reset
	 * holds it for writing from reset_prepare to reset_done.
	 */
	struct rw_semaphore lock;
	/*
	 * @lock's lockdep class, one per device: a bus reset takes the lock
	 * of every function on the bus (reset_prepare), and with one class
	 * for all lockdep would take two functions' locks for recursion.
	 */
	struct lock_class_key lock_key;
	struct pci_dev *pdev;		/* NULL once the device is gone */

	/*
	 * Under @trigger_lock, taken in hard IRQ context: vec[].trigger and
	 * vec[].trigger_owner (the rest of vec[] is fixed at probe).
	 */
	spinlock_t trigger_lock;
	struct pcimem_vector vec[PCIMEM_MAX_VECTORS];

	/* Atomic, no lock: interrupts counted per vector since probe, faults. */
	atomic64_t irq_total;		/* sum of irq_count[], for poll */
	atomic64_t irq_count[PCIMEM_MAX_VECTORS];
	wait_queue_head_t irq_wait;	/* woken by every count; its own lock */
	/* user faults answered, by the size of the entry mapped (debugfs) */
	atomic64_t faults[PCIMEM_FAULT_KINDS];
	atomic64_t prefaulted;		/* pages mapped ahead of a 4 KiB fault */
};

/* State of one open file: which BAR it reaches, mapped how. */
struct pcimem_file {
	struct pcimem_dev *pd;
	struct pcimem_bar *bar;
	unsigned int memtype;
	s64 irq_seen;			/* irq_total when last read */
};

static inline struct pcimem_dev *to_pcimem_dev(struct device *dev)
{
	return container_of(dev, struct pcimem_dev, dev);
}

/*
 * Registers of a device that masters the bus may start DMA anywhere in
 * memory (edu's DMA engine), and pcimem-testdev's LEVEL holds its INTx pin
 * up, which no handler can lower (a shared line screams and is disabled):
 * writing or mapping them takes CAP_SYS_RAWIO of the opener, whatever the
 * node's permissions say. Bus mastering as the command register has it,
 * not the PCI core's idea: firmware, or a root with setpci, may have set
 * it (a device that does not answer counts as mastering). The opener's: the
 * credentials the file was opened with (f_cred), never those of whoever
 * writes to it later, so a set-user-ID program handed the file (as its
 * standard output, say) cannot lend it its privileges. Asked only when it
 * matters, so that other openers leave no denial in the audit log. Called
 * with pd->lock held and the device present.
 */
static inline bool pcimem_bar_may_write(const struct file *file,
					const struct pcimem_bar *bar)
{
	struct pcimem_dev *pd = bar->pd;
	u16 cmd;

	lockdep_assert_held(&pd->lock);
	if (!(bar->flags & PCIMEM_BAR_REGS))
		return true;
	if (!(pd->variant && pd->variant->kind == PCIMEM_TESTDEV && pd->pdev->pin) &&
	    !pci_read_config_word(pd->pdev, PCI_COMMAND, &cmd) && cmd != 0xffff &&
	    !(cmd & PCI_COMMAND_MASTER))
		return true;
	return file_ns_capable(file, &init_user_ns, CAP_SYS_RAWIO);
}

/* As the PCI core's resource files: no BAR access at all when locked down. */
static inline int pcimem_locked_down(void)
{
	return security_locked_down(LOCKDOWN_PCI_ACCESS);
}

/* pcimem_bar.c */
int pcimem_bars_map(struct pcimem_dev *pd, unsigned int ram_memtype);
void pcimem_bars_unmap(struct pcimem_dev *pd, struct pci_dev *pdev);
int pcimem_bar_set_memtype(struct pcimem_bar *bar, unsigned int memtype);
bool pcimem_memtype_allowed(const struct pcimem_bar *bar, unsigned int memtype);
bool pcimem_bar_in_hole(const struct pcimem_bar *bar, resource_size_t pos,
			resource_size_t n);
const char *pcimem_memtype_name(unsigned int memtype);
int pcimem_memtype_parse(const char *s, unsigned int *memtype);
void pcimem_bar_read(struct pcimem_bar *bar, void *buf, loff_t pos, size_t n);
void pcimem_bar_write(struct pcimem_bar *bar, const void *buf, loff_t pos, size_t n);

/* pcimem_irq.c */
int pcimem_irq_init(struct pcimem_dev *pd);
void pcimem_irq_exit(struct pcimem_dev *pd, struct pci_dev *pdev);
void pcimem_irq_restore(struct pcimem_dev *pd);
int pcimem_ring(struct pcimem_dev *pd, u32 peer, u32 vector);
s32 pcimem_peer_id(struct pcimem_dev *pd);
int pcimem_set_eventfd(struct pcimem_dev *pd, const struct pcimem_file *pf,
		       u32 vector, int fd);
void pcimem_release_eventfds(struct pcimem_dev *pd, const struct pcimem_file *pf);
bool pcimem_read_clears(struct pcimem_dev *pd, const struct pcimem_bar *bar,
			loff_t pos, size_t n);

/* pcimem_mmap.c */
int pcimem_mmap(struct file *file, struct vm_area_struct *vma);
unsigned long pcimem_get_unmapped_area(struct file *file, unsigned long addr,
				       unsigned long len, unsigned long pgoff,
				       unsigned long flags);
bool pcimem_huge_mappings(void);
void pcimem_revoke_mappings(struct pcimem_dev *pd);

/* pcimem_file.c */
extern const struct file_operations pcimem_fops;

/* pcimem_sysfs.c */
extern const struct attribute_group *pcimem_groups[];

/* pcimem_debugfs.c: /sys/kernel/debug/pcimem/pcimemN/ */
void pcimem_debugfs_init(void);
void pcimem_debugfs_exit(void);
void pcimem_debugfs_add(struct pcimem_dev *pd);
void pcimem_debugfs_remove(struct pcimem_dev *pd);

/* pcimem_fs.c: an inode per device whose address space collects the VMAs */
int pcimem_fs_init(void);
void pcimem_fs_exit(void);
struct inode *pcimem_fs_new_inode(void);

#endif /* PCIMEM_DEV_H */
