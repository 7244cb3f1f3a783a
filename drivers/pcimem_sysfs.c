// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: attributes of /sys/class/pcimem/pcimemN: the ivshmem peer ID,
 * how interrupts arrive, and a table of the BARs with their memory types.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "pcimem_dev.h"

static const char *const pcimem_irq_mode_names[] = PCIMEM_IRQ_MODE_NAMES;

/*
 * The attributes go away in remove() before the device is marked gone, and
 * sysfs drains readers first; the check is for clarity, not a race.
 */
static ssize_t peer_id_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct pcimem_dev *pd = to_pcimem_dev(dev);
	ssize_t ret = -ENODEV;

	down_read(&pd->lock);
	if (pd->pdev)
		ret = sysfs_emit(buf, "%d\n", pcimem_peer_id(pd));
	up_read(&pd->lock);
	return ret;
}
static DEVICE_ATTR_RO(peer_id);

static ssize_t irq_mode_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct pcimem_dev *pd = to_pcimem_dev(dev);

	return sysfs_emit(buf, "%s\n", pcimem_irq_mode_names[pd->irq_mode]);
}
static DEVICE_ATTR_RO(irq_mode);

static ssize_t vectors_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", to_pcimem_dev(dev)->vectors);
}
static DEVICE_ATTR_RO(vectors);

static ssize_t main_bar_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%u\n", to_pcimem_dev(dev)->main_bar);
}
static DEVICE_ATTR_RO(main_bar);

/* One line per present BAR: index, kind, size in bytes, memory type, mmap. */
static ssize_t bars_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct pcimem_dev *pd = to_pcimem_dev(dev);
	ssize_t len = 0;
	int i;

	down_read(&pd->lock);
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		const struct pcimem_bar *bar = &pd->bars[i];

		if (!bar->flags)
			continue;
		len += sysfs_emit_at(buf, len, "%d %s %llu %s %s\n", i,
				     pcimem_bar_kind_name(bar->flags),
				     (unsigned long long)bar->size,
				     pcimem_memtype_name(bar->memtype),
				     bar->flags & PCIMEM_BAR_MMAP ? "mmap" : "no-mmap");
	}
	up_read(&pd->lock);
	return len;
}
static DEVICE_ATTR_RO(bars);

static struct attribute *pcimem_attrs[] = {
	&dev_attr_peer_id.attr,
	&dev_attr_irq_mode.attr,
	&dev_attr_vectors.attr,
	&dev_attr_main_bar.attr,
	&dev_attr_bars.attr,
	NULL
};

static const struct attribute_group pcimem_group = {
	.attrs = pcimem_attrs,
};

const struct attribute_group *pcimem_groups[] = {
	&pcimem_group,
	NULL
};
