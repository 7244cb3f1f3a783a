// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem-host: the host side of pcimem's ivshmem tests. Works on the
 * file backing the ivshmem device's shared memory (e.g. /dev/shm/NAME)
 * with the same commands pcimem offers inside the guest, or joins an
 * ivshmem server as a peer (see userspace/host-peer.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "host-peer.h"
#include "region.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ivshmem-host [--rw] COMMAND FILE [ARGS...]\n"
		"       ivshmem-host [--rw] peer SOCKET COMMAND [ARGS...]\n"
		"\n"
		"  %-32s %s\n"
		"  %-32s %s\n",
		"create FILE SIZE", "create FILE of SIZE bytes (a power of two), zeroed",
		"info FILE", "show the size of FILE");
	command_print_help(command_all, "FILE", out);
	host_peer_help(out);
	fputs("\n"
	      "  --rw       access FILE with pread/pwrite instead of mmap\n"
	      "  -h, --help show this help\n"
	      "\n"
	      "FILE     the shared memory backing file, e.g. /dev/shm/NAME\n"
	      "SOCKET   an ivshmem server's socket: the host joins it as a peer and\n"
	      "         gets its shared memory and doorbells\n"
	      "PEER     peer ID, 0-65535; VECTOR: doorbell vector of the server\n"
	      "ping, pong  mailbox at --offset (default 1M) of the shared memory,\n"
	      "         doorbell --vector (default 0), --count messages (default 1),\n"
	      "         --timeout MS per message (default 10000); start pong first\n"
	      "OFFSET   decimal, 0x hex or 0 octal; SIZE, LENGTH may end in K, M or G\n"
	      "WIDTH    access size in bits: 8, 16, 32 or 64 (default 32)\n"
	      "PATTERN, STRING  text stands for its bytes (abcd), hex:... for raw\n"
	      "         bytes (hex:deadbeef); fill repeats PATTERN from offset 0\n"
	      "\n"
	      "exit status: 0 success, 1 verify/expect mismatch, wait or ping/pong\n"
	      "timeout or protocol mismatch, 2 usage error or bad argument, 3 no such\n"
	      "file, no server, no such peer (or it left), 4 permission denied,\n"
	      "5 other error\n",
	      out);
}

static int cmd_create(const char *file, const char *size_arg)
{
	uint64_t size;
	int fd;

	if (!cli_parse_size("size", size_arg, &size))
		return EXIT_USAGE;
	if (!size || (size & (size - 1))) {
		cli_error(file, "size %s is not a power of two (ivshmem needs one, e.g. 1M, 16M)",
			  size_arg);
		return EXIT_USAGE;
	}
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return cli_fail(file, errno);
	if (ftruncate(fd, (off_t)size)) {
		int err = errno;

		close(fd);
		return cli_fail(file, err);
	}
	close(fd);
	return EXIT_OK;
}

/* Open @file and find its size. Exit code. */
static int open_file(const char *file, bool writes, int *fd, uint64_t *size)
{
	struct stat st;
	int err;

	*fd = open(file, (writes ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (*fd < 0)
		return cli_fail(file, errno);
	if (fstat(*fd, &st))
		err = errno;
	else if (!S_ISREG(st.st_mode))
		err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	else
		err = 0;
	if (err) {
		close(*fd);
		return cli_fail(file, err);
	}
	*size = (uint64_t)st.st_size;
	return EXIT_OK;
}

static int cmd_info(const char *file)
{
	uint64_t size;
	char text[32];
	int fd, err;

	err = open_file(file, false, &fd, &size);
	if (err)
		return err;
	close(fd);
	printf("file: %s\n", file);
	printf("size: %llu (%s)\n", (unsigned long long)size,
	       cli_human_size(size, text, sizeof(text)));
	return EXIT_OK;
}

static int cmd_region(const struct command *c, const struct command_args *a,
		      const char *file, enum region_mode mode)
{
	struct region r;
	uint64_t size;
	int fd, err;

	err = open_file(file, c->writes, &fd, &size);
	if (err)
		return err;
	err = region_init(&r, file, "shared memory", fd, c->writes, size, mode);
	if (err) {
		close(fd);
		return cli_fail(file, -err);
	}
	err = c->run(&r, a);
	region_close(&r);
	return err;
}

int main(int argc, char **argv)
{
	const struct command *c;
	struct command_args a;
	const char *name;
	bool rw;
	int err;

	if (!cli_options(argc, argv, usage, NULL, &rw, &err))
		return err;
	name = argv[optind++];
	argc -= optind;
	argv += optind;

	if (!strcmp(name, "create")) {
		if (argc != 2) {
			cli_error(NULL, "usage: ivshmem-host create FILE SIZE");
			return EXIT_USAGE;
		}
		return cmd_create(argv[0], argv[1]);
	}
	if (!strcmp(name, "peer"))
		return host_peer_main(argc, argv, rw);
	if (!strcmp(name, "info")) {
		if (argc != 1) {
			cli_error(NULL, "usage: ivshmem-host info FILE");
			return EXIT_USAGE;
		}
		return cmd_info(argv[0]);
	}

	c = command_find(command_all, name);
	if (!c) {
		cli_error(NULL, "unknown command '%s' (see ivshmem-host --help)",
			  name);
		return EXIT_USAGE;
	}
	if (argc < 1) {
		cli_error(NULL, "usage: ivshmem-host %s FILE %s", c->name,
			  c->usage);
		return EXIT_USAGE;
	}
	if (!command_parse(c, "FILE", argc - 1, argv + 1, &a))
		return EXIT_USAGE;
	return cmd_region(c, &a, argv[0], rw ? REGION_FD : REGION_MMAP);
}
