// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem-server-test: the ivshmem-server program, run as a child: its
 * options and refusals, foreground and daemon runs and their signals,
 * what it leaves behind, systemd's socket activation, and peers that
 * stop reading or come and go by the thousand.
 *
 * Usage: ivshmem-server-test [PATH-TO-ivshmem-server]
 * (default: ivshmem-server next to this program).  Timeouts only guard
 * against hangs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "test-peers.h"

static char server_bin[PATH_MAX + 32];

/* ---- tests: the program ---- */

static pid_t spawn(const char *const *args, int *err_fd)
{
	const char *argv[32];
	int pfd[2], devnull;
	unsigned int i;
	pid_t pid;

	argv[0] = server_bin;
	for (i = 0; i < 30 && args[i]; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(pfd[1], 2);
		execv(server_bin, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return -1;
	}
	*err_fd = pfd[0];
	return pid;
}

/* spawn(); where it cannot, the check what fails. */
static pid_t spawn_checked(const char *what, const char *const *args,
			   int *err_fd)
{
	pid_t pid = spawn(args, err_fd);

	if (pid < 0)
		check(check_why("spawn: %s", strerror(errno)), "%s", what);
	return pid;
}

/* Read fd until EOF, or until needle shows up if given. */
static int read_output(int fd, char *buf, size_t len, const char *needle)
{
	size_t got = 0;

	buf[0] = '\0';
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (needle && strstr(buf, needle))
			return 0;
		if (poll(&pfd, 1, TMO) <= 0)
			return check_fail("no output within the guard time (so far: '%s')",
					  buf);
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (got == len - 1)
			break;
	}
	if (needle && !strstr(buf, needle))
		return check_fail("output lacks '%s': '%s'", needle, buf);
	return 0;
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Has pid ended (gone, or a zombie nobody has reaped yet)? */
static bool has_ended(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
}

/*
 * Wait (with a guard) for pid to end; reap it if it is our child.  Uses
 * a pidfd, or where there is none (old kernels, valgrind) checks /proc
 * every 10 ms.
 */
static int wait_exit(pid_t pid, bool child, int *status)
{
	struct pollfd pfd;
	int fd = pidfd_open_(pid), ret, i;

	if (fd >= 0) {
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		ret = poll(&pfd, 1, TMO);
		close(fd);
	} else if (errno == ESRCH) {
		ret = 1;
	} else {
		for (i = 0; i < TMO / 10 && !has_ended(pid); i++)
			usleep(10000);
		ret = has_ended(pid);
	}
	if (ret <= 0) {
		kill(pid, SIGKILL);
		if (child)
			waitpid(pid, status, 0);
		return check_fail("pid %ld did not exit", (long)pid);
	}
	if (child && waitpid(pid, status, 0) != pid)
		return check_fail("waitpid: %s", strerror(errno));
	return 0;
}

/* Run the program to completion; expect exit status 1 and a message. */
static int expect_refusal(const char *const *args, const char *message)
{
	char out[1024];
	int fd, status, ret;
	pid_t pid;

	pid = spawn(args, &fd);
	if (pid < 0)
		return check_fail("spawn: %s", strerror(errno));
	ret = read_output(fd, out, sizeof(out), NULL);
	close(fd);
	if (wait_exit(pid, true, &status))
		return -1;
	if (ret)
		return ret;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
		return check_fail("status 0x%x, expected exit 1 (stderr: '%s')",
				  status, out);
	if (!strstr(out, message))
		return check_fail("stderr '%s' lacks '%s'", out, message);
	return 0;
}

/* The same for -F -S path -m tmpdir, then opt and val unless NULL. */
static int expect_refused(const char *path, const char *opt, const char *val,
			  const char *message)
{
	const char *args[] = { "-F", "-S", path, "-m", tmpdir, opt, val, NULL };

	return expect_refusal(args, message);
}

static void test_program_options(void)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/opt", tmpdir);
	ret = expect_refused(path, "-l", "3M",
		"ivshmem-server: -l 3M: size must be a power of two\n");
	if (!ret)
		ret = expect_refused(path, "--size=3M", NULL,
			"ivshmem-server: --size 3M: size must be a power of two\n");
	if (!ret) {
		const char *args[] = { "-F", "-S", path, "-l", "12Q", NULL };

		ret = expect_refusal(args, "-l 12Q: invalid size");
	}
	if (!ret && access(path, F_OK) == 0)
		ret = check_fail("%s was created", path);
	check(ret == 0,
	      "program: -l 3M, --size=3M, -l 12Q refused with a clear message");

	ret = expect_refused(path, "-n", "0",
		"ivshmem-server: -n 0: vectors must be between 1 and 64\n");
	if (!ret)
		ret = expect_refused(path, "-n", "65",
				     "-n 65: vectors must be between 1 and 64");
	check(ret == 0, "program: -n 0 and -n 65 refused");
}

static void test_program_live_socket(void)
{
	struct ivshm_server_config cfg;
	struct ivshm_client *c = NULL;
	struct server s;
	char path[PATH_MAX];
	int ret;

	test_cfg(&cfg, path, sizeof(path), 1);
	ret = server_start(&s, &cfg);
	if (!ret)
		ret = expect_refused(path, NULL, NULL,
				     "another server is listening");
	if (!ret)
		ret = connect_client(&c, path, 1, ANY_ID);
	ivshm_client_close(c);
	check(ret == 0,
	      "program: second server on a live socket refused; the first keeps serving");
	finish(&s, 0);
}

/* The pid in the file at @path: 0, -errno, or -ENODATA if it is empty. */
static int pidfile_value(const char *path, long *pid)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ENODATA;
	buf[n] = '\0';
	*pid = strtol(buf, NULL, 10);
	return 0;
}

static int read_pidfile(const char *path, long *pid)
{
	int err = pidfile_value(path, pid);

	if (err == -ENODATA)
		return check_fail("%s: empty", path);
	if (err)
		return check_fail("%s: %s", path, strerror(-err));
	return 0;
}

/* A server that stopped removed its socket and its pid file. */
static int expect_removed(const char *sock, const char *pidfile)
{
	if (access(sock, F_OK) == 0)
		return check_fail("%s still exists", sock);
	if (access(pidfile, F_OK) == 0)
		return check_fail("%s still exists", pidfile);
	return 0;
}

static void test_program_foreground(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ivshm_client *c = NULL;
	char path[PATH_MAX], pidfile[PATH_MAX], out[1024];
	int fd, efd = -1, status, ret = 0;
	long pid_in_file;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/fg.sock", tmpdir);
	snprintf(pidfile, sizeof(pidfile), "%s/fg.pid", tmpdir);

	/* A stale socket: bound, never listening, closed. */
	if (strlen(path) >= sizeof(sa.sun_path)) {
		check(check_fail("%s: path too long", path) == 0,
		      "program: stale socket taken over");
		return;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		check(check_why("make stale socket: %s", strerror(errno)),
		      "program: stale socket taken over");
		return;
	}
	close(fd);

	{
		const char *args[] = { "-F", "-v", "-S", path, "-m", tmpdir,
				       "-l", "64K", "-n", "2", "-p", pidfile,
				       NULL };
		pid = spawn_checked("program: stale socket taken over", args,
				    &efd);
	}
	if (pid < 0)
		return;
	ret = read_output(efd, out, sizeof(out), "listening on");
	if (!ret)
		ret = connect_client(&c, path, 2, 0);
	check(ret == 0, "program: stale socket taken over");

	if (!ret && ivshm_client_shm_size(c) != 64 << 10)
		ret = check_fail("shm size %llu",
				 (unsigned long long)ivshm_client_shm_size(c));
	check(ret == 0, "program: -l 64K -n 2 gives 64 KiB and 2 vectors");
	ivshm_client_close(c);

	if (!ret)
		ret = read_pidfile(pidfile, &pid_in_file);
	if (!ret && pid_in_file != pid)
		ret = check_fail("pid file says %ld, not %ld", pid_in_file,
				 (long)pid);
	kill(pid, SIGTERM);
	if (wait_exit(pid, true, &status)) {
		ret = -1;
	} else if (!ret) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			ret = check_fail("status 0x%x, expected exit 0",
					 status);
		else
			ret = expect_removed(path, pidfile);
	}
	check(ret == 0,
	      "program: SIGTERM in foreground exits 0, removes socket and pid file");
	if (efd >= 0)
		close(efd);
	unlink(path);
	unlink(pidfile);
}

static void test_program_daemon(void)
{
	struct ivshm_client *c = NULL;
	char path[PATH_MAX], pidfile[PATH_MAX], out[256];
	int efd, status, ret;
	long dpid = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/d.sock", tmpdir);
	snprintf(pidfile, sizeof(pidfile), "%s/d.pid", tmpdir);
	{
		const char *args[] = { "-S", path, "-m", tmpdir, "-p", pidfile,
				       NULL };
		pid = spawn_checked("program: daemon mode", args, &efd);
	}
	if (pid < 0)
		return;
	/* The daemon detaches from stderr once it is ready. */
	ret = read_output(efd, out, sizeof(out), NULL);
	close(efd);
	if (wait_exit(pid, true, &status))
		ret = -1;
	else if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status)))
		ret = check_fail("status 0x%x (stderr '%s')", status, out);
	/*
	 * Read the pid file even after a failure, to stop the daemon; the
	 * failure before it stays the one told.
	 */
	if (ret)
		pidfile_value(pidfile, &dpid);
	else
		ret = read_pidfile(pidfile, &dpid);
	if (!ret && (dpid <= 1 || dpid == pid))
		ret = check_fail("pid file says %ld", dpid);
	if (!ret)
		ret = connect_client(&c, path, 1, 0);
	ivshm_client_close(c);
	check(ret == 0,
	      "program: daemon mode returns once listening and writes its pid");
	if (dpid > 1) {
		kill((pid_t)dpid, SIGTERM);
		ret = wait_exit((pid_t)dpid, false, &status);
		if (!ret)
			ret = expect_removed(path, pidfile);
		check(ret == 0,
		      "program: SIGTERM stops the daemon, socket and pid file removed");
	}
	unlink(path);
	unlink(pidfile);
}

/*
 * Start the program as a daemon on path with pidfile and the extra
 * arguments; *dpid gets the daemon's pid.
 */
static int daemon_start(const char *path, const char *pidfile,
			const char *const *extra, pid_t *dpid)
{
	const char *args[24] = { "-S", path, "-m", tmpdir, "-p", pidfile };
	char out[256];
	unsigned int n = 6;
	int efd, status, ret;
	long pid_in_file = 0;
	pid_t pid;

	while (*extra && n < 23)
		args[n++] = *extra++;
	args[n] = NULL;
	pid = spawn(args, &efd);
	if (pid < 0)
		return check_fail("spawn: %s", strerror(errno));
	ret = read_output(efd, out, sizeof(out), NULL);
	close(efd);
	if (wait_exit(pid, true, &status))
		return -1;
	if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status)))
		ret = check_fail("status 0x%x (stderr '%s')", status, out);
	if (!ret)
		ret = read_pidfile(pidfile, &pid_in_file);
	if (!ret && pid_in_file <= 1)
		ret = check_fail("pid file says %ld", pid_in_file);
	*dpid = (pid_t)pid_in_file;
	return ret;
}

/* SIGTERM the daemon; it must exit and remove its socket and pid file. */
static int daemon_stop(pid_t dpid, const char *path, const char *pidfile)
{
	int status, ret;

	kill(dpid, SIGTERM);
	ret = wait_exit(dpid, false, &status);
	if (!ret)
		ret = expect_removed(path, pidfile);
	unlink(path);
	unlink(pidfile);
	return ret;
}

static void test_program_silent_peer(void)
{
	static const char *const what[3] = {
		"program: silent peer: 300 peers join after it, each handshake within a second",
		"program: silent peer: dropped after the send timeout, its leave told to all who knew it, nobody else dropped",
		"program: silent peer: once all have left, the server holds the descriptors it held before",
	};
	char path[PATH_MAX], pidfile[PATH_MAX], tmo[16], vec[16];
	const char *extra[] = { "-n", vec, "--send-timeout", tmo, NULL };
	pid_t dpid = 0;
	int ret;

	snprintf(path, sizeof(path), "%s/silent.sock", tmpdir);
	snprintf(pidfile, sizeof(pidfile), "%s/silent.pid", tmpdir);
	snprintf(tmo, sizeof(tmo), "%d", STALL_TIMEOUT_MS);
	snprintf(vec, sizeof(vec), "%d", SILENT_VECTORS);
	ret = daemon_start(path, pidfile, extra, &dpid);
	if (ret)
		check(ret == 0, "%s", what[0]);
	else
		silent_peer_checks(path, dpid, SILENT_JOINERS, false, what);
	if (dpid > 1 && daemon_stop(dpid, path, pidfile))
		check(0, "program: server stops cleanly");
}

static void test_program_churn(void)
{
	const char *what = "program: 5000 connect and close cycles past a silent peer (no send timeout): joins within a second, no growth of its fds or RssAnon";
	const char *extra[] = { "--send-timeout", "0", NULL };
	char path[PATH_MAX], pidfile[PATH_MAX];
	pid_t dpid = 0;
	int ret;

	snprintf(path, sizeof(path), "%s/churn.sock", tmpdir);
	snprintf(pidfile, sizeof(pidfile), "%s/churn.pid", tmpdir);
	ret = daemon_start(path, pidfile, extra, &dpid);
	if (ret)
		check(ret == 0, "%s", what);
	else
		churn_checks(path, dpid, 64 << 10, what);
	if (dpid > 1 && daemon_stop(dpid, path, pidfile))
		check(0, "program: server stops cleanly");
}

static int expect_no_object(const char *name)
{
	int fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);

	if (fd >= 0) {
		close(fd);
		return check_fail("shared memory object %s was left behind",
				  name);
	}
	return 0;
}

static void test_program_leaves_nothing(void)
{
	struct ivshm_server_config cfg;
	struct server s;
	char path[PATH_MAX], bad[PATH_MAX], name[64], size[32];
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	unsigned long long big = 1;
	int ret;

	snprintf(name, sizeof(name), "/ivshmem-test-new-%ld", (long)getpid());
	shm_unlink(name);
	snprintf(bad, sizeof(bad), "%s/no-such-dir/s", tmpdir);
	{
		const char *args[] = { "-F", "-S", bad, "-M", name, NULL };

		ret = expect_refusal(args, "no-such-dir");
	}
	if (!ret)
		ret = expect_no_object(name);
	check(ret == 0,
	      "program: a missing socket directory is refused and leaves no shm object");

	test_cfg(&cfg, path, sizeof(path), 1);
	ret = server_start(&s, &cfg);
	if (!ret) {
		const char *args[] = { "-F", "-S", path, "-M", name, NULL };

		ret = expect_refusal(args, "another server is listening");
	}
	if (!ret)
		ret = expect_no_object(name);
	check(ret == 0,
	      "program: a socket another server answers on is refused and leaves no shm object");
	finish(&s, 0);

	{
		const char *args[] = { "-F", "-S", bad, "-m", tmpdir, "-l", "1K", NULL };

		ret = expect_refusal(args, "-l 1K: at least a page");
	}
	check(ret == 0, "program: -l 1K (below a page) is refused");

	while (big <= (unsigned long long)pages * (unsigned long long)page)
		big <<= 1;
	snprintf(size, sizeof(size), "%lluK", big >> 10);
	{
		const char *args[] = { "-F", "-S", bad, "-m", tmpdir, "-l", size, NULL };

		ret = expect_refusal(args, "warning: -l");
	}
	check(ret == 0,
	      "program: -l beyond the machine's memory is warned about");
}

/*
 * The program as systemd's socket activation starts it: a listening
 * socket on fd 3, LISTEN_FDS=nfds, LISTEN_PID its own pid (or another).
 */
static pid_t spawn_activated(const char *sock, const char *const *args,
			     unsigned int nfds, bool own_pid, int *err_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *argv[16];
	unsigned int i;
	int lfd, pfd[2];
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	unlink(sock);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 16) < 0 || pipe2(pfd, O_CLOEXEC) < 0) {
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	argv[0] = server_bin;
	for (i = 0; i < 14 && args[i]; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	pid = fork();
	if (pid == 0) {
		char num[32];
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(pfd[1], 2);
		if (lfd == 3)	/* dup2() onto itself keeps FD_CLOEXEC */
			fcntl(3, F_SETFD, 0);
		else
			dup2(lfd, 3);
		if (nfds > 1)
			dup2(devnull, 4);
		snprintf(num, sizeof(num), "%u", nfds);
		setenv("LISTEN_FDS", num, 1);
		snprintf(num, sizeof(num), "%ld", (long)getpid() + (own_pid ? 0 : 1));
		setenv("LISTEN_PID", num, 1);
		execv(server_bin, (char *const *)argv);
		_exit(127);
	}
	close(lfd);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return -1;
	}
	*err_fd = pfd[0];
	return pid;
}

static void test_program_socket_activation(void)
{
	struct ivshm_client *c = NULL;
	char sock[PATH_MAX], other[PATH_MAX], out[512];
	int efd, status, ret;
	pid_t pid;

	snprintf(sock, sizeof(sock), "%s/activated.sock", tmpdir);
	snprintf(other, sizeof(other), "%s/not-this.sock", tmpdir);
	{
		const char *args[] = { "-F", "-v", "-S", other, "--memfd", "-l", "64K", NULL };

		pid = spawn_activated(sock, args, 1, true, &efd);
	}
	if (pid < 0) {
		check(check_why("spawn: %s", strerror(errno)),
		      "program: socket activation");
		return;
	}
	ret = read_output(efd, out, sizeof(out), "listening on the socket from systemd");
	if (!ret)
		ret = connect_client(&c, sock, 1, 0);
	if (!ret && ivshm_client_shm_size(c) != 64 << 10)
		ret = check_fail("size %llu",
				 (unsigned long long)ivshm_client_shm_size(c));
	if (!ret && access(other, F_OK) == 0)
		ret = check_fail("%s was created: -S was not ignored", other);
	ivshm_client_close(c);
	check(ret == 0,
	      "program: LISTEN_FDS=1 for its pid: serves on fd 3, ignores -S");
	kill(pid, SIGTERM);
	ret = wait_exit(pid, true, &status);
	if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status)))
		ret = check_fail("status 0x%x", status);
	if (!ret && access(sock, F_OK) < 0)
		ret = check_fail("%s was removed: it is systemd's", sock);
	check(ret == 0,
	      "program: an activated server stops on SIGTERM and leaves systemd's socket file");
	close(efd);
	unlink(sock);

	{
		const char *args[] = { "-F", "-v", "-S", other, "-m", tmpdir, NULL };

		pid = spawn_activated(sock, args, 1, false, &efd);
	}
	ret = pid < 0 ? check_fail("spawn: %s", strerror(errno)) :
		read_output(efd, out, sizeof(out), "listening on");
	if (!ret && access(other, F_OK) < 0)
		ret = check_fail("it did not listen on -S %s", other);
	check(ret == 0,
	      "program: LISTEN_PID of another process: the variables are not for it, -S is used");
	if (pid > 0) {
		kill(pid, SIGTERM);
		wait_exit(pid, true, &status);
		close(efd);
	}
	unlink(sock);

	{
		const char *args[] = { "-F", "-S", other, "-m", tmpdir, NULL };

		pid = spawn_activated(sock, args, 2, true, &efd);
	}
	ret = pid < 0 ? check_fail("spawn: %s", strerror(errno)) :
		read_output(efd, out, sizeof(out), NULL);
	if (pid > 0) {
		if (wait_exit(pid, true, &status))
			ret = -1;
		else if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status) != 1 ||
				  !strstr(out, "exactly one socket")))
			ret = check_fail("status 0x%x, stderr '%s'", status,
					 out);
		close(efd);
	}
	check(ret == 0, "program: LISTEN_FDS=2 is refused: exactly one socket");
	unlink(sock);
}

int main(int argc, char **argv)
{

	if (argc > 1) {
		snprintf(server_bin, sizeof(server_bin), "%s", argv[1]);
	} else {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		char *slash;

		if (n < 0) {
			perror("/proc/self/exe");
			return 1;
		}
		self[n] = '\0';
		slash = strrchr(self, '/');
		*slash = '\0';
		snprintf(server_bin, sizeof(server_bin), "%s/ivshmem-server",
			 self);
	}
	if (access(server_bin, X_OK) < 0) {
		fprintf(stderr, "%s: %s\n", server_bin, strerror(errno));
		return 1;
	}

	if (test_setup())
		return 1;
	test_program_options();
	test_program_live_socket();
	test_program_leaves_nothing();
	test_program_socket_activation();
	test_program_foreground();
	test_program_daemon();
	test_program_silent_peer();
	test_program_churn();
	return test_finish();
}
