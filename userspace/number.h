/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one grammar of numbers on every command line of the project
 * (pcimem, ivshmem-host, ivshmem-server): decimal, or hexadecimal after
 * 0x; a leading 0 is decimal, never octal; sizes and offsets may end in
 * K, M, G or T, or KiB, MiB, GiB or TiB (both meaning 1024, 1024^2,
 * 1024^3, 1024^4; any letter case). No sign, no blanks, nothing after the number.
 * The one variant, NUMBER_HEX, reads bare hex digits (the bytes of a
 * hex: pattern).
 *
 * Quiet and self-contained (libc only), so any program can link it.
 */
#ifndef PCIMEM_NUMBER_H
#define PCIMEM_NUMBER_H

#include <stdint.h>

/* Flags of pcimem_number_parse(). */
#define NUMBER_SUFFIX	(1U << 0)	/* accept K, M, G, T, KiB, ... TiB */
#define NUMBER_HEX	(1U << 1)	/* hex digits without 0x (a pattern's bytes) */

/* What pcimem_number_parse() accepts, for help texts and messages. */
#define NUMBER_GRAMMAR	"decimal or 0x hex (a leading 0 is decimal)"
#define NUMBER_SUFFIXES	"K, M, G, T (or KiB, MiB, GiB, TiB)"

/* @s into *@v: 0, -EINVAL (not a number of this grammar) or -ERANGE. */
int pcimem_number_parse(const char *s, unsigned int flags, uint64_t *v);

#endif /* PCIMEM_NUMBER_H */
