// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem-server: command line front end.  Parses the options, starts the
 * server library, daemonizes, writes the pid file and stops cleanly on
 * SIGTERM, SIGINT or SIGHUP.
 */
#include "ivshmem-server-lib.h"
#include "number.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#define PROG "ivshmem-server"
#ifndef IVSHM_VERSION
#error "IVSHM_VERSION is set by the Makefile, from userspace/Makefile's VERSION"
#endif

enum {
	OPT_SEND_TIMEOUT = 0x100,
	OPT_MAX_PEERS,
	OPT_LOWEST_IDS,
	OPT_MEMFD,
	OPT_HUGETLB,
	OPT_VERSION,
};

static const struct option long_opts[] = {
	{ "socket",		required_argument, NULL, 'S' },
	{ "shm",		required_argument, NULL, 'M' },
	{ "shm-dir",		required_argument, NULL, 'm' },
	{ "size",		required_argument, NULL, 'l' },
	{ "vectors",		required_argument, NULL, 'n' },
	{ "foreground",		no_argument,	   NULL, 'F' },
	{ "pidfile",		required_argument, NULL, 'p' },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "send-timeout",	required_argument, NULL, OPT_SEND_TIMEOUT },
	{ "max-peers",		required_argument, NULL, OPT_MAX_PEERS },
	{ "lowest-ids",		no_argument,	   NULL, OPT_LOWEST_IDS },
	{ "memfd",		no_argument,	   NULL, OPT_MEMFD },
	{ "hugetlb",		no_argument,	   NULL, OPT_HUGETLB },
	{ "version",		no_argument,	   NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [options]\n"
		"Serve shared memory and doorbell eventfds to QEMU ivshmem-doorbell devices\n"
		"(-chardev socket,path=SOCKET,id=ID -device ivshmem-doorbell,chardev=ID,vectors=N).\n"
		"\n"
		"  -S, --socket PATH      Unix socket to listen on (default " IVSHM_DEFAULT_SOCKET ")\n"
		"  -M, --shm NAME         POSIX shared memory object (default \"" IVSHM_DEFAULT_SHM_NAME "\");\n"
		"                         created if needed, left in place on exit\n"
		"  -m, --shm-dir DIR      use an unnamed file in DIR instead (e.g. /dev/shm or a\n"
		"                         hugetlbfs mount); the last of -M and -m wins\n"
		"      --memfd            use an anonymous memfd instead of -M or -m\n"
		"      --hugetlb          a memfd of huge pages (implies --memfd); SIZE a\n"
		"                         multiple of the huge page size\n"
		"  -l, --size SIZE        shared memory size, a power of two, at least a page;\n"
		"                         K, M, G, T suffixes (default 4M). An existing -M\n"
		"                         object is served as it is if it has SIZE (or is\n"
		"                         empty), refused otherwise; never truncated\n"
		"  -n, --vectors N        doorbell vectors per peer, 1..%d (default %d)\n"
		"  -F, --foreground       do not daemonize\n"
		"  -p, --pidfile FILE     write the process ID to FILE (removed on exit)\n"
		"  -v, --verbose          log peers joining and leaving to stderr (with -F)\n"
		"      --send-timeout MS  drop a client that reads nothing for MS ms while\n"
		"                         messages wait for it (default %d; 0: no time\n"
		"                         limit, only the limit of %d queued joins and\n"
		"                         leaves); others are served meanwhile\n"
		"      --max-peers N      at most N clients at once, 1..%d (default %d)\n"
		"      --lowest-ids       give each client the lowest unused ID instead of\n"
		"                         rotating through IDs as QEMU's server does; not for\n"
		"                         QEMU peers, which corrupt memory when a departed\n"
		"                         peer's ID joins again\n"
		"  -h, --help             show this help\n"
		"      --version          print the version and exit\n"
		"\n"
		"Without -F the command returns once the socket is listening. Started by\n"
		"systemd's socket activation (LISTEN_FDS, LISTEN_PID), it serves on the\n"
		"socket it is given and ignores -S.\n",
		PCIMEM_MAX_VECTORS, IVSHM_DEFAULT_VECTORS,
		IVSHM_DEFAULT_SEND_TIMEOUT_MS, IVSHM_QUEUE_LIMIT,
		IVSHM_MAX_PEERS, IVSHM_MAX_PEERS);
}

/* A number no larger than @max, in the tools' one grammar (number.h). */
static int parse_uint(const char *arg, unsigned long max, unsigned long *out)
{
	uint64_t v;
	int err = pcimem_number_parse(arg, 0, &v);

	if (err)
		return err;
	if (v > max)
		return -ERANGE;
	*out = (unsigned long)v;
	return 0;
}

/* "-l" or "--size", as the user wrote it. */
static const char *opt_name(int c, int longindex, char *buf, size_t len)
{
	if (longindex >= 0)
		snprintf(buf, len, "--%s", long_opts[longindex].name);
	else
		snprintf(buf, len, "-%c", c);
	return buf;
}

/* Each client costs one socket and one eventfd per vector. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * Detach from the terminal.  The original process waits on a pipe and
 * exits 0 only once the daemon reports that it is ready, so callers can
 * start QEMU as soon as this command returns.  Returns the write end of
 * that pipe in the daemon.
 */
static int daemonize(void)
{
	int pfd[2];
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		fprintf(stderr, PROG ": pipe: %s\n", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(pfd[1]);
		do {
			n = read(pfd[0], &c, 1);
		} while (n < 0 && errno == EINTR);
		_exit(n == 1 && c == 0 ? 0 : 1);
	}
	close(pfd[0]);
	if (setsid() < 0) {
		fprintf(stderr, PROG ": setsid: %s\n", strerror(errno));
		_exit(1);
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		_exit(1);
	}
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0) {
		fprintf(stderr, PROG ": chdir /: %s\n", strerror(errno));
		_exit(1);
	}
	return pfd[1];
}

static void notify_parent(int fd, char status)
{
	ssize_t n;

	if (fd < 0)
		return;
	do {
		n = write(fd, &status, 1);
	} while (n < 0 && errno == EINTR);
	close(fd);
}

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static int write_pidfile(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret = 0;

	if (fd < 0 || dprintf(fd, "%ld\n", (long)getpid()) < 0)
		ret = -1;
	if (fd >= 0 && close(fd) < 0)
		ret = -1;
	if (ret < 0)
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
	return ret;
}

/* The daemon changes to "/", so relative paths are resolved first. */
static char *absolute_path(const char *path)
{
	char *cwd, *abs;

	if (path[0] == '/')
		return strdup(path);
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return NULL;
	if (asprintf(&abs, "%s/%s", cwd, path) < 0)
		abs = NULL;
	free(cwd);
	return abs;
}

/*
 * sd_listen_fds(3), by hand: systemd passes LISTEN_FDS sockets from fd 3
 * on, for the process LISTEN_PID. 0 when not socket-activated, 1 with
 * *fd set, -1 (message printed) for a set-up this server cannot use.
 */
static int systemd_socket(int *fd)
{
	const char *pid_env = getenv("LISTEN_PID"), *fds_env = getenv("LISTEN_FDS");
	unsigned long pid, n;
	int type, listening, flags;
	socklen_t len = sizeof(int);

	if (!pid_env || !fds_env)
		return 0;
	if (parse_uint(pid_env, ~0UL, &pid) < 0 || pid != (unsigned long)getpid())
		return 0;	/* meant for another process */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (parse_uint(fds_env, 1024, &n) < 0 || n != 1) {
		fprintf(stderr, PROG ": LISTEN_FDS=%s: systemd must pass exactly one socket\n",
			fds_env);
		return -1;
	}
	*fd = 3;
	if (getsockopt(*fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    getsockopt(*fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
	    type != SOCK_STREAM || !listening) {
		fprintf(stderr, PROG ": fd 3 from systemd is not a listening stream socket (ListenStream=)\n");
		return -1;
	}
	flags = fcntl(*fd, F_GETFL);
	if (flags < 0 || fcntl(*fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(*fd, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, PROG ": fd 3 from systemd: %s\n", strerror(errno));
		return -1;
	}
	return 1;
}

/* A size beyond RAM and swap works (sparse) until the guests touch it. */
static void warn_size(const char *opt, const char *arg, uint64_t size)
{
	struct sysinfo si;
	uint64_t total;

	if (sysinfo(&si) < 0)
		return;
	total = ((uint64_t)si.totalram + si.totalswap) * si.mem_unit;
	if (size > total)
		fprintf(stderr,
			PROG ": warning: %s %s is more than this machine's memory and swap (%llu MiB): "
			"guests that touch all of it will be killed\n",
			opt, arg, (unsigned long long)(total >> 20));
}

int main(int argc, char **argv)
{
	struct ivshm_server_config cfg = {
		.socket_path = IVSHM_DEFAULT_SOCKET,
		.shm_name = IVSHM_DEFAULT_SHM_NAME,
		.shm_size = IVSHM_DEFAULT_SIZE,
		.vectors = IVSHM_DEFAULT_VECTORS,
		.send_timeout_ms = IVSHM_DEFAULT_SEND_TIMEOUT_MS,
	};
	struct ivshm_server *srv;
	struct signalfd_siginfo si;
	const char *pidfile_arg = NULL;
	char *pidfile = NULL;
	bool foreground = false;
	char why[512], name[32], size_opt[32] = "", size_arg[64] = "";
	int c, longindex, notify_fd = -1, sfd, ret;
	unsigned long ul;
	sigset_t sigs;

	for (;;) {
		longindex = -1;
		c = getopt_long(argc, argv, "S:M:m:l:n:Fp:vh", long_opts,
				&longindex);
		if (c == -1)
			break;
		switch (c) {
		case 'S':
			cfg.socket_path = optarg;
			break;
		case 'M':
			cfg.shm_name = optarg;
			cfg.shm_dir = NULL;
			break;
		case 'm':
			cfg.shm_dir = optarg;
			break;
		case 'l':
			if (pcimem_number_parse(optarg, NUMBER_SUFFIX, &cfg.shm_size) < 0) {
				fprintf(stderr, PROG ": %s %s: invalid size\n",
					opt_name(c, longindex, name, sizeof(name)),
					optarg);
				return 1;
			}
			if (!ivshm_is_power_of_2(cfg.shm_size)) {
				fprintf(stderr,
					PROG ": %s %s: size must be a power of two\n",
					opt_name(c, longindex, name, sizeof(name)),
					optarg);
				return 1;
			}
			if (cfg.shm_size < (uint64_t)sysconf(_SC_PAGESIZE)) {
				fprintf(stderr,
					PROG ": %s %s: at least a page (%ld bytes)\n",
					opt_name(c, longindex, name, sizeof(name)),
					optarg, sysconf(_SC_PAGESIZE));
				return 1;
			}
			opt_name(c, longindex, size_opt, sizeof(size_opt));
			snprintf(size_arg, sizeof(size_arg), "%s", optarg);
			break;
		case 'n':
			if (parse_uint(optarg, PCIMEM_MAX_VECTORS, &ul) < 0 ||
			    ul < 1) {
				fprintf(stderr,
					PROG ": %s %s: vectors must be between 1 and %d\n",
					opt_name(c, longindex, name, sizeof(name)),
					optarg, PCIMEM_MAX_VECTORS);
				return 1;
			}
			cfg.vectors = (unsigned int)ul;
			break;
		case 'F':
			foreground = true;
			break;
		case 'p':
			pidfile_arg = optarg;
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_SEND_TIMEOUT:
			if (parse_uint(optarg, 24UL * 3600 * 1000, &ul) < 0) {
				fprintf(stderr, PROG ": --send-timeout %s: invalid time\n",
					optarg);
				return 1;
			}
			cfg.send_timeout_ms = (unsigned int)ul;
			break;
		case OPT_VERSION:
			printf(PROG " %s\n", IVSHM_VERSION);
			return 0;
		case OPT_HUGETLB:
			cfg.shm_hugetlb = true;
			/* fall through */
		case OPT_MEMFD:
			cfg.shm_memfd = true;
			break;
		case OPT_LOWEST_IDS:
			cfg.lowest_free_ids = true;
			break;
		case OPT_MAX_PEERS:
			if (parse_uint(optarg, IVSHM_MAX_PEERS, &ul) < 0 ||
			    ul < 1) {
				fprintf(stderr,
					PROG ": --max-peers %s: must be between 1 and %d\n",
					optarg, IVSHM_MAX_PEERS);
				return 1;
			}
			cfg.max_peers = (unsigned int)ul;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	if (pidfile_arg) {
		pidfile = absolute_path(pidfile_arg);
		if (!pidfile) {
			fprintf(stderr, PROG ": %s: %s\n", pidfile_arg,
				strerror(errno));
			return 1;
		}
	}

	if (*size_opt)
		warn_size(size_opt, size_arg, cfg.shm_size);
	switch (systemd_socket(&cfg.listen_fd)) {
	case -1:
		free(pidfile);
		return 1;
	case 1:
		cfg.listen_fd_set = true;
		cfg.socket_path = "the socket from systemd";
		break;
	}

	/* Signals are only ever read from the signalfd. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();

	cfg.log = stderr;
	ret = ivshm_server_create(&srv, &cfg, why, sizeof(why));
	if (ret < 0) {
		fprintf(stderr, PROG ": %s\n", why);
		free(pidfile);
		return 1;
	}

	if (!foreground) {
		notify_fd = daemonize();
		if (notify_fd < 0)
			goto fail;
	}
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, PROG ": signalfd: %s\n", strerror(errno));
		free(pidfile);		/* not written yet: leave it alone */
		pidfile = NULL;
		goto fail;
	}
	if (pidfile && write_pidfile(pidfile) < 0) {
		free(pidfile);
		pidfile = NULL;
		close(sfd);
		goto fail;
	}
	if (!foreground) {
		notify_parent(notify_fd, 0);
		detach_stdio();
	}

	ret = ivshm_server_run(srv, sfd);
	if (ret < 0) {
		fprintf(stderr, PROG ": %s\n", strerror(-ret));
	} else if (cfg.verbose &&
		   read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		fprintf(stderr, PROG ": %s, exiting\n",
			strsignal((int)si.ssi_signo));
	}
	close(sfd);
	ivshm_server_destroy(srv);
	if (pidfile)
		unlink(pidfile);
	free(pidfile);
	return ret < 0 ? 1 : 0;

fail:
	ivshm_server_destroy(srv);
	if (pidfile)
		unlink(pidfile);
	free(pidfile);
	notify_parent(notify_fd, 1);
	return 1;
}
