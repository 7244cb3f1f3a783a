// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: mapping a BAR into user space, and taking it back.
 *
 * mmap() checks the window and sets the VMA up; the first touch faults
 * and the fault handler inserts the whole window at once with
 * vmf_insert_pfn_prot(), which takes the memory type from the kernel's own
 * mapping of the BAR, so the two always agree. Every file of a device
 * shares one address space (see pcimem_fs.c): when the device goes away,
 * unmap_mapping_range() zaps every user mapping, and the fault handler,
 * seeing the device gone, answers any later touch with SIGBUS.
 *
 * Why not io_remap_pfn_range() in mmap(), as the old drivers did: the
 * x86 PAT reservation it attaches to the VMA does not survive a partial
 * munmap ("freeing invalid memtype") nor mremap racing a revocation (a
 * WARNING in untrack_pfn), both found by our fuzzer on 6.1 and 6.12; and
 * a VMA populated in mmap() but not yet linked when remove() zaps would
 * keep its pages. Inserting at fault time, under the device lock, has none
 * of these problems; it is what VFIO does.
 */
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>

#include "pcimem_dev.h"

#ifdef PCIMEM_NEED_VM_FLAGS_SET	/* set by Kbuild before 6.3 */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

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

/* Map the whole VMA on its first touch; SIGBUS once the device is gone. */
static vm_fault_t pcimem_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pcimem_bar *bar = vma->vm_private_data;
	struct pcimem_dev *pd = bar->pd;
	unsigned long pfn = (bar->start >> PAGE_SHIFT) + vma->vm_pgoff;
	unsigned long addr;
	vm_fault_t ret = VM_FAULT_NOPAGE;

	down_read(&pd->lock);
	if (!pd->pdev) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE, pfn++) {
		vm_fault_t r = vmf_insert_pfn_prot(vma, addr, pfn, vma->vm_page_prot);

		if (r & VM_FAULT_ERROR) {
			ret = r;
			break;
		}
		/* A huge BAR takes a while: let the CPU and a dying task go. */
		if (IS_ALIGNED(addr + PAGE_SIZE, PMD_SIZE)) {
			if (fatal_signal_pending(current))
				break;
			cond_resched();
		}
	}
out:
	up_read(&pd->lock);
	return ret;
}

static const struct vm_operations_struct pcimem_vm_ops = {
	.open = pcimem_vm_open,
	.close = pcimem_vm_close,
	.fault = pcimem_vm_fault,
#ifdef CONFIG_HAVE_IOREMAP_PROT
	.access = generic_access_phys,	/* lets ptrace and gdb read it */
#endif
};

/* Called once the device is marked gone: no fault can map anything now. */
void pcimem_revoke_mappings(struct pcimem_dev *pd)
{
	unmap_mapping_range(pd->inode->i_mapping, 0, 0, 1);
}

/* The user mapping asks for the kernel mapping's type; PAT enforces it. */
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
	} else if (!(bar->flags & PCIMEM_BAR_MMAP) ||
		   ((vma->vm_flags & VM_MAYWRITE) && !pcimem_bar_may_write(bar))) {
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
	if (!ret) {
		vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
		vma->vm_page_prot = pcimem_pgprot(vma->vm_page_prot, bar->memtype);
		vma->vm_ops = &pcimem_vm_ops;
		vma->vm_private_data = bar;
		atomic_inc(&bar->vmas);
	}
	up_write(&pd->lock);
	return ret;
}
