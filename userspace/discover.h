/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finding pcimem-capable PCI devices (via libpci) and their /dev nodes
 * (via /sys/bus/pci/devices/<address>/pcimem/pcimemN).
 */
#ifndef DISCOVER_H
#define DISCOVER_H

#include <stddef.h>
#include <stdio.h>

/* Print one block per supported device (ivshmem 1af4:1110, edu
 * 1234:11e8): address, IDs, names, BARs, driver, node. Exit code. */
int discover_list(FILE *out);

/* /dev/pcimemN of the device at PCI address @addr ("0000:00:04.0" or
 * "00:04.0") into @node. Exit code; prints why on failure. */
int discover_node_by_address(const char *addr, char *node, size_t len);

#endif /* DISCOVER_H */
