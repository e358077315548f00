/* facts_test.c — what sj_capture records about real blocked processes:
 * waits decoded from the syscall, fds, zombies, descendants, argv. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"

static int pfd[2], pfd2[2];

static void child_read(void *arg)
{
	char c;
	read(pfd[0], &c, 1);
}

static void test_pipe_read(void **state)
{
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = th_spawn(child_read, NULL);
	assert_true(th_wait_syscall(pid, SYS_read) > 0);
	struct sj_snapshot s;
	th_capture(pid, 0, 1, &s);

	struct sj_thread *t = th_thread_in(&s, pid, SYS_read);
	assert_non_null(t);
	assert_int_equal(t->wait.kind, SJ_WAIT_READ);
	assert_int_equal(t->wait.nfds, 1);
	assert_int_equal(t->wait.fds[0].fd, pfd[0]);
	assert_int_equal(t->wait.has_timeout, 0);

	struct stat sb;
	assert_int_equal(fstat(pfd[0], &sb), 0);
	const struct sj_fd *r = sj_process_fd(sj_snapshot_proc(&s, pid), pfd[0]);
	const struct sj_fd *w = sj_process_fd(sj_snapshot_proc(&s, pid), pfd[1]);
	assert_non_null(r);
	assert_non_null(w);
	assert_int_equal(r->kind, SJ_FDK_PIPE);
	assert_int_equal(r->inode, sb.st_ino);
	assert_int_equal(r->accmode, O_RDONLY);
	assert_int_equal(w->kind, SJ_FDK_PIPE);
	assert_int_equal(w->inode, sb.st_ino);
	assert_int_equal(w->accmode, O_WRONLY);
	assert_int_equal(strncmp(r->target, "pipe:[", 6), 0);
	sj_snapshot_free(&s);
	th_kill(pid);
	close(pfd[0]);
	close(pfd[1]);
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

static void child_cond(void *arg)
{
	pthread_t t;
	pthread_create(&t, NULL, cond_waiter, NULL);
	pthread_join(t, NULL);
}

static void test_futex_condvar(void **state)
{
	pid_t pid = th_spawn(child_cond, NULL);
	assert_int_equal(th_wait_all_blocked(pid, 2), 0);
	struct sj_snapshot s;
	th_capture(pid, 0, 1, &s);
	struct sj_process *p = sj_snapshot_proc(&s, pid);
	assert_non_null(p);
	assert_int_equal(p->nthreads, 2);
	/* the waiter is the non-leader thread */
	struct sj_thread *t = &p->threads[1];
	assert_int_equal(p->threads[0].tid, pid);
	assert_int_equal(t->wait.kind, SJ_WAIT_FUTEX);
	assert_true(t->wait.futex_private);
	assert_false(t->wait.has_timeout);
	assert_true(t->wait.futex_op == FUTEX_WAIT || t->wait.futex_op == FUTEX_WAIT_BITSET);
	/* the futex word lies inside the (fork-inherited, same address) cv */
	assert_true(t->wait.futex_addr >= (uintptr_t)&cv);
	assert_true(t->wait.futex_addr < (uintptr_t)&cv + sizeof cv);
	sj_snapshot_free(&s);
	th_kill(pid);
}

static void child_poll(void *arg)
{
	struct pollfd pf[3] = { { pfd[0], POLLIN, 0 }, { -1, POLLIN, 0 }, { pfd2[1], POLLOUT, 0 } };
	/* fill pfd2 so POLLOUT does not fire */
	fcntl(pfd2[1], F_SETFL, O_NONBLOCK);
	char buf[4096] = { 0 };
	while (write(pfd2[1], buf, sizeof buf) > 0)
		;
	if (arg)
		ppoll(pf, 3, NULL, NULL);
	else
		poll(pf, 3, 600000);
}

static void check_poll(int timed)
{
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(pipe(pfd2), 0);
	long nr = timed ? SYS_poll : SYS_ppoll;
	pid_t pid = th_spawn(child_poll, timed ? NULL : (void *)1);
	assert_true(th_wait_syscall(pid, nr) > 0);
	struct sj_snapshot s;
	th_capture(pid, 0, 0, &s);
	struct sj_thread *t = th_thread_in(&s, pid, nr);
	assert_non_null(t);
	assert_int_equal(t->wait.kind, SJ_WAIT_POLL);
	assert_int_equal(t->wait.has_timeout, timed);
	if (timed)
		assert_int_equal(t->wait.timeout_ns, 600000LL * 1000000LL);
	assert_int_equal(t->wait.nfds, 2); /* the fd -1 entry is ignored, like poll does */
	assert_int_equal(t->wait.fds[0].fd, pfd[0]);
	assert_int_equal(t->wait.fds[0].dir, 0);
	assert_int_equal(t->wait.fds[1].fd, pfd2[1]);
	assert_int_equal(t->wait.fds[1].dir, 1);
	sj_snapshot_free(&s);
	th_kill(pid);
	close(pfd[0]);
	close(pfd[1]);
	close(pfd2[0]);
	close(pfd2[1]);
}

static void test_poll_timeout(void **state) { check_poll(1); }
static void test_ppoll_forever(void **state) { check_poll(0); }

static void child_epoll(void *arg)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN };
	ev.data.fd = pfd[0];
	epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &ev);
	ev.data.fd = pfd2[0];
	epoll_ctl(ep, EPOLL_CTL_ADD, pfd2[0], &ev);
	struct epoll_event out[4];
	epoll_wait(ep, out, 4, -1);
}

static void test_epoll_wait(void **state)
{
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(pipe(pfd2), 0);
	pid_t pid = th_spawn(child_epoll, NULL);
	assert_true(th_wait_syscall(pid, SYS_epoll_wait) > 0 || th_wait_syscall(pid, SYS_epoll_pwait) > 0);
	struct sj_snapshot s;
	th_capture(pid, 0, 0, &s);
	struct sj_process *p = sj_snapshot_proc(&s, pid);
	struct sj_thread *t = &p->threads[0];
	assert_int_equal(t->wait.kind, SJ_WAIT_POLL);
	assert_false(t->wait.has_timeout);
	assert_int_equal(t->wait.nfds, 2);
	int seen0 = 0, seen2 = 0;
	for (size_t i = 0; i < t->wait.nfds; i++) {
		seen0 |= t->wait.fds[i].fd == pfd[0] && t->wait.fds[i].dir == 0;
		seen2 |= t->wait.fds[i].fd == pfd2[0] && t->wait.fds[i].dir == 0;
	}
	assert_true(seen0 && seen2);
	const struct sj_fd *ep = sj_process_fd(p, (int)t->syscall_args[0]);
	assert_non_null(ep);
	assert_int_equal(ep->kind, SJ_FDK_EPOLL);
	assert_int_equal(ep->n_epoll_tfds, 2);
	sj_snapshot_free(&s);
	th_kill(pid);
	close(pfd[0]);
	close(pfd[1]);
	close(pfd2[0]);
	close(pfd2[1]);
}

static void child_wait4(void *arg)
{
	pid_t gc = fork();
	if (gc == 0) {
		pause();
		_exit(0);
	}
	write(pfd[1], &gc, sizeof gc);
	waitpid(gc, NULL, 0);
}

static void test_wait4_and_descendants(void **state)
{
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = th_spawn(child_wait4, NULL);
	pid_t gc;
	assert_int_equal(read(pfd[0], &gc, sizeof gc), sizeof gc);
	assert_true(th_wait_syscall(pid, SYS_wait4) > 0);
	assert_true(th_wait_syscall(gc, SYS_pause) > 0);
	struct sj_snapshot s;
	th_capture(pid, 1, 0, &s);
	struct sj_thread *t = th_thread_in(&s, pid, SYS_wait4);
	assert_non_null(t);
	assert_int_equal(t->wait.kind, SJ_WAIT_CHILD);
	assert_int_equal(t->wait.wait_pid, gc);
	struct sj_process *g = sj_snapshot_proc(&s, gc);
	assert_non_null(g); /* descendants are found */
	assert_int_equal(g->ppid, pid);
	assert_false(g->is_target);
	assert_true(sj_snapshot_proc(&s, pid)->is_target);
	assert_int_equal(g->threads[0].wait.kind, SJ_WAIT_SIGNAL);
	sj_snapshot_free(&s);
	/* without children: just the named pid */
	th_capture(pid, 0, 0, &s);
	assert_int_equal(s.nprocs, 1);
	sj_snapshot_free(&s);
	kill(gc, SIGKILL);
	th_kill(pid);
	close(pfd[0]);
	close(pfd[1]);
}

static void child_zombies(void *arg)
{
	pid_t a = fork();
	if (a == 0)
		_exit(3);
	pid_t b = fork();
	if (b == 0) {
		raise(SIGKILL);
		_exit(0);
	}
	pid_t both[2] = { a, b };
	write(pfd[1], both, sizeof both);
	for (;;)
		pause(); /* never reaps them */
}

static void test_zombies(void **state)
{
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = th_spawn(child_zombies, NULL);
	pid_t kids[2];
	assert_int_equal(read(pfd[0], kids, sizeof kids), sizeof kids);
	assert_int_equal(th_wait_state(kids[0], 'Z'), 0);
	assert_int_equal(th_wait_state(kids[1], 'Z'), 0);
	struct sj_snapshot s;
	th_capture(pid, 1, 1, &s);
	struct sj_process *za = sj_snapshot_proc(&s, kids[0]);
	struct sj_process *zb = sj_snapshot_proc(&s, kids[1]);
	assert_non_null(za);
	assert_non_null(zb);
	assert_int_equal(za->state, 'Z');
	assert_true(WIFEXITED(za->exit_status));
	assert_int_equal(WEXITSTATUS(za->exit_status), 3);
	assert_int_equal(zb->state, 'Z');
	assert_true(WIFSIGNALED(zb->exit_status));
	assert_int_equal(WTERMSIG(zb->exit_status), SIGKILL);
	assert_int_equal(za->nfds, 0); /* exit_files() ran */
	assert_null(za->exe);
	/* the live parent is not a zombie and has no exit status */
	assert_int_equal(sj_snapshot_proc(&s, pid)->exit_status, -1);
	sj_snapshot_free(&s);
	th_kill(pid);
	close(pfd[0]);
	close(pfd[1]);
}

static void *block_in_read(void *arg)
{
	char c;
	read(pfd[0], &c, 1);
	return NULL;
}

static void child_leader_exits(void *arg)
{
	pthread_t t;
	pthread_create(&t, NULL, block_in_read, NULL);
	pthread_exit(NULL); /* the leader becomes a zombie; the process lives */
}

static void test_zombie_leader_live_thread(void **state)
{
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = th_spawn(child_leader_exits, NULL);
	assert_int_equal(th_wait_state(pid, 'Z'), 0);
	assert_true(th_wait_syscall(pid, SYS_read) > 0);
	struct sj_snapshot s;
	th_capture(pid, 0, 1, &s);
	struct sj_process *p = sj_snapshot_proc(&s, pid);
	assert_non_null(p);
	assert_int_equal(p->exit_status, -1);
	assert_true(p->nfds >= 2); /* the fds live on with the process */
	assert_non_null(sj_process_fd(p, pfd[0]));
	struct sj_thread *t = th_thread_in(&s, pid, SYS_read);
	assert_non_null(t);
	assert_int_equal(t->wait.kind, SJ_WAIT_READ);
	assert_true(t->nframes >= 2);
	assert_int_equal(th_wait_none_stopped(pid), 0);
	sj_snapshot_free(&s);
	th_kill(pid);
	close(pfd[0]);
	close(pfd[1]);
}

static void test_argv_exe_comm_sleep(void **state)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sleep", "sleep", "1000", (char *)NULL);
		_exit(127);
	}
	assert_true(th_wait_syscall(pid, SYS_clock_nanosleep) > 0);
	struct sj_snapshot s;
	th_capture(pid, 0, 1, &s);
	struct sj_process *p = sj_snapshot_proc(&s, pid);
	assert_non_null(p);
	assert_string_equal(p->comm, "sleep");
	assert_int_equal(p->argc, 2);
	assert_string_equal(p->argv[0], "sleep");
	assert_string_equal(p->argv[1], "1000");
	assert_null(p->argv[2]);
	char real[4096];
	assert_non_null(realpath("/bin/sleep", real));
	assert_string_equal(p->exe, real);
	assert_int_equal(p->ppid, getpid());
	assert_int_equal(p->threads[0].wait.kind, SJ_WAIT_SLEEP);
	assert_true(p->threads[0].wait.has_timeout);
	assert_int_equal(p->threads[0].wait.timeout_ns, 1000LL * 1000000000LL);
	assert_true(p->threads[0].nframes >= 2);
	assert_true(p->nmaps > 5);
	sj_snapshot_free(&s);
	th_kill(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_read),
		cmocka_unit_test(test_futex_condvar),
		cmocka_unit_test(test_poll_timeout),
		cmocka_unit_test(test_ppoll_forever),
		cmocka_unit_test(test_epoll_wait),
		cmocka_unit_test(test_wait4_and_descendants),
		cmocka_unit_test(test_zombies),
		cmocka_unit_test(test_zombie_leader_live_thread),
		cmocka_unit_test(test_argv_exe_comm_sleep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
