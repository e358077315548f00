/* confirm_test.c — a wait read from /proc before the stop reaches analysis
 * only if the thread was still in it while stopped.  Healthy processes that
 * block for microseconds at a time, traced over and over, must never look
 * deadlocked; a truly deadlocked one must be found every time. */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis.h"
#include "helpers.h"

/* The reviewer saw 1 false deadlock in 15-30 traces of the create/join
 * loop; here about 1 in 200 (captures are quicker without symbols): 500
 * rounds make a regression show nearly every run, in about a second. */
#define ROUNDS 500

static void *noop(void *arg)
{
	return arg;
}

/* The main thread's pthread_join is a private futex wait that lasts
 * microseconds; by the time it is stopped it is usually in clone3. */
static void child_create_join(void *arg)
{
	for (;;) {
		pthread_t t;
		if (pthread_create(&t, NULL, noop, NULL) == 0)
			pthread_join(t, NULL);
	}
}

static long futex(uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

/* Two threads hand a turn back and forth with untimed private futex
 * waits, working a few tens of microseconds with it: at any instant one
 * of them waits on the other, and /proc reads of the two, some
 * microseconds apart, see both waiting when the turn passed in between. */
static uint32_t turn;

static void work_us(unsigned us)
{
	uint64_t end = th_now_ns() + us * 1000ULL;
	while (th_now_ns() < end)
		;
}

static void pingpong(uint32_t me)
{
	for (;;) {
		uint32_t cur;
		while ((cur = __atomic_load_n(&turn, __ATOMIC_ACQUIRE)) != me)
			futex(&turn, FUTEX_WAIT_PRIVATE, cur);
		work_us(10);
		__atomic_store_n(&turn, !me, __ATOMIC_RELEASE);
		futex(&turn, FUTEX_WAKE_PRIVATE, 1);
	}
}

static void *pong(void *arg)
{
	pingpong(1);
	return NULL;
}

static void child_pingpong(void *arg)
{
	pthread_t t;
	pthread_create(&t, NULL, pong, NULL);
	pingpong(0);
}

/* Two threads that wait forever on futexes nobody will wake. */
static uint32_t never_a, never_b;

static void *stuck_b(void *arg)
{
	for (;;)
		futex(&never_b, FUTEX_WAIT_PRIVATE, 0);
	return NULL;
}

static void child_deadlocked(void *arg)
{
	pthread_t t;
	pthread_create(&t, NULL, stuck_b, NULL);
	for (;;)
		futex(&never_a, FUTEX_WAIT_PRIVATE, 0);
}

static void capture_quiet(pid_t pid, struct sj_snapshot *s)
{
	struct sj_capture_opts o = { .pids = &pid, .npids = 1, .children = 0, .native = 1,
				     .python = SJ_PY_OFF, .symbolize = 0 };
	char err[512] = "";
	int rc = sj_capture(&o, s, err, sizeof err);
	if (rc != 0)
		fail_msg("sj_capture(%d) = %d: %s", (int)pid, rc, err);
}

/* The first deadlock or quiescence finding, or NULL. */
static const struct sj_finding *hang_finding(const struct sj_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].kind == SJ_FIND_DEADLOCK || f->v[i].kind == SJ_FIND_QUIESCENT)
			return &f->v[i];
	return NULL;
}

static void never_hung(void (*body)(void *))
{
	pid_t pid = th_spawn(body, NULL);
	/* let it get going */
	usleep(100000);
	int unconfirmed = 0, all_blocked = 0;
	for (int round = 0; round < ROUNDS; round++) {
		struct sj_snapshot s;
		capture_quiet(pid, &s);
		struct sj_findings f = { 0 };
		assert_int_equal(sj_analyse(&s, NULL, &f), 0);
		const struct sj_finding *h = hang_finding(&f);
		if (h) {
			struct sj_process *p = sj_snapshot_proc(&s, pid);
			for (size_t i = 0; p && i < p->nthreads; i++)
				print_message("  tid %d state %c nr %ld wait %s\n", (int)p->threads[i].tid,
					      p->threads[i].state, p->threads[i].syscall_nr,
					      sj_wait_kind_name(p->threads[i].wait.kind));
			fail_msg("round %d: healthy pid %d reported as %s: %s", round, (int)pid,
				 sj_finding_kind_name(h->kind), h->cause ? h->cause : "");
		}
		struct sj_process *p = sj_snapshot_proc(&s, pid);
		size_t blocked = 0;
		for (size_t i = 0; p && i < p->nthreads; i++)
			blocked += p->threads[i].wait.kind != SJ_WAIT_NONE;
		all_blocked += p && blocked == p->nthreads;
		for (size_t i = 0; i < s.nnotes; i++)
			unconfirmed += strstr(s.notes[i], "not counted") != NULL;
		sj_findings_free(&f);
		sj_snapshot_free(&s);
		assert_int_equal(th_wait_none_stopped(pid), 0);
	}
	print_message("  %d of %d captures dropped a wait that had ended; in %d every thread "
		      "looked blocked\n", unconfirmed, ROUNDS, all_blocked);
	th_kill(pid);
}

static void test_create_join_loop_never_deadlocked(void **state)
{
	never_hung(child_create_join);
}

static void test_futex_pingpong_never_deadlocked(void **state)
{
	never_hung(child_pingpong);
}

/* The other side: confirmation must not lose a real knot. */
static void test_real_deadlock_always_found(void **state)
{
	pid_t pid = th_spawn(child_deadlocked, NULL);
	for (int round = 0; round < ROUNDS / 10; round++) {
		/* after a detach each thread restarts its futex wait: let it */
		assert_int_equal(th_wait_all_blocked(pid, 2), 0);
		struct sj_snapshot s;
		capture_quiet(pid, &s);
		struct sj_process *p = sj_snapshot_proc(&s, pid);
		assert_non_null(p);
		for (size_t i = 0; i < p->nthreads; i++)
			if (p->threads[i].wait.kind != SJ_WAIT_FUTEX)
				fail_msg("round %d: tid %d state %c nr %ld: wait %s, not futex", round,
					 (int)p->threads[i].tid, p->threads[i].state, p->threads[i].syscall_nr,
					 sj_wait_kind_name(p->threads[i].wait.kind));
		struct sj_findings f = { 0 };
		assert_int_equal(sj_analyse(&s, NULL, &f), 0);
		const struct sj_finding *h = hang_finding(&f);
		if (!h || h->kind != SJ_FIND_DEADLOCK)
			fail_msg("round %d: deadlocked pid %d not reported", round, (int)pid);
		sj_findings_free(&f);
		sj_snapshot_free(&s);
	}
	th_kill(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_join_loop_never_deadlocked),
		cmocka_unit_test(test_futex_pingpong_never_deadlocked),
		cmocka_unit_test(test_real_deadlock_always_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
