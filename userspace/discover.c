// SPDX-License-Identifier: GPL-2.0
/*
 * Supported PCI devices through libpci, their nodes through sysfs.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/pci.h>

#include "cli.h"
#include "discover.h"

#define SYSFS_PCI_DEVICES	"/sys/bus/pci/devices"
#define NODE_PREFIX		"pcimem"
#define ADDRESS_LEN		40	/* "dddd:bb:ss.f", room for any int */
#define SIZE_TEXT		32
#define NAME_LEN		256

struct supported_device {
	u16 vendor;
	u16 device;
	const char *name;	/* when pci.ids has none */
};

static const struct supported_device supported[] = {
	{ 0x1af4, 0x1110, "ivshmem" },
	{ 0x1234, 0x11e8, "QEMU edu" },
};

static const struct supported_device *find_supported(const struct pci_dev *d)
{
	size_t i;

	for (i = 0; i < sizeof(supported) / sizeof(supported[0]); i++)
		if (supported[i].vendor == d->vendor_id &&
		    supported[i].device == d->device_id)
			return &supported[i];
	return NULL;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
libpci_error(char *msg, ...)
{
	va_list ap;

	fprintf(stderr, "%s: libpci: ", program_invocation_short_name);
	va_start(ap, msg);
	vfprintf(stderr, msg, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_IOERR);
}

static void format_address(char *buf, size_t len, int domain, int bus,
			   int slot, int func)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", (unsigned int)domain,
		 (unsigned int)bus, (unsigned int)slot, (unsigned int)func);
}

/*
 * The driver's class device shows up as <device>/pcimem/pcimemN: find it.
 * -ENOENT if there is no such PCI device, -ENODEV if it has no pcimem node.
 */
static int find_node(const char *address, char *node, size_t len)
{
	char device[sizeof(SYSFS_PCI_DEVICES) + ADDRESS_LEN + 1];
	char nodes[sizeof(device) + sizeof(NODE_PREFIX) + 1];
	struct dirent *e;
	int err = -ENODEV;
	DIR *dir;

	snprintf(device, sizeof(device), "%s/%s", SYSFS_PCI_DEVICES, address);
	snprintf(nodes, sizeof(nodes), "%s/%s", device, NODE_PREFIX);
	dir = opendir(nodes);
	if (!dir) {
		if (errno != ENOENT)
			return -errno;
		return access(device, F_OK) ? -ENOENT : -ENODEV;
	}
	while ((e = readdir(dir))) {
		uint64_t minor;

		if (strncmp(e->d_name, NODE_PREFIX, strlen(NODE_PREFIX)) ||
		    !cli_strtou64(e->d_name + strlen(NODE_PREFIX), 10, &minor))
			continue;
		snprintf(node, len, "/dev/%s", e->d_name);
		err = 0;
		break;
	}
	closedir(dir);
	return err;
}

static void print_bars(FILE *out, const struct pci_dev *d)
{
	char size[SIZE_TEXT];
	int i, shown = 0;

	for (i = 0; i < 6; i++) {
		pciaddr_t flags = d->base_addr[i] & PCI_ADDR_FLAG_MASK;
		bool io = flags & PCI_BASE_ADDRESS_SPACE_IO;
		bool is64 = !io && (flags & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
				   PCI_BASE_ADDRESS_MEM_TYPE_64;
		pciaddr_t start = d->base_addr[i] &
				  (io ? PCI_ADDR_IO_MASK : PCI_ADDR_MEM_MASK);

		if (!d->base_addr[i] && !d->size[i])
			continue;
		shown++;
		cli_human_size(d->size[i], size, sizeof(size));
		fprintf(out, "  BAR%d: start 0x%llx size %s ", i,
			(unsigned long long)start, size);
		if (io)
			fputs("io\n", out);
		else
			fprintf(out, "mem %s %s\n", is64 ? "64-bit" : "32-bit",
				flags & PCI_BASE_ADDRESS_MEM_PREFETCH ?
				"prefetchable" : "non-prefetchable");
		if (is64)
			i++;	/* the upper half of this BAR */
	}
	if (!shown)
		fputs("  BARs: none\n", out);
}

static void print_device(FILE *out, struct pci_access *pacc,
			 struct pci_dev *d, const struct supported_device *s)
{
	char vendor[NAME_LEN], device[NAME_LEN];
	char address[ADDRESS_LEN], node[NAME_LEN];
	const char *vname, *dname, *driver;

	vname = pci_lookup_name(pacc, vendor, sizeof(vendor),
				PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_NUMBERS,
				d->vendor_id);
	dname = pci_lookup_name(pacc, device, sizeof(device),
				PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
				d->vendor_id, d->device_id);
	driver = pci_get_string_property(d, PCI_FILL_DRIVER);
	format_address(address, sizeof(address), d->domain, d->bus, d->dev,
		       d->func);
	if (find_node(address, node, sizeof(node)))
		strcpy(node, "none");

	fprintf(out, "%s %04x:%04x %s %s\n", address, d->vendor_id,
		d->device_id, vname ? vname : "Unknown vendor",
		dname ? dname : s->name);
	print_bars(out, d);
	fprintf(out, "  driver: %s\n", driver ? driver : "none");
	fprintf(out, "  node: %s\n", node);
}

int discover_list(FILE *out)
{
	struct pci_access *pacc;
	struct pci_dev *d;
	int found = 0;

	pacc = pci_alloc();
	pacc->error = libpci_error;
	pci_init(pacc);
	pci_scan_bus(pacc);

	for (d = pacc->devices; d; d = d->next) {
		const struct supported_device *s;

		pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_BASES |
			      PCI_FILL_SIZES | PCI_FILL_CLASS |
			      PCI_FILL_DRIVER);
		s = find_supported(d);
		if (!s)
			continue;
		if (found++)
			fputc('\n', out);
		print_device(out, pacc, d, s);
	}
	if (!found)
		fputs("no supported devices\n", out);
	pci_cleanup(pacc);
	return EXIT_OK;
}

int discover_node_by_address(const char *addr, char *node, size_t len)
{
	char text[ADDRESS_LEN * 2], address[ADDRESS_LEN];
	struct pci_access *pacc;
	struct pci_filter f;
	const char *why;
	int err;

	if (strlen(addr) >= sizeof(text)) {
		cli_error(NULL, "bad PCI address '%s'", addr);
		return EXIT_USAGE;
	}
	strcpy(text, addr);	/* pci_filter_parse_slot() writes into it */

	pacc = pci_alloc();
	pacc->error = libpci_error;
	pci_filter_init(pacc, &f);
	why = pci_filter_parse_slot(&f, text);
	pci_cleanup(pacc);
	if (!why && (f.bus < 0 || f.slot < 0 || f.func < 0))
		why = "needs bus, slot and function, as in 0000:00:04.0";
	if (why) {
		cli_error(NULL, "bad PCI address '%s': %s", addr, why);
		return EXIT_USAGE;
	}

	format_address(address, sizeof(address), f.domain < 0 ? 0 : f.domain,
		       f.bus, f.slot, f.func);
	err = find_node(address, node, len);
	if (err == -ENOENT) {
		cli_error(address, "no such PCI device");
		return EXIT_NODEV;
	}
	if (err == -ENODEV) {
		cli_error(address, "no pcimem node (not bound to pcimem?)");
		return EXIT_NODEV;
	}
	if (err)
		return cli_fail(address, -err);
	return EXIT_OK;
}
