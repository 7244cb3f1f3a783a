// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem-unplug-test: takes a device away while user space holds it, and
 * brings it back, CYCLES times. Each cycle one process holds the node open
 * and mapped, one thread sits in poll() and another reads in a loop; then
 * the device goes (sysfs unbind, sysfs remove, or a QEMU device_del asked
 * of the host) and every promise is checked: the poller wakes with
 * POLLERR|POLLHUP, the reader ends with ENODEV, the mapping gives SIGBUS,
 * read/write/ioctl/mmap give ENODEV, munmap and close work. Then the
 * device comes back (bind, rescan, device_add) and must work again.
 *
 *   pcimem-unplug-test unbind|remove|hotplug SLOT CYCLES
 *
 * Prints one line per kind of check, with how many cycles it held in.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "guest-util.h"
#include "pcimem.h"

enum {
	C_MAPPED, C_GONE, C_POLL, C_READER, C_SIGBUS, C_READ, C_WRITE, C_IOCTL,
	C_MMAP, C_POLL_AFTER, C_RELEASE, C_BACK, C_WORKS, C_COUNT
};

static const char *const what[C_COUNT] = {
	[C_MAPPED] = "the node opens and maps before removal",
	[C_GONE] = "the device goes away",
	[C_POLL] = "a thread blocked in poll() wakes with POLLERR|POLLHUP",
	[C_READER] = "a thread reading in a loop ends with ENODEV",
	[C_SIGBUS] = "touching the revoked mapping raises SIGBUS",
	[C_READ] = "read() on the open file fails with ENODEV",
	[C_WRITE] = "write() on the open file fails with ENODEV",
	[C_IOCTL] = "PCIMEM_IOC_INFO on the open file fails with ENODEV",
	[C_MMAP] = "a new mmap() on the open file fails with ENODEV",
	[C_POLL_AFTER] = "poll() afterwards reports POLLERR|POLLHUP at once",
	[C_RELEASE] = "munmap() and close() succeed",
	[C_BACK] = "the device comes back with a node",
	[C_WORKS] = "the node works again (info, read, map)",
};

static int held[C_COUNT];

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* /dev/pcimemN of the device at slot, or "" when it has none. */
static void node_of(const char *slot, char *node, size_t len)
{
	char dir[128];
	struct dirent *d;
	DIR *dp;

	node[0] = 0;
	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/0000:%s/pcimem", slot);
	dp = opendir(dir);
	if (!dp)
		return;
	while ((d = readdir(dp)))
		if (!strncmp(d->d_name, "pcimem", 6))
			snprintf(node, len, "/dev/%s", d->d_name);
	closedir(dp);
}

/* Wait up to 30 s for cond(slot) to hold. */
static int wait_for(int (*cond)(const char *), const char *slot)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int i;

	for (i = 0; i < 600; i++) {
		if (cond(slot))
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int slot_gone(const char *slot)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:%s", slot);
	return !exists(path);
}

static int node_present(const char *slot)
{
	char node[300];

	node_of(slot, node, sizeof(node));
	return node[0] && exists(node);
}

struct waiter {
	int fd;
	short revents;
	int err;
};

static void *poller(void *arg)
{
	struct waiter *w = arg;
	/* Nothing interrupts these devices: only the removal ends the wait. */
	struct pollfd p = { .fd = w->fd, .events = POLLPRI };

	if (poll(&p, 1, 60000) == 1)
		w->revents = p.revents;
	return NULL;
}

static void *reader(void *arg)
{
	struct waiter *w = arg;
	char buf[4096];
	int i;

	for (i = 0; i < 10000000; i++) {
		if (pread(w->fd, buf, sizeof(buf), (i % 64) * 4096) < 0) {
			w->err = errno;
			break;
		}
	}
	return NULL;
}

static int take_away(const char *mode, const char *slot)
{
	char path[128], dev[32];

	snprintf(dev, sizeof(dev), "0000:%s", slot);
	if (!strcmp(mode, "unbind"))
		return sysfs_write("/sys/bus/pci/drivers/pcimem/unbind", dev);
	if (!strcmp(mode, "remove")) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", dev);
		return sysfs_write(path, "1");
	}
	if (host("unplug %s", slot))
		return -1;
	return wait_for(slot_gone, slot) ? 0 : -1;
}

static int bring_back(const char *mode, const char *slot)
{
	char dev[32];

	snprintf(dev, sizeof(dev), "0000:%s", slot);
	if (!strcmp(mode, "unbind")) {
		if (sysfs_write("/sys/bus/pci/drivers/pcimem/bind", dev))
			return -1;
	} else if (!strcmp(mode, "remove")) {
		if (sysfs_write("/sys/bus/pci/rescan", "1"))
			return -1;
	} else if (host("plug %s", slot)) {
		return -1;
	}
	return wait_for(node_present, slot) ? 0 : -1;
}

static int node_works(const char *slot)
{
	struct pcimem_info info;
	char node[300], buf[4096];
	int fd, ok;
	void *m;

	node_of(slot, node, sizeof(node));
	fd = open(node, O_RDWR);
	if (fd < 0)
		return 0;
	ok = ioctl(fd, PCIMEM_IOC_INFO, &info) == 0 &&
	     pread(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ok = ok && m != MAP_FAILED && !faults(m);
	if (m != MAP_FAILED)
		munmap(m, 4096);
	close(fd);
	return ok;
}

static void cycle(const char *mode, const char *slot)
{
	struct waiter pw = { .fd = -1 }, rw = { .fd = -1 };
	struct pcimem_info info;
	pthread_t pt, rt;
	char node[300], c = 0;
	struct pollfd p;
	size_t size;
	char *m;
	int fd;

	node_of(slot, node, sizeof(node));
	fd = open(node, O_RDWR);
	pw.fd = open(node, O_RDWR);
	rw.fd = open(node, O_RDONLY);
	if (fd < 0 || pw.fd < 0 || rw.fd < 0 || ioctl(fd, PCIMEM_IOC_INFO, &info))
		return;
	size = info.bar_size;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED || faults(m))
		return;
	held[C_MAPPED]++;

	pthread_create(&pt, NULL, poller, &pw);
	pthread_create(&rt, NULL, reader, &rw);
	usleep(20000);

	if (take_away(mode, slot))
		return;
	held[C_GONE]++;

	pthread_join(pt, NULL);
	pthread_join(rt, NULL);
	held[C_POLL] += (pw.revents & (POLLERR | POLLHUP)) == (POLLERR | POLLHUP);
	held[C_READER] += rw.err == ENODEV;
	held[C_SIGBUS] += faults(m) && faults(m + size - 1);
	held[C_READ] += failed_with(pread(fd, &c, 1, 0), ENODEV);
	held[C_WRITE] += failed_with(pwrite(fd, &c, 1, 0), ENODEV);
	held[C_IOCTL] += failed_with(ioctl(fd, PCIMEM_IOC_INFO, &info), ENODEV);
	held[C_MMAP] += mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED &&
			errno == ENODEV;
	p = (struct pollfd){ .fd = fd, .events = POLLIN | POLLPRI };
	held[C_POLL_AFTER] += poll(&p, 1, 0) == 1 &&
			      (p.revents & (POLLERR | POLLHUP)) == (POLLERR | POLLHUP);
	held[C_RELEASE] += munmap(m, size) == 0 && close(fd) == 0 && close(pw.fd) == 0 &&
			   close(rw.fd) == 0;

	if (bring_back(mode, slot))
		return;
	held[C_BACK]++;
	held[C_WORKS] += node_works(slot);
}

int main(int argc, char **argv)
{
	int cycles, i;

	if (argc != 4 || (strcmp(argv[1], "unbind") && strcmp(argv[1], "remove") &&
			  strcmp(argv[1], "hotplug")) || (cycles = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: pcimem-unplug-test unbind|remove|hotplug SLOT CYCLES\n");
		return 2;
	}
	catch_sigbus();
	for (i = 0; i < cycles; i++)
		cycle(argv[1], argv[2]);
	for (i = 0; i < C_COUNT; i++)
		check(held[i] == cycles, "%s x%d: %s (%d/%d)", argv[1], cycles, what[i],
		      held[i], cycles);
	return check_failures() ? 1 : 0;
}
