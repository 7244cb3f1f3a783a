/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the guest test programs beside check.h: sleeping, reaching a
 * BAR through pcimem's ioctls, its 32-bit registers through read() and
 * write(), and probing a mapping for SIGBUS.
 *
 * Header only, as the kernel's kselftest.h: each program is one file plus
 * check.c, so the build and the lint need nothing more; what a program
 * does not use costs nothing (static inline).
 */
#ifndef PCIMEM_TEST_GUEST_UTIL_H
#define PCIMEM_TEST_GUEST_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "pcimem.h"

/* Sleeps this many microseconds, on through signals. */
static inline void sleep_us(long us)
{
	struct timespec t = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/* PCIMEM_IOC_SELECT of BAR with MEMTYPE (or PCIMEM_MT_DEFAULT): 0 or -1. */
static inline int select_bar(int fd, unsigned int bar, unsigned int memtype)
{
	struct pcimem_select sel = { .bar = bar, .memtype = memtype };

	return ioctl(fd, PCIMEM_IOC_SELECT, &sel);
}

/* PCIMEM_IOC_BAR_INFO of BAR into *bi: 0 or -1. */
static inline int bar_info(int fd, unsigned int bar, struct pcimem_bar_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->bar = bar;
	return ioctl(fd, PCIMEM_IOC_BAR_INFO, bi);
}

/*
 * A 32-bit register through pread() of a file that reaches its BAR: its
 * value, or 0xdeadbeef when the read fails.
 */
static inline uint32_t reg_read(int fd, off_t off)
{
	uint32_t v;

	if (pread(fd, &v, 4, off) != 4)
		return 0xdeadbeef;
	return v;
}

/* The same through pwrite(): 0, or -1 when the write fails. */
static inline int reg_write(int fd, off_t off, uint32_t v)
{
	return pwrite(fd, &v, 4, off) == 4 ? 0 : -1;
}

/* Per thread: a reader thread may meet SIGBUS while the main one probes. */
struct sigbus_probe {
	sigjmp_buf jmp;
	volatile sig_atomic_t armed;
};

static inline struct sigbus_probe *sigbus_probe(void)
{
	static _Thread_local struct sigbus_probe p;

	return &p;
}

static inline void on_sigbus(int sig)
{
	(void)sig;
	if (sigbus_probe()->armed)
		siglongjmp(sigbus_probe()->jmp, 1);
	_exit(99);
}

/*
 * Installs the SIGBUS handler that faults() needs: a SIGBUS outside
 * faults() ends the program with status 99.
 */
static inline void catch_sigbus(void)
{
	struct sigaction sa = { .sa_handler = on_sigbus };

	sigaction(SIGBUS, &sa, NULL);
}

/* Does loading the byte at p raise SIGBUS? In any thread. */
static inline int faults(const volatile void *p)
{
	if (sigsetjmp(sigbus_probe()->jmp, 1)) {
		sigbus_probe()->armed = 0;
		return 1;
	}
	sigbus_probe()->armed = 1;
	(void)*(const volatile unsigned char *)p;
	sigbus_probe()->armed = 0;
	return 0;
}

#endif /* PCIMEM_TEST_GUEST_UTIL_H */
