// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem-stream-data: the 1 GiB streams of the channel lab, made and
 * checked where sha256sum is too slow (a guest under TCG sums some 17 MB/s).
 *
 *   pcimem-stream-data SIZE          write SIZE bytes of the stream
 *   pcimem-stream-data --check SIZE  read standard input; exit 0 if it is
 *                                    exactly the stream's SIZE bytes
 *
 * The stream: 64-bit little-endian words, word i being splitmix64(i), so
 * every byte depends on its offset and a lost, repeated or swapped block
 * shows. The host runs the same program and sums its output natively: a
 * guest that sends the stream sends bytes whose sha256 the host knows.
 * SIZE is in bytes, a multiple of 8. Exit status: 0 done or identical,
 * 1 the input differs (the first differing offset is printed), 2 usage,
 * 3 a read or write failed.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_WORDS (1u << 17)	/* 1 MiB */

static uint64_t splitmix64(uint64_t i)
{
	uint64_t z = (i + 1) * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* fill: words first .. first + n - 1 of the stream, little-endian. */
static void fill(unsigned char *buf, uint64_t first, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint64_t w = htole64(splitmix64(first + k));

		memcpy(buf + 8 * k, &w, sizeof(w));
	}
}

/* full_read: up to len bytes, short only at end of file; -1 on error. */
static ssize_t full_read(unsigned char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(STDIN_FILENO, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int write_stream(uint64_t size, unsigned char *buf)
{
	for (uint64_t off = 0; off < size;) {
		size_t n = size - off < CHUNK_WORDS * 8 ? size - off : CHUNK_WORDS * 8;
		size_t done = 0;

		fill(buf, off / 8, n / 8);
		while (done < n) {
			ssize_t w = write(STDOUT_FILENO, buf + done, n - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				fprintf(stderr, "pcimem-stream-data: write at byte %" PRIu64
					": %s\n", off + done, strerror(errno));
				return 3;
			}
			done += (size_t)w;
		}
		off += n;
	}
	return 0;
}

static int check_stream(uint64_t size, unsigned char *buf, unsigned char *want)
{
	uint64_t off = 0;

	for (;;) {
		size_t n = size - off < CHUNK_WORDS * 8 ? size - off : CHUNK_WORDS * 8;
		/* one byte more at the end: input beyond SIZE is a difference too */
		ssize_t got = full_read(buf, n ? n : 1);

		if (got < 0) {
			fprintf(stderr, "pcimem-stream-data: read at byte %" PRIu64 ": %s\n",
				off, strerror(errno));
			return 3;
		}
		if (n == 0) {
			if (got == 0)
				return 0;
			fprintf(stderr, "pcimem-stream-data: more than the %" PRIu64
				" bytes of the stream\n", size);
			return 1;
		}
		fill(want, off / 8, n / 8);
		if (memcmp(buf, want, (size_t)got)) {
			size_t k = 0;

			while (buf[k] == want[k])
				k++;
			fprintf(stderr, "pcimem-stream-data: byte %" PRIu64
				" differs (0x%02x, the stream has 0x%02x)\n",
				off + k, buf[k], want[k]);
			return 1;
		}
		if ((size_t)got < n) {
			fprintf(stderr, "pcimem-stream-data: %" PRIu64 " bytes of the %"
				PRIu64 " of the stream, then end of file\n",
				off + (uint64_t)got, size);
			return 1;
		}
		off += n;
	}
}

int main(int argc, char **argv)
{
	static unsigned char buf[CHUNK_WORDS * 8], want[CHUNK_WORDS * 8];
	int check = argc == 3 && !strcmp(argv[1], "--check");
	const char *arg = argc >= 2 ? argv[argc - 1] : "";
	unsigned long long size;
	char *end;

	if (argc != 2 + check || *arg < '0' || *arg > '9') {
		fprintf(stderr, "usage: pcimem-stream-data [--check] SIZE\n");
		return 2;
	}
	errno = 0;
	size = strtoull(arg, &end, 10);
	if (errno || *end || size % 8) {
		fprintf(stderr, "pcimem-stream-data: bad SIZE '%s': bytes, a multiple of 8\n",
			arg);
		return 2;
	}
	return check ? check_stream(size, buf, want) : write_stream(size, buf);
}
