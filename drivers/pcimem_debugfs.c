// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: debugfs, for tests, benchmarks and the curious. Each device has
 * a directory /sys/kernel/debug/pcimem/pcimemN/ of read-only files:
 *
 * faults counts the user faults the device answered, by the size of what
 * each one mapped, and the pages mapped ahead of 4 KiB faults:
 *
 *	pte 3
 *	pmd 8
 *	prefault 8189
 *	huge pmd
 *
 * The last line says whether this kernel lets the driver use 2 MiB entries
 * at all ("huge none" where it has no huge PFN mappings; THP settings may
 * still refuse them).
 *
 * probe_fill: the pattern fill at probe, "bytes=N ns=N": the bytes it
 * wrote to the main BAR and the nanoseconds its loop took ("bytes=0 ns=0"
 * with pattern= empty, or for a BAR that is not plain memory).
 *
 * ram_memset: its anchor, taken when read: a memset() of as many bytes of
 * kernel memory (vmalloc'ed, written once first so that it is backed and
 * warm), timed the same way: "bytes=N ns=N". ENOMEM if there is not that
 * much to spare.
 *
 * Not an ABI, but make bench reads probe_fill and ram_memset as above.
 */
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "pcimem_dev.h"

/* ram_memset writes this much between two cond_resched() */
#define PCIMEM_MEMSET_CHUNK	SZ_1M

static struct dentry *pcimem_debugfs_root;

static int pcimem_faults_show(struct seq_file *s, void *unused)
{
	struct pcimem_dev *pd = s->private;

	seq_printf(s, "pte %lld\npmd %lld\nprefault %lld\n",
		   (long long)atomic64_read(&pd->faults[PCIMEM_FAULT_PTE]),
		   (long long)atomic64_read(&pd->faults[PCIMEM_FAULT_PMD]),
		   (long long)atomic64_read(&pd->prefaulted));
	seq_printf(s, "huge %s\n", pcimem_huge_mappings() ? "pmd" : "none");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pcimem_faults);

/* fill_bytes and fill_ns are fixed at probe, before this file exists. */
static int pcimem_probe_fill_show(struct seq_file *s, void *unused)
{
	struct pcimem_dev *pd = s->private;

	seq_printf(s, "bytes=%llu ns=%llu\n", pd->fill_bytes, pd->fill_ns);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pcimem_probe_fill);

/*
 * memset() of [buf, buf + len) with @c, a chunk at a time; -EINTR when the
 * reader is being killed, so that remove(), which waits for readers of
 * this file, never waits for a whole BAR's worth.
 */
static int pcimem_memset_chunks(u8 *buf, int c, size_t len)
{
	size_t off, n;

	for (off = 0; off < len; off += n) {
		n = min_t(size_t, len - off, PCIMEM_MEMSET_CHUNK);
		memset(buf + off, c, n);
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

static int pcimem_ram_memset_show(struct seq_file *s, void *unused)
{
	struct pcimem_dev *pd = s->private;
	size_t len = pd->fill_bytes;
	ktime_t t0;
	int err;
	u64 ns;
	u8 *buf;

	if (len != pd->fill_bytes)
		return -ENOMEM;		/* more than this kernel can address */
	if (!len) {
		seq_puts(s, "bytes=0 ns=0\n");
		return 0;
	}
	/* A size vmalloc cannot have fails here (root only: 0400). */
	buf = __vmalloc(len, GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL);
	if (!buf)
		return -ENOMEM;
	err = pcimem_memset_chunks(buf, 0, len);	/* backed, in the TLB */
	t0 = ktime_get();
	if (!err)
		err = pcimem_memset_chunks(buf, 0x5a, len);
	ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	vfree(buf);
	if (err)
		return err;
	seq_printf(s, "bytes=%zu ns=%llu\n", len, ns);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pcimem_ram_memset);

void pcimem_debugfs_init(void)
{
	pcimem_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
}

void pcimem_debugfs_exit(void)
{
	debugfs_remove_recursive(pcimem_debugfs_root);
}

/* debugfs failures are not errors: the device works without it. */
void pcimem_debugfs_add(struct pcimem_dev *pd)
{
	pd->debugfs = debugfs_create_dir(dev_name(&pd->dev), pcimem_debugfs_root);
	debugfs_create_file("faults", 0400, pd->debugfs, pd, &pcimem_faults_fops);
	debugfs_create_file("probe_fill", 0400, pd->debugfs, pd, &pcimem_probe_fill_fops);
	debugfs_create_file("ram_memset", 0400, pd->debugfs, pd, &pcimem_ram_memset_fops);
}

/* Waits for readers; after it, no file of ours reaches pd. */
void pcimem_debugfs_remove(struct pcimem_dev *pd)
{
	debugfs_remove_recursive(pd->debugfs);
	pd->debugfs = NULL;
}
