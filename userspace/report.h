/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What pcimem info, bars and events print about a device, as text or as
 * one JSON document (field names below are stable: scripts rely on them).
 * Pure formatting of the driver's structs, so tests can feed made-up ones;
 * the names of memory types, interrupt modes and BAR kinds are device.h's.
 *
 * info --json: an object with "address" ("0000:00:04.0"), "vendor",
 *   "device", "subsystem_vendor", "subsystem_device" (4 hex digits),
 *   "revision" (2 hex digits), "bar", "bar_size", "bar_start",
 *   "main_bar", "vectors" (numbers), "flags" (list of flag names),
 *   "node" ("/dev/pcimemN"), "memtype" ("uc", "wc", "wb"), "peer_id"
 *   (number, -1: none), "irq_mode" ("none", "intx", "msi", "msix").
 * bars --json: {"node": ..., "bars": [{"bar", "kind", "size", "start",
 *   "memtype" (null for absent and I/O BARs), "mmap" (bool)}]}; "kind"
 *   is "absent", "msix", "io", "regs", "ram" or "mem".
 * events --json: {"node": ..., "vectors": [{"vector", "count"}]}
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "pcimem.h"

void report_info(FILE *out, const struct pcimem_info *info, bool json);

/* One BAR's line (@bar 0-5); JSON: between report_bars_begin/_end. */
void report_bars_begin(FILE *out, const char *node, bool json);
void report_bar(FILE *out, unsigned int bar, const struct pcimem_bar_info *bi,
		bool json);
void report_bars_end(FILE *out, bool json);

void report_events(FILE *out, const char *node,
		   const struct pcimem_events *ev, bool json);

#endif /* REPORT_H */
