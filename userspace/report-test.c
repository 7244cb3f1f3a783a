// SPDX-License-Identifier: GPL-2.0
/*
 * Prints what pcimem info, bars and events --json print for made-up
 * driver answers, one document per line (info, bars, events), so that
 * ci/tools-tests.sh can parse them and check their field names without
 * a device. Exit 0 unless standard output fails.
 */
#include <stdio.h>

#include "report.h"

int main(void)
{
	struct pcimem_info info = {
		.domain = 0, .bus = 0, .slot = 4, .function = 0,
		.vendor = 0x1af4, .device = 0x1110,
		.subsystem_vendor = 0x1af4, .subsystem_device = 0x1100,
		.revision = 1, .bar = 2, .bar_size = 16 << 20,
		.bar_start = 0xfe000000, .minor = 0, .main_bar = 2,
		.flags = PCIMEM_BAR_MEM | PCIMEM_BAR_64BIT | PCIMEM_BAR_MMAP |
			 PCIMEM_BAR_RAM,
		.memtype = PCIMEM_MT_WB, .peer_id = 3,
		.irq_mode = PCIMEM_IRQ_MSIX, .vectors = 2,
	};
	struct pcimem_bar_info bars[6] = {
		[0] = { .flags = PCIMEM_BAR_MEM | PCIMEM_BAR_REGS, .size = 256,
			.start = 0xfea00000, .memtype = PCIMEM_MT_UC },
		[1] = { .flags = PCIMEM_BAR_MEM | PCIMEM_BAR_MSIX, .size = 4096,
			.start = 0xfea01000, .memtype = PCIMEM_MT_UC },
		[2] = { .flags = PCIMEM_BAR_MEM | PCIMEM_BAR_64BIT |
				 PCIMEM_BAR_MMAP | PCIMEM_BAR_RAM,
			.size = 16 << 20, .start = 0xfe000000,
			.memtype = PCIMEM_MT_WB },
		[4] = { .flags = PCIMEM_BAR_IO, .size = 32, .start = 0xc000 },
	};
	struct pcimem_events ev = { .vectors = 2, .count = { 5, 7 } };
	unsigned int b;

	report_info(stdout, &info, true);
	report_bars_begin(stdout, "/dev/pcimem0", true);
	for (b = 0; b < 6; b++)
		report_bar(stdout, b, &bars[b], true);
	report_bars_end(stdout, true);
	report_events(stdout, "/dev/pcimem0", &ev, true);
	return fflush(stdout) ? 5 : 0;
}
