// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: file operations of /dev/pcimemN. File offset 0 is the start of
 * the device's memory BAR, for mmap() and for read()/write() alike.
 */
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "pcimem.h"
#include "uapi/pcimem.h"

/* read() and write() bounce through a buffer this big, one lock hold each */
#define PCIMEM_IO_CHUNK	SZ_16K

static int pcimem_open(struct inode *inode, struct file *file)
{
	struct pcimem_dev *pd = container_of(inode->i_cdev, struct pcimem_dev, cdev);
	int ret = 0;

	down_read(&pd->lock);
	if (pd->pdev) {
		get_device(&pd->dev);
		file->private_data = pd;
		/* All mappings of this device share one revocable space. */
		file->f_mapping = pd->inode->i_mapping;
	} else {
		ret = -ENODEV;
	}
	up_read(&pd->lock);
	return ret;
}

static int pcimem_release(struct inode *inode, struct file *file)
{
	struct pcimem_dev *pd = file->private_data;

	put_device(&pd->dev);
	return 0;
}

static loff_t pcimem_llseek(struct file *file, loff_t offset, int whence)
{
	struct pcimem_dev *pd = file->private_data;

	/* The size is fixed for the life of pd, even once the device is gone. */
	return fixed_size_llseek(file, offset, whence, pd->bar_size);
}

/*
 * Clamp a transfer at *pos to the BAR and to one chunk. Returns the byte
 * count (0 at or past the end) or -ENODEV once the device is gone. Called
 * with pd->lock held.
 */
static ssize_t pcimem_io_len(struct pcimem_dev *pd, loff_t pos, size_t count)
{
	if (!pd->pdev)
		return -ENODEV;
	if (pos >= pd->bar_size)
		return 0;
	return min_t(u64, min_t(size_t, count, PCIMEM_IO_CHUNK), pd->bar_size - pos);
}

static ssize_t pcimem_read(struct file *file, char __user *ubuf, size_t count,
			   loff_t *ppos)
{
	struct pcimem_dev *pd = file->private_data;
	ssize_t done = 0, ret = 0;
	loff_t pos = *ppos;
	void *buf;

	if (pos < 0)
		return -EINVAL;
	buf = kmalloc(min_t(size_t, count, PCIMEM_IO_CHUNK), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	while (done < count) {
		ssize_t n;

		down_read(&pd->lock);
		n = pcimem_io_len(pd, pos, count - done);
		if (n > 0)
			memcpy_fromio(buf, pd->base + pos, n);
		up_read(&pd->lock);
		if (n <= 0) {
			ret = n;
			break;
		}
		if (copy_to_user(ubuf + done, buf, n)) {
			ret = -EFAULT;
			break;
		}
		done += n;
		pos += n;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	kfree(buf);
	*ppos = pos;
	return done ? done : ret;
}

static ssize_t pcimem_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct pcimem_dev *pd = file->private_data;
	ssize_t done = 0, ret = 0;
	loff_t pos = *ppos;
	void *buf;

	if (pos < 0)
		return -EINVAL;
	if (!count)
		return 0;
	if (pos >= pd->bar_size)
		return -ENOSPC;
	buf = kmalloc(min_t(size_t, count, PCIMEM_IO_CHUNK), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	while (done < count) {
		ssize_t n = min_t(size_t, count - done, PCIMEM_IO_CHUNK);

		if (copy_from_user(buf, ubuf + done, n)) {
			ret = -EFAULT;
			break;
		}
		down_read(&pd->lock);
		n = pcimem_io_len(pd, pos, n);
		if (n > 0)
			memcpy_toio(pd->base + pos, buf, n);
		up_read(&pd->lock);
		if (n <= 0) {
			ret = n;
			break;
		}
		done += n;
		pos += n;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	kfree(buf);
	*ppos = pos;
	return done ? done : ret;
}

/* A revoked mapping has no pages left: any touch of it is a SIGBUS. */
static vm_fault_t pcimem_vm_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct pcimem_vm_ops = {
	.fault = pcimem_vm_fault,
#ifdef CONFIG_HAVE_IOREMAP_PROT
	.access = generic_access_phys,	/* lets ptrace and gdb read it */
#endif
};

static int pcimem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct pcimem_dev *pd = file->private_data;
	unsigned long bar_pages = pd->bar_size >> PAGE_SHIFT;
	unsigned long pages = vma_pages(vma);
	int ret;

	/* Copy-on-write of device memory makes no sense. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (!(pd->bar_flags & PCIMEM_BAR_MMAP))
		return -ENODEV;
	if (vma->vm_pgoff >= bar_pages || pages > bar_pages - vma->vm_pgoff)
		return -EINVAL;

	/* Uncached-minus, as pci_iomap() mapped it: PAT sees no conflict. */
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_ops = &pcimem_vm_ops;

	down_read(&pd->lock);
	if (pd->pdev)
		/* Sets VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP. */
		ret = io_remap_pfn_range(vma, vma->vm_start,
					 (pd->bar_start >> PAGE_SHIFT) + vma->vm_pgoff,
					 vma->vm_end - vma->vm_start, vma->vm_page_prot);
	else
		ret = -ENODEV;
	up_read(&pd->lock);
	return ret;
}

static long pcimem_ioctl_info(struct pcimem_dev *pd, void __user *arg)
{
	struct pcimem_info info = { 0 };
	struct pci_dev *pdev;

	down_read(&pd->lock);
	pdev = pd->pdev;
	if (!pdev) {
		up_read(&pd->lock);
		return -ENODEV;
	}
	info.domain = pci_domain_nr(pdev->bus);
	info.bus = pdev->bus->number;
	info.slot = PCI_SLOT(pdev->devfn);
	info.function = PCI_FUNC(pdev->devfn);
	info.revision = pdev->revision;
	info.vendor = pdev->vendor;
	info.device = pdev->device;
	info.subsystem_vendor = pdev->subsystem_vendor;
	info.subsystem_device = pdev->subsystem_device;
	info.bar = pd->bar;
	info.flags = pd->bar_flags;
	info.minor = pd->minor;
	info.bar_size = pd->bar_size;
	info.bar_start = pd->bar_start;
	up_read(&pd->lock);

	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long pcimem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pcimem_dev *pd = file->private_data;

	switch (cmd) {
	case PCIMEM_IOC_INFO:
		return pcimem_ioctl_info(pd, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

const struct file_operations pcimem_fops = {
	.owner = THIS_MODULE,
	.open = pcimem_open,
	.release = pcimem_release,
	.llseek = pcimem_llseek,
	.read = pcimem_read,
	.write = pcimem_write,
	.mmap = pcimem_mmap,
	.unlocked_ioctl = pcimem_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
