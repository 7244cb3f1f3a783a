// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: binds PCI devices whose BARs are worth handing to user space
 * (QEMU's ivshmem and edu), maps every BAR for the kernel, seeds plain
 * memory with a pattern and exposes each device as /dev/pcimemN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/io.h>
#include <linux/kdev_t.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pcimem_dev.h"

#define PCIMEM_MINORS		(MINORMASK + 1)
#define PCIMEM_FILL_CHUNK	SZ_16K

static char *pattern = "abcd";
module_param(pattern, charp, 0444);
MODULE_PARM_DESC(pattern,
		 "bytes repeated over the whole memory BAR at probe; empty keeps its contents");

static unsigned int ram_memtype = PCIMEM_MT_WB;

static int pcimem_param_set_memtype(const char *val, const struct kernel_param *kp)
{
	unsigned int memtype;

	if (pcimem_memtype_parse(val, &memtype)) {
		pr_err("%s: \"%s\" is not uc, wc or wb\n", kp->name, val);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = memtype;
	return 0;
}

static int pcimem_param_get_memtype(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", pcimem_memtype_name(*(unsigned int *)kp->arg));
}

static const struct kernel_param_ops pcimem_memtype_ops = {
	.set = pcimem_param_set_memtype,
	.get = pcimem_param_get_memtype,
};
module_param_cb(ram_memtype, &pcimem_memtype_ops, &ram_memtype, 0444);
MODULE_PARM_DESC(ram_memtype,
		 "default memory type of plain-memory (prefetchable) BARs: uc, wc or wb");

/*
 * driver_data indexes pcimem_variants. It is a small number, not a
 * pointer, so that a full new_id line ("1af4 1110 ffffffff ffffffff 0 0 0")
 * can name it: the PCI core accepts only driver_data values in our table.
 */
static const struct pcimem_variant pcimem_variants[] = {
	[PCIMEM_IVSHMEM] = { .kind = PCIMEM_IVSHMEM, .main_bar = 2,
			     .regs_size = IVSHMEM_REGS_SIZE,
			     .read_clears = IVSHMEM_INTR_STATUS },
	[PCIMEM_EDU] = { .kind = PCIMEM_EDU, .main_bar = 0, .regs_size = EDU_REGS_SIZE,
			 .read_clears = -1 },
	[PCIMEM_TESTDEV] = { .kind = PCIMEM_TESTDEV, .main_bar = PCIMEM_MAIN_BAR_PICK,
			     .regs_size = TESTDEV_REGS_SIZE, .read_clears = TESTDEV_STATUS,
			     .ram_bars = true },
};

/* The devices of uapi/pcimem.h's PCIMEM_KNOWN_DEVICES, in its order. */
static const struct pci_device_id pcimem_ids[] = {
	{ PCI_DEVICE(PCIMEM_VENDOR_REDHAT, PCIMEM_DEVICE_IVSHMEM),
	  .driver_data = PCIMEM_IVSHMEM },
	{ PCI_DEVICE(PCIMEM_VENDOR_QEMU, PCIMEM_DEVICE_EDU), .driver_data = PCIMEM_EDU },
	{ PCI_DEVICE(PCIMEM_VENDOR_QEMU, PCIMEM_DEVICE_TESTDEV),
	  .driver_data = PCIMEM_TESTDEV },
	{ }
};

/* A device added to one list and not to the other fails the build. */
static_assert(ARRAY_SIZE(pcimem_ids) - 1 ==
	      sizeof((struct pcimem_known_device[])PCIMEM_KNOWN_DEVICES) /
	      sizeof(struct pcimem_known_device));
MODULE_DEVICE_TABLE(pci, pcimem_ids);

static dev_t pcimem_devt;
static DEFINE_IDA(pcimem_ida);

static struct class pcimem_class = {
	.name = "pcimem",
	.dev_groups = pcimem_groups,
};

/*
 * The last reference is gone: no file of the node is open any more, so
 * its number may go to another device. Freed any earlier, a program that
 * still holds the old node's file would find its number (st_rdev) naming
 * a new device.
 */
static void pcimem_dev_release(struct device *dev)
{
	struct pcimem_dev *pd = to_pcimem_dev(dev);

	if (pd->minor >= 0)
		ida_free(&pcimem_ida, pd->minor);
	iput(pd->inode);
	/* No one can take pd->lock any more: its class may go. */
	lockdep_unregister_key(&pd->lock_key);
	kfree(pd);
}

/*
 * A device bound through new_id or driver_override arrives with a generic
 * id; look it up in our own table so it still gets its variant.
 */
static const struct pcimem_variant *pcimem_variant(struct pci_dev *pdev)
{
	const struct pci_device_id *id = pci_match_id(pcimem_ids, pdev);

	return id ? &pcimem_variants[id->driver_data] : NULL;
}

/* What a BAR is, for a probe error: "absent", "I/O ports", "N bytes of memory". */
static const char *pcimem_bar_what(const struct pcimem_bar *bar, char *buf, size_t len)
{
	if (!bar->flags)
		return "absent";
	if (bar->flags & PCIMEM_BAR_IO)
		snprintf(buf, len, "%llu I/O ports", (unsigned long long)bar->size);
	else if (bar->flags & PCIMEM_BAR_MSIX)
		snprintf(buf, len, "only the MSI-X table (%llu bytes)",
			 (unsigned long long)bar->size);
	else
		snprintf(buf, len, "%llu bytes of memory", (unsigned long long)bar->size);
	return buf;
}

/*
 * A device we know must look as we know it: its registers in a memory
 * BAR0 large enough for every register we touch and clear of the MSI-X
 * table, its main BAR memory the kernel mapped (not only the MSI-X
 * table). A device with an ID of ours and another layout is refused, not
 * half served.
 */
static int pcimem_check_layout(struct pcimem_dev *pd, unsigned int main_bar)
{
	const struct pcimem_variant *v = pd->variant;
	const struct pcimem_bar *regs = &pd->bars[0], *main = &pd->bars[main_bar];
	char what[64];

	if (!(regs->flags & PCIMEM_BAR_MEM) || !regs->kmap || regs->size < v->regs_size) {
		dev_err(&pd->pdev->dev,
			"cannot serve it: its registers need %u bytes of memory in BAR0, which is %s\n",
			v->regs_size, pcimem_bar_what(regs, what, sizeof(what)));
		return -ENODEV;
	}
	if (pcimem_bar_in_hole(regs, 0, v->regs_size)) {
		dev_err(&pd->pdev->dev,
			"cannot serve it: the MSI-X table lies over its registers in BAR0\n");
		return -ENODEV;
	}
	if (!(main->flags & PCIMEM_BAR_MEM) || !main->kmap) {
		dev_err(&pd->pdev->dev,
			"cannot serve it: its main BAR%u must be memory, and is %s\n",
			main_bar, pcimem_bar_what(main, what, sizeof(what)));
		return -ENODEV;
	}
	return 0;
}

/*
 * The BAR a new open file reaches: the variant's; for pcimem-testdev the
 * first mappable BAR of plain memory, else the first other one, else its
 * registers; for a device we do not know, the first mappable BAR.
 */
static int pcimem_pick_main_bar(struct pcimem_dev *pd)
{
	const struct pcimem_variant *v = pd->variant;
	int i, ret;

	if (v && v->main_bar != PCIMEM_MAIN_BAR_PICK) {
		ret = pcimem_check_layout(pd, v->main_bar);
		return ret ?: v->main_bar;
	}
	if (v) {
		ret = pcimem_check_layout(pd, 0);
		if (ret)
			return ret;
		for (i = 1; i < PCI_STD_NUM_BARS; i++)
			if ((pd->bars[i].flags & PCIMEM_BAR_MMAP) &&
			    (pd->bars[i].flags & PCIMEM_BAR_RAM))
				return i;
		for (i = 1; i < PCI_STD_NUM_BARS; i++)
			if (pd->bars[i].kmap)
				return i;
		return 0;
	}
	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		if (pd->bars[i].flags & PCIMEM_BAR_MMAP)
			return i;
	dev_err(&pd->pdev->dev, "no memory BAR to expose\n");
	return -ENODEV;
}

/* Does the device answer as pcimem-testdev, with the register map we know? */
static int pcimem_check_testdev(struct pcimem_dev *pd)
{
	u32 ident = ioread32(pd->bars[0].kmap + TESTDEV_IDENT);
	u32 major = (ident >> TESTDEV_IDENT_MAJOR_SHIFT) & 0xff;

	if (ident >> TESTDEV_IDENT_MAGIC_SHIFT != TESTDEV_IDENT_MAGIC ||
	    major != TESTDEV_IDENT_MAJOR) {
		dev_err(&pd->pdev->dev,
			"not a pcimem-testdev of register map %u: identification reads 0x%08x, expected 0x%04x%02x..\n",
			TESTDEV_IDENT_MAJOR, ident, TESTDEV_IDENT_MAGIC, TESTDEV_IDENT_MAJOR);
		return -ENODEV;
	}
	dev_dbg(&pd->pdev->dev, "pcimem-testdev version %u.%u\n", major, ident & 0xff);
	return 0;
}

/* Does the device answer as edu should? */
static int pcimem_check_edu(struct pcimem_dev *pd)
{
	u32 ident = ioread32(pd->bars[0].kmap + EDU_IDENT);

	if ((ident & EDU_IDENT_MAGIC_MASK) != EDU_IDENT_MAGIC) {
		dev_err(&pd->pdev->dev,
			"not an edu device: identification register reads 0x%08x, expected 0x......%02x\n",
			ident, EDU_IDENT_MAGIC);
		return -ENODEV;
	}
	dev_dbg(&pd->pdev->dev, "edu version %u.%u\n", ident >> 24, (ident >> 16) & 0xff);
	return 0;
}

/*
 * Repeat the pattern over [start, end) of the BAR, a chunk at a time, the
 * byte at offset o being pat[o % plen] wherever the range starts. buf is
 * chunk bytes of the pattern from its first byte, chunk a multiple of plen.
 * Returns the bytes written.
 */
static u64 pcimem_fill_range(struct pcimem_bar *bar, const u8 *buf, size_t chunk,
			     size_t plen, resource_size_t start, resource_size_t end)
{
	resource_size_t off = start;
	u64 k;
	size_t n;

	while (off < end) {
		div64_u64_rem(off, plen, &k);
		n = min_t(resource_size_t, chunk - k, end - off);
		memcpy_toio(bar->kmap + off, buf + k, n);
		off += n;
		cond_resched();
	}
	return start < end ? end - start : 0;
}

/*
 * Repeat the pattern over the BAR, a chunk of whole patterns at a time,
 * around the MSI-X table if it is there. The bytes written and the time
 * the writing took (the loop only, not the set-up) go to pd->fill_bytes
 * and pd->fill_ns, for debugfs.
 */
static int pcimem_fill(struct pcimem_bar *bar, const char *pat)
{
	size_t plen = strlen(pat);
	size_t chunk, i;
	ktime_t t0;
	u64 bytes;
	u8 *buf;

	if (!plen)
		return 0;

	chunk = PCIMEM_FILL_CHUNK - PCIMEM_FILL_CHUNK % plen;
	buf = kmalloc(chunk, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < chunk; i++)
		buf[i] = pat[i % plen];

	t0 = ktime_get();
	if (bar->hole_end) {
		bytes = pcimem_fill_range(bar, buf, chunk, plen, 0, bar->hole_start);
		if (bar->gap_end)
			bytes += pcimem_fill_range(bar, buf, chunk, plen, bar->gap_start,
						   bar->gap_end);
		bytes += pcimem_fill_range(bar, buf, chunk, plen, bar->hole_end, bar->size);
	} else {
		bytes = pcimem_fill_range(bar, buf, chunk, plen, 0, bar->size);
	}
	bar->pd->fill_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	bar->pd->fill_bytes = bytes;
	kfree(buf);
	return 0;
}

static struct pcimem_dev *pcimem_alloc(struct pci_dev *pdev)
{
	struct pcimem_dev *pd = kzalloc(sizeof(*pd), GFP_KERNEL);

	if (!pd)
		return ERR_PTR(-ENOMEM);
	pd->inode = pcimem_fs_new_inode();
	if (IS_ERR(pd->inode)) {
		struct inode *err = pd->inode;

		kfree(pd);
		return ERR_CAST(err);
	}
	lockdep_register_key(&pd->lock_key);
	__init_rwsem(&pd->lock, "&pd->lock", &pd->lock_key);
	init_waitqueue_head(&pd->irq_wait);
	spin_lock_init(&pd->trigger_lock);
	pd->minor = -1;
	pd->variant = pcimem_variant(pdev);

	/* From here on the last put_device() frees pd and its inode. */
	device_initialize(&pd->dev);
	pd->dev.class = &pcimem_class;
	pd->dev.parent = &pdev->dev;
	pd->dev.release = pcimem_dev_release;
	return pd;
}

/*
 * Undo a probe that got as far as claiming the BARs, whatever came after:
 * remove() and every error of probe() from there on end here, so the two
 * cannot drift. The node is gone already, or was never added (or, after a
 * failed cdev_device_add(), an open may have come through a mknod'ed node:
 * it finds the device gone). Every step is a no-op for what was never
 * set up: no mapping, no vector, no kernel mapping of a BAR.
 */
static void pcimem_teardown(struct pcimem_dev *pd, struct pci_dev *pdev)
{
	/* Wait for every operation in flight, then turn the rest away. */
	down_write(&pd->lock);
	WRITE_ONCE(pd->pdev, NULL);
	up_write(&pd->lock);
	wake_up_interruptible_all(&pd->irq_wait);

	/* Revoke user mappings: a later access faults and gets SIGBUS. */
	pcimem_revoke_mappings(pd);

	pcimem_irq_exit(pd, pdev);
	pcimem_bars_unmap(pd, pdev);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	put_device(&pd->dev);
}

static int pcimem_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct pcimem_dev *pd;
	int ret;

	pd = pcimem_alloc(pdev);
	if (IS_ERR(pd))
		return PTR_ERR(pd);

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

	pd->pdev = pdev;
	ret = ida_alloc_max(&pcimem_ida, PCIMEM_MINORS - 1, GFP_KERNEL);
	if (ret < 0)
		goto err_teardown;
	pd->minor = ret;	/* freed with pd, by the last put_device() */

	ret = pcimem_bars_map(pd, ram_memtype);
	if (ret)
		goto err_teardown;

	ret = pcimem_pick_main_bar(pd);
	if (ret < 0)
		goto err_teardown;
	pd->main_bar = ret;

	ret = 0;
	if (pd->variant && pd->variant->kind == PCIMEM_EDU)
		ret = pcimem_check_edu(pd);
	else if (pd->variant && pd->variant->kind == PCIMEM_TESTDEV)
		ret = pcimem_check_testdev(pd);
	if (ret)
		goto err_teardown;

	/* Only memory we know to be memory gets the pattern. */
	if (pd->variant && (pd->bars[pd->main_bar].flags & PCIMEM_BAR_RAM)) {
		ret = pcimem_fill(&pd->bars[pd->main_bar], pattern);
		if (ret)
			goto err_teardown;
	}

	ret = pcimem_irq_init(pd);
	if (ret)
		goto err_teardown;

	pd->dev.devt = MKDEV(MAJOR(pcimem_devt), pd->minor);
	ret = dev_set_name(&pd->dev, "pcimem%d", pd->minor);
	if (ret)
		goto err_teardown;
	cdev_init(&pd->cdev, &pcimem_fops);
	pd->cdev.owner = THIS_MODULE;
	pci_set_drvdata(pdev, pd);
	ret = cdev_device_add(&pd->cdev, &pd->dev);
	if (ret) {
		dev_err(dev, "cannot add /dev/pcimem%d: %d\n", pd->minor, ret);
		goto err_teardown;
	}

	pcimem_debugfs_add(pd);
	dev_info(dev, "BAR%u, %llu KiB at %pa, %s, is /dev/%s\n", pd->main_bar,
		 (unsigned long long)pd->bars[pd->main_bar].size >> 10,
		 &pd->bars[pd->main_bar].start,
		 pcimem_memtype_name(pd->bars[pd->main_bar].memtype), dev_name(&pd->dev));
	return 0;

err_teardown:
	pcimem_teardown(pd, pdev);
	return ret;
err_disable:
	pci_disable_device(pdev);
err_put:
	put_device(&pd->dev);
	return ret;
}

static void pcimem_remove(struct pci_dev *pdev)
{
	struct pcimem_dev *pd = pci_get_drvdata(pdev);

	/* No new opens; the node, its attributes and its number go away now. */
	cdev_device_del(&pd->cdev, &pd->dev);
	pcimem_debugfs_remove(pd);
	pcimem_teardown(pd, pdev);
}

/*
 * A function reset (sysfs reset, FLR, a bus reset): the BARs stop
 * decoding until the PCI core restores them. Every access is held off
 * from reset_prepare() to reset_done() by the device lock, held for
 * writing across the reset (the PCI core calls both from one task, under
 * the device's lock, so remove() cannot come in between): read(),
 * write() and ioctls wait, user mappings are revoked and a touch faults
 * and waits, then maps the BAR again. Interrupts come back with the
 * restored MSI state and our own register state.
 */
static void pcimem_reset_prepare(struct pci_dev *pdev)
{
	struct pcimem_dev *pd = pci_get_drvdata(pdev);

	down_write(&pd->lock);
	pcimem_revoke_mappings(pd);
	dev_dbg(&pdev->dev, "reset: accesses held off\n");
}

static void pcimem_reset_done(struct pci_dev *pdev)
{
	struct pcimem_dev *pd = pci_get_drvdata(pdev);

	pcimem_irq_restore(pd);
	up_write(&pd->lock);
	dev_dbg(&pdev->dev, "reset: done\n");
}

static const struct pci_error_handlers pcimem_err_handlers = {
	.reset_prepare = pcimem_reset_prepare,
	.reset_done = pcimem_reset_done,
};

static struct pci_driver pcimem_driver = {
	.name = KBUILD_MODNAME,
	.id_table = pcimem_ids,
	.probe = pcimem_probe,
	.remove = pcimem_remove,
	.err_handler = &pcimem_err_handlers,
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
	pcimem_debugfs_init();
	ret = pci_register_driver(&pcimem_driver);
	if (ret)
		goto err_fs;
	return 0;

err_fs:
	pcimem_debugfs_exit();
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
	pcimem_debugfs_exit();
	pcimem_fs_exit();
	class_unregister(&pcimem_class);
	unregister_chrdev_region(pcimem_devt, PCIMEM_MINORS);
	ida_destroy(&pcimem_ida);
}
module_exit(pcimem_exit);

MODULE_DESCRIPTION("Map PCI BARs (QEMU ivshmem, edu) into the kernel and user space");
MODULE_AUTHOR("The pcimem developers");
MODULE_LICENSE("GPL");
