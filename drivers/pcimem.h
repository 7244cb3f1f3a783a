/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcimem: internal declarations shared by the PCI glue, the file
 * operations and the pseudo file system.
 */
#ifndef PCIMEM_H
#define PCIMEM_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/pci.h>
#include <linux/rwsem.h>

/*
 * One bound device. The structure is reference counted through @dev: it
 * outlives the PCI device for as long as a file is open on its node, so
 * every operation takes @lock for reading and checks @pdev, which remove()
 * clears under @lock held for writing before it unmaps the BAR.
 */
struct pcimem_dev {
	struct device dev;		/* class device, /dev/pcimemN */
	struct cdev cdev;
	struct rw_semaphore lock;
	struct pci_dev *pdev;		/* NULL once the device is gone */
	void __iomem *base;		/* kernel mapping of the BAR */
	resource_size_t bar_start;	/* CPU physical address */
	resource_size_t bar_size;
	unsigned int bar;
	unsigned int bar_flags;		/* PCIMEM_BAR_* */
	int minor;
	/* every user mapping of the node hangs off this inode's i_mapping */
	struct inode *inode;
};

static inline struct pcimem_dev *to_pcimem_dev(struct device *dev)
{
	return container_of(dev, struct pcimem_dev, dev);
}

extern const struct file_operations pcimem_fops;

/* pcimem_fs.c: an inode per device whose address space collects the VMAs */
int pcimem_fs_init(void);
void pcimem_fs_exit(void);
struct inode *pcimem_fs_new_inode(void);

#endif /* PCIMEM_H */
