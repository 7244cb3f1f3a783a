// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: mapping a BAR into user space, and taking it back.
 *
 * mmap() maps the whole window at once with io_remap_pfn_range(), with the
 * BAR's memory type. Every file of a device shares one address space (see
 * pcimem_fs.c), so when the device goes away unmap_mapping_range() zaps
 * all user mappings, and the fault handler turns any later touch into
 * SIGBUS.
 *
 * One window needs care: ->mmap() runs before the core links the new VMA
 * into that address space. A VMA set up just before remove() marked the
 * device gone, but linked just after remove() zapped, would keep its pages.
 * So ->mmap() notes the caller's mm, and remove() takes each noted mm's
 * mmap_lock once before zapping: by then every such mmap() has finished.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "pcimem_dev.h"

struct pcimem_mapper {
	struct list_head node;
	struct mm_struct *mm;
};

static void pcimem_vm_open(struct vm_area_struct *vma)
{
	struct pcimem_bar *bar = vma->vm_private_data;

	atomic_inc(&bar->vmas);
}

static void pcimem_vm_close(struct vm_area_struct *vma)
{
	struct pcimem_bar *bar = vma->vm_private_data;

	atomic_dec(&bar->vmas);
}

/* Only a revoked mapping has no pages: any touch of it is a SIGBUS. */
static vm_fault_t pcimem_vm_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct pcimem_vm_ops = {
	.open = pcimem_vm_open,
	.close = pcimem_vm_close,
	.fault = pcimem_vm_fault,
#ifdef CONFIG_HAVE_IOREMAP_PROT
	.access = generic_access_phys,	/* lets ptrace and gdb read it */
#endif
};

/*
 * Note that @mm has an mmap() of us in flight. On the way, forget the
 * other address spaces whose mmap_lock is free: their mmap() is over.
 * Called under @mm's mmap_lock, so only trylock the others.
 */
static int pcimem_note_mapper(struct pcimem_dev *pd, struct mm_struct *mm)
{
	struct pcimem_mapper *m, *tmp;
	LIST_HEAD(done);
	bool noted = false;
	int ret = 0;

	mutex_lock(&pd->mappers_lock);
	list_for_each_entry_safe(m, tmp, &pd->mappers, node) {
		if (m->mm == mm) {
			noted = true;
		} else if (mmap_read_trylock(m->mm)) {
			mmap_read_unlock(m->mm);
			list_move(&m->node, &done);
		}
	}
	if (!noted) {
		m = kmalloc(sizeof(*m), GFP_KERNEL);
		if (m) {
			mmgrab(mm);
			m->mm = mm;
			list_add(&m->node, &pd->mappers);
		} else {
			ret = -ENOMEM;
		}
	}
	mutex_unlock(&pd->mappers_lock);

	list_for_each_entry_safe(m, tmp, &done, node) {
		mmdrop(m->mm);
		kfree(m);
	}
	return ret;
}

/* Called once the device is marked gone: no mmap() can succeed any more. */
void pcimem_revoke_mappings(struct pcimem_dev *pd)
{
	struct pcimem_mapper *m, *tmp;
	LIST_HEAD(list);

	mutex_lock(&pd->mappers_lock);
	list_splice_init(&pd->mappers, &list);
	mutex_unlock(&pd->mappers_lock);

	list_for_each_entry_safe(m, tmp, &list, node) {
		mmap_write_lock(m->mm);
		mmap_write_unlock(m->mm);
		mmdrop(m->mm);
		kfree(m);
	}
	unmap_mapping_range(pd->inode->i_mapping, 0, 0, 1);
}

/* The user mapping gets the same memory type as the kernel's. */
static pgprot_t pcimem_pgprot(pgprot_t prot, unsigned int memtype)
{
	switch (memtype) {
	case PCIMEM_MT_WB:
		return prot;
	case PCIMEM_MT_WC:
		return pgprot_writecombine(prot);
	default:
		return pgprot_noncached(prot);	/* uncached-minus, as ioremap() */
	}
}

int pcimem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct pcimem_file *pf = file->private_data;
	struct pcimem_dev *pd = pf->pd;
	struct pcimem_bar *bar;
	unsigned long bar_pages;
	int ret;

	/* Copy-on-write of device memory makes no sense. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	down_write(&pd->lock);
	bar = pf->bar;
	bar_pages = bar->size >> PAGE_SHIFT;
	if (!pd->pdev) {
		ret = -ENODEV;
	} else if (!(bar->flags & PCIMEM_BAR_MMAP)) {
		ret = -EPERM;
	} else if (vma->vm_pgoff >= bar_pages ||
		   vma_pages(vma) > bar_pages - vma->vm_pgoff) {
		ret = -EINVAL;
	} else if (pf->memtype != bar->memtype) {
		/* One type per range: switch only while nobody maps the BAR. */
		ret = atomic_read(&bar->vmas) ? -EBUSY :
		      pcimem_bar_set_memtype(bar, pf->memtype);
	} else {
		ret = 0;
	}
	if (!ret)
		ret = pcimem_note_mapper(pd, vma->vm_mm);
	if (!ret) {
		vma->vm_page_prot = pcimem_pgprot(vma->vm_page_prot, bar->memtype);
		vma->vm_ops = &pcimem_vm_ops;
		vma->vm_private_data = bar;
		/* Sets VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP. */
		ret = io_remap_pfn_range(vma, vma->vm_start,
					 (bar->start >> PAGE_SHIFT) + vma->vm_pgoff,
					 vma->vm_end - vma->vm_start, vma->vm_page_prot);
	}
	if (!ret)
		atomic_inc(&bar->vmas);
	up_write(&pd->lock);
	return ret;
}
