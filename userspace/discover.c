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

#include "pcimem.h"

#include "cli.h"
#include "discover.h"

#define SYSFS_PCI		"/bus/pci"
#define SYSFS_MODULE		"/module/pcimem"
#define NODE_PREFIX		"pcimem"
#define PATH_LEN		512
#define ADDRESS_LEN		40	/* "dddd:bb:ss.f", room for any int */
#define SIZE_TEXT		32
#define NAME_LEN		256

/* The devices pcimem binds by ID, each with a name for when pci.ids has none. */
static const struct pcimem_known_device supported[] = PCIMEM_KNOWN_DEVICES;

static const struct pcimem_known_device *find_supported(const struct pci_dev *d)
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

static const char *sysfs_root(void)
{
	const char *root = getenv("PCIMEM_SYSFS");

	return root && *root ? root : "/sys";
}

bool discover_module_loaded(void)
{
	char path[PATH_LEN];

	snprintf(path, sizeof(path), "%s%s", sysfs_root(), SYSFS_MODULE);
	return !access(path, F_OK);
}

int discover_no_module(void)
{
	pcimem_cli_error(NULL, "the pcimem module is not loaded");
	return EXIT_NODEV;
}

/* libpci on the sysfs root (a made-up one for tests). */
static struct pci_access *new_pacc(void)
{
	static char param[] = "sysfs.path";
	static char path[PATH_LEN];
	struct pci_access *pacc;

	pacc = pci_alloc();
	pacc->error = libpci_error;
	if (getenv("PCIMEM_SYSFS")) {
		snprintf(path, sizeof(path), "%s%s", sysfs_root(), SYSFS_PCI);
		pacc->method = PCI_ACCESS_SYS_BUS_PCI;
		pci_set_param(pacc, param, path);
	}
	pci_init(pacc);
	return pacc;
}

/* @f into libpci's filter: NULL, or why not. */
static const char *make_filter(struct pci_access *pacc,
			       const struct discover_filter *f,
			       struct pci_filter *pf, const char **which)
{
	char text[ADDRESS_LEN * 2];
	const char *why;

	pci_filter_init(pacc, pf);
	if (f && f->slot) {
		*which = f->slot;
		if (strlen(f->slot) >= sizeof(text))
			return "too long";
		strcpy(text, f->slot);	/* libpci writes into it */
		why = pci_filter_parse_slot(pf, text);
		if (why)
			return why;
	}
	if (f && f->id) {
		*which = f->id;
		if (strlen(f->id) >= sizeof(text))
			return "too long";
		strcpy(text, f->id);
		why = pci_filter_parse_id(pf, text);
		if (why)
			return why;
	}
	return NULL;
}

bool discover_filter_check(const struct discover_filter *f)
{
	struct pci_access *pacc = pci_alloc();
	const char *why, *which = "";
	struct pci_filter pf;

	pacc->error = libpci_error;
	why = make_filter(pacc, f, &pf, &which);
	pci_cleanup(pacc);
	if (why)
		pcimem_cli_error(NULL, "bad device selection '%s': %s", which, why);
	return !why;
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
	char device[PATH_LEN];
	char nodes[PATH_LEN + sizeof(NODE_PREFIX) + 1];
	struct dirent *e;
	int err = -ENODEV;
	DIR *dir;

	snprintf(device, sizeof(device), "%s%s/devices/%s", sysfs_root(),
		 SYSFS_PCI, address);
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
		    pcimem_number_parse(e->d_name + strlen(NODE_PREFIX), 0, &minor))
			continue;
		snprintf(node, len, "/dev/%s", e->d_name);
		err = 0;
		break;
	}
	closedir(dir);
	return err;
}

/* A BAR as libpci sees it. */
struct bar_view {
	pciaddr_t start;
	pciaddr_t size;
	bool io;
	bool is64;
	bool prefetch;
};

static bool bar_view(const struct pci_dev *d, int i, struct bar_view *b)
{
	pciaddr_t flags = d->base_addr[i] & PCI_ADDR_FLAG_MASK;

	if (!d->base_addr[i] && !d->size[i])
		return false;
	b->io = flags & PCI_BASE_ADDRESS_SPACE_IO;
	b->is64 = !b->io && (flags & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
			    PCI_BASE_ADDRESS_MEM_TYPE_64;
	b->prefetch = !b->io && (flags & PCI_BASE_ADDRESS_MEM_PREFETCH);
	b->start = d->base_addr[i] & (b->io ? PCI_ADDR_IO_MASK : PCI_ADDR_MEM_MASK);
	b->size = d->size[i];
	return true;
}

static void print_bars(FILE *out, const struct pci_dev *d, bool json)
{
	char size[SIZE_TEXT];
	struct bar_view b;
	int i, shown = 0;

	for (i = 0; i < 6; i++) {
		if (!bar_view(d, i, &b))
			continue;
		if (json) {
			fprintf(out, "%s{\"bar\": %d, \"start\": %llu, \"size\": %llu, \"io\": %s, \"64bit\": %s, \"prefetchable\": %s}",
				shown ? ", " : "", i, (unsigned long long)b.start,
				(unsigned long long)b.size, b.io ? "true" : "false",
				b.is64 ? "true" : "false",
				b.prefetch ? "true" : "false");
		} else {
			pcimem_cli_human_size(b.size, size, sizeof(size));
			fprintf(out, "  BAR%d: start 0x%llx size %s ", i,
				(unsigned long long)b.start, size);
			if (b.io)
				fputs("io\n", out);
			else
				fprintf(out, "mem %s %s\n",
					b.is64 ? "64-bit" : "32-bit",
					b.prefetch ? "prefetchable" : "non-prefetchable");
		}
		shown++;
		if (b.is64)
			i++;	/* the upper half of this BAR */
	}
	if (!shown && !json)
		fputs("  BARs: none\n", out);
}

/* A JSON string, or null for NULL. */
static void json_or_null(FILE *out, const char *s)
{
	if (s)
		pcimem_cli_json_string(out, s);
	else
		fputs("null", out);
}

static void print_device(FILE *out, struct pci_access *pacc,
			 struct pci_dev *d, const char *fallback, bool json)
{
	char vendor[NAME_LEN], device[NAME_LEN];
	char address[ADDRESS_LEN], node[NAME_LEN];
	const char *vname, *dname, *driver;
	bool has_node;

	vname = pci_lookup_name(pacc, vendor, sizeof(vendor),
				PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_NUMBERS,
				d->vendor_id);
	dname = pci_lookup_name(pacc, device, sizeof(device),
				PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
				d->vendor_id, d->device_id);
	driver = pci_get_string_property(d, PCI_FILL_DRIVER);
	format_address(address, sizeof(address), d->domain, d->bus, d->dev,
		       d->func);
	has_node = !find_node(address, node, sizeof(node));

	if (json) {
		fprintf(out, "{\"address\": \"%s\", \"vendor\": \"%04x\", \"device\": \"%04x\", \"vendor_name\": ",
			address, d->vendor_id, d->device_id);
		json_or_null(out, vname);
		fputs(", \"device_name\": ", out);
		json_or_null(out, dname ? dname : fallback);
		fputs(", \"driver\": ", out);
		json_or_null(out, driver);
		fputs(", \"node\": ", out);
		json_or_null(out, has_node ? node : NULL);
		fputs(", \"bars\": [", out);
		print_bars(out, d, true);
		fputs("]}", out);
		return;
	}
	fprintf(out, "%s %04x:%04x %s %s\n", address, d->vendor_id,
		d->device_id, vname ? vname : "Unknown vendor",
		dname ? dname : fallback);
	print_bars(out, d, false);
	fprintf(out, "  driver: %s\n", driver ? driver : "none");
	fprintf(out, "  node: %s\n", has_node ? node : "none");
}

/* Whether @d is for pcimem: a supported ID, or bound to it anyway. */
static bool is_ours(struct pci_dev *d, const char **name)
{
	const struct pcimem_known_device *s;
	const char *driver;

	pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_BASES | PCI_FILL_SIZES |
		      PCI_FILL_CLASS | PCI_FILL_DRIVER);
	s = find_supported(d);
	driver = pci_get_string_property(d, PCI_FILL_DRIVER);
	*name = s ? s->name : "Unknown device";
	return s || (driver && !strcmp(driver, NODE_PREFIX));
}

static int compare_devices(const void *a, const void *b)
{
	const struct pci_dev *x = *(struct pci_dev *const *)a;
	const struct pci_dev *y = *(struct pci_dev *const *)b;

	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if (x->bus != y->bus)
		return x->bus < y->bus ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->func < y->func ? -1 : x->func > y->func;
}

/* Devices in address order, as lspci shows them (libpci scans in any). */
static void sort_devices(struct pci_access *pacc)
{
	struct pci_dev *d, **v;
	size_t n = 0, i;

	for (d = pacc->devices; d; d = d->next)
		n++;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return;		/* unsorted, then */
	for (i = 0, d = pacc->devices; d; d = d->next)
		v[i++] = d;
	qsort(v, n, sizeof(*v), compare_devices);
	for (i = 0; i < n; i++)
		v[i]->next = i + 1 < n ? v[i + 1] : NULL;
	if (n)
		pacc->devices = v[0];
	free(v);
}

/*
 * A walk over our devices that a filter selects: scan_open() scans the
 * bus, scan_next() steps d to the next device of ours that matches (name
 * is its driver's name) and scan_close() frees the scan. Listing and
 * selecting both walk the same devices, so the test lives here once.
 */
struct scan {
	struct pci_access *pacc;
	struct pci_filter pf;
	struct pci_dev *d;	/* NULL before the first scan_next() */
	const char *name;
};

/* Scans the bus for F; false (said why) when F does not parse. */
static bool scan_open(const struct discover_filter *f, struct scan *s)
{
	const char *why, *which = "";

	s->pacc = new_pacc();
	s->d = NULL;
	why = make_filter(s->pacc, f, &s->pf, &which);
	if (why) {
		pci_cleanup(s->pacc);
		pcimem_cli_error(NULL, "bad device selection '%s': %s", which, why);
		return false;
	}
	pci_scan_bus(s->pacc);
	return true;
}

static bool scan_next(struct scan *s)
{
	s->d = s->d ? s->d->next : s->pacc->devices;
	while (s->d && (!is_ours(s->d, &s->name) ||
			!pci_filter_match(&s->pf, s->d)))
		s->d = s->d->next;
	return s->d;
}

static void scan_close(struct scan *s)
{
	pci_cleanup(s->pacc);
}

int discover_list(FILE *out, const struct discover_filter *f, bool json)
{
	bool loaded = discover_module_loaded();
	struct scan s;
	int found = 0;

	if (!scan_open(f, &s))
		return EXIT_USAGE;
	if (!loaded)
		discover_no_module();
	if (json)
		fprintf(out, "{\"module_loaded\": %s, \"devices\": [",
			loaded ? "true" : "false");

	sort_devices(s.pacc);
	while (scan_next(&s)) {
		if (found++)
			fputs(json ? ", " : "\n", out);
		print_device(out, s.pacc, s.d, s.name, json);
	}
	if (json)
		fputs("]}\n", out);
	else if (!found)
		fputs("no supported devices\n", out);
	scan_close(&s);
	return EXIT_OK;
}

int discover_select(const struct discover_filter *f, char *node, size_t len)
{
	char address[ADDRESS_LEN], first[ADDRESS_LEN] = "", found_node[NAME_LEN];
	struct scan s;
	struct pci_dev *d;
	int found = 0;

	if (!scan_open(f, &s))
		return EXIT_USAGE;
	while (scan_next(&s)) {
		d = s.d;
		format_address(address, sizeof(address), d->domain, d->bus,
			       d->dev, d->func);
		if (find_node(address, found_node, sizeof(found_node)))
			continue;
		if (!found++) {
			snprintf(first, sizeof(first), "%s", address);
			snprintf(node, len, "%s", found_node);
		} else if (found == 2) {
			pcimem_cli_error(NULL, "the selection matches more than one device: %s, %s%s (narrow it with -s)",
					 first, address, d->next ? ", ..." : "");
		}
	}
	scan_close(&s);
	if (found == 1)
		return EXIT_OK;
	if (found > 1)
		return EXIT_USAGE;
	if (!discover_module_loaded())
		return discover_no_module();
	pcimem_cli_error(NULL, "no device bound to pcimem matches the selection%s%s%s%s",
			 f->slot ? " -s " : "", f->slot ? f->slot : "",
		  f->id ? " -d " : "", f->id ? f->id : "");
	return EXIT_NODEV;
}

int discover_node_by_address(const char *addr, char *node, size_t len)
{
	char text[ADDRESS_LEN * 2], address[ADDRESS_LEN];
	struct pci_access *pacc;
	struct pci_filter f;
	const char *why;
	int err;

	if (strlen(addr) >= sizeof(text)) {
		pcimem_cli_error(NULL, "bad PCI address '%s'", addr);
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
		pcimem_cli_error(NULL, "bad PCI address '%s': %s", addr, why);
		return EXIT_USAGE;
	}

	format_address(address, sizeof(address), f.domain < 0 ? 0 : f.domain,
		       f.bus, f.slot, f.func);
	err = find_node(address, node, len);
	if (err == -ENOENT) {
		pcimem_cli_error(address, "no such PCI device");
		return EXIT_NODEV;
	}
	if (err == -ENODEV && !discover_module_loaded())
		return discover_no_module();
	if (err == -ENODEV) {
		pcimem_cli_error(address, "no pcimem node (not bound to pcimem?)");
		return EXIT_NODEV;
	}
	if (err)
		return pcimem_cli_fail(address, -err);
	return EXIT_OK;
}
