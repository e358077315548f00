/* test_findings.c — zombies, the quiescent note, lost workers (journal
 * folded into a snapshot) and the output order. */
#include "checks.h"

#include <signal.h>
#include <sys/wait.h>

/* ---- zombies ---- */

/* Raw wait statuses as the kernel encodes them (wait(2)). */
#define EXITED(c) ((c) << 8)
#define KILLED(s) (s)
#define CORE 0x80

static void test_four_zombies(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	/* Listed out of pid order on purpose: findings come out sorted. */
	fx_zombie(&s, 44, 40, EXITED(0));
	struct sj_process *p = fx_proc(&s, 40, 1);
	fx_zombie(&s, 42, 40, KILLED(SIGKILL));
	fx_zombie(&s, 41, 40, EXITED(3));
	struct sj_process *z43 = fx_zombie(&s, 43, 40, KILLED(SIGSEGV) | CORE);
	z43->zombie_since_ns = s.taken_mono_ns - 2500000000ull;
	struct sj_process *w = fx_proc(&s, 45, 40);
	fx_pipe(p, 3, -1, 700);
	fx_pipe(w, -1, 4, 700);
	fx_read(fx_thread(p, 40, "server"), 3);
	fx_running(fx_thread(w, 45, NULL));
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 4);
	assert_int_equal(fx_count(&f, SJ_FIND_ZOMBIE), 4);
	static const char *const status[] = { "exited 3", "killed by SIGKILL",
					      "killed by SIGSEGV (core dumped)", "exited 0" };
	for (int i = 0; i < 4; i++) {
		const struct sj_finding *z = fx_nth(&f, SJ_FIND_ZOMBIE, (size_t)i);
		char who[32];
		snprintf(who, sizeof who, "pid %d (proc%d) is a zombie (", 41 + i, 41 + i);
		assert_contains(z->cause, who);
		assert_contains(z->cause, status[i]);
		assert_contains(z->cause, "its parent pid 40 has not reaped it; pid 40 reads pipe:[700] (fd 3)");
		assert_int_equal(z->severity, SJ_SEV_WARNING);
		assert_true(fx_has_pid(z, 40) && fx_has_pid(z, 41 + i));
		assert_contains(evidence_of(z, 41 + i, 0), status[i]);
		assert_contains(evidence_of(z, 40, 40), "instead of reaping, reads pipe:[700]");
		assert_contains(z->advice, "waitpid");
	}
	assert_int_equal(fx_nth(&f, SJ_FIND_ZOMBIE, 1)->sig, SIGKILL);
	assert_int_equal(fx_nth(&f, SJ_FIND_ZOMBIE, 0)->sig, 0);
	assert_contains(fx_nth(&f, SJ_FIND_ZOMBIE, 2)->cause, "(core dumped), for 2.5 s)");
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

static void test_zombie_sleeping_multithreaded_parent(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 40, 1);
	struct sj_thread *t = fx_thread(p, 40, NULL);
	fx_pyname(t, "MainThread");
	fx_sleep(t);
	fx_running(fx_thread(p, 46, "cruncher"));
	fx_zombie(&s, 41, 40, KILLED(SIGTERM));
	fx_zombie(&s, 47, 99, EXITED(1));   /* its parent is not in the snapshot */
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 2);
	const struct sj_finding *z = fx_nth(&f, SJ_FIND_ZOMBIE, 0);
	assert_contains(z->cause, "killed by SIGTERM");
	assert_contains(z->cause, "pid 40's threads: MainThread (tid 40) sleeps; cruncher (tid 46) is running");
	assert_contains(fx_nth(&f, SJ_FIND_ZOMBIE, 1)->cause, "pid 99 is outside the snapshot");
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* ---- quiescent ---- */

/* Everything blocked for good, but one wait cannot be resolved (a syscall
 * the model does not decode), so no knot can be proved. */
static void test_quiescent_unresolved(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 50, 1), *c = fx_proc(&s, 51, 50);
	fx_child(fx_thread(p, 50, NULL), 51);
	fx_other(fx_thread(c, 51, NULL), 73);   /* flock */
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 1);
	const struct sj_finding *q = fx_nth(&f, SJ_FIND_QUIESCENT, 0);
	assert_non_null(q);
	assert_int_equal(q->severity, SJ_SEV_NOTE);
	assert_contains(q->cause, "All 2 threads of pids 50 and 51 are blocked with no timeout");
	assert_contains(q->cause, "pid 51 is blocked in syscall 73 (unresolved: a syscall the model does not decode)");
	assert_true(fx_has_pid(q, 50) && fx_has_pid(q, 51));
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* A shared futex outside every mapping cannot be resolved either. */
static void test_quiescent_unmapped_futex(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	fx_futex(fx_thread(fx_proc(&s, 60, 1), 60, NULL), 0xdead0000, 0);
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 1);
	assert_contains(fx_nth(&f, SJ_FIND_QUIESCENT, 0)->cause, "The only thread of pid 60 is blocked with no timeout, yet no deadlock can be proved: pid 60 waits on futex 0xdead0000 (unresolved: a shared futex outside every mapping)");
	sj_findings_free(&f);
	sj_snapshot_free(&s);

	/* With a running process anywhere in the tree: no note. */
	fx_init(&s);
	fx_futex(fx_thread(fx_proc(&s, 60, 1), 60, NULL), 0xdead0000, 0);
	fx_running(fx_thread(fx_proc(&s, 61, 60), 61, NULL));
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 0);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* ---- lost-worker ---- */

/* The P1 hang after the fact: worker 200 was SIGKILLed by an injected rule
 * on its 3rd pipe read, the pool reaped it and forked 202, and now the
 * parent waits for a result that will never come. */
static void lost_snapshot(struct sj_snapshot *s, int parent_running)
{
	struct sj_process *p = fx_proc(s, 100, 1);
	fx_pipe(p, 5, 6, 8002);
	fx_pipe(p, 3, 4, 8001);
	struct sj_thread *t = fx_thread(p, 100, "python3");
	fx_pyname(t, "MainThread");
	if (parent_running)
		fx_running(t);
	else
		fx_futex(t, 0x5000, 1);
	t = fx_thread(p, 103, "python3");
	fx_pyname(t, "Thread-3 (_handle_results)");
	fx_read(t, 5);
	struct sj_process *w = fx_proc(s, 202, 100);
	fx_pipe(w, 5, 6, 8002);
	fx_pipe(w, 3, 4, 8001);
	fx_read(fx_thread(w, 202, "python3"), 3);
}

static void lost_journal(struct sj_journal *j, int with_inject)
{
	memset(j, 0, sizeof *j);
	fx_jrecord(j, "{\"v\":1,\"t\":1000000000,\"pid\":100,\"ppid\":7,\"tid\":100,\"ev\":\"start\",\"role\":\"parent\"}");
	fx_jrecord(j, "{\"v\":1,\"t\":1100000000,\"pid\":100,\"ppid\":7,\"tid\":100,\"ev\":\"fork\",\"func\":\"fork\",\"child\":200}");
	fx_jrecord(j, "{\"v\":1,\"t\":1150000000,\"pid\":200,\"ppid\":100,\"tid\":200,\"ev\":\"dispositions\",\"at\":\"fork\",\"list\":[]}");
	if (with_inject)
		fx_jrecord(j, "{\"v\":1,\"t\":2200000000,\"pid\":200,\"ppid\":100,\"tid\":200,\"ev\":\"inject\","
			   "\"rule\":0,\"spec\":\"read:in=child:fd=pipe:when=3:signal=KILL@self\",\"hook\":\"read\","
			   "\"func\":\"read\",\"n\":3,\"fd\":3,\"fdkind\":\"pipe\",\"action\":\"signal\",\"sig\":\"SIGKILL\","
			   "\"target\":\"self\"}");
	fx_jrecord(j, "{\"v\":1,\"t\":2300000000,\"pid\":100,\"ppid\":7,\"tid\":101,\"ev\":\"reap\",\"func\":\"waitpid\","
		   "\"child\":200,\"status\":\"killed by SIGKILL\",\"code\":null,\"sig\":\"SIGKILL\",\"core\":false}");
	fx_jrecord(j, "{\"v\":1,\"t\":2310000000,\"pid\":100,\"ppid\":7,\"tid\":101,\"ev\":\"fork\",\"func\":\"fork\",\"child\":202}");
}

static void test_lost_worker_injected(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_journal j;
	struct sj_findings f;
	fx_init(&s);
	lost_snapshot(&s, 0);
	lost_journal(&j, 1);
	analyse(&s, &j, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_LOST_WORKER), 1);
	const struct sj_finding *l = fx_nth(&f, SJ_FIND_LOST_WORKER, 0);
	assert_contains(l->cause, "worker pid 200 was killed by SIGKILL at t=1.2 s (3rd pipe read, injected)");
	assert_contains(l->cause, "while its parent pid 100 still waits for results");
	assert_contains(l->cause, "_handle_results (tid 103) reads pipe:[8002] (fd 5)");
	assert_int_equal(l->sig, SIGKILL);
	assert_int_equal(l->severity, SJ_SEV_ERROR);
	assert_true(fx_has_pid(l, 100) && fx_has_pid(l, 200));
	assert_contains(evidence_of(l, 200, 0), "by rule read:in=child:fd=pipe:when=3:signal=KILL@self");
	assert_contains(l->advice, "ProcessPoolExecutor");
	/* The snapshot alone proves a knot too (replacement 202 reads the
	 * task pipe only the parent and itself hold). */
	assert_int_equal(fx_count(&f, SJ_FIND_DEADLOCK), 1);
	sj_findings_free(&f);
	sj_journal_free(&j);
	sj_snapshot_free(&s);
}

static void test_lost_worker_reap_only(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_journal j;
	struct sj_findings f;
	fx_init(&s);
	lost_snapshot(&s, 0);
	lost_journal(&j, 0);
	analyse(&s, &j, &f);
	const struct sj_finding *l = fx_nth(&f, SJ_FIND_LOST_WORKER, 0);
	assert_non_null(l);
	assert_contains(l->cause, "worker pid 200 was killed by SIGKILL at t=1.3 s (reaped by pid 100)");
	sj_findings_free(&f);
	sj_journal_free(&j);
	sj_snapshot_free(&s);
}

/* The same journal through the real reader (reports/journal.c), as the CLI
 * loads it: the fields analysis relies on are pre-extracted alike. */
static void test_lost_worker_real_parser(void **state)
{
	(void)state;
	static const char text[] =
		"{\"v\":1,\"t\":1000000000,\"pid\":100,\"ppid\":7,\"tid\":100,\"ev\":\"start\",\"role\":\"parent\"}\n"
		"{\"v\":1,\"t\":2200000000,\"pid\":200,\"ppid\":100,\"tid\":200,\"ev\":\"inject\",\"rule\":0,"
		"\"spec\":\"read:in=child:fd=pipe:when=3:signal=KILL@self\",\"hook\":\"read\",\"func\":\"read\","
		"\"n\":3,\"fd\":3,\"fdkind\":\"pipe\",\"action\":\"signal\",\"sig\":\"SIGKILL\",\"target\":\"self\"}\n"
		"{\"v\":1,\"t\":2300000000,\"pid\":100,\"ppid\":7,\"tid\":101,\"ev\":\"reap\",\"func\":\"waitpid\","
		"\"child\":200,\"status\":\"killed by SIGKILL\",\"code\":null,\"sig\":\"SIGKILL\",\"core\":false}\n";
	struct sj_snapshot s;
	struct sj_journal j;
	struct sj_findings f;
	char err[256];
	memset(&j, 0, sizeof j);
	assert_int_equal(sj_journal_parse_text(text, sizeof text - 1, &j, err, sizeof err), 0);
	fx_init(&s);
	lost_snapshot(&s, 0);
	analyse(&s, &j, &f);
	const struct sj_finding *l = fx_nth(&f, SJ_FIND_LOST_WORKER, 0);
	assert_non_null(l);
	assert_contains(l->cause, "worker pid 200 was killed by SIGKILL at t=1.2 s (3rd pipe read, injected)");
	assert_contains(evidence_of(l, 200, 0), "by rule read:in=child:fd=pipe:when=3:signal=KILL@self");
	sj_findings_free(&f);
	sj_journal_free(&j);
	sj_snapshot_free(&s);
}

/* The parent is still working (its main thread runs): no lost-worker. */
static void test_lost_worker_parent_busy(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_journal j;
	struct sj_findings f;
	fx_init(&s);
	lost_snapshot(&s, 1);
	lost_journal(&j, 1);
	analyse(&s, &j, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_LOST_WORKER), 0);
	sj_findings_free(&f);
	sj_journal_free(&j);
	sj_snapshot_free(&s);
}

/* The "victim" survived (a handler caught the signal: it wrote records
 * later and is alive in the snapshot): no lost-worker. */
static void test_lost_worker_survivor(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_journal j;
	struct sj_findings f;
	fx_init(&s);
	lost_snapshot(&s, 0);
	memset(&j, 0, sizeof j);
	fx_jrecord(&j, "{\"t\":1000000000,\"pid\":100,\"ppid\":7,\"ev\":\"start\"}");
	fx_jrecord(&j, "{\"t\":2000000000,\"pid\":202,\"ppid\":100,\"ev\":\"inject\",\"hook\":\"read\",\"n\":1,"
		   "\"action\":\"signal\",\"sig\":\"SIGTERM\",\"target\":\"self\"}");
	fx_jrecord(&j, "{\"t\":2100000000,\"pid\":202,\"ppid\":100,\"ev\":\"deliver\",\"sig\":\"SIGTERM\",\"code\":\"SI_USER\",\"depth\":1}");
	analyse(&s, &j, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_LOST_WORKER), 0);
	sj_findings_free(&f);
	/* Same injection with no later record, but the process is alive in the
	 * snapshot: still no lost-worker. */
	sj_journal_free(&j);
	fx_jrecord(&j, "{\"t\":1000000000,\"pid\":100,\"ppid\":7,\"ev\":\"start\"}");
	fx_jrecord(&j, "{\"t\":2000000000,\"pid\":202,\"ppid\":100,\"ev\":\"inject\",\"hook\":\"read\",\"n\":1,"
		   "\"action\":\"signal\",\"sig\":\"SIGTERM\",\"target\":\"self\"}");
	analyse(&s, &j, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_LOST_WORKER), 0);
	sj_findings_free(&f);
	sj_journal_free(&j);
	sj_snapshot_free(&s);
}

/* crash and exit=N injections are deaths too. */
static void test_lost_worker_crash_and_exit(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_journal j;
	struct sj_findings f;
	fx_init(&s);
	lost_snapshot(&s, 0);
	memset(&j, 0, sizeof j);
	fx_jrecord(&j, "{\"t\":500000000,\"pid\":100,\"ppid\":7,\"ev\":\"start\"}");
	fx_jrecord(&j, "{\"t\":600000000,\"pid\":210,\"ppid\":100,\"ev\":\"inject\",\"hook\":\"write\",\"n\":1,"
		   "\"fdkind\":\"pipe\",\"action\":\"crash\"}");
	fx_jrecord(&j, "{\"t\":700000000,\"pid\":211,\"ppid\":100,\"ev\":\"inject\",\"hook\":\"read\",\"n\":2,"
		   "\"action\":\"exit\"}");
	fx_jrecord(&j, "{\"t\":800000000,\"pid\":100,\"ppid\":7,\"ev\":\"reap\",\"child\":211,\"status\":\"exited 7\",\"code\":7}");
	analyse(&s, &j, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_LOST_WORKER), 2);
	const struct sj_finding *a = fx_nth(&f, SJ_FIND_LOST_WORKER, 0);
	const struct sj_finding *b = fx_nth(&f, SJ_FIND_LOST_WORKER, 1);
	assert_contains(a->cause, "worker pid 210 crashed with SIGSEGV at t=0.1 s (1st pipe write, injected)");
	assert_int_equal(a->sig, SIGSEGV);
	assert_contains(b->cause, "worker pid 211 was made to exit with code 7 at t=0.2 s (2nd read, injected)");
	assert_int_equal(b->sig, 0);
	sj_findings_free(&f);
	sj_journal_free(&j);
	sj_snapshot_free(&s);
}

/* ---- order ---- */

static void test_order_by_kind_then_pid(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	fx_zombie(&s, 90, 1, EXITED(1));
	struct sj_process *p = fx_proc(&s, 80, 1);
	fx_futex(fx_thread(p, 80, NULL), 0x10, 1);
	fx_zombie(&s, 85, 1, EXITED(2));
	struct sj_process *q = fx_proc(&s, 70, 1);
	fx_futex(fx_thread(q, 70, NULL), 0x10, 1);
	memset(&f, 0, sizeof f);
	assert_int_equal(sj_analyse(&s, NULL, &f), 0);
	assert_int_equal(f.n, 4);
	assert_int_equal(f.v[0].kind, SJ_FIND_DEADLOCK);
	assert_int_equal(f.v[0].pids[0], 70);
	assert_int_equal(f.v[1].kind, SJ_FIND_DEADLOCK);
	assert_int_equal(f.v[1].pids[0], 80);
	assert_int_equal(f.v[2].kind, SJ_FIND_ZOMBIE);
	assert_int_equal(f.v[2].pids[0], 85);
	assert_int_equal(f.v[3].pids[0], 90);
	/* A second run appends after what is there and sorts only its own. */
	assert_int_equal(sj_analyse(&s, NULL, &f), 0);
	assert_int_equal(f.n, 8);
	assert_int_equal(f.v[4].pids[0], 70);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

static void test_empty_snapshot(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 0);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_zombies),
		cmocka_unit_test(test_zombie_sleeping_multithreaded_parent),
		cmocka_unit_test(test_quiescent_unresolved),
		cmocka_unit_test(test_quiescent_unmapped_futex),
		cmocka_unit_test(test_lost_worker_injected),
		cmocka_unit_test(test_lost_worker_reap_only),
		cmocka_unit_test(test_lost_worker_real_parser),
		cmocka_unit_test(test_lost_worker_parent_busy),
		cmocka_unit_test(test_lost_worker_survivor),
		cmocka_unit_test(test_lost_worker_crash_and_exit),
		cmocka_unit_test(test_order_by_kind_then_pid),
		cmocka_unit_test(test_empty_snapshot),
	};
	return cmocka_run_group_tests_name("analysis_findings", tests, NULL, NULL);
}
