// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of region.c on a temporary file, in mmap and in fd mode.
 * Prints "ok - what" or "FAIL - what: detail" per check, then
 * "N passed, N failed"; exits 1 if anything failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "region.h"

#define BIG_SIZE	(2 * 65536 + 100)	/* crosses fill chunks, odd end */
#define PATTERN		"abcdefg"		/* 7 bytes: 64 KiB is no multiple */
#define PATLEN		(sizeof(PATTERN) - 1)

struct fixture {
	char path[64];
	int raw;		/* our own fd, to look behind the region's back */
	struct region r;
	const char *mode_name;
	char what[128];
};

/* A temporary file of @size bytes holding @init (zeros after it). */
static bool fixture_open(struct fixture *f, enum region_mode mode,
			 uint64_t size, const void *init, size_t init_len)
{
	int fd, err;

	f->mode_name = mode == REGION_MMAP ? "mmap" : "fd";
	f->raw = check_temp_file(f->path, sizeof(f->path), "region-test", size);
	if (f->raw < 0)
		return false;
	if (pwrite(f->raw, init, init_len, 0) != (ssize_t)init_len) {
		perror(f->path);
		return false;
	}
	fd = open(f->path, O_RDWR);
	if (fd < 0) {
		perror(f->path);
		return false;
	}
	err = pcimem_region_init(&f->r, f->path, "test file", fd, true, size, mode);
	if (err) {
		fprintf(stderr, "%s: pcimem_region_init: %s\n", f->path, strerror(-err));
		return false;
	}
	return true;
}

static void fixture_close(struct fixture *f)
{
	pcimem_region_close(&f->r);
	close(f->raw);
	unlink(f->path);
}

static const char *name(struct fixture *f, const char *what)
{
	snprintf(f->what, sizeof(f->what), "%s: %s", f->mode_name, what);
	return f->what;
}

/* Every byte of the file, read with plain pread, follows the pattern. */
static void check_phase(struct fixture *f)
{
	static unsigned char buf[BIG_SIZE];
	size_t i;

	if (pread(f->raw, buf, BIG_SIZE, 0) != BIG_SIZE) {
		check(check_why("pread: %s", strerror(errno)), "%s",
		      name(f, "pattern phase"));
		return;
	}
	for (i = 0; i < BIG_SIZE; i++)
		if (buf[i] != PATTERN[i % PATLEN])
			break;
	check(i == BIG_SIZE ||
	      check_why("byte at 0x%zx is 0x%02x, expected 0x%02x", i,
			i < BIG_SIZE ? buf[i] : 0, PATTERN[i % PATLEN]), "%s",
	      name(f, "pattern phase over a non-multiple size"));
}

static void test_fill_verify(enum region_mode mode)
{
	static const uint64_t bad[] = { 5, 70000, BIG_SIZE - 1 };
	struct region_mismatch m = { 0 };
	struct fixture f;
	size_t i;
	int err;

	if (!fixture_open(&f, mode, BIG_SIZE, "", 0)) {
		check(check_why("cannot set up a temporary file"), "fixture");
		return;
	}

	err = pcimem_region_fill(&f.r, PATTERN, PATLEN);
	check(!err || check_why("%s", strerror(-err)), "%s", name(&f, "fill"));
	check_phase(&f);

	err = pcimem_region_verify(&f.r, PATTERN, PATLEN, &m);
	check((!err && m.count == 0) ||
	      check_why("err %d, %llu bad bytes", err,
			(unsigned long long)m.count), "%s",
	      name(&f, "verify after fill"));

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pwrite(f.raw, "\0", 1, (off_t)bad[i]) != 1)
			perror("pwrite");
	err = pcimem_region_verify(&f.r, PATTERN, PATLEN, &m);
	check((!err && m.count == 3 && m.offset == bad[0] &&
	       m.expected == PATTERN[bad[0] % PATLEN] && m.found == 0) ||
	      check_why("err %d, count %llu, first 0x%llx expected 0x%02x found 0x%02x",
			err, (unsigned long long)m.count, (unsigned long long)m.offset,
	      m.expected, m.found), "%s",
	      name(&f, "verify finds 3 corrupted bytes, first one first"));

	fixture_close(&f);
}

static void test_values(enum region_mode mode)
{
	static const uint64_t values[] = {
		0, 0xa5, 0xbeef, 0xdeadbeef, 0x0123456789abcdefULL,
	};
	unsigned char raw[16], zero[16] = { 0 };
	struct fixture f;
	unsigned int width;
	uint64_t v = 0;
	size_t i;
	int err;

	if (!fixture_open(&f, mode, 4096, "", 0)) {
		check(check_why("cannot set up a temporary file"), "fixture");
		return;
	}

	for (width = 1, i = 1; width <= 8; width *= 2, i++) {
		uint64_t want = values[i];
		uint64_t off = 64 + width * 16;
		char what[64];

		snprintf(what, sizeof(what), "write and read back %u bits",
			 width * 8);
		err = pcimem_region_write_value(&f.r, off, width, want);
		if (!err)
			err = pcimem_region_read_value(&f.r, off, width, &v);
		check((!err && v == want) ||
		      check_why("err %d, read 0x%llx, wrote 0x%llx", err,
				(unsigned long long)v, (unsigned long long)want), "%s",
		      name(&f, what));

		/* The file holds exactly those bytes and nothing around. */
		snprintf(what, sizeof(what), "%u-bit store touches only its bytes",
			 width * 8);
		if (pread(f.raw, raw, sizeof(raw), (off_t)(off - 4)) != 16)
			perror("pread");
		check((!memcmp(raw, zero, 4) && !memcmp(raw + 4, &want,
							width) && !memcmp(raw + 4 + width, zero, 12 - width)) ||
		      check_why("bytes around 0x%llx differ",
				(unsigned long long)off), "%s", name(&f, what));
	}

	err = pcimem_region_read_value(&f.r, 2, 4, &v);
	check(err == -EINVAL || check_why("got %d", err), "%s",
	      name(&f, "unaligned 32-bit read refused"));
	err = pcimem_region_write_value(&f.r, 4, 8, 1);
	check(err == -EINVAL || check_why("got %d", err), "%s",
	      name(&f, "unaligned 64-bit write refused"));
	err = pcimem_region_read_value(&f.r, 0, 3, &v);
	check(err == -EINVAL || check_why("got %d", err), "%s",
	      name(&f, "width 3 refused"));
	err = pcimem_region_read_value(&f.r, 4096, 1, &v);
	check(err == -ERANGE || check_why("got %d", err), "%s",
	      name(&f, "read at the end refused"));
	err = pcimem_region_write_value(&f.r, 4092, 8, 1);
	check(err == -EINVAL || err == -ERANGE || check_why("got %d", err),
	      "%s", name(&f, "write past the end refused"));

	fixture_close(&f);
}

static void check_dump(struct fixture *f, uint64_t off, uint64_t len,
		       const char *want, const char *what)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out;
	int err;

	out = open_memstream(&text, &size);
	if (!out) {
		check(check_why("open_memstream: %s", strerror(errno)), "%s",
		      name(f, what));
		return;
	}
	err = pcimem_region_dump(&f->r, off, len, out);
	fclose(out);
	check((!err && !strcmp(text, want)) ||
	      check_why("err %d, got:\n%swant:\n%s", err, text, want), "%s",
	      name(f, what));
	free(text);
}

static void test_dump(enum region_mode mode)
{
	static const char init[] = "abcdefghijklmnop";
	struct fixture f;
	int err;

	if (!fixture_open(&f, mode, 0x33, init, sizeof(init) - 1)) {
		check(check_why("cannot set up a temporary file"), "fixture");
		return;
	}
	if (pwrite(f.raw, "xyz", 3, 0x30) != 3)
		perror("pwrite");

	check_dump(&f, 0, 0x33,
		   "00000000  61 62 63 64 65 66 67 68  69 6a 6b 6c 6d 6e 6f 70  |abcdefghijklmnop|\n"
		"00000010  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
		"*\n"
		"00000030  78 79 7a                                          |xyz|\n"
		"00000033\n",
		"dump collapses repeated lines");
	check_dump(&f, 0x8, 0x10,
		   "00000008  69 6a 6b 6c 6d 6e 6f 70  00 00 00 00 00 00 00 00  |ijklmnop........|\n"
		"00000018\n",
		"dump at an offset");
	err = pcimem_region_dump(&f.r, 0x30, 0x4, stdout);
	check(err == -ERANGE || check_why("got %d", err), "%s",
	      name(&f, "dump past the end refused"));
	fixture_close(&f);
}

/* A register region: whole 32-bit accesses only, bytes in memory order. */
static void test_registers(enum region_mode mode)
{
	static const char init[] = "0123456789abcdef";
	unsigned char buf[16];
	struct fixture f;
	uint64_t v = 0;
	int err;

	if (!fixture_open(&f, mode, 256, init, sizeof(init) - 1)) {
		check(check_why("cannot set up a temporary file"), "fixture");
		return;
	}
	f.r.access_width = 4;

	err = pcimem_region_read_bytes(&f.r, 0, buf, 16);
	check((!err && !memcmp(buf, init, 16)) || check_why("err %d", err),
	      "%s", name(&f, "registers: 16 bytes read as four 32-bit loads"));
	err = pcimem_region_read_bytes(&f.r, 2, buf, 4);
	check(err == -EINVAL || check_why("got %d", err), "%s",
	      name(&f, "registers: unaligned byte read refused"));
	err = pcimem_region_read_bytes(&f.r, 0, buf, 6);
	check(err == -EINVAL || check_why("got %d", err), "%s",
	      name(&f, "registers: partial register refused"));
	err = pcimem_region_write_bytes(&f.r, 4, "WXYZ", 4);
	if (pread(f.raw, buf, 8, 0) != 8)
		perror("pread");
	check((!err && !memcmp(buf, "0123WXYZ", 8)) || check_why("err %d", err),
	      "%s", name(&f, "registers: 4 bytes written as one 32-bit store"));
	err = pcimem_region_read_value(&f.r, 0, 1, &v);
	check(err == -EINVAL || check_why("got %d", err), "%s",
	      name(&f, "registers: 8-bit read refused"));
	err = pcimem_region_write_value(&f.r, 8, 8, 1);
	check(err == -EINVAL || check_why("got %d", err), "%s",
	      name(&f, "registers: 64-bit write refused"));
	err = pcimem_region_read_value(&f.r, 4, 4, &v);
	check((!err && v == 0x5a595857) ||
	      check_why("err %d, 0x%llx", err, (unsigned long long)v), "%s",
	      name(&f, "registers: 32-bit read"));
	fixture_close(&f);
}

int main(void)
{
	static const enum region_mode modes[] = { REGION_MMAP, REGION_FD };
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		test_fill_verify(modes[i]);
		test_values(modes[i]);
		test_dump(modes[i]);
		test_registers(modes[i]);
	}
	return check_summary();
}
