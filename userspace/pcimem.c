// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: look at and poke the BARs of a device bound to the pcimem
 * driver through /dev/pcimemN, count its interrupts and ring ivshmem
 * doorbells. Every command is one entry of the table below.
 */
#include <stdio.h>
#include <string.h>

#include "pcimem.h"

#include "channel-device.h"
#include "cli.h"
#include "commands.h"
#include "device.h"
#include "discover.h"
#include "doorbell.h"
#include "region.h"
#include "report.h"

/* The global options, -s and -d included, for every command. */
static struct device_options options = {
	.bar = DEVICE_NO_BAR,
	.memtype = PCIMEM_MT_DEFAULT,
};

static int run_list(const struct cli_run *r)
{
	const struct device_options *o = r->ctx;

	return discover_list(stdout, &o->filter, r->opt.json);
}

/*
 * What the driver says about DEV, read-only: open it, ask, close it again.
 * d->info and d->path stay valid after the close; nothing else is needed.
 */
static int ask_device(struct device *d, const char *target,
		      const struct device_options *o)
{
	int code;

	code = device_open(d, target, false, o);
	if (code)
		return code;
	device_close(d);
	return EXIT_OK;
}

static int run_info(const struct cli_run *r)
{
	const struct device_options *o = r->ctx;
	struct device d;
	int code;

	code = ask_device(&d, r->target, o);
	if (code)
		return code;
	report_info(stdout, &d.info, r->opt.json);
	return EXIT_OK;
}

static int run_bars(const struct cli_run *r)
{
	struct pcimem_bar_info bi;
	struct device d;
	unsigned int bar;
	int code, err;

	code = device_open(&d, r->target, false, NULL);
	if (code)
		return code;
	/* Ask about every BAR before printing: a JSON document or nothing. */
	report_bars_begin(stdout, d.path, r->opt.json);
	for (bar = 0; bar < DEVICE_BARS && !code; bar++) {
		err = device_bar_info(&d, bar, &bi);
		if (err) {
			pcimem_cli_error(d.path, "BAR%u: %s", bar, strerror(-err));
			code = pcimem_cli_errno_exit(-err);
		} else {
			report_bar(stdout, bar, &bi, r->opt.json);
		}
	}
	if (!code)
		report_bars_end(stdout, r->opt.json);
	device_close(&d);
	return code;
}

static int run_id(const struct cli_run *r)
{
	struct device d;
	int code;

	/* No options: --bar does not apply to id (see the notes below). */
	code = ask_device(&d, r->target, NULL);
	if (code)
		return code;
	if (d.info.peer_id < 0) {
		pcimem_cli_error(d.path, "no peer ID: not an ivshmem device");
		return EXIT_USAGE;
	}
	printf("%d\n", d.info.peer_id);
	return EXIT_OK;
}

/* dump, read, write, fill, verify on the selected BAR. */
static int run_region(const struct cli_run *run)
{
	const struct device_options *o = run->ctx;
	const struct region_command *rc = run->c->region;
	struct command_args a;
	struct device d;
	struct region r;
	int code;

	if (!pcimem_command_parse(run, &a))
		return EXIT_USAGE;
	code = device_open(&d, run->target, rc->writes, o);
	if (code)
		return code;
	if (rc->memory_only && d.bar.access_width > 1)
		code = pcimem_command_refuse_registers(run->c, d.path, d.what);
	if (!code)
		code = device_region(&d, rc->writes, o->rw, &r);
	if (!code) {
		code = rc->run(&r, &a);
		pcimem_region_close(&r);
	}
	device_close(&d);
	return code;
}

static const struct cli_command command_list = {
	.name = "list", .args = "",
	.help = "list devices for pcimem: supported IDs and any bound to it",
	.details = "Devices with ivshmem's or edu's IDs, and any other bound to pcimem\n"
		   "(new_id, driver_override); -s and -d narrow the list. Without the\n"
		   "module loaded it still lists, and says so on stderr.\n"
		   "--json: {\"module_loaded\": bool, \"devices\": [{\"address\", \"vendor\",\n"
		   "\"device\", \"vendor_name\", \"device_name\", \"driver\", \"node\" (null:\n"
		   "none), \"bars\": [{\"bar\", \"start\", \"size\", \"io\", \"64bit\",\n"
		   "\"prefetchable\"}]}]}\n",
	.max_args = 0, .options = CLI_OPT_JSON, .run = run_list,
};

static const struct cli_command command_info = {
	.name = "info", .args = "",
	.help = "show what the driver reports about DEV (its BAR)",
	.details = "--json: {\"address\", \"vendor\", \"device\", \"subsystem_vendor\",\n"
		   "\"subsystem_device\", \"revision\" (hex strings), \"bar\", \"bar_size\",\n"
		   "\"bar_start\", \"main_bar\", \"vectors\", \"peer_id\" (numbers, -1: none),\n"
		   "\"flags\" (names), \"node\", \"memtype\", \"irq_mode\"}\n",
	.target = true, .options = CLI_OPT_JSON, .run = run_info,
};

static const struct cli_command command_bars = {
	.name = "bars", .args = "",
	.help = "list BARs 0-5 of DEV: kind, size, address, memory type",
	.details = "--json: {\"node\", \"bars\": [{\"bar\", \"kind\" (absent, msix, io, regs,\n"
		   "ram, mem), \"size\", \"start\", \"memtype\" (null: none), \"mmap\"}]}\n",
	.target = true, .options = CLI_OPT_JSON, .run = run_bars,
};

static const struct cli_command command_id = {
	.name = "id", .args = "",
	.help = "print DEV's ivshmem peer ID (IVPosition)",
	.target = true, .run = run_id,
};

static const struct cli_command *const commands[] = {
	&command_list,
	&command_info,
	&command_bars,
	&command_id,
	&pcimem_command_dump,
	&pcimem_command_read,
	&pcimem_command_write,
	&pcimem_command_fill,
	&pcimem_command_verify,
	&doorbell_ring,
	&doorbell_wait,
	&doorbell_events,
	&doorbell_ping,
	&doorbell_pong,
	&channel_send_command,
	&channel_recv_command,
	NULL,
};

enum {
	OPT_RW = 0x100,
	OPT_BAR,
	OPT_MEMTYPE,
};

static const struct cli_tool_option tool_options[] = {
	{ "rw", 0, NULL, "access DEV with pread/pwrite instead of mmap", OPT_RW },
	{ "bar", 0, "N", "reach BAR N (0-5) instead of the main BAR", OPT_BAR },
	{ "memtype", 0, "uc|wc|wb", "map the BAR uncached, write-combining or write-back", OPT_MEMTYPE },
	{ "slot", 's', "[[DOMAIN:]BUS:]SLOT.FUNC", "pick DEV by PCI address, as lspci -s (leave DEV out)", 's' },
	{ "ids", 'd', "[VENDOR]:[DEVICE]", "pick DEV by IDs, as lspci -d (leave DEV out)", 'd' },
	{ NULL, 0, NULL, NULL, 0 },
};

static bool handle_option(void *ctx, int val, const char *arg)
{
	struct device_options *o = ctx;
	uint64_t bar;

	switch (val) {
	case OPT_RW:
		o->rw = true;
		return true;
	case OPT_BAR:
		if (!pcimem_cli_parse_max("BAR", arg, DEVICE_BARS - 1, &bar))
			return false;
		o->bar = (unsigned int)bar;
		return true;
	case OPT_MEMTYPE:
		return device_parse_memtype(arg, &o->memtype);
	case 's':
		o->filter.slot = arg;
		return discover_filter_check(&o->filter);
	case 'd':
		o->filter.id = arg;
		return discover_filter_check(&o->filter);
	}
	return false;
}

static int select_device(void *ctx, const char **target)
{
	struct device_options *o = ctx;
	int code;

	if (!o->filter.slot && !o->filter.id)
		return EXIT_OK;
	code = discover_select(&o->filter, o->node, sizeof(o->node));
	if (!code)
		*target = o->node;
	return code;
}

static const struct cli_tool pcimem_tool = {
	.prefix = "pcimem",
	.target = "DEV",
	.commands = commands,
	.options = tool_options,
	.handle = handle_option,
	.select = select_device,
	.run_region = run_region,
	.notes =
	"--bar applies to info, dump, read, write, fill, verify, ping and pong.\n"
	"\n"
	"DEV      /dev/pcimemN, N, or a PCI address (0000:00:04.0, 00:04.0); with\n"
	"         -s or -d, leave it out: they pick the one device they match\n"
	"OFFSET   " NUMBER_GRAMMAR "; OFFSET, LENGTH and OFF may\n"
	"         end in " NUMBER_SUFFIXES "\n"
	"WIDTH    access size in bits: 8, 16, 32 or 64 (default 32; registers:\n"
	"         32 only)\n"
	"PATTERN  text stands for its bytes (abcd), hex:... for raw bytes\n"
	"         (hex:deadbeef, HEX: too); fill repeats it from offset 0 (memory\n"
	"         only); fill and verify refuse an empty BAR\n"
	"PEER     ivshmem peer ID, " CLI_PEER_RANGE "; VECTOR: below the device's vectors\n"
	"wait     --count N: N interrupts (default 1) on VECTOR, or in all on\n"
	"         any vector; --timeout MS (default: none) then exit 1\n"
	CLI_NOTES_PING_PONG ";\n"
	"         ping --latency prints p50/p99/max round trip times\n"
	"\n"
	CLI_NOTES_DASHDASH
	"\n"
	"exit status: 0 success, 1 verify mismatch, wait or ping/pong timeout\n"
	"or protocol mismatch, 2 usage error or bad argument, 3 no such device\n"
	"(or it went away, or the peer did, or the pcimem module is not loaded),\n"
	"4 permission denied, 5 other error (standard output not written too)\n",
	.ctx = &options,
};

int main(int argc, char **argv)
{
	return pcimem_cli_main(&pcimem_tool, argc, argv);
}
