// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: look at and poke the memory BAR of a device bound to the pcimem
 * driver, through /dev/pcimemN.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pcimem.h"

#include "cli.h"
#include "commands.h"
#include "discover.h"
#include "region.h"

#define PATH_LEN	256
#define WHAT_LEN	16

static const struct command *const region_commands[] = {
	&command_dump,
	&command_read,
	&command_write,
	&command_fill,
	&command_verify,
	NULL,
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pcimem [--rw] COMMAND [ARGS...]\n"
		"\n"
		"  %-32s %s\n"
		"  %-32s %s\n",
		"list", "list supported PCI devices (ivshmem, edu)",
		"info DEV", "show what the driver reports about DEV");
	command_print_help(region_commands, "DEV", out);
	fputs("\n"
	      "  --rw       access DEV with pread/pwrite instead of mmap\n"
	      "  -h, --help show this help\n"
	      "\n"
	      "DEV      /dev/pcimemN, N, or a PCI address (0000:00:04.0, 00:04.0)\n"
	      "OFFSET   decimal, 0x hex or 0 octal; LENGTH may end in K, M or G\n"
	      "WIDTH    access size in bits: 8, 16, 32 or 64 (default 32)\n"
	      "PATTERN  text stands for its bytes (abcd), hex:... for raw bytes\n"
	      "         (hex:deadbeef); fill repeats it from offset 0\n"
	      "\n"
	      "exit status: 0 success, 1 verify mismatch, 2 usage error or bad\n"
	      "argument, 3 no such device, 4 permission denied, 5 other error\n",
	      out);
}

/* DEV: "/dev/pcimemN" (any path), "N", or a PCI address. Exit code. */
static int resolve_dev(const char *dev, char *path, size_t len)
{
	uint64_t n;

	if (strchr(dev, '/')) {
		snprintf(path, len, "%s", dev);
		return EXIT_OK;
	}
	if (cli_strtou64(dev, 10, &n)) {
		snprintf(path, len, "/dev/pcimem%llu", (unsigned long long)n);
		return EXIT_OK;
	}
	if (strchr(dev, ':'))
		return discover_node_by_address(dev, path, len);
	cli_error(NULL, "bad device '%s': expected /dev/pcimemN, N or a PCI address",
		  dev);
	return EXIT_USAGE;
}

/* Open @path and ask the driver about it. Exit code; *fd set on success. */
static int open_dev(const char *path, bool writes, int *fd,
		    struct pcimem_info *info)
{
	*fd = open(path, (writes ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (*fd < 0)
		return cli_fail(path, errno);
	if (ioctl(*fd, PCIMEM_IOC_INFO, info)) {
		int err = errno;

		close(*fd);
		if (err == ENOTTY || err == EINVAL) {
			cli_error(path, "not a pcimem device (%s)",
				  strerror(err));
			return EXIT_NODEV;
		}
		return cli_fail(path, err);
	}
	return EXIT_OK;
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

static int cmd_info(const char *path)
{
	struct pcimem_info info;
	char size[32];
	int fd, err;

	err = open_dev(path, false, &fd, &info);
	if (err)
		return err;
	close(fd);

	printf("address: %04x:%02x:%02x.%x\n", info.domain, info.bus,
	       info.slot, info.function);
	printf("vendor: 0x%04x\n", info.vendor);
	printf("device: 0x%04x\n", info.device);
	printf("subsystem: 0x%04x:0x%04x\n", info.subsystem_vendor,
	       info.subsystem_device);
	printf("revision: 0x%02x\n", info.revision);
	printf("bar: %u\n", info.bar);
	printf("bar_size: %llu (%s)\n", (unsigned long long)info.bar_size,
	       cli_human_size(info.bar_size, size, sizeof(size)));
	printf("bar_start: 0x%llx\n", (unsigned long long)info.bar_start);
	print_flags(info.flags);
	printf("node: /dev/pcimem%u\n", info.minor);
	return EXIT_OK;
}

static int cmd_region(const struct command *c, const struct command_args *a,
		      const char *path, enum region_mode mode)
{
	struct pcimem_info info;
	struct region r;
	char what[WHAT_LEN], size[32];
	int fd, err;

	err = open_dev(path, c->writes, &fd, &info);
	if (err)
		return err;

	snprintf(what, sizeof(what), "BAR%u", info.bar);
	err = region_init(&r, path, what, fd, c->writes, info.bar_size, mode);
	if (err) {
		cli_error(path, "cannot map %s (%s): %s%s", what,
			  cli_human_size(info.bar_size, size, sizeof(size)),
			  strerror(-err), mode == REGION_MMAP ? " (try --rw)" : "");
		close(fd);
		return cli_errno_exit(-err);
	}
	err = c->run(&r, a);
	region_close(&r);
	return err;
}

int main(int argc, char **argv)
{
	const struct command *c;
	struct command_args a;
	char path[PATH_LEN];
	const char *name;
	bool rw;
	int err;

	if (!cli_options(argc, argv, usage, &rw, &err))
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
	if (!strcmp(name, "info")) {
		if (argc != 1) {
			cli_error(NULL, "usage: pcimem info DEV");
			return EXIT_USAGE;
		}
		err = resolve_dev(argv[0], path, sizeof(path));
		return err ? err : cmd_info(path);
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
	err = resolve_dev(argv[0], path, sizeof(path));
	return err ? err : cmd_region(c, &a, path, rw ? REGION_FD : REGION_MMAP);
}
