/* sjprog.c — the C programs the shim tests run under LD_PRELOAD.
 *
 * One binary, one mode per test shape (`sjprog MODE args...`).  Every mode
 * prints what it observed on stdout, one fact per line, so the driver
 * (run_case.py) can check the program's view next to the journal's.  The
 * programs are deliberately ordinary: blocking reads on pipes, fork, waitpid. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAXW 16

static void die(const char *what)
{
	fprintf(stderr, "sjprog: %s: %s\n", what, strerror(errno));
	exit(99);
}

/* Reads exactly n bytes, retrying EINTR and short reads; returns bytes read
 * (less than n only at EOF). */
static size_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read");
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* Returns -1 on EPIPE (the reader died: with SIGPIPE ignored, a worker
 * killed by a rule must not take the parent with it). */
static int write_full(int fd, const void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = write(fd, (const char *)buf + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EPIPE)
			return -1;
		if (r < 0)
			die("write");
		done += (size_t)r;
	}
	return 0;
}

static void print_status(const char *who, int i, int st)
{
	if (WIFEXITED(st))
		printf("%s %d: exited %d\n", who, i, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s %d: killed %d\n", who, i, WTERMSIG(st));
	else
		printf("%s %d: status %#x\n", who, i, st);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- workers N [delay_ms]: a parent and N workers over pipes ----
 * Each worker has its own task pipe (so its read count does not depend on
 * scheduling) and all share one result pipe.  A worker reads 4-byte tasks
 * and answers task*2 after delay_ms. */
static void worker(int tfd, int rfd, long delay)
{
	int task;
	while (read_full(tfd, &task, sizeof task) == sizeof task) {
		int res = task * 2;
		if (delay)
			sleep_ms(delay);
		write_full(rfd, &res, sizeof res);
	}
	_exit(0);
}

static int mode_workers(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 2, tasks = 3, i, k, res, sum = 0, count = 0;
	long delay = argc > 1 ? atol(argv[1]) : 0;
	int tp[MAXW][2], rp[2];
	pid_t pid[MAXW];
	if (n < 1 || n > MAXW)
		n = 2;
	if (pipe(rp) != 0)
		die("pipe");
	for (i = 0; i < n; i++) {
		if (pipe(tp[i]) != 0)
			die("pipe");
		pid[i] = fork();
		if (pid[i] < 0)
			die("fork");
		if (pid[i] == 0) {
			for (k = 0; k <= i; k++)
				close(tp[k][1]);
			close(rp[0]);
			worker(tp[i][0], rp[1], delay);
		}
		close(tp[i][0]);
	}
	close(rp[1]);
	for (i = 0; i < n; i++) {
		for (k = 1; k <= tasks; k++) {
			int t = 100 * i + k;
			if (write_full(tp[i][1], &t, sizeof t) != 0)
				break;
		}
		close(tp[i][1]);
	}
	while (read_full(rp[0], &res, sizeof res) == sizeof res) {
		sum += res;
		count++;
	}
	printf("results %d sum %d\n", count, sum);
	for (i = 0; i < n; i++) {
		int st;
		if (waitpid(pid[i], &st, 0) != pid[i])
			die("waitpid");
		print_status("worker", i, st);
	}
	return 0;
}

/* ---- during: the parent blocks in read() while its worker takes 1 s ---- */
static volatile sig_atomic_t got_term, got_int, got_usr1;
static volatile sig_atomic_t term_in_read;
static volatile sig_atomic_t in_read;

static void on_term(int sig)
{
	got_term++;
	if (in_read)
		term_in_read = 1;
}

static volatile sig_atomic_t int_pid;

/* The pid too: a child forked after the parent's handler ran inherits the
 * counter, not the signal. */
static void on_int(int sig)
{
	got_int++;
	int_pid = getpid();
}
static void on_usr1(int sig) { got_usr1++; }

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) != 0)
		die("sigaction");
}

static int mode_during(int argc, char **argv)
{
	int rp[2], res = 0, st, eintr = 0;
	ssize_t r;
	pid_t pid;
	handle(SIGTERM, on_term, 0); /* no SA_RESTART: the read must fail with EINTR */
	if (pipe(rp) != 0)
		die("pipe");
	pid = fork();
	if (pid == 0) {
		int v = 21 * 2;
		close(rp[0]);
		sleep_ms(1000);
		write_full(rp[1], &v, sizeof v);
		_exit(0);
	}
	close(rp[1]);
	for (;;) {
		in_read = 1;
		r = read(rp[0], &res, sizeof res);
		in_read = 0;
		if (r < 0 && errno == EINTR) {
			eintr++;
			continue;
		}
		break;
	}
	printf("read %zd value %d\n", r, res);
	printf("eintr %d term %d term_in_read %d\n", eintr, (int)got_term, (int)term_in_read);
	waitpid(pid, &st, 0);
	print_status("worker", 0, st);
	return 0;
}

/* ---- forkgroup N: SIGINT handler inherited by N children ----
 * Each child waits for the parent's "go" (EOF on a pipe) and exits with 1
 * when it got SIGINT, 0 otherwise. */
static int mode_forkgroup(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 3, i, go[2];
	pid_t pid[MAXW];
	if (n < 1 || n > MAXW)
		n = 3;
	handle(SIGINT, on_int, SA_RESTART);
	if (pipe(go) != 0)
		die("pipe");
	for (i = 0; i < n; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			die("fork");
		if (pid[i] == 0) {
			char c;
			close(go[1]);
			while (read(go[0], &c, 1) != 0)
				;
			_exit(got_int && int_pid == getpid() ? 1 : 0);
		}
	}
	close(go[1]);
	for (i = 0; i < n; i++) {
		int st;
		waitpid(pid[i], &st, 0);
		print_status("child", i, st);
	}
	printf("parent sigint %d\n", (int)got_int);
	return 0;
}

/* ---- forkonly N: N children that exit at once with code i ---- */
static int mode_forkonly(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 3, i;
	pid_t pid[MAXW];
	if (n < 1 || n > MAXW)
		n = 3;
	for (i = 0; i < n; i++) {
		pid[i] = fork();
		if (pid[i] == 0)
			_exit(i);
	}
	for (i = 0; i < n; i++) {
		int st;
		waitpid(pid[i], &st, 0);
		print_status("child", i, st);
	}
	return 0;
}

/* ---- results: the return-value actions on the first reads of a pipe ---- */
static int mode_results(int argc, char **argv)
{
	int p[2], i;
	char buf[64];
	if (pipe(p) != 0)
		die("pipe");
	write_full(p[1], "abcdefgh", 8);
	for (i = 1; i <= 3; i++) {
		ssize_t r;
		errno = 0;
		r = read(p[0], buf, 4);
		printf("read%d %zd errno %d\n", i, r, r < 0 ? errno : 0);
	}
	return 0;
}

/* ---- delay MS: time one write to a pipe; a SIGUSR1 arrives meanwhile ---- */
static long elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static int mode_delay(int argc, char **argv)
{
	int p[2];
	struct timespec t0, t1;
	pid_t kid;
	handle(SIGUSR1, on_usr1, 0);
	if (pipe(p) != 0)
		die("pipe");
	/* The signal interrupts the delay's sleep: the delay must still last. */
	kid = fork();
	if (kid == 0) {
		sleep_ms(100);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	write_full(p[1], "x", 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waitpid(kid, NULL, 0);
	printf("write took %ld ms usr1 %d\n", elapsed_ms(&t0, &t1), (int)got_usr1);
	return 0;
}

/* ---- child_read [segv]: a child reads a pipe once; the parent reports ---- */
static void on_segv(int sig)
{
	static const char msg[] = "segv handler ran\n";
	write(1, msg, sizeof msg - 1);
	_exit(42);
}

static int mode_child_read(int argc, char **argv)
{
	int p[2], st;
	pid_t pid;
	if (argc > 0 && strcmp(argv[0], "segv") == 0)
		handle(SIGSEGV, on_segv, 0);
	if (pipe(p) != 0)
		die("pipe");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	write_full(p[1], "x", 1);
	close(p[1]);
	waitpid(pid, &st, 0);
	print_status("child", 0, st);
	return 0;
}

/* ---- parent_sig: children signal the parent (USR1@parent) ---- */
static int mode_parent_sig(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 2, i;
	handle(SIGUSR1, on_usr1, SA_RESTART);
	for (i = 0; i < n; i++) {
		int p[2], st;
		pid_t pid;
		if (pipe(p) != 0)
			die("pipe");
		pid = fork();
		if (pid == 0) {
			char c;
			close(p[1]);
			read(p[0], &c, 1);
			_exit(0);
		}
		close(p[0]);
		write_full(p[1], "x", 1);
		close(p[1]);
		waitpid(pid, &st, 0);
	}
	/* Each child signalled before it exited and waitpid returned after
	 * that, so every USR1 was handled by now (one child at a time: standard
	 * signals do not queue). */
	printf("usr1 %d of %d\n", (int)got_usr1, n);
	return 0;
}

/* ---- children_sig N: N children block reading; the parent's first pipe
 * write (to a side pipe) fires TERM@children ---- */
static int mode_children_sig(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 3, i, go[2], side[2];
	pid_t pid[MAXW];
	if (n < 1 || n > MAXW)
		n = 3;
	if (pipe(go) != 0 || pipe(side) != 0)
		die("pipe");
	for (i = 0; i < n; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			char c;
			close(go[1]);
			while (read(go[0], &c, 1) != 0)
				;
			_exit(0);
		}
	}
	write_full(side[1], "x", 1);
	for (i = 0; i < n; i++) {
		int st;
		waitpid(pid[i], &st, 0);
		print_status("child", i, st);
	}
	close(go[1]);
	return 0;
}

/* ---- comm: a child execs cat, reading from our pipe ---- */
static int mode_comm(int argc, char **argv)
{
	int in[2], out[2], st;
	char buf[256];
	size_t n;
	pid_t pid;
	if (pipe(in) != 0 || pipe(out) != 0)
		die("pipe");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		execlp("cat", "cat", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	write_full(in[1], "hello\n", 6);
	close(in[1]);
	n = read_full(out[0], buf, sizeof buf - 1);
	buf[n] = '\0';
	waitpid(pid, &st, 0);
	printf("cat said [%s]\n", strtok(buf, "\n") ? buf : "");
	print_status("cat", 0, st);
	return 0;
}

/* ---- reap: every way to reap, every way to end ---- */
static int mode_reap(int argc, char **argv)
{
	int st;
	siginfo_t si;
	pid_t a, b, c, d;
	fflush(stdout);
	if ((a = fork()) == 0)
		_exit(3);
	if ((b = fork()) == 0) {
		pause();
		_exit(0);
	}
	if ((c = fork()) == 0) {
		signal(SIGABRT, SIG_DFL);
		abort();
	}
	if ((d = fork()) == 0)
		exit(5);
	waitpid(a, &st, 0);
	print_status("waitpid", 0, st);
	kill(b, SIGTERM);
	wait4(b, &st, 0, NULL);
	print_status("wait4", 0, st);
	memset(&si, 0, sizeof si);
	waitid(P_PID, (id_t)c, &si, WEXITED);
	printf("waitid 0: code %d status %d\n", si.si_code, si.si_status);
	wait(&st);
	print_status("wait", 0, st);
	return 0;
}

/* ---- errno: errno survives every wrapper on success ---- */
static int mode_errno(int argc, char **argv)
{
	int p[2], bad = 0, st;
	char buf[8];
	pid_t pid;
	struct iovec iov = { buf, sizeof buf };
	if (pipe(p) != 0)
		die("pipe");
#define CHECK(what, call)                                         \
	do {                                                      \
		errno = 4242;                                     \
		call;                                             \
		if (errno != 4242) {                              \
			printf("errno changed by %s: %d\n", what, errno); \
			bad++;                                    \
		}                                                 \
	} while (0)
	CHECK("write", write(p[1], "abcdefgh", 8));
	CHECK("read", read(p[0], buf, 2));
	CHECK("readv", readv(p[0], &iov, 1));
	CHECK("kill", kill(getpid(), 0));
	fflush(stdout);
	CHECK("fork", pid = fork());
	if (pid == 0)
		_exit(0);
	CHECK("waitpid", waitpid(pid, &st, 0));
	printf("errno checks done, %d bad\n", bad);
	return 0;
}

/* ---- vfork: vfork+exec and vfork+_exit ---- */
static int mode_vfork(int argc, char **argv)
{
	int st;
	pid_t pid;
	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "echo exec child ran", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	print_status("vfork-exec", 0, st);
	fflush(stdout);
	pid = vfork();
	if (pid == 0)
		_exit(7);
	waitpid(pid, &st, 0);
	print_status("vfork-exit", 0, st);
	return 0;
}

/* ---- vfork_errno: the child reports its exec errno through shared memory,
 * as posix_spawn implementations and shells do; only a real vfork shares
 * the variable ---- */
static int mode_vfork_errno(int argc, char **argv)
{
	volatile int exec_errno = 0;
	int st;
	pid_t pid;
	(void)argc;
	(void)argv;
	fflush(stdout);
	pid = vfork();
	if (pid < 0)
		die("vfork");
	if (pid == 0) {
		execl("/nonexistent/sigjam-no-such-program", "x", (char *)NULL);
		exec_errno = errno;
		_exit(127);
	}
	waitpid(pid, &st, 0);
	printf("exec errno %s\n", exec_errno == ENOENT ? "ENOENT" : exec_errno == 0 ? "0" : "other");
	print_status("vfork-child", 0, st);
	return 0;
}

/* ---- vfork_suspend: the parent stays suspended until the child exits.  The
 * child sleeps, then sets a flag in the memory it shares with the parent;
 * the parent reads it as soon as vfork returns there ---- */
static int mode_vfork_suspend(int argc, char **argv)
{
	volatile int child_done = 0;
	int st;
	pid_t pid;
	(void)argc;
	(void)argv;
	fflush(stdout);
	pid = vfork();
	if (pid < 0)
		die("vfork");
	if (pid == 0) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		child_done = 1;
		_exit(0);
	}
	printf("parent resumed, child flag %d\n", child_done);
	waitpid(pid, &st, 0);
	print_status("vfork-child", 0, st);
	return 0;
}

/* ---- spawn: posix_spawn, posix_spawnp, system, popen ---- */
static int mode_spawn(int argc, char **argv)
{
	char *av1[] = { "true", NULL }, *av2[] = { "sh", "-c", "exit 4", NULL };
	pid_t pid;
	int st;
	char line[64] = "";
	FILE *f;
	fflush(stdout);
	if (posix_spawn(&pid, "/bin/true", NULL, NULL, av1, environ) != 0)
		die("posix_spawn");
	waitpid(pid, &st, 0);
	print_status("posix_spawn", 0, st);
	if (posix_spawnp(&pid, "sh", NULL, NULL, av2, environ) != 0)
		die("posix_spawnp");
	waitpid(pid, &st, 0);
	print_status("posix_spawnp", 0, st);
	st = system("exit 3");
	print_status("system", 0, st);
	f = popen("echo from popen", "r");
	if (!f)
		die("popen");
	if (!fgets(line, sizeof line, f))
		line[0] = '\0';
	st = pclose(f);
	printf("popen: %s", line);
	print_status("pclose", 0, st);
	return 0;
}

/* ---- concurrent N M: N processes each make M journal records ---- */
static int mode_concurrent(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 8, m = argc > 1 ? atoi(argv[1]) : 500, i, k;
	pid_t pid[MAXW];
	if (n < 1 || n > MAXW)
		n = 8;
	for (i = 0; i < n; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			for (k = 0; k < m; k++)
				kill(getpid(), 0);
			_exit(0);
		}
	}
	for (i = 0; i < n; i++) {
		int st;
		waitpid(pid[i], &st, 0);
	}
	printf("done %d x %d\n", n, m);
	return 0;
}

/* ---- env: what a program can see of its surroundings ---- */
static int mode_env(int argc, char **argv)
{
	char **e;
	int fd;
	for (e = environ; *e; e++)
		if (strncmp(*e, "LD_PRELOAD=", 11) != 0 && strncmp(*e, "SIGJAM_", 7) != 0)
			printf("env %s\n", *e);
	/* The journal fd lives at 1000 and above (docs/inject.md). */
	for (fd = 0; fd < 1000; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			printf("fd %d open\n", fd);
	return mode_workers(argc, argv);
}

/* ---- closeall: a daemon-style close of every fd above 2 ---- */
static int mode_closeall(int argc, char **argv)
{
	kill(getpid(), 0);
	close_range(3, ~0U, 0);
	kill(getpid(), 0);
	printf("closed\n");
	return 0;
}

static const struct mode {
	const char *name;
	int (*fn)(int argc, char **argv);
} modes[] = {
	{ "workers", mode_workers },       { "during", mode_during },
	{ "forkgroup", mode_forkgroup },   { "forkonly", mode_forkonly },
	{ "results", mode_results },       { "delay", mode_delay },
	{ "child_read", mode_child_read }, { "parent_sig", mode_parent_sig },
	{ "children_sig", mode_children_sig }, { "comm", mode_comm },
	{ "reap", mode_reap },             { "errno", mode_errno },
	{ "vfork", mode_vfork },           { "spawn", mode_spawn },
	{ "concurrent", mode_concurrent }, { "env", mode_env },
	{ "closeall", mode_closeall },     { "vfork_errno", mode_vfork_errno },
	{ "vfork_suspend", mode_vfork_suspend },
};

int main(int argc, char **argv)
{
	size_t i;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Rules kill readers on purpose; writers see EPIPE (write_full). */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		fprintf(stderr, "usage: sjprog MODE [args]\n");
		return 2;
	}
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(argv[1], modes[i].name) == 0)
			return modes[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "sjprog: unknown mode %s\n", argv[1]);
	return 2;
}
