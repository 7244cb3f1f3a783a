// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: the BARs of a bound device. What each one is (plain memory,
 * registers, I/O ports, the MSI-X table), its kernel mapping, and the one
 * memory type that mapping shares with every user mapping of the BAR, so
 * that x86 PAT never sees two types for the same range.
 */
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/string.h>

#ifdef CONFIG_X86
#include <asm/pgtable.h>
#endif

#include "pcimem_dev.h"

static const char *const pcimem_memtype_names[] = PCIMEM_MT_NAMES;

const char *pcimem_memtype_name(unsigned int memtype)
{
	return memtype < ARRAY_SIZE(pcimem_memtype_names) ?
	       pcimem_memtype_names[memtype] : "?";
}

int pcimem_memtype_parse(const char *s, unsigned int *memtype)
{
	int i = sysfs_match_string(pcimem_memtype_names, s);

	if (i < 0)
		return -EINVAL;
	*memtype = i;
	return 0;
}

/*
 * Registers and I/O ports are never cached or combined. Prefetchable
 * memory may be combined; only memory known to be RAM (ivshmem's shared
 * memory) may be cached: write-back on a framebuffer or a device's buffer
 * would let stores sit in the cache, unseen by the device.
 */
bool pcimem_memtype_allowed(const struct pcimem_bar *bar, unsigned int memtype)
{
	/*
	 * The MSI code maps the table uncached: one type per range. A BAR
	 * off page boundaries shares a page with a neighbour, whose
	 * ioremap() would meet our type there: uncached, as any other's. (A
	 * BAR that is only the MSI-X table is not mapped either; never ours.)
	 */
	if (bar->flags & PCIMEM_BAR_MSIX_HOLE ||
	    !(bar->flags & (PCIMEM_BAR_MMAP | PCIMEM_BAR_MSIX)))
		return memtype == PCIMEM_MT_UC;
	switch (memtype) {
	case PCIMEM_MT_UC:
		return true;
	case PCIMEM_MT_WC:
		return bar->flags & PCIMEM_BAR_RAM;
	case PCIMEM_MT_WB:
		return (bar->flags & PCIMEM_BAR_RAM) && bar->known_ram;
	default:
		return false;
	}
}

/*
 * The memory type the kernel really gave its mapping of a memory BAR. x86
 * PAT may answer a request with another type and tell nobody: an MTRR that
 * says uncached (the 32-bit PCI hole, on QEMU's PCs) turns write-back into
 * uncached-minus, and an earlier reservation of the range wins. The
 * kernel's page table says what it did; its cache bits, in 4 KiB form, go
 * to *cachebits for the user mappings. Elsewhere, the type asked for.
 */
static int pcimem_kmap_memtype(void __iomem *kmap, unsigned int asked,
			       unsigned long *cachebits)
{
#ifdef CONFIG_X86
	unsigned int level;
	pte_t *pte = lookup_address((unsigned long)(__force void *)kmap, &level);
	pgprotval_t cm;

	if (!pte)
		return -EIO;
	/* ioremap() maps with 2 MiB and 1 GiB entries where it can. */
	if (level == PG_LEVEL_4K)
		cm = pte_flags(*pte);
	else if (level == PG_LEVEL_2M)
		cm = protval_large_2_4k(pmd_flags(*(pmd_t *)pte));
	else
		cm = protval_large_2_4k(pud_flags(*(pud_t *)pte));
	cm &= _PAGE_CACHE_MASK;
	*cachebits = cm;
	if (cm == cachemode2protval(_PAGE_CACHE_MODE_WB))
		return PCIMEM_MT_WB;
	/* Uncached first: without PAT, write-combining has uncached's bits. */
	if (cm == cachemode2protval(_PAGE_CACHE_MODE_UC_MINUS) ||
	    cm == cachemode2protval(_PAGE_CACHE_MODE_UC))
		return PCIMEM_MT_UC;
	if (cm == cachemode2protval(_PAGE_CACHE_MODE_WC))
		return PCIMEM_MT_WC;
	return -EIO;	/* write-through or write-protect: not ours */
#else
	*cachebits = 0;
	return asked;
#endif
}

static void __iomem *pcimem_ioremap(struct pci_dev *pdev, struct pcimem_bar *bar,
				    unsigned int memtype)
{
	switch (memtype) {
	case PCIMEM_MT_WC:
		return pci_iomap_wc(pdev, bar->index, 0);
	case PCIMEM_MT_WB:
		return ioremap_cache(bar->start, bar->size);
	default:
		return pci_iomap(pdev, bar->index, 0);
	}
}

/* Where the MSI-X table and its pending bits lie: BAR, offset, bytes. */
struct pcimem_msix_part {
	unsigned int bar;
	resource_size_t offset, len;
};

/* The table (parts[0]) and the pending bits (parts[1]); 0 without MSI-X. */
static int pcimem_msix_parts(struct pci_dev *pdev, struct pcimem_msix_part parts[2])
{
	u32 table, pba;
	int nvec;

	if (!pdev->msix_cap)
		return 0;
	nvec = pci_msix_vec_count(pdev);
	if (nvec <= 0)
		return 0;
	pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE, &table);
	pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_PBA, &pba);
	parts[0].bar = table & PCI_MSIX_TABLE_BIR;
	parts[0].offset = table & PCI_MSIX_TABLE_OFFSET;
	parts[0].len = (resource_size_t)nvec * PCI_MSIX_ENTRY_SIZE;
	parts[1].bar = pba & PCI_MSIX_PBA_BIR;
	parts[1].offset = pba & PCI_MSIX_PBA_OFFSET;
	parts[1].len = DIV_ROUND_UP(nvec, 64) * sizeof(u64);
	return 2;
}

/*
 * Widen the BAR's hole to the pages of [offset, offset + len). A part that
 * does not fit in the BAR (a device that contradicts itself) takes all of
 * it. Pages between the table's and the PBA's are the BAR's as any other:
 * the gap. The caller has zeroed the hole and the gap and set the size.
 */
static void pcimem_hole_add(struct pcimem_bar *bar, resource_size_t offset,
			    resource_size_t len)
{
	resource_size_t s = ALIGN_DOWN(offset, PAGE_SIZE), e;

	if (offset >= bar->size || len > bar->size - offset) {
		s = 0;
		e = bar->size;
	} else {
		e = min_t(resource_size_t, ALIGN(offset + len, PAGE_SIZE), bar->size);
	}
	if (bar->hole_end) {
		if (s > bar->hole_end) {
			bar->gap_start = bar->hole_end;
			bar->gap_end = s;
		} else if (e < bar->hole_start) {
			bar->gap_start = e;
			bar->gap_end = bar->hole_start;
		}
		s = min(s, bar->hole_start);
		e = max(e, bar->hole_end);
	}
	bar->hole_start = s;
	bar->hole_end = e;
}

/*
 * Plain memory: the RAM of a device we know (ivshmem's BAR2, every BAR but
 * the registers of pcimem-testdev), else any prefetchable BAR; any other
 * memory BAR holds registers, reached 32 bits at a time. A BAR that is
 * nothing but the MSI-X table is never touched; one that holds the table
 * beside other things is served around it, uncached, so the MSI code's
 * own uncached mapping of the table agrees with ours.
 */
static void pcimem_bar_classify(struct pcimem_dev *pd, struct pcimem_bar *bar,
				const struct pcimem_msix_part *parts, int nparts,
				unsigned int ram_memtype)
{
	const struct pcimem_variant *v = pd->variant;
	struct pci_dev *pdev = pd->pdev;
	unsigned long flags = pci_resource_flags(pdev, bar->index);
	bool ram;
	int i;

	bar->start = pci_resource_start(pdev, bar->index);
	bar->size = pci_resource_len(pdev, bar->index);
	bar->flags = 0;
	bar->width = 1;
	bar->def_memtype = PCIMEM_MT_UC;
	bar->known_ram = false;
	bar->hole_start = 0;
	bar->hole_end = 0;
	bar->gap_start = 0;
	bar->gap_end = 0;
	if (!bar->size)
		return;

	if (flags & IORESOURCE_IO) {
		bar->flags = PCIMEM_BAR_IO;
	} else if (flags & IORESOURCE_MEM) {
		bar->flags = PCIMEM_BAR_MEM;
		if (flags & IORESOURCE_MEM_64)
			bar->flags |= PCIMEM_BAR_64BIT;
		if (flags & IORESOURCE_PREFETCH)
			bar->flags |= PCIMEM_BAR_PREFETCH;
		/* RAM is what a device we know says it is; others may combine. */
		if (v && v->ram_bars) {
			bar->known_ram = bar->index != 0;
			ram = bar->known_ram;
		} else {
			ram = flags & IORESOURCE_PREFETCH;
			bar->known_ram = ram && v && v->main_bar == (int)bar->index;
		}
		if (ram) {
			bar->flags |= PCIMEM_BAR_RAM;
			bar->def_memtype = ram_memtype;
			if (!bar->known_ram && ram_memtype == PCIMEM_MT_WB)
				bar->def_memtype = PCIMEM_MT_WC;
		} else {
			bar->flags |= PCIMEM_BAR_REGS;
			bar->width = 4;
		}
		/* A BAR smaller than a page shares it with whatever follows. */
		if (PAGE_ALIGNED(bar->start) && PAGE_ALIGNED(bar->size))
			bar->flags |= PCIMEM_BAR_MMAP;
		else
			bar->def_memtype = PCIMEM_MT_UC;
	}
	for (i = 0; i < nparts; i++)
		if (parts[i].bar == bar->index)
			pcimem_hole_add(bar, parts[i].offset, parts[i].len);
	if (bar->hole_end && !bar->hole_start && bar->hole_end == bar->size) {
		bar->flags = (bar->flags & ~PCIMEM_BAR_MMAP) | PCIMEM_BAR_MSIX;
	} else if (bar->hole_end) {
		bar->flags |= PCIMEM_BAR_MSIX_HOLE;
		bar->def_memtype = PCIMEM_MT_UC;
	}
	bar->memtype = bar->def_memtype;
}

/* Does [pos, pos + n) of the BAR meet its MSI-X hole (not its gap)? */
bool pcimem_bar_in_hole(const struct pcimem_bar *bar, resource_size_t pos,
			resource_size_t n)
{
	if (!bar->hole_end || pos >= bar->hole_end || pos + n <= bar->hole_start)
		return false;
	return !(bar->gap_end && pos >= bar->gap_start && pos + n <= bar->gap_end);
}

int pcimem_bars_map(struct pcimem_dev *pd, unsigned int ram_memtype)
{
	struct pci_dev *pdev = pd->pdev;
	struct pcimem_msix_part parts[2];
	int nparts = pcimem_msix_parts(pdev, parts);
	int i, mt;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		struct pcimem_bar *bar = &pd->bars[i];

		bar->pd = pd;
		bar->index = i;
		atomic_set(&bar->vmas, 0);
		pcimem_bar_classify(pd, bar, parts, nparts, ram_memtype);
		if (!bar->flags || (bar->flags & PCIMEM_BAR_MSIX))
			continue;
		bar->kmap = pcimem_ioremap(pdev, bar, bar->memtype);
		if (!bar->kmap) {
			dev_err(&pdev->dev, "cannot map BAR%d (%s)\n", i,
				pcimem_memtype_name(bar->memtype));
			pcimem_bars_unmap(pd, pdev);
			return -ENOMEM;
		}
		if (bar->flags & PCIMEM_BAR_IO)
			continue;
		/* Report, and map user space with, what the kernel really did. */
		mt = pcimem_kmap_memtype(bar->kmap, bar->memtype, &bar->cachebits);
		if (mt < 0) {
			dev_err(&pdev->dev, "BAR%d: the kernel mapped it with a memory type we do not use\n",
				i);
			pcimem_bars_unmap(pd, pdev);
			return mt;
		}
		if (mt != bar->memtype)
			dev_info(&pdev->dev, "BAR%d: asked for %s, the kernel mapped it %s\n", i,
				 pcimem_memtype_name(bar->memtype), pcimem_memtype_name(mt));
		bar->memtype = mt;
		bar->def_memtype = mt;
	}
	return 0;
}

void pcimem_bars_unmap(struct pcimem_dev *pd, struct pci_dev *pdev)
{
	int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (pd->bars[i].kmap)
			pci_iounmap(pdev, pd->bars[i].kmap);
		pd->bars[i].kmap = NULL;
	}
}

/*
 * Remap the BAR for the kernel with another memory type. The caller holds
 * pd->lock for writing and has made sure no user mapping of the BAR exists.
 * The old mapping goes first: PAT allows one type per range at a time.
 * -EOPNOTSUPP if the kernel would give another type than asked (see
 * pcimem_kmap_memtype()); the BAR keeps its old type then.
 */
int pcimem_bar_set_memtype(struct pcimem_bar *bar, unsigned int memtype)
{
	struct pcimem_dev *pd = bar->pd;
	struct pci_dev *pdev = pd->pdev;
	unsigned long cachebits;
	void __iomem *kmap;
	int ret = -ENOMEM;

	lockdep_assert_held_write(&pd->lock);
	if (memtype == bar->memtype)
		return 0;
	/* The interrupt handlers read BAR0 without the lock: it stays put. */
	if (bar->index == 0 && pd->irq_mode != PCIMEM_IRQ_NONE)
		return -EBUSY;
	if (bar->kmap)
		pci_iounmap(pdev, bar->kmap);
	kmap = pcimem_ioremap(pdev, bar, memtype);
	if (kmap && pcimem_kmap_memtype(kmap, memtype, &cachebits) == memtype) {
		bar->kmap = kmap;
		bar->memtype = memtype;
		bar->cachebits = cachebits;
		return 0;
	}
	if (kmap) {
		pci_iounmap(pdev, kmap);
		ret = -EOPNOTSUPP;
	}
	bar->kmap = pcimem_ioremap(pdev, bar, bar->memtype);
	dev_dbg(&pdev->dev, "cannot map BAR%u %s: %d\n", bar->index,
		pcimem_memtype_name(memtype), ret);
	return bar->kmap ? ret : -EIO;
}

/*
 * Copy between a kernel buffer and the BAR, with the BAR's access width.
 * The caller holds pd->lock for reading and has checked the range (and,
 * for registers, its alignment).
 */
void pcimem_bar_read(struct pcimem_bar *bar, void *buf, loff_t pos, size_t n)
{
	void __iomem *p = bar->kmap + pos;
	size_t i;

	lockdep_assert_held_read(&bar->pd->lock);
	if (bar->flags & PCIMEM_BAR_IO) {
		for (i = 0; i < n; i++)
			((u8 *)buf)[i] = ioread8(p + i);
	} else if (bar->width == 4) {
		for (i = 0; i < n; i += 4)
			*(u32 *)(buf + i) = ioread32(p + i);
	} else {
		memcpy_fromio(buf, p, n);
	}
}

/* As pcimem_bar_read(), the other way. */

void pcimem_bar_write(struct pcimem_bar *bar, const void *buf, loff_t pos, size_t n)
{
	void __iomem *p = bar->kmap + pos;
	size_t i;

	lockdep_assert_held_read(&bar->pd->lock);
	if (bar->flags & PCIMEM_BAR_IO) {
		for (i = 0; i < n; i++)
			iowrite8(((const u8 *)buf)[i], p + i);
	} else if (bar->width == 4) {
		for (i = 0; i < n; i += 4)
			iowrite32(*(const u32 *)(buf + i), p + i);
	} else {
		memcpy_toio(p, buf, n);
	}
}
