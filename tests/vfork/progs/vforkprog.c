/* vforkprog.c — what a vfork child may do to its parent under the shim
 * (run_vfork.py runs each mode under LD_PRELOAD=libsigjam.so with a rule).
 *
 * Each mode makes the parent's state observable before and after a vfork
 * child runs one hook (signal, sigaction, exec, close, dup2, read, write,
 * _exit): a SIGUSR1 handler that must still run, the oldact it must still
 * read back, a rule whose when= counts only the parent's calls, a descriptor
 * whose cached kind the child must not change.  The child reports with
 * write(2) from a stack buffer (stdio would touch the parent's buffers). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t ran;
static void on_usr1(int sig) { (void)sig; ran++; }

static void die(const char *what)
{
	fprintf(stderr, "vforkprog: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* The child's report: one line, one raw write(2), no stdio (and not the
 * write wrapper, so that reports never count for a write= rule). */
static void child_say(const char *what, long v)
{
	char buf[96];
	int n = snprintf(buf, sizeof buf, "child %s %ld\n", what, v);
	syscall(SYS_write, 1, buf, (size_t)n);
}

static void install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	if (sigaction(SIGUSR1, &sa, NULL) != 0)
		die("sigaction");
}

/* Does the kernel still call the handler, and does sigaction report it? */
static void check_handler(void)
{
	struct sigaction old;
	int before = ran;
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &old);
	printf("handler ran %d, oldact %s\n", ran - before, old.sa_handler == on_usr1 ? "ours" : "other");
}

static int null_fd(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("open /dev/null");
	return fd;
}

static int zero_fd(void)
{
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open /dev/zero");
	return fd;
}

static void reap(const char *who, pid_t pid)
{
	int st;
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r != pid)
		die("waitpid");
	if (WIFEXITED(st))
		printf("%s exited %d\n", who, WEXITSTATUS(st));
	else
		printf("%s killed by %d\n", who, WTERMSIG(st));
}

/* A macro, not a function: a vfork child must not return from the frame
 * that called vfork (the parent still needs it). */
#define DO_VFORK(pid)                     \
	do {                              \
		fflush(stdout);           \
		(pid) = vfork();          \
		if ((pid) < 0)            \
			die("vfork");     \
	} while (0)

/* ---- sigaction / signal: the child resets SIGUSR1 as _posixsubprocess does;
 * rule: signal:sig=USR1:when=2 (only the parent's installs count) ---- */
static int mode_sigaction(int use_signal)
{
	pid_t pid;
	install();
	DO_VFORK(pid);
	if (pid == 0) {
		struct sigaction old, dfl;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGUSR1, NULL, &old);
		child_say("sees ours", old.sa_handler == on_usr1);
		if (use_signal)
			signal(SIGUSR1, SIG_DFL);
		else
			sigaction(SIGUSR1, &dfl, NULL);
		sigaction(SIGUSR1, NULL, &old);
		child_say("reset", old.sa_handler == SIG_DFL);
		_exit(0);
	}
	reap("child", pid);
	check_handler();
	install(); /* the parent's second install: the rule's when=2 */
	check_handler();
	return 0;
}

/* ---- write / read: rule write:when=2:retval=77 (or read:) ---- */
static int mode_io(int is_read)
{
	char b[4] = "abc";
	volatile int fd = is_read ? zero_fd() : null_fd(); /* (live across vfork) */
	pid_t pid;
	printf("parent call 1: %ld\n", (long)(is_read ? read(fd, b, 1) : write(fd, b, 1)));
	DO_VFORK(pid);
	if (pid == 0) {
		for (int i = 0; i < 3; i++)
			child_say("call", (long)(is_read ? read(fd, b, 1) : write(fd, b, 1)));
		_exit(0);
	}
	reap("child", pid);
	printf("parent call 2: %ld\n", (long)(is_read ? read(fd, b, 1) : write(fd, b, 1)));
	return 0;
}

/* ---- _exit: rule exit:when=1:exit=42 counts the parent's exit() only ---- */
static int mode_exit(void)
{
	pid_t pid;
	DO_VFORK(pid);
	if (pid == 0)
		_exit(3);
	reap("child", pid);
	fflush(stdout);
	exit(0);
}

/* ---- close: the child closes every descriptor; the parent's records still
 * reach the journal and its pipe still holds only what it wrote ---- */
static int count_fds(void)
{
	char path[64];
	int n = 0;
	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

static int mode_close(void)
{
	int p[2], before;
	char buf[16] = "";
	ssize_t n;
	pid_t pid;
	if (pipe(p) != 0)
		die("pipe");
	write(p[1], "hello", 5);
	before = count_fds();
	kill(getpid(), 0); /* a `kill` record before */
	DO_VFORK(pid);
	if (pid == 0) {
		syscall(SYS_close_range, 3u, ~0u, 0u);
		for (int fd = 3; fd < 64; fd++)
			close(fd);
		kill(getpid(), 0); /* the child's own record */
		_exit(0);
	}
	reap("child", pid);
	kill(getpid(), 0); /* and after */
	printf("descriptors %s\n", count_fds() == before ? "as before" : "changed");
	close(p[1]);
	n = read(p[0], buf, sizeof buf - 1);
	printf("pipe holds %.*s\n", (int)(n > 0 ? n : 0), buf);
	return 0;
}

/* ---- dup2: rule read:fd=pipe:retval=55.  The parent's read of its pipe
 * fires; the child puts a socket on that number and reads it (the real
 * result); the parent's next read of its pipe still fires ---- */
static int mode_dup2(void)
{
	int p[2];
	char c;
	pid_t pid;
	if (pipe(p) != 0)
		die("pipe");
	write(p[1], "ab", 2); /* plain, the reads below read these */
	printf("parent read 1: %ld\n", (long)read(p[0], &c, 1));
	DO_VFORK(pid);
	if (pid == 0) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		dup2(s, p[0]);
		child_say("read", (long)read(p[0], &c, 1));
		_exit(0);
	}
	reap("child", pid);
	printf("parent read 2: %ld\n", (long)read(p[0], &c, 1));
	return 0;
}

/* The modes below share their parent's part: a handler, one write before
 * the vfork and one after (rule write:when=2:retval=77 fires on the second
 * only if the child's writes did not count), and the handler check. */
static int parent_before(void)
{
	int fd = null_fd();
	install();
	printf("parent call 1: %ld\n", (long)write(fd, "x", 1));
	return fd;
}

static int parent_after(pid_t child, int fd)
{
	reap("child", child);
	printf("parent call 2: %ld\n", (long)write(fd, "x", 1));
	check_handler();
	return 0;
}

/* ---- hup: Python's test, in C.  SIGUSR1 from the process itself and SIGHUP
 * from a child, after a vfork+exec child and a posix_spawn child that reset
 * SIGUSR1 ---- */
static volatile sig_atomic_t hups;
static void on_hup(int sig) { (void)sig; hups++; }

static int mode_hup(void)
{
	char *argv[] = { "sh", "-c", "trap - USR1; kill -HUP $PPID", NULL };
	struct sigaction sa;
	posix_spawnattr_t attr;
	sigset_t usr1;
	pid_t pid;
	install();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	DO_VFORK(pid);
	if (pid == 0) {
		struct sigaction dfl; /* as CPython's _posixsubprocess resets them */
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGUSR1, &dfl, NULL);
		execv("/bin/sh", argv);
		_exit(127);
	}
	reap("vfork child", pid);
	printf("after vfork+exec: hup %d\n", (int)hups);
	check_handler();
	/* posix_spawn resets SIGUSR1 in its child itself (glibc's internal
	 * sigaction: the shim never sees it). */
	posix_spawnattr_init(&attr);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	posix_spawnattr_setsigdefault(&attr, &usr1);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	if (posix_spawn(&pid, "/bin/sh", NULL, &attr, argv, environ) != 0)
		die("posix_spawn");
	reap("spawn child", pid);
	printf("after posix_spawn: hup %d\n", (int)hups);
	check_handler();
	return 0;
}

/* ---- exec: rule write:when=2:retval=77.  The child execs this program
 * (a new image with counters of its own); the parent's count and handler
 * are untouched ---- */
static int mode_exec(const char *self)
{
	int fd = parent_before();
	pid_t pid;
	DO_VFORK(pid);
	if (pid == 0) {
		struct sigaction dfl;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGUSR1, &dfl, NULL);
		execl(self, "vforkprog", "execed", (char *)NULL);
		_exit(127);
	}
	return parent_after(pid, fd);
}

/* The exec'd image: three writes, its own count. */
static int mode_execed(void)
{
	int fd = null_fd();
	for (int i = 0; i < 3; i++)
		child_say("call", (long)write(fd, "x", 1));
	return 0;
}

/* Once its vfork parent is dead, the grandparent runs again, on the same
 * memory and stack as this grandchild (as without the shim): from the kill
 * on, not one more store to the stack — two raw system calls. */
static void kill_parent_and_exit(void)
{
	long ppid = syscall(SYS_getppid);
	__asm__ volatile("syscall" : : "a"((long)SYS_kill), "D"(ppid), "S"((long)SIGKILL) : "rcx", "r11", "memory");
	__asm__ volatile("syscall" : : "a"((long)SYS_exit_group), "D"(0L) : "rcx", "r11", "memory");
	__builtin_unreachable();
}

/* ---- nested: a vfork child that vforks again; with kill_middle the
 * grandchild kills the middle process while it waits in vfork.  Rule
 * write:when=2:retval=77: the parent's second write must still fire (its
 * vfork depth is back to 0) ---- */
static int mode_nested(int kill_middle)
{
	int fd = parent_before();
	pid_t pid;
	DO_VFORK(pid);
	if (pid == 0) {
		pid_t g = vfork();
		if (g == 0) {
			struct sigaction dfl;
			memset(&dfl, 0, sizeof dfl);
			dfl.sa_handler = SIG_DFL;
			sigaction(SIGUSR1, &dfl, NULL);
			child_say("grandchild call", (long)write(fd, "x", 1));
			if (kill_middle)
				kill_parent_and_exit();
			_exit(0);
		}
		if (g > 0)
			waitpid(g, NULL, 0);
		child_say("call", (long)write(fd, "x", 1));
		signal(SIGUSR1, SIG_DFL);
		_exit(0);
	}
	return parent_after(pid, fd);
}

/* ---- killed: the vfork child dies of SIGKILL before exec ---- */
static int mode_killed(void)
{
	int fd = parent_before();
	pid_t pid;
	DO_VFORK(pid);
	if (pid == 0) {
		signal(SIGUSR1, SIG_DFL);
		write(fd, "x", 1);
		syscall(SYS_kill, getpid(), SIGKILL);
		_exit(0);
	}
	return parent_after(pid, fd);
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "sigaction"))
		return mode_sigaction(0);
	if (!strcmp(m, "signal"))
		return mode_sigaction(1);
	if (!strcmp(m, "write"))
		return mode_io(0);
	if (!strcmp(m, "read"))
		return mode_io(1);
	if (!strcmp(m, "exit"))
		return mode_exit();
	if (!strcmp(m, "close"))
		return mode_close();
	if (!strcmp(m, "dup2"))
		return mode_dup2();
	if (!strcmp(m, "exec"))
		return mode_exec(argv[0]);
	if (!strcmp(m, "execed"))
		return mode_execed();
	if (!strcmp(m, "nested"))
		return mode_nested(0);
	if (!strcmp(m, "nested_killed"))
		return mode_nested(1);
	if (!strcmp(m, "killed"))
		return mode_killed();
	if (!strcmp(m, "hup"))
		return mode_hup();
	fprintf(stderr, "usage: vforkprog MODE\n");
	return 2;
}
