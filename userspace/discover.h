/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finding pcimem-capable PCI devices (via libpci) and their /dev nodes
 * (via /sys/bus/pci/devices/<address>/pcimem/pcimemN).
 */
#ifndef DISCOVER_H
#define DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Which devices a command means (pcimem -s, -d): lspci's syntax. */
struct discover_filter {
	const char *slot;	/* "[[domain:]bus:]slot.func", or NULL */
	const char *id;		/* "vendor:device" (either may be empty), or NULL */
};

/* Whether @f's strings parse (libpci's own checks): false after saying why. */
bool discover_filter_check(const struct discover_filter *f);

/*
 * Print one block per device that has a supported ID (ivshmem 1af4:1110,
 * edu 1234:11e8) or is bound to pcimem (new_id, driver_override) and
 * matches @f: address, IDs, names, BARs, driver, node. With @json one
 * document: {"module_loaded": bool, "devices": [{"address", "vendor",
 * "device" (4 hex digits), "vendor_name", "device_name", "driver" (null:
 * none), "node" (null: none), "bars": [{"bar", "start", "size", "io",
 * "64bit", "prefetchable"}]}]}. Without the module loaded, says so on
 * stderr (and still lists). Exit code.
 */
int discover_list(FILE *out, const struct discover_filter *f, bool json);

/*
 * The /dev/pcimemN of the one device bound to pcimem that @f matches,
 * into @node. Exit code; prints why on failure (none: 3, several: 2).
 */
int discover_select(const struct discover_filter *f, char *node, size_t len);

/* /dev/pcimemN of the device at PCI address @addr ("0000:00:04.0" or
 * "00:04.0") into @node. Exit code; prints why on failure. */
int discover_node_by_address(const char *addr, char *node, size_t len);

/*
 * Whether the pcimem module is loaded (/sys/module/pcimem). The sysfs
 * root is /sys, or $PCIMEM_SYSFS for tests on a made-up tree.
 */
bool discover_module_loaded(void);

/* "the pcimem module is not loaded" on stderr: exit code 3. */
int discover_no_module(void);

#endif /* DISCOVER_H */
