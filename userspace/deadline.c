// SPDX-License-Identifier: GPL-2.0
/*
 * CLOCK_MONOTONIC time and deadlines for poll(): see deadline.h.
 */
#include <time.h>

#include "deadline.h"

uint64_t pcimem_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t pcimem_deadline_after(int timeout_ms)
{
	if (timeout_ms < 0)
		return 0;
	return pcimem_monotonic_ns() + (uint64_t)timeout_ms * 1000000;
}

int pcimem_deadline_remaining_ms(uint64_t deadline)
{
	uint64_t now;

	if (!deadline)
		return -1;
	now = pcimem_monotonic_ns();
	return now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
}
