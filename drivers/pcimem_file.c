// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: file operations of /dev/pcimemN. Each open file reaches one BAR
 * (the device's main BAR until PCIMEM_IOC_SELECT says otherwise), file
 * offset 0 being the BAR's first byte, for mmap() and read()/write() alike.
 */
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "pcimem_dev.h"

/* read() and write() bounce through a buffer this big, one lock hold each */
#define PCIMEM_IO_CHUNK	SZ_16K

static int pcimem_open(struct inode *inode, struct file *file)
{
	struct pcimem_dev *pd = container_of(inode->i_cdev, struct pcimem_dev, cdev);
	struct pcimem_file *pf;
	int ret;

	ret = pcimem_locked_down();
	if (ret)
		return ret;

	pf = kzalloc(sizeof(*pf), GFP_KERNEL);
	if (!pf)
		return -ENOMEM;

	down_read(&pd->lock);
	if (pd->pdev) {
		get_device(&pd->dev);
		pf->pd = pd;
		pf->bar = &pd->bars[pd->main_bar];
		pf->memtype = pf->bar->def_memtype;
		pf->irq_seen = atomic64_read(&pd->irq_total);
		file->private_data = pf;
		/* All mappings of this device share one revocable space. */
		file->f_mapping = pd->inode->i_mapping;
	} else {
		ret = -ENODEV;
	}
	up_read(&pd->lock);
	if (ret)
		kfree(pf);
	return ret;
}

static int pcimem_release(struct inode *inode, struct file *file)
{
	struct pcimem_file *pf = file->private_data;

	pcimem_release_eventfds(pf->pd, pf);
	put_device(&pf->pd->dev);
	kfree(pf);
	return 0;
}

static loff_t pcimem_llseek(struct file *file, loff_t offset, int whence)
{
	struct pcimem_file *pf = file->private_data;

	/* BAR sizes are fixed for the life of pd, even once the device is gone. */
	return fixed_size_llseek(file, offset, whence, READ_ONCE(pf->bar)->size);
}

/*
 * Clamp a transfer at pos to the BAR and to one chunk. Returns the byte
 * count (0 at or past the end), -ENODEV once the device is gone, -EINVAL
 * for a register access that is not whole registers, -EPERM at the pages
 * of the MSI-X table. Called with pd->lock held.
 */
static ssize_t pcimem_io_len(struct pcimem_file *pf, loff_t pos, size_t count)
{
	struct pcimem_bar *bar = pf->bar;
	size_t n;

	lockdep_assert_held(&pf->pd->lock);
	if (!pf->pd->pdev)
		return -ENODEV;
	if (!bar->kmap)
		return -EIO;	/* a memory type switch failed to map it back */
	if (bar->width > 1 && (!IS_ALIGNED(pos, bar->width) ||
			       !IS_ALIGNED(count, bar->width)))
		return -EINVAL;
	if (pos >= bar->size)
		return 0;
	n = min_t(u64, min_t(size_t, count, PCIMEM_IO_CHUNK), bar->size - pos);
	/* The MSI-X table's pages: refused at them, short before them. */
	if (pcimem_bar_in_hole(bar, pos, n)) {
		if (bar->gap_end && pos >= bar->gap_start && pos < bar->gap_end)
			n = bar->gap_end - pos;		/* in the gap, up to the PBA */
		else if (pos < bar->hole_start)
			n = bar->hole_start - pos;
		else
			return -EPERM;
	}
	return round_down(n, bar->width);
}

/*
 * A device that fell off the bus (surprise removal, a dead link) answers
 * every read with all-ones and drops writes, until the PCI core notices
 * and removes it. Say so with EIO rather than hand all-ones over as data:
 * a read is suspect only if it gave nothing but ones; a write always,
 * since nothing tells whether it landed. Called with pd->lock held and
 * the device present.
 */
static bool pcimem_fell_off(struct pcimem_dev *pd, const void *buf, size_t n, bool write)
{
	lockdep_assert_held(&pd->lock);
	if (!write && memchr_inv(buf, 0xff, n))
		return false;
	return !pci_device_is_present(pd->pdev);
}

/*
 * One loop for both directions: chunks bounce through a kernel buffer,
 * each BAR access under pd->lock, each user copy outside it.
 */
static ssize_t pcimem_transfer(struct file *file, char __user *ubuf, size_t count,
			       loff_t *ppos, bool to_device)
{
	struct pcimem_file *pf = file->private_data;
	struct pcimem_dev *pd = pf->pd;
	ssize_t done = 0, ret = 0;
	loff_t pos = *ppos;
	void *buf;

	buf = kmalloc(min_t(size_t, count, PCIMEM_IO_CHUNK), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	while (done < count) {
		ssize_t n = min_t(size_t, count - done, PCIMEM_IO_CHUNK);

		if (to_device && copy_from_user(buf, ubuf + done, n)) {
			ret = -EFAULT;
			break;
		}
		down_read(&pd->lock);
		n = pcimem_io_len(pf, pos, n);
		if (n > 0 && to_device && !pcimem_bar_may_write(file, pf->bar))
			n = -EPERM;
		/* Reading IntrStatus clears it: a reader would steal interrupts. */
		if (n > 0 && !to_device && !(file->f_mode & FMODE_WRITE) &&
		    pcimem_read_clears(pd, pf->bar, pos, n))
			n = -EPERM;
		if (n > 0 && to_device)
			pcimem_bar_write(pf->bar, buf, pos, n);
		else if (n > 0)
			pcimem_bar_read(pf->bar, buf, pos, n);
		if (n > 0 && pcimem_fell_off(pd, buf, n, to_device))
			n = -EIO;
		up_read(&pd->lock);
		if (n <= 0) {
			ret = n;
			break;
		}
		if (!to_device && copy_to_user(ubuf + done, buf, n)) {
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

static ssize_t pcimem_read(struct file *file, char __user *ubuf, size_t count,
			   loff_t *ppos)
{
	int ret = pcimem_locked_down();

	if (ret)
		return ret;
	if (*ppos < 0)
		return -EINVAL;
	return pcimem_transfer(file, ubuf, count, ppos, false);
}

static ssize_t pcimem_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct pcimem_file *pf = file->private_data;
	int ret = pcimem_locked_down();

	if (ret)
		return ret;
	if (*ppos < 0)
		return -EINVAL;
	if (!count)
		return 0;
	if (*ppos >= READ_ONCE(pf->bar)->size)
		return -ENOSPC;
	return pcimem_transfer(file, (char __user *)ubuf, count, ppos, true);
}

static long pcimem_ioctl_info(struct pcimem_file *pf, void __user *arg)
{
	struct pcimem_dev *pd = pf->pd;
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
	info.bar = pf->bar->index;
	info.flags = pf->bar->flags;
	info.minor = pd->minor;
	info.bar_size = pf->bar->size;
	info.bar_start = pf->bar->start;
	info.peer_id = pcimem_peer_id(pd);
	info.vectors = pd->vectors;
	info.irq_mode = pd->irq_mode;
	info.memtype = pf->memtype;
	info.main_bar = pd->main_bar;
	up_read(&pd->lock);

	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long pcimem_ioctl_bar_info(struct pcimem_file *pf, void __user *arg)
{
	struct pcimem_dev *pd = pf->pd;
	struct pcimem_bar_info bi;
	struct pcimem_bar *bar;

	if (copy_from_user(&bi, arg, sizeof(bi)))
		return -EFAULT;
	if (bi.bar >= PCI_STD_NUM_BARS || memchr_inv(bi.reserved, 0, sizeof(bi.reserved)))
		return -EINVAL;
	bar = &pd->bars[bi.bar];

	down_read(&pd->lock);
	if (!pd->pdev) {
		up_read(&pd->lock);
		return -ENODEV;
	}
	bi.flags = bar->flags;
	bi.size = bar->size;
	bi.start = bar->start;
	bi.memtype = bar->memtype;
	bi.access_width = bar->width;
	up_read(&pd->lock);

	return copy_to_user(arg, &bi, sizeof(bi)) ? -EFAULT : 0;
}

static long pcimem_ioctl_select(struct pcimem_file *pf, void __user *arg)
{
	struct pcimem_dev *pd = pf->pd;
	struct pcimem_select sel;
	struct pcimem_bar *bar;
	unsigned int memtype;
	long ret = 0;

	if (copy_from_user(&sel, arg, sizeof(sel)))
		return -EFAULT;
	if (sel.bar >= PCI_STD_NUM_BARS || sel.flags ||
	    memchr_inv(sel.reserved, 0, sizeof(sel.reserved)))
		return -EINVAL;
	bar = &pd->bars[sel.bar];
	memtype = sel.memtype == PCIMEM_MT_DEFAULT ? bar->def_memtype : sel.memtype;

	/* Written, so that mmap() never sees a BAR with another file's type. */
	down_write(&pd->lock);
	if (!pd->pdev)
		ret = -ENODEV;
	else if (!bar->flags || !pcimem_memtype_allowed(bar, memtype))
		ret = -EINVAL;
	else if (bar->flags & PCIMEM_BAR_MSIX)
		ret = -EBUSY;
	else if (memtype != bar->memtype && atomic_read(&bar->vmas))
		ret = -EBUSY;	/* mapped by someone with another type */
	else
		/* Switch now, so that a type the kernel cannot give fails here. */
		ret = pcimem_bar_set_memtype(bar, memtype);
	if (!ret) {
		WRITE_ONCE(pf->bar, bar);
		pf->memtype = memtype;
	}
	up_write(&pd->lock);
	return ret;
}

static long pcimem_ioctl_ring(struct file *file, void __user *arg)
{
	struct pcimem_file *pf = file->private_data;
	struct pcimem_dev *pd = pf->pd;
	struct pcimem_ring ring;
	long ret;

	/* Ringing writes to the device. */
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&ring, arg, sizeof(ring)))
		return -EFAULT;
	if (ring.flags || memchr_inv(ring.reserved, 0, sizeof(ring.reserved)))
		return -EINVAL;
	down_read(&pd->lock);
	ret = pd->pdev ? pcimem_ring(pd, ring.peer, ring.vector) : -ENODEV;
	up_read(&pd->lock);
	return ret;
}

static long pcimem_ioctl_events(struct pcimem_file *pf, void __user *arg)
{
	struct pcimem_dev *pd = pf->pd;
	struct pcimem_events *ev;
	unsigned int i;
	s64 total;
	long ret = 0;

	ev = kzalloc(sizeof(*ev), GFP_KERNEL);
	if (!ev)
		return -ENOMEM;
	down_read(&pd->lock);
	if (pd->pdev) {
		/* The total first: an interrupt in between is reported again. */
		total = atomic64_read(&pd->irq_total);
		ev->vectors = pd->vectors;
		for (i = 0; i < pd->vectors; i++)
			ev->count[i] = atomic64_read(&pd->irq_count[i]);
		WRITE_ONCE(pf->irq_seen, total);
	} else {
		ret = -ENODEV;
	}
	up_read(&pd->lock);
	if (!ret && copy_to_user(arg, ev, sizeof(*ev)))
		ret = -EFAULT;
	kfree(ev);
	return ret;
}

static long pcimem_ioctl_set_eventfd(struct file *file, void __user *arg)
{
	struct pcimem_file *pf = file->private_data;
	struct pcimem_dev *pd = pf->pd;
	struct pcimem_eventfd efd;
	long ret;

	/* Interrupts are the device's: whoever may ring may listen. */
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&efd, arg, sizeof(efd)))
		return -EFAULT;
	if (efd.flags || memchr_inv(efd.reserved, 0, sizeof(efd.reserved)))
		return -EINVAL;
	down_read(&pd->lock);
	ret = pd->pdev ? pcimem_set_eventfd(pd, pf, efd.vector, efd.fd) : -ENODEV;
	up_read(&pd->lock);
	return ret;
}

static long pcimem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pcimem_file *pf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case PCIMEM_IOC_INFO:
		return pcimem_ioctl_info(pf, uarg);
	case PCIMEM_IOC_BAR_INFO:
		return pcimem_ioctl_bar_info(pf, uarg);
	case PCIMEM_IOC_SELECT:
		return pcimem_ioctl_select(pf, uarg);
	case PCIMEM_IOC_RING:
		return pcimem_ioctl_ring(file, uarg);
	case PCIMEM_IOC_EVENTS:
		return pcimem_ioctl_events(pf, uarg);
	case PCIMEM_IOC_SET_EVENTFD:
		return pcimem_ioctl_set_eventfd(file, uarg);
	default:
		return -ENOTTY;
	}
}

/*
 * read() and write() never block: always readable and writable, as a
 * regular file. EPOLLPRI, the exceptional condition, means "an interrupt
 * came since this file last read the counts". A gone device is an error
 * and a hang-up, and nothing else.
 */
static __poll_t pcimem_poll(struct file *file, poll_table *wait)
{
	struct pcimem_file *pf = file->private_data;
	struct pcimem_dev *pd = pf->pd;
	__poll_t mask = EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM;

	/* A snapshot, without sleeping: remove() wakes us after the change. */
	poll_wait(file, &pd->irq_wait, wait);
	if (!READ_ONCE(pd->pdev))
		return EPOLLERR | EPOLLHUP;
	if (atomic64_read(&pd->irq_total) != READ_ONCE(pf->irq_seen))
		mask |= EPOLLPRI;
	return mask;
}

const struct file_operations pcimem_fops = {
	.owner = THIS_MODULE,
	.open = pcimem_open,
	.release = pcimem_release,
	.llseek = pcimem_llseek,
	.read = pcimem_read,
	.write = pcimem_write,
	.mmap = pcimem_mmap,
#ifdef CONFIG_ARCH_SUPPORTS_HUGE_PFNMAP
	.get_unmapped_area = pcimem_get_unmapped_area,
#endif
	.poll = pcimem_poll,
	.unlocked_ioctl = pcimem_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
