// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem info, bars and events as text or JSON: see report.h.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "device.h"
#include "report.h"

#define SIZE_TEXT	32

static const struct {
	unsigned int bit;
	const char *name;
} flag_names[] = {
	{ PCIMEM_BAR_MEM, "mem" },
	{ PCIMEM_BAR_PREFETCH, "prefetchable" },
	{ PCIMEM_BAR_64BIT, "64-bit" },
	{ PCIMEM_BAR_MMAP, "mmap" },
	{ PCIMEM_BAR_IO, "io" },
	{ PCIMEM_BAR_RAM, "ram" },
	{ PCIMEM_BAR_REGS, "regs" },
	{ PCIMEM_BAR_MSIX, "msix" },
};

#define N_FLAGS	(sizeof(flag_names) / sizeof(flag_names[0]))

/* "name, name" (text) or "name", "name" (JSON) of the flags set. */
static void print_flag_list(FILE *out, unsigned int flags, bool json)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < N_FLAGS; i++) {
		if (!(flags & flag_names[i].bit))
			continue;
		fputs(sep, out);
		if (json)
			pcimem_cli_json_string(out, flag_names[i].name);
		else
			fputs(flag_names[i].name, out);
		sep = ", ";
	}
	if (!*sep && !json)
		fputs("none", out);
}

static void info_json(FILE *out, const struct pcimem_info *i)
{
	fprintf(out, "{\"address\": \"%04x:%02x:%02x.%x\", ", i->domain, i->bus,
		i->slot, i->function);
	fprintf(out, "\"vendor\": \"%04x\", \"device\": \"%04x\", ", i->vendor,
		i->device);
	fprintf(out, "\"subsystem_vendor\": \"%04x\", \"subsystem_device\": \"%04x\", ",
		i->subsystem_vendor, i->subsystem_device);
	fprintf(out, "\"revision\": \"%02x\", \"bar\": %u, ", i->revision, i->bar);
	fprintf(out, "\"bar_size\": %" PRIu64 ", \"bar_start\": %" PRIu64 ", ",
		(uint64_t)i->bar_size, (uint64_t)i->bar_start);
	fputs("\"flags\": [", out);
	print_flag_list(out, i->flags, true);
	fprintf(out, "], \"node\": \"/dev/pcimem%u\", \"main_bar\": %u, ",
		i->minor, i->main_bar);
	fprintf(out, "\"memtype\": \"%s\", \"peer_id\": %d, ",
		device_memtype_name(i->memtype), i->peer_id);
	fprintf(out, "\"irq_mode\": \"%s\", \"vectors\": %u}\n",
		device_irq_mode_name(i->irq_mode), i->vectors);
}

void report_info(FILE *out, const struct pcimem_info *i, bool json)
{
	char size[SIZE_TEXT];

	if (json) {
		info_json(out, i);
		return;
	}
	fprintf(out, "address: %04x:%02x:%02x.%x\n", i->domain, i->bus,
		i->slot, i->function);
	fprintf(out, "vendor: 0x%04x\n", i->vendor);
	fprintf(out, "device: 0x%04x\n", i->device);
	fprintf(out, "subsystem: 0x%04x:0x%04x\n", i->subsystem_vendor,
		i->subsystem_device);
	fprintf(out, "revision: 0x%02x\n", i->revision);
	fprintf(out, "bar: %u\n", i->bar);
	fprintf(out, "bar_size: %llu (%s)\n", (unsigned long long)i->bar_size,
		pcimem_cli_human_size(i->bar_size, size, sizeof(size)));
	fprintf(out, "bar_start: 0x%llx\n", (unsigned long long)i->bar_start);
	fprintf(out, "flags: 0x%x (", i->flags);
	print_flag_list(out, i->flags, false);
	fputs(")\n", out);
	fprintf(out, "node: /dev/pcimem%u\n", i->minor);
	fprintf(out, "main_bar: %u\n", i->main_bar);
	fprintf(out, "memtype: %s\n", device_memtype_name(i->memtype));
	fprintf(out, "peer_id: %d\n", i->peer_id);
	fprintf(out, "irq_mode: %s\n", device_irq_mode_name(i->irq_mode));
	fprintf(out, "vectors: %u\n", i->vectors);
}

void report_bars_begin(FILE *out, const char *node, bool json)
{
	if (json) {
		fputs("{\"node\": ", out);
		pcimem_cli_json_string(out, node);
		fputs(", \"bars\": [", out);
		return;
	}
	fprintf(out, "%-4s %-7s %-10s %-18s %-8s %s\n", "BAR", "kind", "size",
		"start", "memtype", "mmap");
}

void report_bar(FILE *out, unsigned int bar, const struct pcimem_bar_info *bi,
		bool json)
{
	bool has_memtype = bi->flags && !(bi->flags & PCIMEM_BAR_IO);
	char size[SIZE_TEXT], start[24];

	if (json) {
		fprintf(out, "%s{\"bar\": %u, \"kind\": \"%s\", \"size\": %" PRIu64
			", \"start\": %" PRIu64 ", \"memtype\": ", bar ? ", " : "",
			bar, device_bar_kind(bi->flags),
			bi->flags ? (uint64_t)bi->size : 0,
			bi->flags ? (uint64_t)bi->start : 0);
		if (has_memtype)
			fprintf(out, "\"%s\"", device_memtype_name(bi->memtype));
		else
			fputs("null", out);
		fprintf(out, ", \"mmap\": %s}",
			bi->flags & PCIMEM_BAR_MMAP ? "true" : "false");
		return;
	}
	if (!bi->flags) {
		fprintf(out, "%-4u %-7s %-10s %-18s %-8s %s\n", bar, "absent",
			"-", "-", "-", "-");
		return;
	}
	snprintf(start, sizeof(start), "0x%llx", (unsigned long long)bi->start);
	fprintf(out, "%-4u %-7s %-10s %-18s %-8s %s\n", bar,
		device_bar_kind(bi->flags),
		pcimem_cli_human_size(bi->size, size, sizeof(size)), start,
		has_memtype ? device_memtype_name(bi->memtype) : "-",
		bi->flags & PCIMEM_BAR_MMAP ? "yes" : "no");
}

void report_bars_end(FILE *out, bool json)
{
	if (json)
		fputs("]}\n", out);
}

void report_events(FILE *out, const char *node,
		   const struct pcimem_events *ev, bool json)
{
	unsigned int v;

	if (json) {
		fputs("{\"node\": ", out);
		pcimem_cli_json_string(out, node);
		fputs(", \"vectors\": [", out);
	}
	for (v = 0; v < ev->vectors && v < PCIMEM_MAX_VECTORS; v++) {
		if (json)
			fprintf(out, "%s{\"vector\": %u, \"count\": %" PRIu64 "}",
				v ? ", " : "", v, (uint64_t)ev->count[v]);
		else
			fprintf(out, "vector %u: %llu\n", v,
				(unsigned long long)ev->count[v]);
	}
	if (json)
		fputs("]}\n", out);
}
