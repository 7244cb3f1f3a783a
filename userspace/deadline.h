/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CLOCK_MONOTONIC time and the deadlines of the tools' waits: a wait of
 * several poll() calls keeps one deadline and gives each call what is
 * left of it.
 */
#ifndef PCIMEM_DEADLINE_H
#define PCIMEM_DEADLINE_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t pcimem_monotonic_ns(void);

/* A deadline @timeout_ms from now; 0 for none (-1: wait forever). */
uint64_t pcimem_deadline_after(int timeout_ms);

/* Milliseconds left before @deadline, rounded up; -1 without one. */
int pcimem_deadline_remaining_ms(uint64_t deadline);

#endif /* PCIMEM_DEADLINE_H */
