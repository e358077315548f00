/* safety_test.c — the target's safety: after every capture, on every path
 * (signal flood, tracer interrupted or killed, processes vanishing,
 * errors), every thread runs again and no signal is lost. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "attach.h"
#include "helpers.h"

/* ---- a multithreaded target that shows progress ------------------------- */

static volatile uint64_t *progress; /* MAP_SHARED: the test reads it */
static volatile uint64_t *usr2_seen; /* SIGUSR2s the target handled */
static int tpipe[2];

static void *spinner(void *arg)
{
	for (;;) {
		__atomic_add_fetch(progress, 1, __ATOMIC_RELAXED);
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void *pipe_reader(void *arg)
{
	char c;
	for (;;)
		read(tpipe[0], &c, 1);
	return NULL;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void *cond_waiter(void *arg)
{
	pthread_mutex_lock(&mu);
	for (;;)
		pthread_cond_wait(&cv, &mu);
	return NULL;
}

static void on_usr2(int sig)
{
	__atomic_add_fetch(usr2_seen, 1, __ATOMIC_RELAXED);
}

static void busy_target(void *arg)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR2, &sa, NULL);
	pthread_t t;
	pthread_create(&t, NULL, spinner, NULL);
	pthread_create(&t, NULL, pipe_reader, NULL);
	pthread_create(&t, NULL, cond_waiter, NULL);
	for (;;)
		pause();
}

static int setup(void **state)
{
	progress = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(progress != MAP_FAILED);
	usr2_seen = progress + 1;
	assert_int_equal(pipe(tpipe), 0);
	return 0;
}

static pid_t start_busy(void)
{
	pid_t pid = th_spawn(busy_target, NULL);
	assert_int_equal(th_wait_syscall(pid, SYS_read) > 0, 1);
	assert_int_equal(th_wait_syscall(pid, SYS_futex) > 0, 1); /* all 4 threads exist */
	return pid;
}

/* The target must run on: no thread stopped, and the counter moves. */
static void assert_runs(pid_t pid)
{
	assert_int_equal(th_wait_none_stopped(pid), 0);
	uint64_t before = *progress, end = th_now_ns() + 10000000000ULL;
	while (*progress < before + 5 && th_now_ns() < end) {
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
	}
	assert_true(*progress >= before + 5);
}

static void test_resumed_after_capture(void **state)
{
	pid_t pid = start_busy();
	for (int i = 0; i < 5; i++) {
		struct sj_snapshot s;
		th_capture(pid, 0, i == 0, &s);
		struct sj_process *p = sj_snapshot_proc(&s, pid);
		assert_int_equal(p->nthreads, 4);
		for (size_t k = 0; k < p->nthreads; k++)
			assert_true(p->threads[k].nframes > 0);
		assert_true(s.max_stop_ns > 0);
		assert_true(s.total_stop_ns >= s.max_stop_ns);
		sj_snapshot_free(&s);
		assert_runs(pid);
	}
	th_kill(pid);
}

/* Sends SIGUSR2 to a freshly seized thread and waits until it sits in the
 * signal-delivery-stop (state t) that only the tracer sees. */
static pid_t seized_pid;
static int usr2_sent;

static void hook_signal_seized(pid_t tid)
{
	if (syscall(SYS_tgkill, seized_pid, tid, SIGUSR2) != 0)
		return;
	usr2_sent++;
	uint64_t end = th_now_ns() + 10000000000ULL;
	char path[96];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)seized_pid, (int)tid);
	while (th_now_ns() < end) {
		FILE *f = fopen(path, "r");
		char buf[512] = "";
		if (!f)
			return;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		const char *rp = strrchr(buf, ')');
		if (rp && rp[2] == 't')
			return;
		struct timespec ts = { 0, 500000 };
		nanosleep(&ts, NULL);
	}
}

static void wait_usr2(uint64_t want)
{
	uint64_t end = th_now_ns() + 10000000000ULL;
	while (*usr2_seen < want && th_now_ns() < end) {
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
	}
	assert_int_equal(*usr2_seen, want);
}

static void test_signal_during_attach_is_reinjected(void **state)
{
	pid_t pid = start_busy();
	*usr2_seen = 0;
	usr2_sent = 0;
	seized_pid = pid;
	sj_attach_test_seized_hook = hook_signal_seized;
	struct sj_snapshot s;
	th_capture(pid, 0, 0, &s);
	sj_attach_test_seized_hook = NULL;
	sj_snapshot_free(&s);
	assert_int_equal(usr2_sent, 4);
	wait_usr2((uint64_t)usr2_sent); /* none swallowed */
	assert_runs(pid);
	th_kill(pid);
}

/* ---- 200 captures under a signal flood ---------------------------------- */

#define FLOOD_LINES "20000"
#define FLOOD_RT 3000

struct flood_run {
	pid_t pid, sender;
	int in_w;  /* the program's stdin: closing it lets it finish */
	int out_r; /* its stdout */
};

static void sender(pid_t target)
{
	union sigval v = { 0 };
	for (int i = 0; i < FLOOD_RT; i++) {
		if (sigqueue(target, SIGRTMIN, v) != 0 && errno != EAGAIN)
			_exit(1);
		kill(target, SIGUSR1);
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	_exit(0);
}

static void flood_start(struct flood_run *r)
{
	int in[2], out[2];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(PIPE_FLOOD, PIPE_FLOOD, FLOOD_LINES, "3000", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	r->in_w = in[1];
	r->out_r = out[0];
	/* Its handlers must be installed before the flood starts. */
	assert_true(th_wait_syscall(r->pid, SYS_read) > 0 || th_wait_syscall(r->pid, SYS_write) > 0);
	r->sender = fork();
	assert_true(r->sender >= 0);
	if (r->sender == 0)
		sender(r->pid);
}

/* Waits for the sender, lets the program finish, returns its stdout. */
static char *flood_finish(struct flood_run *r, size_t *len)
{
	int st;
	assert_int_equal(waitpid(r->sender, &st, 0), r->sender);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(r->in_w);
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (n == cap)
			buf = realloc(buf, cap *= 2);
		ssize_t k = read(r->out_r, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(r->out_r);
	assert_int_equal(waitpid(r->pid, &st, 0), r->pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	*len = n;
	return buf;
}

static void test_200_cycles_under_signal_flood(void **state)
{
	struct flood_run ref, traced;
	size_t nref, ntr;
	flood_start(&ref);
	char *want = flood_finish(&ref, &nref);
	char tail[32];
	snprintf(tail, sizeof tail, "rt=%d\n", FLOOD_RT);
	assert_true(nref > strlen(tail));
	assert_memory_equal(want + nref - strlen(tail), tail, strlen(tail));

	flood_start(&traced);
	uint64_t worst = 0;
	for (int i = 0; i < 200; i++) {
		struct sj_snapshot s;
		th_capture(traced.pid, 0, i % 50 == 0, &s);
		if (s.max_stop_ns > worst)
			worst = s.max_stop_ns;
		sj_snapshot_free(&s);
		if (th_any_stopped(traced.pid))
			assert_int_equal(th_wait_none_stopped(traced.pid), 0);
	}
	char *got = flood_finish(&traced, &ntr);
	print_message("200 captures: longest stop of one thread %.1f us\n", worst / 1000.0);
	assert_int_equal(ntr, nref);
	assert_memory_equal(got, want, nref);
	free(want);
	free(got);
}

/* ---- the tracer interrupted or killed mid-capture ----------------------- */

static pid_t hook_target;
static volatile sig_atomic_t old_handler_ran;
static int hook_saw_running;

static void on_sigint(int sig) { old_handler_ran = 1; }

static void hook_raise_sigint(pid_t pid)
{
	assert_true(th_any_stopped(pid)); /* really inside the stop window */
	raise(SIGINT);
	/* With a handler of the caller's own, we are still alive here: the
	 * guard must already have let the target go. */
	hook_saw_running = th_wait_none_stopped(pid) == 0;
}

static void hook_raise_sigkill(pid_t pid)
{
	raise(SIGKILL);
}

/* Runs a capture of target in a forked tracer; returns its wait status. */
static int run_tracer(pid_t target, int own_handler, void (*hook)(pid_t))
{
	pid_t t = fork();
	assert_true(t >= 0);
	if (t == 0) {
		if (own_handler)
			signal(SIGINT, on_sigint);
		else
			signal(SIGINT, SIG_DFL);
		sj_capture_install_signal_guard();
		sj_capture_test_stopped_hook = hook;
		/* every thread also brings a signal only we saw: the guard must
		 * re-inject those too */
		seized_pid = target;
		sj_attach_test_seized_hook = hook_signal_seized;
		struct sj_capture_opts o = { .pids = &target, .npids = 1, .native = 1 };
		struct sj_snapshot s;
		char err[256];
		int rc = sj_capture(&o, &s, err, sizeof err);
		sj_snapshot_free(&s);
		/* 0: interrupted, target let go while we lived, our handler ran */
		_exit(rc == SJ_CAP_FAILED && strstr(err, "interrupted") && hook_saw_running && old_handler_ran
			      ? 0 : 10 + rc);
	}
	int st;
	assert_int_equal(waitpid(t, &st, 0), t);
	return st;
}

static void test_sigint_with_callers_handler(void **state)
{
	pid_t pid = start_busy();
	*usr2_seen = 0;
	int st = run_tracer(pid, 1, hook_raise_sigint);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	wait_usr2(4);
	assert_runs(pid);
	th_kill(pid);
}

static void test_sigint_default_kills_tracer_target_runs(void **state)
{
	pid_t pid = start_busy();
	*usr2_seen = 0;
	int st = run_tracer(pid, 0, hook_raise_sigint);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGINT);
	wait_usr2(4); /* the kernel's detach would have dropped them */
	assert_runs(pid);
	th_kill(pid);
}

static void test_sigkill_tracer_target_runs(void **state)
{
	pid_t pid = start_busy();
	int st = run_tracer(pid, 0, hook_raise_sigkill);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	/* no guard can run: the kernel's exit_ptrace() detaches */
	assert_runs(pid);
	th_kill(pid);
}

/* ---- processes vanish; pids that never were; no permission -------------- */

static pid_t doomed;

static void parent_of_doomed(void *arg)
{
	signal(SIGCHLD, SIG_IGN); /* the kernel reaps: the child vanishes at once */
	pid_t c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	write(tpipe[1], &c, sizeof c);
	for (;;)
		pause();
}

static void hook_kill_doomed(pid_t pid)
{
	if (pid != hook_target)
		return;
	kill(doomed, SIGKILL);
	uint64_t end = th_now_ns() + 10000000000ULL;
	while (kill(doomed, 0) == 0 && th_now_ns() < end) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
}

static void test_descendant_vanishes(void **state)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	int saved = tpipe[1];
	tpipe[1] = p[1];
	pid_t pid = th_spawn(parent_of_doomed, NULL);
	tpipe[1] = saved;
	assert_int_equal(read(p[0], &doomed, sizeof doomed), sizeof doomed);
	assert_true(th_wait_syscall(doomed, SYS_pause) > 0);
	hook_target = pid;
	sj_capture_test_stopped_hook = hook_kill_doomed;
	struct sj_capture_opts o = { .pids = &pid, .npids = 1, .children = 1, .native = 1 };
	struct sj_snapshot s;
	char err[256] = "";
	int rc = sj_capture(&o, &s, err, sizeof err);
	sj_capture_test_stopped_hook = NULL;
	assert_int_equal(rc, SJ_CAP_OK);
	char want[32];
	snprintf(want, sizeof want, "pid %d ", (int)doomed);
	int noted = 0;
	for (size_t i = 0; i < s.nnotes; i++)
		noted |= strstr(s.notes[i], want) != NULL;
	assert_true(noted);
	struct sj_process *d = sj_snapshot_proc(&s, doomed);
	assert_true(d == NULL || d->capture_error != NULL);
	assert_non_null(sj_snapshot_proc(&s, pid));
	sj_snapshot_free(&s);
	th_kill(pid);
	close(p[0]);
	close(p[1]);
}

/* A target that is our own child (sigjam run's command) killed while it
 * is stopped: its exit status belongs to our waitpid, the tracer must not
 * reap it on the way. */
static void hook_kill_target(pid_t pid)
{
	if (pid == hook_target)
		kill(pid, SIGKILL);
}

static void sleeps_forever(void *arg)
{
	for (;;)
		pause();
}

static void test_own_child_killed_keeps_its_exit_status(void **state)
{
	pid_t pid = th_spawn(sleeps_forever, NULL);
	assert_true(th_wait_syscall(pid, SYS_pause) > 0);
	hook_target = pid;
	sj_capture_test_stopped_hook = hook_kill_target;
	struct sj_capture_opts o = { .pids = &pid, .npids = 1, .children = 0, .native = 1 };
	struct sj_snapshot s;
	char err[256] = "";
	int rc = sj_capture(&o, &s, err, sizeof err);
	sj_capture_test_stopped_hook = NULL;
	assert_int_equal(rc, SJ_CAP_OK);
	sj_snapshot_free(&s);
	sj_capture_reap_pending();
	int st;
	pid_t r = waitpid(pid, &st, 0);
	if (r != pid)
		fail_msg("waitpid(%d) = %d (%s): the tracer took our child's exit status", (int)pid, (int)r,
			 strerror(errno));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
}

static void exit_now(void *arg) { }

static void test_nonexistent_pid(void **state)
{
	pid_t pid = th_spawn(exit_now, NULL);
	waitpid(pid, NULL, 0); /* reaped: the pid is free */
	struct sj_capture_opts o = { .pids = &pid, .npids = 1, .children = 1, .native = 1 };
	struct sj_snapshot s;
	char err[256] = "";
	assert_int_equal(sj_capture(&o, &s, err, sizeof err), SJ_CAP_NOPROC);
	char want[32];
	snprintf(want, sizeof want, "pid %d does not exist", (int)pid);
	assert_non_null(strstr(err, want));
	assert_int_equal(s.nprocs, 0);
}

static void test_eperm_unprivileged(void **state)
{
	pid_t pid = start_busy();
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t t = fork();
	assert_true(t >= 0);
	if (t == 0) {
		/* nobody, tracing a root-owned process */
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(99);
		struct sj_capture_opts o = { .pids = &pid, .npids = 1, .children = 1, .native = 1 };
		struct sj_snapshot s;
		char err[512] = "";
		int rc = sj_capture(&o, &s, err, sizeof err);
		write(p[1], &rc, sizeof rc);
		write(p[1], err, sizeof err);
		_exit(0);
	}
	close(p[1]);
	int rc;
	char err[512];
	assert_int_equal(read(p[0], &rc, sizeof rc), sizeof rc);
	assert_int_equal(read(p[0], err, sizeof err), sizeof err);
	waitpid(t, NULL, 0);
	close(p[0]);
	assert_int_equal(rc, SJ_CAP_EPERM);
	char want[48];
	snprintf(want, sizeof want, "ptrace of pid %d not permitted", (int)pid);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "CAP_SYS_PTRACE"));
	assert_non_null(strstr(err, "/proc/sys/kernel/yama/ptrace_scope"));
	assert_non_null(strstr(err, "sigjam run"));
	assert_runs(pid);
	th_kill(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resumed_after_capture),
		cmocka_unit_test(test_signal_during_attach_is_reinjected),
		cmocka_unit_test(test_200_cycles_under_signal_flood),
		cmocka_unit_test(test_sigint_with_callers_handler),
		cmocka_unit_test(test_sigint_default_kills_tracer_target_runs),
		cmocka_unit_test(test_sigkill_tracer_target_runs),
		cmocka_unit_test(test_descendant_vanishes),
		cmocka_unit_test(test_own_child_killed_keeps_its_exit_status),
		cmocka_unit_test(test_nonexistent_pid),
		cmocka_unit_test(test_eperm_unprivileged),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
