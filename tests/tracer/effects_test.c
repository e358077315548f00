/* effects_test.c — a capture leaves every thread as a run without sigjam
 * would, and sees the same waits on every look.
 *
 * progs/stop_effects.c blocks one thread in each call a stop can change
 * (EINTR, a short count) or only restarts (poll's restart_syscall, a
 * sleep's restart block), and reports any call that returns.  Captured
 * ten times in a row, it must report nothing, and every capture must
 * decode every thread's wait alike: the same kind, fds and timeout — a
 * poll(-1) continued through restart_syscall is still a poll without a
 * timeout. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"

#define LOOKS 10
#define THREADS 21 /* main and 20 blockers */

static int err_fd = -1;
static pid_t prog;

static void run_prog(void *arg)
{
	int *fds = arg;
	dup2(fds[1], 2);
	close(fds[0]);
	execl(STOP_EFFECTS, STOP_EFFECTS, (char *)NULL);
	_exit(127);
}

/* Everything the program wrote to stderr so far (non-blocking). */
static void drain(char *buf, size_t n, size_t *len)
{
	ssize_t r;
	while (*len + 1 < n && (r = read(err_fd, buf + *len, n - *len - 1)) > 0)
		*len += (size_t)r;
	buf[*len] = '\0';
}

static const struct sj_thread *named(const struct sj_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->procs[0].nthreads; i++)
		if (s->procs[0].threads[i].name && !strcmp(s->procs[0].threads[i].name, name))
			return &s->procs[0].threads[i];
	return NULL;
}

static int has_frame(const struct sj_thread *t, const char *func)
{
	for (size_t i = 0; i < t->nframes; i++)
		if (t->frames[i].func && !strcmp(t->frames[i].func, func))
			return 1;
	return 0;
}

/* The calls a stop would change are never stopped, yet their stacks are
 * read (from /proc's pc and sp and the stack memory). */
static const char *const unstopped[] = {
	"epoll_inf", "epoll_60s", "sigwaitinfo", "sigtimedwait", "semop", "semtimedop",
	"pipe_write", "sock_send", "recv_waitall",
};

static void assert_same_waits(const struct sj_snapshot *a, const struct sj_snapshot *b)
{
	assert_int_equal(a->procs[0].nthreads, b->procs[0].nthreads);
	for (size_t i = 0; i < a->procs[0].nthreads; i++) {
		const struct sj_thread *x = &a->procs[0].threads[i];
		const struct sj_thread *y = named(b, x->name);
		assert_non_null(y);
		if (x->wait.kind != y->wait.kind || x->wait.has_timeout != y->wait.has_timeout ||
		    x->wait.nfds != y->wait.nfds)
			fail_msg("thread %s: wait %s%s then %s%s", x->name, sj_wait_kind_name(x->wait.kind),
				 x->wait.has_timeout ? " (timeout)" : "", sj_wait_kind_name(y->wait.kind),
				 y->wait.has_timeout ? " (timeout)" : "");
	}
}

static void test_captures_change_nothing(void **state)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = prog = th_spawn(run_prog, fds);
	close(fds[1]);
	err_fd = fds[0];
	fcntl(err_fd, F_SETFL, O_NONBLOCK);
	assert_int_equal(th_wait_all_blocked(pid, THREADS), 0);

	char out[4096];
	size_t len = 0;
	struct sj_snapshot first, s;
	th_capture(pid, 0, 1, &first);
	for (int look = 1; look < LOOKS; look++) {
		th_capture(pid, 0, 1, &s);
		assert_same_waits(&first, &s);
		sj_snapshot_free(&s);
	}
	const struct sj_thread *t = named(&first, "poll_inf");
	assert_int_equal(t->wait.kind, SJ_WAIT_POLL);
	assert_false(t->wait.has_timeout);
	assert_int_equal(named(&first, "nanosleep")->wait.kind, SJ_WAIT_SLEEP);
	for (size_t i = 0; i < sizeof unstopped / sizeof unstopped[0]; i++) {
		char func[64];
		snprintf(func, sizeof func, "blk_%s", unstopped[i]);
		t = named(&first, unstopped[i]);
		if (!has_frame(t, func))
			fail_msg("thread %s: no frame of its own function (%s)", unstopped[i],
				 t->unwind_error ? t->unwind_error : "no error");
	}
	sj_snapshot_free(&first);

	/* A returned call prints at once; give a late one a moment. */
	usleep(200000);
	drain(out, sizeof out, &len);
	assert_non_null(strstr(out, "READY"));
	if (strstr(out, "RETURNED"))
		fail_msg("a capture changed a call: %s", strstr(out, "RETURNED"));
}

/* Also after a failure: SIGTERM makes the program remove its SysV
 * semaphore and message queue, which outlive a SIGKILL. */
static int end_prog(void **state)
{
	if (prog > 0) {
		kill(prog, SIGTERM);
		waitpid(prog, NULL, 0);
		close(err_fd);
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_captures_change_nothing, end_prog),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
