// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem-suid-write: the innocent set-user-ID root program of the
 * confused-deputy check (pcimem-fault-test deputy). It writes one 32-bit
 * word to its standard output, as any program that prints would, and
 * exits 0 if the write went through, else with the write's errno.
 * Installed set-user-ID root in the guest image only.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

int main(void)
{
	uint32_t word = 0x5a5a5a5a;

	if (write(STDOUT_FILENO, &word, sizeof(word)) == (ssize_t)sizeof(word))
		return 0;
	return errno ? errno : 1;
}
