// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: binds PCI devices whose memory BAR is worth handing to user
 * space (QEMU's ivshmem), maps the BAR for the kernel, seeds it with a
 * pattern and exposes it as /dev/pcimemN.
 */
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/kdev_t.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pcimem.h"
#include "uapi/pcimem.h"

#define PCIMEM_MINORS		(MINORMASK + 1)
#define PCIMEM_FILL_CHUNK	SZ_16K

static char *pattern = "abcd";
module_param(pattern, charp, 0444);
MODULE_PARM_DESC(pattern,
		 "bytes repeated over the whole memory BAR at probe; empty keeps its contents");

/* What we know of a supported device: which BAR is its memory. */
struct pcimem_variant {
	unsigned int bar;
	bool is_ram;		/* plain memory: safe to seed with the pattern */
};

/*
 * driver_data indexes this table. It is a small number, not a pointer, so
 * that a full new_id line ("1af4 1110 ffffffff ffffffff 0 0 0") can name
 * it: the PCI core accepts only driver_data values found in our table.
 */
enum { PCIMEM_IVSHMEM };

static const struct pcimem_variant pcimem_variants[] = {
	[PCIMEM_IVSHMEM] = { .bar = 2, .is_ram = true },
};

static const struct pci_device_id pcimem_ids[] = {
	{ PCI_DEVICE(0x1af4, 0x1110), .driver_data = PCIMEM_IVSHMEM },
	{ }
};
MODULE_DEVICE_TABLE(pci, pcimem_ids);

static dev_t pcimem_devt;
static DEFINE_IDA(pcimem_ida);

static struct class pcimem_class = {
	.name = "pcimem",
};

static void pcimem_dev_release(struct device *dev)
{
	struct pcimem_dev *pd = to_pcimem_dev(dev);

	iput(pd->inode);
	kfree(pd);
}

/*
 * A device bound through new_id or driver_override arrives with a generic
 * id; look it up in our own table so it still gets its variant. Devices we
 * do not know get their first page-sized memory BAR and no pattern.
 */
static const struct pcimem_variant *pcimem_variant(struct pci_dev *pdev)
{
	const struct pci_device_id *id = pci_match_id(pcimem_ids, pdev);

	return id ? &pcimem_variants[id->driver_data] : NULL;
}

static int pcimem_pick_bar(struct pci_dev *pdev, const struct pcimem_variant *v)
{
	int bar;

	if (v)
		return v->bar;
	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		if ((pci_resource_flags(pdev, bar) & IORESOURCE_MEM) &&
		    pci_resource_len(pdev, bar) >= PAGE_SIZE)
			return bar;
	return -ENODEV;
}

static unsigned int pcimem_bar_flags(struct pci_dev *pdev, unsigned int bar)
{
	unsigned long flags = pci_resource_flags(pdev, bar);
	unsigned int ret = 0;

	if (flags & IORESOURCE_MEM)
		ret |= PCIMEM_BAR_MEM;
	if (flags & IORESOURCE_PREFETCH)
		ret |= PCIMEM_BAR_PREFETCH;
	if (flags & IORESOURCE_MEM_64)
		ret |= PCIMEM_BAR_64BIT;
	if ((flags & IORESOURCE_MEM) && PAGE_ALIGNED(pci_resource_start(pdev, bar)) &&
	    PAGE_ALIGNED(pci_resource_len(pdev, bar)))
		ret |= PCIMEM_BAR_MMAP;
	return ret;
}

/* Repeat the pattern over the BAR, a chunk of whole patterns at a time. */
static int pcimem_fill(struct pcimem_dev *pd, const char *pat)
{
	size_t plen = strlen(pat);
	size_t chunk, off, i;
	u8 *buf;

	if (!plen)
		return 0;

	chunk = PCIMEM_FILL_CHUNK - PCIMEM_FILL_CHUNK % plen;
	buf = kmalloc(chunk, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < chunk; i++)
		buf[i] = pat[i % plen];

	for (off = 0; off < pd->bar_size; off += chunk) {
		memcpy_toio(pd->base + off, buf, min_t(resource_size_t, chunk,
						       pd->bar_size - off));
		cond_resched();
	}
	kfree(buf);
	return 0;
}

static int pcimem_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	const struct pcimem_variant *v = pcimem_variant(pdev);
	struct device *dev = &pdev->dev;
	struct pcimem_dev *pd;
	int bar, ret;

	bar = pcimem_pick_bar(pdev, v);
	if (bar < 0) {
		dev_err(dev, "no memory BAR of at least a page to expose\n");
		return bar;
	}
	if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM) ||
	    !pci_resource_len(pdev, bar)) {
		dev_err(dev, "BAR%d is not an assigned memory BAR\n", bar);
		return -ENODEV;
	}

	pd = kzalloc(sizeof(*pd), GFP_KERNEL);
	if (!pd)
		return -ENOMEM;
	init_rwsem(&pd->lock);
	pd->pdev = pdev;
	pd->bar = bar;
	pd->bar_start = pci_resource_start(pdev, bar);
	pd->bar_size = pci_resource_len(pdev, bar);
	pd->bar_flags = pcimem_bar_flags(pdev, bar);

	pd->inode = pcimem_fs_new_inode();
	if (IS_ERR(pd->inode)) {
		ret = PTR_ERR(pd->inode);
		kfree(pd);
		return ret;
	}

	/* From here on the last put_device() frees pd and its inode. */
	device_initialize(&pd->dev);
	pd->dev.class = &pcimem_class;
	pd->dev.parent = dev;
	pd->dev.release = pcimem_dev_release;

	ret = pci_enable_device(pdev);
	if (ret) {
		dev_err(dev, "cannot enable device: %d\n", ret);
		goto err_put;
	}

	/* Claim every BAR, so nothing else (/dev/mem included) maps them. */
	ret = pci_request_regions(pdev, KBUILD_MODNAME);
	if (ret) {
		dev_err(dev, "cannot claim BARs: %d\n", ret);
		goto err_disable;
	}

	pd->base = pci_iomap(pdev, bar, 0);
	if (!pd->base) {
		dev_err(dev, "cannot map BAR%d\n", bar);
		ret = -ENOMEM;
		goto err_release;
	}

	if (v && v->is_ram) {
		ret = pcimem_fill(pd, pattern);
		if (ret)
			goto err_unmap;
	}

	ret = ida_alloc_max(&pcimem_ida, PCIMEM_MINORS - 1, GFP_KERNEL);
	if (ret < 0)
		goto err_unmap;
	pd->minor = ret;
	pd->dev.devt = MKDEV(MAJOR(pcimem_devt), pd->minor);
	ret = dev_set_name(&pd->dev, "pcimem%d", pd->minor);
	if (ret)
		goto err_ida;

	cdev_init(&pd->cdev, &pcimem_fops);
	pd->cdev.owner = THIS_MODULE;
	pci_set_drvdata(pdev, pd);
	ret = cdev_device_add(&pd->cdev, &pd->dev);
	if (ret) {
		dev_err(dev, "cannot add /dev/pcimem%d: %d\n", pd->minor, ret);
		goto err_ida;
	}

	dev_info(dev, "BAR%d, %llu KiB at %pa, is /dev/%s\n", bar,
		 (unsigned long long)pd->bar_size >> 10, &pd->bar_start,
		 dev_name(&pd->dev));
	return 0;

err_ida:
	ida_free(&pcimem_ida, pd->minor);
err_unmap:
	pci_iounmap(pdev, pd->base);
err_release:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_put:
	put_device(&pd->dev);
	return ret;
}

static void pcimem_remove(struct pci_dev *pdev)
{
	struct pcimem_dev *pd = pci_get_drvdata(pdev);

	/* No new opens; the node and its number go away now. */
	cdev_device_del(&pd->cdev, &pd->dev);

	/* Wait for every operation in flight, then turn the rest away. */
	down_write(&pd->lock);
	pd->pdev = NULL;
	up_write(&pd->lock);

	/* Revoke user mappings: a later access faults and gets SIGBUS. */
	unmap_mapping_range(pd->inode->i_mapping, 0, 0, 1);

	pci_iounmap(pdev, pd->base);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	ida_free(&pcimem_ida, pd->minor);
	put_device(&pd->dev);
}

static struct pci_driver pcimem_driver = {
	.name = KBUILD_MODNAME,
	.id_table = pcimem_ids,
	.probe = pcimem_probe,
	.remove = pcimem_remove,
};

static int __init pcimem_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&pcimem_devt, 0, PCIMEM_MINORS, KBUILD_MODNAME);
	if (ret)
		return ret;
	ret = class_register(&pcimem_class);
	if (ret)
		goto err_chrdev;
	ret = pcimem_fs_init();
	if (ret)
		goto err_class;
	ret = pci_register_driver(&pcimem_driver);
	if (ret)
		goto err_fs;
	return 0;

err_fs:
	pcimem_fs_exit();
err_class:
	class_unregister(&pcimem_class);
err_chrdev:
	unregister_chrdev_region(pcimem_devt, PCIMEM_MINORS);
	return ret;
}
module_init(pcimem_init);

static void __exit pcimem_exit(void)
{
	pci_unregister_driver(&pcimem_driver);
	pcimem_fs_exit();
	class_unregister(&pcimem_class);
	unregister_chrdev_region(pcimem_devt, PCIMEM_MINORS);
	ida_destroy(&pcimem_ida);
}
module_exit(pcimem_exit);

MODULE_DESCRIPTION("Map PCI memory BARs (QEMU ivshmem) into the kernel and user space");
MODULE_AUTHOR("The pcimem developers");
MODULE_LICENSE("GPL");
