// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: mapping a BAR into user space, and taking it back.
 *
 * mmap() checks the window and sets the VMA up, in the memory type of the
 * kernel's own mapping of the BAR, so that the two always agree. A touch
 * faults: the faulting page is mapped first with vmf_insert_pfn_prot(),
 * then up to 32 MiB around it, a page table at a time (pcimem_prefault());
 * where the kernel has huge PFN mappings (6.12), 2 MiB entries
 * are inserted instead wherever the window and the BAR's alignment allow,
 * and mmap(NULL, ...) picks an address that allows them. Every file of a device
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
#include <linux/mman.h>
#include <linux/pfn_t.h>
#include <linux/sched/signal.h>

#include "pcimem_dev.h"

#ifdef PCIMEM_NEED_VM_FLAGS_SET	/* set by Kbuild before 6.3 */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/*
 * One 4 KiB fault maps this much around it at most: a sequential reader of
 * a 256 MiB window takes 8 faults, and no fault holds pd->lock or the
 * mmap lock for the whole of a multi-GiB BAR.
 */
#define PCIMEM_PREFAULT_MAX	SZ_32M

/*
 * Huge entries need the kernel's huge PFN mappings (6.12 and later, with
 * transparent huge pages). 2 MiB ones only: 6.12's core mm cannot split a
 * VMA inside a 1 GiB PFN entry (split_huge_pmd_address() walks into the
 * leaf as if it were a table) and mremap() clears one as a bad PUD, and
 * not every CPU has 1 GiB pages.
 */
#ifdef CONFIG_ARCH_SUPPORTS_HUGE_PFNMAP
#define PCIMEM_HUGE	1
#else
#define PCIMEM_HUGE	0
#endif

bool pcimem_huge_mappings(void)
{
	return PCIMEM_HUGE;
}

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

/* The page frame behind a user address of the VMA. */
static unsigned long pcimem_vma_pfn(struct vm_area_struct *vma, unsigned long addr)
{
	struct pcimem_bar *bar = vma->vm_private_data;

	return (bar->start >> PAGE_SHIFT) + vma->vm_pgoff +
	       ((addr - vma->vm_start) >> PAGE_SHIFT);
}

struct pcimem_prefault {
	struct mm_struct *mm;
	pgprot_t prot;
	unsigned long pfn;		/* of the piece's first page */
	unsigned long nr;		/* its pages, all in one page table */
	long pages;			/* PTEs set */
};

/* What pcimem_prefault_table() returns to stop the walk: not an error. */
#define PCIMEM_PREFAULT_DONE	1

/*
 * apply_to_page_range() callback. It is called with the piece's first PTE,
 * the page table allocated and its lock held: fill every empty entry of
 * the piece at once, leave the others be, and end the walk, so that the
 * walk's per-entry indirect call is paid once per page table.
 */
static int pcimem_prefault_table(pte_t *pte, unsigned long addr, void *data)
{
	struct pcimem_prefault *p = data;
	unsigned long i;

	for (i = 0; i < p->nr; i++, addr += PAGE_SIZE) {
		if (!pte_none(ptep_get(pte + i)))
			continue;
		set_pte_at(p->mm, addr, pte + i, pte_mkspecial(pfn_pte(p->pfn + i, p->prot)));
		p->pages++;
	}
	return PCIMEM_PREFAULT_DONE;
}

/*
 * Best effort, once the faulting page is mapped: map the pages around it,
 * a page table (2 MiB) at a time under its lock, as remap_pfn_range()
 * does, without the per-page PAT lookup and page-table walk of
 * vmf_insert_pfn_prot(). The PAT type needs no lookup: vm_page_prot
 * carries the type of the kernel's own mapping, which holds the range's
 * reservation (see pcimem_bar.c). Stops at once for a dying task, a
 * waiting remove() or another mapper. Where huge entries are possible,
 * only the faulting address's own page table is filled: a neighbouring
 * range may be mapped by a PMD, which apply_to_page_range() must not meet.
 */
static void pcimem_prefault(struct vm_area_struct *vma, unsigned long addr)
{
	struct pcimem_bar *bar = vma->vm_private_data;
	unsigned long span = PCIMEM_HUGE ? PMD_SIZE : PCIMEM_PREFAULT_MAX;
	unsigned long start = max(ALIGN_DOWN(addr, span), vma->vm_start);
	unsigned long end = min(ALIGN_DOWN(addr, span) + span, vma->vm_end);
	struct pcimem_prefault p = { .mm = vma->vm_mm, .prot = vma->vm_page_prot };
	unsigned long s, e;

	lockdep_assert_held_read(&bar->pd->lock);
	for (s = start; s < end; s = e) {
		e = min(ALIGN_DOWN(s, PMD_SIZE) + PMD_SIZE, end);
		if (fatal_signal_pending(current) || rwsem_is_contended(&bar->pd->lock))
			break;
		p.pfn = pcimem_vma_pfn(vma, s);
		p.nr = (e - s) >> PAGE_SHIFT;
		if (apply_to_page_range(vma->vm_mm, s, e - s, pcimem_prefault_table, &p) !=
		    PCIMEM_PREFAULT_DONE)
			break;
	}
	atomic64_add(p.pages, &bar->pd->prefaulted);
}

/*
 * A 4 KiB fault: the faulting page is always mapped (or the fault fails)
 * before anything else is tried, so a copy from inside the kernel that
 * faults with a fatal signal pending completes, and the task dies. SIGBUS
 * once the device is gone.
 */
static vm_fault_t pcimem_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pcimem_bar *bar = vma->vm_private_data;
	struct pcimem_dev *pd = bar->pd;
	unsigned long addr = vmf->address & PAGE_MASK;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	down_read(&pd->lock);
	if (pd->pdev) {
		ret = vmf_insert_pfn_prot(vma, addr, pcimem_vma_pfn(vma, addr),
					  vma->vm_page_prot);
		if (ret == VM_FAULT_NOPAGE) {
			atomic64_inc(&pd->faults[PCIMEM_FAULT_PTE]);
			pcimem_prefault(vma, addr);
		}
	}
	up_read(&pd->lock);
	return ret;
}

#if PCIMEM_HUGE
/*
 * A 2 MiB entry where the whole of it lies in the VMA and the
 * physical address is aligned to its size (vfio-pci's two fixes: fall back
 * for an unaligned PFN, and map the entry's own first PFN, not the
 * faulting one's); anything else falls back to the next smaller size.
 */
static vm_fault_t pcimem_vm_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pcimem_bar *bar = vma->vm_private_data;
	struct pcimem_dev *pd = bar->pd;
	unsigned long size = PAGE_SIZE << order;
	unsigned long addr = ALIGN_DOWN(vmf->address, size);
	unsigned long pfn = pcimem_vma_pfn(vma, addr);
	vm_fault_t ret = VM_FAULT_SIGBUS;

	if (!order)
		return pcimem_vm_fault(vmf);
	if (addr < vma->vm_start || addr + size > vma->vm_end ||
	    !IS_ALIGNED(pfn, 1UL << order))
		return VM_FAULT_FALLBACK;

	down_read(&pd->lock);
	if (!pd->pdev)
		goto out;
	switch (order) {
	case PMD_ORDER:
		ret = vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV),
					 vmf->flags & FAULT_FLAG_WRITE);
		if (ret == VM_FAULT_NOPAGE)
			atomic64_inc(&pd->faults[PCIMEM_FAULT_PMD]);
		break;
	default:
		ret = VM_FAULT_FALLBACK;
	}
out:
	up_read(&pd->lock);
	return ret;
}

/*
 * mmap(NULL, ...) gets an address congruent to the BAR's physical address
 * modulo 2 MiB for a window that can hold a 2 MiB entry, so that huge
 * faults can succeed. A fixed or hinted address is the caller's choice.
 */
unsigned long pcimem_get_unmapped_area(struct file *file, unsigned long addr,
				       unsigned long len, unsigned long pgoff,
				       unsigned long flags)
{
	struct pcimem_file *pf = file->private_data;
	struct pcimem_bar *bar = READ_ONCE(pf->bar);
	unsigned long align = 0, phys, ret;

	if (len >= PMD_SIZE)
		align = PMD_SIZE;
	if (!align || addr || (flags & MAP_FIXED) || len + align < len ||
	    pgoff >= (bar->size >> PAGE_SHIFT))
		return mm_get_unmapped_area(current->mm, NULL, addr, len, 0, flags);

	phys = bar->start + (pgoff << PAGE_SHIFT);
	ret = mm_get_unmapped_area(current->mm, NULL, 0, len + align, 0, flags);
	if (IS_ERR_VALUE(ret))
		return mm_get_unmapped_area(current->mm, NULL, 0, len, 0, flags);
	return ret + ((phys - ret) & (align - 1));
}
#endif /* PCIMEM_HUGE */

static const struct vm_operations_struct pcimem_vm_ops = {
	.open = pcimem_vm_open,
	.close = pcimem_vm_close,
	.fault = pcimem_vm_fault,
#if PCIMEM_HUGE
	.huge_fault = pcimem_vm_huge_fault,
#endif
#ifdef CONFIG_HAVE_IOREMAP_PROT
	.access = generic_access_phys,	/* lets ptrace and gdb read it */
#endif
};

/* Called once the device is marked gone: no fault can map anything now. */
void pcimem_revoke_mappings(struct pcimem_dev *pd)
{
	unmap_mapping_range(pd->inode->i_mapping, 0, 0, 1);
}

/*
 * The user mapping takes the kernel mapping's type. On x86, its very cache
 * bits, read back from the kernel's page table, as track_pfn_insert()
 * would set them: uncached and uncached-minus stay apart.
 */
static pgprot_t pcimem_pgprot(pgprot_t prot, const struct pcimem_bar *bar)
{
#ifdef CONFIG_X86
	return __pgprot((pgprot_val(prot) & ~_PAGE_CACHE_MASK) | bar->cachebits);
#else
	switch (bar->memtype) {
	case PCIMEM_MT_WB:
		return prot;
	case PCIMEM_MT_WC:
		return pgprot_writecombine(prot);
	default:
		return pgprot_noncached(prot);	/* uncached-minus, as ioremap() */
	}
#endif
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
	ret = pcimem_locked_down();
	if (ret)
		return ret;

	down_write(&pd->lock);
	bar = pf->bar;
	bar_pages = bar->size >> PAGE_SHIFT;
	if (!pd->pdev) {
		ret = -ENODEV;
	} else if (!(bar->flags & PCIMEM_BAR_MMAP) ||
		   ((vma->vm_flags & VM_MAYWRITE) && !pcimem_bar_may_write(file, bar))) {
		ret = -EPERM;
	} else if (vma->vm_pgoff >= bar_pages ||
		   vma_pages(vma) > bar_pages - vma->vm_pgoff) {
		ret = -EINVAL;
	} else if (!(file->f_mode & FMODE_WRITE) &&
		   pcimem_read_clears(pd, bar, (loff_t)vma->vm_pgoff << PAGE_SHIFT,
				      vma->vm_end - vma->vm_start)) {
		ret = -EPERM;	/* a load would clear it: read() refuses it too */
	} else if (pcimem_bar_in_hole(bar, (resource_size_t)vma->vm_pgoff << PAGE_SHIFT,
				      vma->vm_end - vma->vm_start)) {
		ret = -EPERM;	/* the MSI-X table is the kernel's (no IOMMU to fence it) */
	} else if (pf->memtype != bar->memtype) {
		/* One type per range: switch only while nobody maps the BAR. */
		ret = atomic_read(&bar->vmas) ? -EBUSY :
		      pcimem_bar_set_memtype(bar, pf->memtype);
	} else {
		ret = 0;
	}
	if (!ret) {
		vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
		/* Decrypted, as io_remap_pfn_range(): SEV and TDX guests reach the BAR. */
		vma->vm_page_prot = pgprot_decrypted(pcimem_pgprot(vma->vm_page_prot, bar));
		vma->vm_ops = &pcimem_vm_ops;
		vma->vm_private_data = bar;
		atomic_inc(&bar->vmas);
	}
	up_write(&pd->lock);
	return ret;
}
