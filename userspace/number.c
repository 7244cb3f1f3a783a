// SPDX-License-Identifier: GPL-2.0
/*
 * Numbers of the command lines: see number.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <strings.h>

#include "number.h"

static int digit_value(char c, unsigned int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return (unsigned int)d < base ? d : -1;
}

/* The shift of a size suffix ("K", "KiB", ...), or -1 if @s is none. */
static int suffix_shift(const char *s)
{
	static const char units[] = "KMGT";
	int i;

	for (i = 0; units[i]; i++) {
		if ((s[0] & ~0x20) != units[i])
			continue;
		if (!s[1] || !strcasecmp(s + 1, "iB"))
			return 10 * (i + 1);
	}
	return -1;
}

int pcimem_number_parse(const char *s, unsigned int flags, uint64_t *v)
{
	unsigned int base = 10;
	uint64_t n = 0;
	bool any = false;
	int d, shift = 0;

	if (flags & NUMBER_HEX) {
		base = 16;
	} else if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; (d = digit_value(*s, base)) >= 0; s++) {
		if (n > (UINT64_MAX - (unsigned int)d) / base)
			return -ERANGE;
		n = n * base + (unsigned int)d;
		any = true;
	}
	if (!any)
		return -EINVAL;
	if (*s) {
		if (!(flags & NUMBER_SUFFIX))
			return -EINVAL;
		shift = suffix_shift(s);
		if (shift < 0)
			return -EINVAL;
		if (n > (UINT64_MAX >> shift))
			return -ERANGE;
	}
	*v = n << shift;
	return 0;
}
