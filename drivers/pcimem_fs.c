// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: a private pseudo file system whose only job is to hand out
 * anonymous inodes. Each device's files point their f_mapping at its own
 * inode, so all user mappings of a device, whatever node they were opened
 * through, sit in one address space and remove() can revoke them at once
 * with unmap_mapping_range(). DRM and /dev/mem use the same trick.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>

#include "pcimem_dev.h"

#define PCIMEM_FS_MAGIC	0x70636d6d	/* "pcmm" */

static struct vfsmount *pcimem_mnt;

static int pcimem_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, PCIMEM_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * No .owner: the mount lives from module init to module exit, and a module
 * reference held by it would make the module impossible to unload. Every
 * inode is gone by exit, because open files pin the module.
 */
static struct file_system_type pcimem_fs_type = {
	.name = "pcimem",
	.init_fs_context = pcimem_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

int pcimem_fs_init(void)
{
	pcimem_mnt = kern_mount(&pcimem_fs_type);
	return PTR_ERR_OR_ZERO(pcimem_mnt);
}

void pcimem_fs_exit(void)
{
	kern_unmount(pcimem_mnt);
}

struct inode *pcimem_fs_new_inode(void)
{
	return alloc_anon_inode(pcimem_mnt->mnt_sb);
}
