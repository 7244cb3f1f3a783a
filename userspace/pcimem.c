// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: look at and poke the BARs of a device bound to the pcimem
 * driver through /dev/pcimemN, count its interrupts and ring ivshmem
 * doorbells.
 */
#include <stdio.h>
#include <string.h>

#include "pcimem.h"

#include "cli.h"
#include "commands.h"
#include "device.h"
#include "discover.h"
#include "doorbell.h"
#include "region.h"

static const struct command *const region_commands[] = {
	&command_dump,
	&command_read,
	&command_write,
	&command_fill,
	&command_verify,
	NULL,
};

static int run_info(int argc, char **argv, const struct device_options *o);
static int run_bars(int argc, char **argv, const struct device_options *o);
static int run_id(int argc, char **argv, const struct device_options *o);

static const struct guest_command device_commands[] = {
	{ "info", "", "show what the driver reports about DEV (its BAR)",
	  run_info },
	{ "bars", "", "list BARs 0-5 of DEV: kind, size, address, memory type",
	  run_bars },
	{ "id", "", "print DEV's ivshmem peer ID (IVPosition)", run_id },
	{ NULL, NULL, NULL, NULL },
};

static void print_guest_help(const struct guest_command *c, FILE *out)
{
	char args[96];

	for (; c->name; c++) {
		snprintf(args, sizeof(args), "%s DEV %s", c->name, c->usage);
		cli_help_line(out, args, c->help);
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pcimem [--rw] [--bar N] [--memtype uc|wc|wb] COMMAND [ARGS...]\n"
		"\n"
		"  %-32s %s\n",
		"list", "list supported PCI devices (ivshmem, edu)");
	print_guest_help(device_commands, out);
	command_print_help(region_commands, "DEV", out);
	print_guest_help(doorbell_commands, out);
	fputs("\n"
	      "  --rw       access DEV with pread/pwrite instead of mmap\n"
	      "  --bar N    reach BAR N (0-5) instead of the main BAR (info, dump,\n"
	      "             read, write, fill, verify, ping, pong)\n"
	      "  --memtype uc|wc|wb  map the BAR uncached, write-combining or\n"
	      "             write-back instead of its default\n"
	      "  -h, --help show this help\n"
	      "\n"
	      "DEV      /dev/pcimemN, N, or a PCI address (0000:00:04.0, 00:04.0)\n"
	      "OFFSET   decimal, 0x hex or 0 octal; LENGTH may end in K, M or G\n"
	      "WIDTH    access size in bits: 8, 16, 32 or 64 (default 32; registers:\n"
	      "         32 only)\n"
	      "PATTERN  text stands for its bytes (abcd), hex:... for raw bytes\n"
	      "         (hex:deadbeef); fill repeats it from offset 0 (memory only)\n"
	      "PEER     ivshmem peer ID, 0-65535; VECTOR: below the device's vectors\n"
	      "wait     --count N: N interrupts (default 1) on VECTOR, or in all on\n"
	      "         any vector; --timeout MS (default: none) then exit 1\n"
	      "ping, pong  mailbox at --offset (default 1M) of the shared memory,\n"
	      "         doorbell --vector (default 0), --count messages (default 1),\n"
	      "         --timeout MS per message (default 10000); start pong first;\n"
	      "         ping --latency prints p50/p99/max round trip times\n"
	      "\n"
	      "exit status: 0 success, 1 verify mismatch, wait or ping/pong timeout\n"
	      "or protocol mismatch, 2 usage error or bad argument, 3 no such device\n"
	      "(or it went away, or the peer did), 4 permission denied, 5 other error\n",
	      out);
}

enum {
	OPT_BAR = 0x100,
	OPT_MEMTYPE,
};

static bool handle_option(int opt, const char *arg, void *ctx)
{
	struct device_options *o = ctx;
	uint64_t bar;

	switch (opt) {
	case OPT_BAR:
		if (!cli_parse_max("BAR", arg, DEVICE_BARS - 1, &bar))
			return false;
		o->bar = (unsigned int)bar;
		return true;
	case OPT_MEMTYPE:
		return device_parse_memtype(arg, &o->memtype);
	}
	return false;
}

static void print_flags(unsigned int flags)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} names[] = {
		{ PCIMEM_BAR_MEM, "mem" },
		{ PCIMEM_BAR_PREFETCH, "prefetchable" },
		{ PCIMEM_BAR_64BIT, "64-bit" },
		{ PCIMEM_BAR_MMAP, "mmap" },
		{ PCIMEM_BAR_IO, "io" },
		{ PCIMEM_BAR_RAM, "ram" },
		{ PCIMEM_BAR_REGS, "regs" },
		{ PCIMEM_BAR_MSIX, "msix" },
	};
	const char *sep = "";
	size_t i;

	printf("flags: 0x%x (", flags);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (flags & names[i].bit) {
			printf("%s%s", sep, names[i].name);
			sep = ", ";
		}
	}
	printf("%s)\n", *sep ? "" : "none");
}

static int usage_error(const char *name, const char *usage)
{
	cli_error(NULL, "usage: pcimem %s DEV%s%s", name, *usage ? " " : "",
		  usage);
	return EXIT_USAGE;
}

static int run_info(int argc, char **argv, const struct device_options *o)
{
	const struct pcimem_info *info;
	struct device d;
	char size[32];
	int err;

	if (argc != 1)
		return usage_error("info", "");
	err = device_open(&d, argv[0], false, o);
	if (err)
		return err;
	device_close(&d);
	info = &d.info;

	printf("address: %04x:%02x:%02x.%x\n", info->domain, info->bus,
	       info->slot, info->function);
	printf("vendor: 0x%04x\n", info->vendor);
	printf("device: 0x%04x\n", info->device);
	printf("subsystem: 0x%04x:0x%04x\n", info->subsystem_vendor,
	       info->subsystem_device);
	printf("revision: 0x%02x\n", info->revision);
	printf("bar: %u\n", info->bar);
	printf("bar_size: %llu (%s)\n", (unsigned long long)info->bar_size,
	       cli_human_size(info->bar_size, size, sizeof(size)));
	printf("bar_start: 0x%llx\n", (unsigned long long)info->bar_start);
	print_flags(info->flags);
	printf("node: /dev/pcimem%u\n", info->minor);
	printf("main_bar: %u\n", info->main_bar);
	printf("memtype: %s\n", device_memtype_name(info->memtype));
	printf("peer_id: %d\n", info->peer_id);
	printf("irq_mode: %s\n", device_irq_mode_name(info->irq_mode));
	printf("vectors: %u\n", info->vectors);
	return EXIT_OK;
}

static int run_bars(int argc, char **argv, const struct device_options *o)
{
	struct pcimem_bar_info bi;
	struct device d;
	char size[32];
	unsigned int bar;
	int err;

	(void)o;
	if (argc != 1)
		return usage_error("bars", "");
	err = device_open(&d, argv[0], false, NULL);
	if (err)
		return err;

	printf("%-4s %-7s %-10s %-18s %-8s %s\n", "BAR", "kind", "size",
	       "start", "memtype", "mmap");
	for (bar = 0; bar < DEVICE_BARS && !err; bar++) {
		err = device_bar_info(&d, bar, &bi);
		if (err) {
			cli_error(d.path, "BAR%u: %s", bar, strerror(-err));
			err = cli_errno_exit(-err);
		} else if (!bi.flags) {
			printf("%-4u %-7s %-10s %-18s %-8s %s\n", bar, "absent",
			       "-", "-", "-", "-");
		} else {
			char start[24];

			snprintf(start, sizeof(start), "0x%llx",
				 (unsigned long long)bi.start);
			printf("%-4u %-7s %-10s %-18s %-8s %s\n", bar,
			       device_bar_kind(bi.flags),
			       cli_human_size(bi.size, size, sizeof(size)), start,
			       bi.flags & PCIMEM_BAR_IO ?
			       "-" : device_memtype_name(bi.memtype),
			       bi.flags & PCIMEM_BAR_MMAP ? "yes" : "no");
		}
	}
	device_close(&d);
	return err;
}

static int run_id(int argc, char **argv, const struct device_options *o)
{
	struct device d;
	int err;

	(void)o;
	if (argc != 1)
		return usage_error("id", "");
	err = device_open(&d, argv[0], false, NULL);
	if (err)
		return err;
	device_close(&d);
	if (d.info.peer_id < 0) {
		cli_error(d.path, "no peer ID: not an ivshmem device");
		return EXIT_USAGE;
	}
	printf("%d\n", d.info.peer_id);
	return EXIT_OK;
}

static int run_region(const struct command *c, const struct command_args *a,
		      const char *dev, const struct device_options *o)
{
	struct device d;
	struct region r;
	int err;

	err = device_open(&d, dev, c->writes, o);
	if (err)
		return err;
	if (c->memory_only && d.bar.access_width > 1)
		err = command_refuse_registers(c, d.path, d.what);
	if (!err)
		err = device_region(&d, c->writes, o->rw, &r);
	if (!err) {
		err = c->run(&r, a);
		region_close(&r);
	}
	device_close(&d);
	return err;
}

static const struct guest_command *find_guest(const struct guest_command *c,
					      const char *name)
{
	for (; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "bar", required_argument, NULL, OPT_BAR },
		{ "memtype", required_argument, NULL, OPT_MEMTYPE },
		{ 0 },
	};
	struct device_options o = {
		.bar = DEVICE_NO_BAR,
		.memtype = PCIMEM_MT_DEFAULT,
	};
	const struct cli_extra_options extra = {
		.options = options,
		.handle = handle_option,
		.ctx = &o,
	};
	const struct guest_command *g;
	const struct command *c;
	struct command_args a;
	const char *name;
	int err;

	if (!cli_options(argc, argv, usage, &extra, &o.rw, &err))
		return err;
	name = argv[optind++];
	argc -= optind;
	argv += optind;

	if (!strcmp(name, "list")) {
		if (argc) {
			cli_error(NULL, "usage: pcimem list");
			return EXIT_USAGE;
		}
		return discover_list(stdout);
	}

	g = find_guest(device_commands, name);
	if (!g)
		g = find_guest(doorbell_commands, name);
	if (g) {
		if (argc < 1)
			return usage_error(g->name, g->usage);
		return g->run(argc, argv, &o);
	}

	c = command_find(region_commands, name);
	if (!c) {
		cli_error(NULL, "unknown command '%s' (see pcimem --help)", name);
		return EXIT_USAGE;
	}
	if (argc < 1) {
		cli_error(NULL, "usage: pcimem %s DEV %s", c->name, c->usage);
		return EXIT_USAGE;
	}
	if (!command_parse(c, "DEV", argc - 1, argv + 1, &a))
		return EXIT_USAGE;
	return run_region(c, &a, argv[0], &o);
}
