// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: debugfs, for tests and the curious. /sys/kernel/debug/pcimem/
 * pcimemN/faults counts the user faults the device answered, by the size
 * of what each one mapped, and the pages mapped ahead of 4 KiB faults:
 *
 *	pte 3
 *	pmd 8
 *	prefault 8189
 *	huge pmd
 *
 * The last line says whether this kernel lets the driver use 2 MiB entries
 * at all ("huge none" where it has no huge PFN mappings; THP settings may
 * still refuse them). Not an ABI.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "pcimem_dev.h"

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
}

/* Waits for readers; after it, no file of ours reaches pd. */
void pcimem_debugfs_remove(struct pcimem_dev *pd)
{
	debugfs_remove_recursive(pd->debugfs);
	pd->debugfs = NULL;
}
