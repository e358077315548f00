/* safety_prog.c — one program, many small signal-handling behaviours, run by
 * run_safety.py with and without libsigjam.so.  Each mode prints what the
 * program itself observes, so "identical with and without the shim" is a
 * byte comparison of stdout, and the journal shows what the shim saw.
 *
 * Lines marked with a MARK comment are looked up by the test (backtrace
 * symbolization must land on them). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* sigset is deprecated, and still in programs the shim must handle. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static volatile sig_atomic_t hits;
static void *volatile sink;

/* ---- handlers ---- */

__attribute__((noinline)) static void on_usr1_unsafe(int sig)
{
	printf("in handler %d\n", sig); /* MARK:printf */
	sink = malloc(32);      /* MARK:malloc */
	free(sink);
	sink = malloc(64);      /* second malloc in the same run: reported once */
	free(sink);
	hits++;
}

static void on_usr1_flag(int sig)
{
	(void)sig;
	hits++;
}

static void on_usr1_clobber(int sig)
{
	(void)sig;
	close(-1); /* EBADF */
	hits++;
}

static void on_usr1_saves(int sig)
{
	int saved = errno;
	(void)sig;
	close(-1);
	hits++;
	errno = saved;
}

/* Reads errno as many real handlers do (log strerror(errno), test for
 * EINTR): it must find the interrupted code's value. */
static volatile int errno_seen = -1;

static void on_usr1_reads_errno(int sig)
{
	(void)sig;
	errno_seen = errno;
	hits++;
}

static void on_usr1_nodefer(int sig)
{
	if (hits++ == 0)
		raise(sig); /* SA_NODEFER: runs nested, right here */
}

static sigjmp_buf jump_back;

static void on_usr1_jump(int sig)
{
	(void)sig;
	hits++;
	siglongjmp(jump_back, 1);
}

/* __builtin_longjmp bypasses libc (and so the shim's longjmp interposer):
 * only the stack check can tell that the handler is gone. */
static void *builtin_back[5];

static void on_usr1_builtin_jump(int sig)
{
	(void)sig;
	hits++;
	__builtin_longjmp(builtin_back, 1);
}

/* On an alternate stack: unsafe calls are seen, then the jump leaves it. */
static void on_usr1_altstack(int sig)
{
	(void)sig;
	sink = malloc(24); /* reported: the handler is live on the altstack */
	free(sink);
	hits++;
	siglongjmp(jump_back, 1);
}

/* Handler on the main thread that waits while another thread allocates. */
static atomic_int other_allocs;

static void on_usr1_wait_for_other(int sig)
{
	int start = atomic_load(&other_allocs);
	struct timespec ts = { 0, 1000000 };
	(void)sig;
	/* nanosleep is async-signal-safe; bounded so a broken thread cannot
	 * hang the test */
	for (int i = 0; i < 5000 && atomic_load(&other_allocs) < start + 1000; i++)
		nanosleep(&ts, NULL);
	hits++;
}

static void h_a(int sig) { (void)sig; }
static void h_b(int sig) { (void)sig; }
static void h_info(int sig, siginfo_t *si, void *uc) { (void)sig; (void)si; (void)uc; }

/* ---- helpers ---- */

static void install(int sig, void (*h)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) != 0) {
		perror("sigaction");
		exit(2);
	}
}

/* The disposition the kernel really holds, past any wrapper. */
static void *kernel_handler(int sig)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		unsigned long mask;
	} k;
	if (syscall(SYS_rt_sigaction, sig, NULL, &k, 8) != 0)
		return NULL;
	return k.handler;
}

static const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EBADF: return "EBADF";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EINVAL: return "EINVAL";
	default: return "other";
	}
}

/* ---- modes ---- */

static int mode_unsafe(void)
{
	/* stdout's buffer is allocated by the first output: here, not inside
	 * the handler, so the handler's malloc is its own. */
	printf("start\n");
	install(SIGUSR1, on_usr1_unsafe, 0);
	raise(SIGUSR1);
	raise(SIGUSR1);
	printf("hits %d\n", (int)hits);
	return 0;
}

static int mode_flag(void)
{
	install(SIGUSR1, on_usr1_flag, 0);
	raise(SIGUSR1);
	printf("hits %d\n", (int)hits);
	return 0;
}

static int mode_errno(void (*h)(int))
{
	install(SIGUSR1, h, 0);
	errno = ENOENT;
	raise(SIGUSR1);
	/* Without the shim: EBADF after the clobbering handler, ENOENT after
	 * the saving one.  With it: the same. */
	printf("errno after handler %s\n", errname(errno));
	return 0;
}

static int mode_errno_read(void)
{
	install(SIGUSR1, on_usr1_reads_errno, 0);
	errno = ENOENT;
	raise(SIGUSR1);
	printf("handler saw %s\n", errname(errno_seen));
	printf("errno after handler %s\n", errname(errno));
	return 0;
}

static int mode_nested(void)
{
	install(SIGUSR1, on_usr1_nodefer, SA_NODEFER);
	raise(SIGUSR1);
	printf("hits %d\n", (int)hits);
	return 0;
}

__attribute__((noinline)) static void *deep_malloc(int n)
{
	char pad[256];
	void *p;
	memset(pad, n, sizeof pad);
	sink = pad;
	if (n > 0)
		return deep_malloc(n - 1);
	p = malloc(16);
	return p;
}

static int mode_longjmp(void)
{
	int e;
	install(SIGUSR1, on_usr1_jump, 0);
	if (sigsetjmp(jump_back, 1) == 0) {
		errno = ENOENT;
		raise(SIGUSR1);
		printf("not reached\n");
	}
	e = errno;
	/* The handler ran just below main's frame.  The first call after the
	 * jump is far below that dead frame, where only the longjmp interposer
	 * (not the stack check) knows it is gone; any interposed call made up
	 * here in main (printf too) would prune the level by the stack check. */
	free(deep_malloc(200));
	free(malloc(8));
	printf("errno after jump %s\n", errname(e));
	printf("hits %d\n", (int)hits);
	return 0;
}

static int mode_stackcheck(void)
{
	install(SIGUSR1, on_usr1_builtin_jump, 0);
	if (__builtin_setjmp(builtin_back) == 0)
		raise(SIGUSR1);
	free(malloc(8)); /* main's frame: above the dead handler frame */
	printf("hits %d\n", (int)hits);
	return 0;
}

/* The alternate stack lies ABOVE the stack of the thread that takes the
 * signal (it is carved out of main's stack, the highest in the process;
 * thread stacks are mmapped below it), so after the jump the thread's stack
 * pointer is below the dead handler's frame: only the altstack's bounds tell
 * that the handler is gone. */
static uintptr_t thread_stack;

static void *altstack_thread(void *altbuf)
{
	stack_t ss;
	struct sigaction sa;
	thread_stack = (uintptr_t)&ss;
	memset(&sa, 0, sizeof sa);
	ss.ss_sp = altbuf;
	ss.ss_size = 128 * 1024;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL) != 0)
		return NULL;
	sa.sa_handler = on_usr1_altstack;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	if (sigsetjmp(jump_back, 1) == 0)
		raise(SIGUSR1); /* raise: this thread */
	free(malloc(8)); /* back on the thread's stack: not in a handler */
	return (void *)1;
}

static int mode_altstack(void)
{
	char altbuf[128 * 1024] __attribute__((aligned(16)));
	pthread_t t;
	void *ok = NULL;
	pthread_create(&t, NULL, altstack_thread, altbuf);
	pthread_join(t, &ok);
	printf("altstack above the thread's stack %s\n",
	       (uintptr_t)altbuf > thread_stack ? "yes" : "no");
	printf("hits %d ok %d\n", (int)hits, ok != NULL);
	return 0;
}

/* A small alternate stack, as CPython's faulthandler sets one up (SIGSTKSZ +
 * AT_MINSIGSTKSZ, about 17 KiB here; 12 KiB below), with a guard of memory
 * the program owns right under it: whatever the shim does in the handler
 * (its records, a backtrace of the unsafe call) must stay on the stack. */
#define SMALL_ALT (12 * 1024)
#define GUARD (64 * 1024)
static unsigned char small_alt[GUARD + SMALL_ALT] __attribute__((aligned(64)));

static void on_usr1_small(int sig)
{
	(void)sig;
	sink = malloc(24); /* unsafe: a record, with a backtrace when there is room */
	free(sink);
	hits++;
}

static int mode_small_altstack(void)
{
	stack_t ss = { .ss_sp = small_alt + GUARD, .ss_size = SMALL_ALT };
	size_t intact = 0;
	memset(small_alt, 0x5a, GUARD);
	if (sigaltstack(&ss, NULL) != 0) {
		perror("sigaltstack");
		return 2;
	}
	install(SIGUSR1, on_usr1_small, SA_ONSTACK);
	raise(SIGUSR1);
	while (intact < GUARD && small_alt[intact] == 0x5a)
		intact++;
	printf("hits %d, memory below the alternate stack %s\n", (int)hits,
	       intact == GUARD ? "untouched" : "overwritten");
	return 0;
}

static void *allocate_forever(void *arg)
{
	(void)arg;
	for (;;) {
		free(malloc(40));
		atomic_fetch_add(&other_allocs, 1);
	}
	return NULL;
}

static int mode_threads(void)
{
	pthread_t t;
	sigset_t block;
	install(SIGUSR1, on_usr1_wait_for_other, 0);
	/* the allocating thread never takes the signal */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	pthread_create(&t, NULL, allocate_forever, NULL);
	pthread_sigmask(SIG_UNBLOCK, &block, NULL);
	raise(SIGUSR1);
	printf("other thread allocated during the handler %s\n",
	       atomic_load(&other_allocs) >= 1000 ? "yes" : "no");
	return 0; /* exit ends the allocating thread */
}

/* ---- installs racing with deliveries ---- */

static void race_plain(int sig) { (void)sig; hits++; }

static void race_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* called with the wrong arity, si would be garbage */
	if (!si || si->si_signo != sig) {
		write(2, "race_info: bad siginfo\n", 23);
		_exit(9);
	}
	hits++;
}

static atomic_int race_bad;

static void *race_installer(void *arg)
{
	int info = arg != NULL;
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3000; i++) {
		if (info) {
			sa.sa_sigaction = race_info;
			sa.sa_flags = SA_SIGINFO | SA_RESTART;
		} else {
			sa.sa_handler = race_plain;
			sa.sa_flags = SA_RESTART;
		}
		sigaction(SIGUSR1, &sa, &old);
		/* oldact is always one of the program's two handlers, with the
		 * SA_SIGINFO that belongs to it */
		if ((old.sa_flags & SA_SIGINFO) ? old.sa_sigaction != race_info
						  : old.sa_handler != race_plain)
			atomic_fetch_add(&race_bad, 1);
	}
	return NULL;
}

static int mode_install_race(void)
{
	pthread_t a, b;
	pid_t flooder;
	int status;
	install(SIGUSR1, race_plain, SA_RESTART);
	flooder = fork();
	if (flooder == 0) {
		/* a dead parent stays a zombie (and kill() to it succeeds) until
		 * reaped: stop when reparented, or when killed with it */
		pid_t parent = getppid();
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		while (getppid() == parent && kill(parent, SIGUSR1) == 0)
			;
		_exit(0);
	}
	/* The installers finish 6000 sigactions in about a millisecond:
	 * start them only once the flood is arriving, or on a loaded machine
	 * they may race nothing at all. */
	for (int i = 0; hits == 0 && i < 10000; i++)
		usleep(1000);
	pthread_create(&a, NULL, race_installer, NULL);
	pthread_create(&b, NULL, race_installer, (void *)1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	signal(SIGUSR1, SIG_IGN);
	kill(flooder, SIGKILL);
	waitpid(flooder, &status, 0);
	printf("oldact mismatches %d\n", atomic_load(&race_bad));
	printf("handlers ran %s\n", hits > 0 ? "yes" : "no");
	return 0;
}

static int mode_resethand(void)
{
	struct sigaction q;
	install(SIGUSR1, on_usr1_flag, SA_RESETHAND);
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &q);
	printf("after one delivery: %s\n",
	       q.sa_handler == SIG_DFL ? "SIG_DFL" : q.sa_handler == on_usr1_flag ? "handler" : "other");
	printf("kernel: %s\n", kernel_handler(SIGUSR1) == (void *)SIG_DFL ? "SIG_DFL" : "not default");
	fflush(stdout);
	raise(SIGUSR1); /* default action: terminate */
	printf("survived\n");
	return 0;
}

static void say(const char *what, int ok)
{
	printf("%s %s\n", what, ok ? "ok" : "WRONG");
}

static int mode_oldact(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);

	install(SIGUSR1, h_a, SA_RESTART);
	sa.sa_handler = h_b;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGUSR1, &sa, &old);
	say("oldact handler is the program's", old.sa_handler == h_a);
	say("oldact keeps SA_RESTART", (old.sa_flags & SA_RESTART) != 0);
	say("oldact has no SA_SIGINFO", (old.sa_flags & SA_SIGINFO) == 0);

	sigaction(SIGUSR1, NULL, &old);
	say("query handler", old.sa_handler == h_b);
	say("query mask", sigismember(&old.sa_mask, SIGUSR2) == 1);
	say("query flags", (old.sa_flags & (SA_RESTART | SA_SIGINFO)) == 0);

	sa.sa_sigaction = h_info;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR1, NULL, &old);
	say("siginfo handler", old.sa_sigaction == h_info && (old.sa_flags & SA_SIGINFO));
	say("siginfo flags", (old.sa_flags & SA_NODEFER) != 0);

	say("signal() returns the previous handler", (void *)signal(SIGUSR1, h_a) == (void *)h_info);
	say("signal() again", signal(SIGUSR1, SIG_IGN) == h_a);
	say("signal() from SIG_IGN", signal(SIGUSR1, h_b) == SIG_IGN);
	say("sysv_signal", sysv_signal(SIGUSR1, h_a) == h_b);
	sigaction(SIGUSR1, NULL, &old);
	say("sysv_signal flags", (old.sa_flags & (SA_RESETHAND | SA_NODEFER)) == (SA_RESETHAND | SA_NODEFER));
	say("sigset", sigset(SIGUSR1, h_b) == h_a);
	say("sigset SIG_HOLD", sigset(SIGUSR1, SIG_HOLD) == h_b);
	say("sigset from hold", sigset(SIGUSR1, h_a) == SIG_HOLD);

	/* errors exactly as glibc makes them */
	errno = 0;
	say("SIGKILL refused", sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL);
	errno = 0;
	say("signal 0 refused", sigaction(0, &sa, NULL) == -1 && errno == EINVAL);
	errno = 0;
	say("signal 65 refused", signal(65, h_a) == SIG_ERR && errno == EINVAL);
	errno = 0;
	say("SIGCANCEL refused", sigaction(32, &sa, NULL) == -1 && errno == EINVAL);
	say("SIGKILL query", sigaction(SIGKILL, NULL, &old) == 0 && old.sa_handler == SIG_DFL);

	/* the handler still runs with the right arguments after all this */
	hits = 0;
	install(SIGUSR2, on_usr1_flag, 0);
	raise(SIGUSR2);
	say("handler ran", hits == 1);
	return 0;
}

/* act and oldact the same struct, as code that swaps a handler in and keeps
 * the old one in the same variable does.  POSIX marks both parameters
 * restrict, but glibc and the kernel copy act in before writing oldact, so
 * it works everywhere and the shim must cope.  The handlers' addresses go to
 * stderr: the test matches them against the journal. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
static int mode_same_ptr(void)
{
	struct sigaction sa, q;
	install(SIGUSR1, h_a, SA_RESTART);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h_b;
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	fprintf(stderr, "h_a %p h_b %p\n", (void *)h_a, (void *)h_b);
	sigaction(SIGUSR1, &sa, &sa);
	say("oldact in act is the old handler", sa.sa_handler == h_a);
	say("oldact in act has the old flags", (sa.sa_flags & (SA_RESTART | SA_NODEFER)) == SA_RESTART);
	sigaction(SIGUSR1, NULL, &q);
	say("installed handler", q.sa_handler == h_b);
	say("installed flags", (q.sa_flags & (SA_RESTART | SA_NODEFER)) == SA_NODEFER);
	return 0;
}
#pragma GCC diagnostic pop

/* Prints whether the kernel holds the program's handler or a wrapper. */
static int mode_kernel(void)
{
	install(SIGUSR1, on_usr1_unsafe, 0);
	printf("kernel holds %s\n", kernel_handler(SIGUSR1) == (void *)on_usr1_unsafe ? "the program's handler" : "a wrapper");
	raise(SIGUSR1);
	printf("hits %d\n", (int)hits);
	return 0;
}

static int mode_fork_ign(const char *self)
{
	pid_t pid;
	int status;
	install(SIGUSR1, on_usr1_flag, SA_RESTART);
	signal(SIGUSR2, SIG_IGN);
	pid = fork();
	if (pid == 0) {
		execl(self, self, "exit0", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	printf("child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "unsafe"))
		return mode_unsafe();
	if (!strcmp(m, "flag"))
		return mode_flag();
	if (!strcmp(m, "errno-clobber"))
		return mode_errno(on_usr1_clobber);
	if (!strcmp(m, "errno-saved"))
		return mode_errno(on_usr1_saves);
	if (!strcmp(m, "errno-read"))
		return mode_errno_read();
	if (!strcmp(m, "nested"))
		return mode_nested();
	if (!strcmp(m, "longjmp"))
		return mode_longjmp();
	if (!strcmp(m, "stackcheck"))
		return mode_stackcheck();
	if (!strcmp(m, "altstack"))
		return mode_altstack();
	if (!strcmp(m, "small-altstack"))
		return mode_small_altstack();
	if (!strcmp(m, "threads"))
		return mode_threads();
	if (!strcmp(m, "install-race"))
		return mode_install_race();
	if (!strcmp(m, "resethand"))
		return mode_resethand();
	if (!strcmp(m, "oldact"))
		return mode_oldact();
	if (!strcmp(m, "same-ptr"))
		return mode_same_ptr();
	if (!strcmp(m, "kernel"))
		return mode_kernel();
	if (!strcmp(m, "fork-ign"))
		return mode_fork_ign(argv[0]);
	if (!strcmp(m, "exit0"))
		return 0;
	fprintf(stderr, "usage: %s MODE\n", argv[0]);
	return 2;
}
