// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem-host: the host side of pcimem's ivshmem tests. Works on the
 * file backing the ivshmem device's shared memory (e.g. /dev/shm/NAME)
 * with the same commands pcimem offers inside the guest, or joins an
 * ivshmem server as a peer (see host-peer.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "channel-stream.h"
#include "cli.h"
#include "commands.h"
#include "host-peer.h"
#include "region.h"

/*
 * The ID of a process other than this one that has @st's file open or
 * mapped, found in /proc (only the processes we may inspect), or 0.
 */
static pid_t find_user(const struct stat *st)
{
	char path[64], line[512];
	struct dirent *p, *d;
	pid_t found = 0;
	DIR *proc, *fds;

	proc = opendir("/proc");
	if (!proc)
		return 0;
	while (!found && (p = readdir(proc))) {
		unsigned int maj, min;
		unsigned long ino;
		struct stat fst;
		FILE *maps;
		long pid;
		char *end;

		pid = strtol(p->d_name, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
		maps = fopen(path, "re");
		while (maps && !found && fgets(line, sizeof(line), maps))
			if (sscanf(line, "%*s %*s %*s %x:%x %lu", &maj, &min, &ino) == 3 &&
			    ino == (unsigned long)st->st_ino &&
			    maj == major(st->st_dev) && min == minor(st->st_dev))
				found = (pid_t)pid;
		if (maps)
			fclose(maps);
		snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
		fds = found ? NULL : opendir(path);
		while (fds && !found && (d = readdir(fds)))
			if (d->d_name[0] != '.' &&
			    !fstatat(dirfd(fds), d->d_name, &fst, 0) &&
			    fst.st_dev == st->st_dev && fst.st_ino == st->st_ino)
				found = (pid_t)pid;
		if (fds)
			closedir(fds);
	}
	closedir(proc);
	return found;
}

/*
 * Is @fd's file open or mapped by another process? A write lease is
 * granted only while no other open file (a mapping holds its file open
 * even after its descriptor is closed) refers to the inode, whoever owns
 * it; where a lease cannot be had (not our file and no CAP_LEASE, a file
 * system without leases), the /proc scan decides. On success the lease
 * is held, so nobody opens the file unnoticed until it is released.
 */
static bool in_use(int fd, const struct stat *st, pid_t *pid)
{
	int errnum = 0;

	signal(SIGIO, SIG_IGN);	/* a lease break must not kill us */
	if (fcntl(fd, F_SETLEASE, F_WRLCK))
		errnum = errno;
	*pid = find_user(st);
	return errnum == EAGAIN || errnum == EBUSY || *pid;
}

/*
 * create [--force] FILE SIZE: a new file of SIZE zero bytes. An existing
 * FILE is replaced only with --force, and never while another process has
 * it open or mapped: shrinking a file QEMU maps kills QEMU with SIGBUS,
 * and zeroing it pulls the memory from under a running guest.
 */
static int cmd_create(const char *file, const char *size_arg, bool force)
{
	char text[32];
	struct stat st;
	uint64_t size;
	pid_t pid;
	int fd, errnum = 0;

	if (!pcimem_cli_parse_size("size", size_arg, &size))
		return EXIT_USAGE;
	if (!size || (size & (size - 1))) {
		pcimem_cli_error(file, "size %s is not a power of two (ivshmem needs one, e.g. 1M, 16M)",
				 size_arg);
		return EXIT_USAGE;
	}
	fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno != EEXIST)
		return pcimem_cli_fail(file, errno);
	if (fd < 0) {
		fd = open(file, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return pcimem_cli_fail(file, errno);
		if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
			errnum = errno ? errno : EINVAL;
			close(fd);
			if (errnum == EINVAL)
				pcimem_cli_error(file, "exists and is not a regular file");
			return errnum == EINVAL ? EXIT_USAGE : pcimem_cli_fail(file, errnum);
		}
		if (!force) {
			close(fd);
			pcimem_cli_error(file, "exists (%s); --force replaces it with %s of zeros",
					 pcimem_cli_human_size((uint64_t)st.st_size, text, sizeof(text)),
				  size_arg);
			return EXIT_USAGE;
		}
		if (in_use(fd, &st, &pid)) {
			close(fd);
			if (pid)
				pcimem_cli_error(file, "in use by process %ld; not replaced (stop it first)",
						 (long)pid);
			else
				pcimem_cli_error(file, "in use by another process; not replaced (stop it first)");
			return EXIT_IOERR;
		}
		if (ftruncate(fd, 0))
			errnum = errno;
	}
	if (!errnum && ftruncate(fd, (off_t)size))
		errnum = errno;
	fcntl(fd, F_SETLEASE, F_UNLCK);
	close(fd);
	return errnum ? pcimem_cli_fail(file, errnum) : EXIT_OK;
}

/* Open @file and find its size. Exit code. */
static int open_file(const char *file, bool writes, int *fd, uint64_t *size)
{
	struct stat st;
	int errnum;

	*fd = open(file, (writes ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (*fd < 0)
		return pcimem_cli_fail(file, errno);
	if (fstat(*fd, &st))
		errnum = errno;
	else if (!S_ISREG(st.st_mode))
		errnum = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	else
		errnum = 0;
	if (errnum) {
		close(*fd);
		return pcimem_cli_fail(file, errnum);
	}
	*size = (uint64_t)st.st_size;
	return EXIT_OK;
}

static int cmd_info(const char *file)
{
	uint64_t size;
	char text[32];
	int fd, code;

	code = open_file(file, false, &fd, &size);
	if (code)
		return code;
	close(fd);
	printf("file: %s\n", file);
	printf("size: %llu (%s)\n", (unsigned long long)size,
	       pcimem_cli_human_size(size, text, sizeof(text)));
	return EXIT_OK;
}

static int cmd_region(const struct cli_command *c,
		      const struct command_args *a, const char *file,
		      enum region_mode mode)
{
	struct region r;
	uint64_t size;
	int fd, code, err;

	code = open_file(file, c->region->writes, &fd, &size);
	if (code)
		return code;
	err = pcimem_region_init(&r, file, "shared memory", fd, c->region->writes,
				 size, mode);
	if (err) {
		close(fd);
		return pcimem_cli_fail(file, -err);
	}
	code = c->region->run(&r, a);
	pcimem_region_close(&r);
	return code;
}

static int run_create(const struct cli_run *r)
{
	return cmd_create(r->target, r->argv[0], r->opt.force);
}

static int run_info(const struct cli_run *r)
{
	return cmd_info(r->target);
}

static int run_region(const struct cli_run *r)
{
	const struct host_tool_options *o = r->ctx;
	struct command_args a;

	if (!pcimem_command_parse(r, &a))
		return EXIT_USAGE;
	return cmd_region(r->c, &a, r->target, o->rw ? REGION_FD : REGION_MMAP);
}

/* send and recv on FILE: a channel without doorbells, polled. */
static int run_stream(const struct cli_run *r, bool send)
{
	const struct host_tool_options *o = r->ctx;
	struct channel_link l;
	struct region reg;
	unsigned int peer = 0;
	uint64_t size;
	int fd, code, err;

	if (r->argc && !pcimem_cli_parse_peer(r->argv[0], &peer))
		return EXIT_USAGE;
	if (o->rw) {
		pcimem_cli_error(r->target, "send and recv need FILE mapped, not --rw");
		return EXIT_USAGE;
	}
	code = open_file(r->target, true, &fd, &size);
	if (code)
		return code;
	err = pcimem_region_init(&reg, r->target, "shared memory", fd, true, size,
				 REGION_MMAP);
	if (err) {
		close(fd);
		return pcimem_cli_fail(r->target, -err);
	}
	l = (struct channel_link) {
		.name = r->target, .mem = reg.map, .size = reg.size, .self_id = -1,
	};
	code = pcimem_channel_stream_command(&l, &r->opt, send, !r->argc, peer);
	pcimem_region_close(&reg);
	return code;
}

static int run_send(const struct cli_run *r)
{
	return run_stream(r, true);
}

static int run_recv(const struct cli_run *r)
{
	return run_stream(r, false);
}

static const struct cli_command command_send = {
	.name = "send", .args = "PEER",
	.help = "stream standard input to recv on FILE's channel slot PEER",
	.details = CHANNEL_STREAM_SEND_DETAILS,
	.target = true, .min_args = 1, .max_args = 1,
	.options = CHANNEL_STREAM_OPTIONS & ~CLI_OPT_VECTOR,
	.defaults = &pcimem_channel_stream_send_defaults, .run = run_send,
};

static const struct cli_command command_recv = {
	.name = "recv", .args = "[PEER]",
	.help = "write what slot PEER (or the first) streams with send on FILE",
	.details = CHANNEL_STREAM_RECV_DETAILS,
	.target = true, .max_args = 1,
	.options = CHANNEL_STREAM_OPTIONS & ~CLI_OPT_VECTOR, .run = run_recv,
};

static const struct cli_command command_create = {
	.name = "create", .args = "SIZE",
	.help = "create FILE of SIZE bytes (a power of two), zeroed",
	.details = "An existing FILE only with --force, never one in use.\n",
	.target = true, .min_args = 1, .max_args = 1,
	.options = CLI_OPT_FORCE, .run = run_create,
};

static const struct cli_command command_info = {
	.name = "info", .help = "show the size of FILE",
	.target = true, .run = run_info,
};

static const struct cli_command command_peer = {
	.name = "peer", .help = "join an ivshmem server as a peer",
	.target = true, .target_name = "SOCKET", .sub = &host_peer_tool,
};

static const struct cli_command *const commands[] = {
	&command_create, &command_info, &pcimem_command_dump, &pcimem_command_read,
	&pcimem_command_write, &pcimem_command_fill, &pcimem_command_verify, &pcimem_command_expect,
	&pcimem_command_put, &command_send, &command_recv, &command_peer, NULL,
};

static struct host_tool_options options;

enum {
	OPT_RW = 0x100,
};

static bool handle_option(void *ctx, int val, const char *arg)
{
	struct host_tool_options *o = ctx;

	(void)arg;
	o->rw = val == OPT_RW || o->rw;
	return true;
}

static const struct cli_tool_option tool_options[] = {
	{ "rw", 0, NULL, "access FILE or the shared memory with pread/pwrite instead of mmap", OPT_RW },
	{ NULL, 0, NULL, NULL, 0 },
};

static const struct cli_tool host_tool = {
	.prefix = "ivshmem-host",
	.target = "FILE",
	.commands = commands,
	.options = tool_options,
	.handle = handle_option,
	.run_region = run_region,
	.notes =
	"FILE     the shared memory backing file, e.g. /dev/shm/NAME\n"
	"SOCKET   an ivshmem server's socket: the host joins it as a peer and\n"
	"         gets its shared memory and doorbells\n"
	"PEER     peer ID, " CLI_PEER_RANGE "; VECTOR: doorbell vector of the server\n"
	CLI_NOTES_PING_PONG "\n"
	"OFFSET   " NUMBER_GRAMMAR "; SIZE, OFFSET, LENGTH\n"
	"         and OFF may end in " NUMBER_SUFFIXES "\n"
	"WIDTH    access size in bits: 8, 16, 32 or 64 (default 32)\n"
	"PATTERN, STRING  text stands for its bytes (abcd), hex:... for raw\n"
	"         bytes (hex:deadbeef, HEX: too); fill repeats PATTERN from\n"
	"         offset 0; fill and verify refuse an empty FILE\n"
	"\n"
	CLI_NOTES_DASHDASH
	"\n"
	"exit status: 0 success, 1 verify/expect mismatch, wait or ping/pong\n"
	"timeout or protocol mismatch, 2 usage error or bad argument, 3 no such\n"
	"file, no server, no such peer (or it left), 4 permission denied,\n"
	"5 other error (standard output not written too)\n",
	.ctx = &options,
};

int main(int argc, char **argv)
{
	return pcimem_cli_main(&host_tool, argc, argv);
}
