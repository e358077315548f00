/* test_explain.c — cause before consequence (analysis/explain.c) and the
 * verdicts (analysis/verdict.c) on hand-made snapshots, journals and
 * findings: which finding explains which, the order, the records behind
 * each finding, and one sentence of at most 200 characters per root cause. */
#include "checks.h"

#include <signal.h>
#include <stdlib.h>

#include "xalloc.h"

#define EXITED(c) ((c) << 8)

/* Characters (UTF-8 code points) of s. */
static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int has_record(const struct sj_finding *f, size_t idx)
{
	for (size_t i = 0; i < f->nrecords; i++)
		if (f->records[i] == idx)
			return 1;
	return 0;
}

/* The verdict rules every root cause obeys, and only root causes. */
static void check_verdicts(const struct sj_findings *f)
{
	for (size_t k = 0; k < f->n; k++) {
		const struct sj_finding *x = &f->v[k];
		for (size_t i = 0; i < x->nexplained_by; i++)
			assert_true(x->explained_by[i] < k);   /* every cause is told first */
		if (x->nexplained_by) {
			assert_null(x->verdict);
			continue;
		}
		assert_non_null(x->verdict);
		assert_true(chars(x->verdict) <= SJ_VERDICT_MAX);
		assert_int_equal(x->verdict[strlen(x->verdict) - 1], '.');
	}
}

/* ---- the seed-002 hang: a worker killed while the pool waits ---- */

#define SEM_ADDR 0x7f0000000000ull
enum { PARENT = 100, W1 = 201, VICTIM = 202, W3 = 203, OUTQ = 8002, SEM_INODE = 555 };

static void pool_member(struct sj_process *p)
{
	fx_pipe(p, 5, 6, OUTQ);
	fx_map(p, SEM_ADDR, SEM_ADDR + 0x1000, 0, "rw-s", SEM_INODE, "/dev/shm/sem.mp-x1y2 (deleted)");
}

/* The parent reads results only blocked processes (itself among them) could
 * write; the surviving workers wait for the task lock the dead one held. */
static void pool_after_kill(struct sj_snapshot *s)
{
	struct sj_process *p = fx_proc(s, PARENT, 1);
	pool_member(p);
	struct sj_thread *t = fx_thread(p, 100, "python3");
	fx_pyname(t, "MainThread");
	fx_futex(t, 0x55550000, 1);
	t = fx_thread(p, 103, "python3");
	fx_pyname(t, "Thread-3 (_handle_results)");
	fx_read(t, 5);
	for (pid_t w = W1; w <= W3; w += W3 - W1) {
		struct sj_process *q = fx_proc(s, w, PARENT);
		pool_member(q);
		fx_futex(fx_thread(q, w, "python3"), SEM_ADDR + 0x10, 0);
	}
}

enum { REC_INJECT = 3, REC_REAP = 4 };

static void pool_journal(struct sj_journal *j)
{
	memset(j, 0, sizeof *j);
	fx_jrecord(j, "{\"t\":1000000000,\"pid\":100,\"ppid\":7,\"tid\":100,\"ev\":\"start\"}");
	fx_jrecord(j, "{\"t\":1100000000,\"pid\":100,\"ppid\":7,\"tid\":100,\"ev\":\"fork\",\"child\":201}");
	fx_jrecord(j, "{\"t\":1200000000,\"pid\":100,\"ppid\":7,\"tid\":100,\"ev\":\"fork\",\"child\":202}");
	fx_jrecord(j, "{\"t\":2200000000,\"pid\":202,\"ppid\":100,\"tid\":202,\"ev\":\"inject\",\"rule\":0,"
		   "\"spec\":\"read:in=child:fd=pipe:when=3:signal=KILL@self\",\"hook\":\"read\",\"func\":\"read\","
		   "\"n\":3,\"fd\":3,\"fdkind\":\"pipe\",\"action\":\"signal\",\"sig\":\"SIGKILL\",\"target\":\"self\"}");
	fx_jrecord(j, "{\"t\":2300000000,\"pid\":100,\"ppid\":7,\"tid\":101,\"ev\":\"reap\",\"func\":\"waitpid\","
		   "\"child\":202,\"status\":\"killed by SIGKILL\",\"sig\":\"SIGKILL\"}");
	fx_jrecord(j, "{\"t\":2310000000,\"pid\":100,\"ppid\":7,\"tid\":101,\"ev\":\"fork\",\"child\":203}");
}

static void test_lost_worker_is_the_root_cause(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_journal j;
	struct sj_findings f;
	fx_init(&s);
	pool_after_kill(&s);
	pool_journal(&j);
	analyse(&s, &j, &f);
	assert_int_equal(f.n, 3);
	/* Cause before consequence: the death, the knot it left, the blocked
	 * read that is one strand of the knot. */
	assert_int_equal(f.v[0].kind, SJ_FIND_LOST_WORKER);
	assert_int_equal(f.v[1].kind, SJ_FIND_DEADLOCK);
	assert_int_equal(f.v[2].kind, SJ_FIND_BLOCKED_PIPE_READ);
	assert_int_equal(f.v[0].nexplained_by, 0);
	assert_int_equal(f.v[1].nexplained_by, 1);
	assert_int_equal(f.v[1].explained_by[0], 0);
	/* Said once: the lost worker explains the read through the knot. */
	assert_int_equal(f.v[2].nexplained_by, 1);
	assert_int_equal(f.v[2].explained_by[0], 1);
	check_verdicts(&f);
	assert_string_equal(f.v[0].verdict,
			    "worker pid 202 was killed by SIGKILL (injected at its 3rd pipe read); its parent pid "
			    "100 waits for its result for ever; pids 100, 201 and 203 are deadlocked.");
	/* The injection and the reap are the records behind the death. */
	assert_true(has_record(&f.v[0], REC_INJECT) && has_record(&f.v[0], REC_REAP));
	assert_false(has_record(&f.v[0], 0) || has_record(&f.v[0], 1));
	assert_int_equal(f.v[1].nrecords, 0);
	sj_findings_free(&f);
	sj_journal_free(&j);
	sj_snapshot_free(&s);
}

/* A delay injected into the worker did not end it; the SIGKILL its parent
 * sent did, and the verdict says so. */
static void test_killed_by_a_process(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_journal j = { 0 };
	struct sj_findings f;
	fx_init(&s);
	pool_after_kill(&s);
	fx_jrecord(&j, "{\"t\":1000000000,\"pid\":100,\"ppid\":7,\"ev\":\"start\"}");
	fx_jrecord(&j, "{\"t\":1200000000,\"pid\":100,\"ppid\":7,\"ev\":\"fork\",\"child\":202}");
	fx_jrecord(&j, "{\"t\":2000000000,\"pid\":202,\"ppid\":100,\"ev\":\"inject\",\"rule\":0,\"hook\":\"read\","
		   "\"func\":\"read\",\"n\":1,\"fdkind\":\"pipe\",\"action\":\"delay\",\"ns\":1000}");
	fx_jrecord(&j, "{\"t\":2100000000,\"pid\":100,\"ppid\":7,\"ev\":\"kill\",\"func\":\"kill\",\"target\":202,\"sig\":\"SIGKILL\"}");
	fx_jrecord(&j, "{\"t\":2200000000,\"pid\":100,\"ppid\":7,\"ev\":\"reap\",\"child\":202,"
		   "\"status\":\"killed by SIGKILL\",\"sig\":\"SIGKILL\"}");
	analyse(&s, &j, &f);
	assert_int_equal(f.v[0].kind, SJ_FIND_LOST_WORKER);
	check_verdicts(&f);
	assert_contains(f.v[0].verdict, "worker pid 202 was killed by SIGKILL (sent by pid 100); its parent pid 100");
	assert_true(has_record(&f.v[0], 2) && has_record(&f.v[0], 3) && has_record(&f.v[0], 4));
	sj_findings_free(&f);
	sj_journal_free(&j);
	sj_snapshot_free(&s);
}

/* Without the journal nothing names the death: the knot is the root cause,
 * its verdict the head of its own sentence. */
static void test_knot_alone_is_the_root_cause(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	pool_after_kill(&s);
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.v[0].kind, SJ_FIND_DEADLOCK);
	assert_int_equal(f.v[1].explained_by[0], 0);
	check_verdicts(&f);
	assert_true(strncmp(f.v[0].cause, f.v[0].verdict, strlen(f.v[0].verdict) - 1) == 0);
	assert_contains(f.v[0].verdict, "Deadlock of 4 threads in pids 100, 201 and 203: pid 100 thread "
			"_handle_results (tid 103) reads pipe:[8002]");
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* A parent stuck in a knot cannot reap: every zombie of it is a
 * consequence.  A kill aimed at the parent and the zombie's own exit are
 * records behind them; a child that exited 0 and was reaped is not. */
static void test_zombies_of_a_knot(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_journal j = { 0 };
	struct sj_findings f;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 40, 1);
	fx_pipe(p, 3, 4, 700);
	fx_read(fx_thread(p, 40, NULL), 3);
	for (pid_t z = 41; z <= 60; z++)
		fx_zombie(&s, z, 40, EXITED(z - 40));
	fx_jrecord(&j, "{\"t\":10,\"pid\":40,\"ppid\":1,\"ev\":\"start\"}");
	fx_jrecord(&j, "{\"t\":20,\"pid\":41,\"ppid\":40,\"ev\":\"exit\",\"func\":\"_exit\",\"code\":1}");
	fx_jrecord(&j, "{\"t\":30,\"pid\":40,\"ppid\":1,\"ev\":\"reap\",\"child\":61,\"status\":\"exited 0\",\"code\":0}");
	fx_jrecord(&j, "{\"t\":40,\"pid\":1,\"ppid\":0,\"ev\":\"kill\",\"func\":\"kill\",\"target\":40,\"sig\":\"SIGTERM\"}");
	analyse(&s, &j, &f);
	assert_int_equal(f.n, 22);
	assert_int_equal(f.v[0].kind, SJ_FIND_DEADLOCK);
	assert_int_equal(f.v[1].kind, SJ_FIND_BLOCKED_PIPE_READ);
	for (size_t k = 1; k < f.n; k++) {
		assert_int_equal(f.v[k].nexplained_by, 1);
		assert_int_equal(f.v[k].explained_by[0], 0);
	}
	check_verdicts(&f);
	assert_true(has_record(&f.v[0], 3));                 /* the SIGTERM sent to pid 40 */
	assert_false(has_record(&f.v[0], 2));                /* a clean reap explains nothing */
	const struct sj_finding *z41 = fx_nth(&f, SJ_FIND_ZOMBIE, 0);
	assert_true(fx_has_pid(z41, 41));
	assert_true(has_record(z41, 1));                     /* its own _exit(1) */
	sj_findings_free(&f);
	sj_journal_free(&j);
	sj_snapshot_free(&s);
}

/* ---- hand-made findings ---- */

static struct sj_finding *add(struct sj_findings *f, enum sj_finding_kind kind, const char *cause)
{
	f->v = realloc(f->v, (f->n + 1) * sizeof *f->v);
	assert_non_null(f->v);
	struct sj_finding *x = &f->v[f->n++];
	memset(x, 0, sizeof *x);
	x->kind = kind;
	x->severity = sj_kind_info(kind)->severity;
	x->cause = xstrdup(cause);
	x->advice = xstrdup("do better");
	return x;
}

static void add_pid(struct sj_finding *x, pid_t pid)
{
	x->pids = realloc(x->pids, (x->npids + 1) * sizeof *x->pids);
	assert_non_null(x->pids);
	x->pids[x->npids++] = pid;
}

static void add_evidence(struct sj_finding *x, pid_t pid, pid_t tid)
{
	x->evidence = realloc(x->evidence, (x->nevidence + 1) * sizeof *x->evidence);
	assert_non_null(x->evidence);
	x->evidence[x->nevidence++] = (struct sj_evidence){ pid, tid, xstrdup("evidence") };
	add_pid(x, pid);
}

static void add_record(struct sj_finding *x, size_t idx)
{
	x->records = realloc(x->records, (x->nrecords + 1) * sizeof *x->records);
	assert_non_null(x->records);
	x->records[x->nrecords++] = idx;
}

/* An unsafe call explains the knot of the thread its handler ran on (the
 * record's tid), not a knot of another thread of the same process. */
static void test_handler_thread_in_knot(void **state)
{
	(void)state;
	struct sj_journal j = { 0 };
	struct sj_findings f = { 0 };
	fx_jrecord(&j, "{\"t\":10,\"pid\":300,\"ppid\":1,\"tid\":302,\"ev\":\"unsafe\",\"sig\":\"SIGALRM\",\"call\":\"printf\"}");
	fx_jrecord(&j, "{\"t\":20,\"pid\":300,\"ppid\":1,\"tid\":301,\"ev\":\"unsafe\",\"sig\":\"SIGALRM\",\"call\":\"malloc\"}");
	struct sj_finding *d = add(&f, SJ_FIND_DEADLOCK, "Deadlock of 2 threads in pid 300: tid 300 waits "
				   "on private futex 0x10; tid 301 waits on private futex 0x10.");
	add_evidence(d, 300, 300);
	add_evidence(d, 300, 301);
	d->npids = 1;
	struct sj_finding *other = add(&f, SJ_FIND_SIGNAL_UNSAFE, "printf() was called once inside the "
				       "SIGALRM handler, at tick (t.c:9): printf is not async-signal-safe.");
	add_evidence(other, 300, 0);
	add_record(other, 0);
	struct sj_finding *u = add(&f, SJ_FIND_SIGNAL_UNSAFE, "malloc() was called once inside the "
				   "SIGALRM handler, at tick (t.c:7): malloc is not async-signal-safe.");
	add_evidence(u, 300, 0);
	add_record(u, 1);
	assert_int_equal(sj_explain(&f, NULL, &j), 0);
	fx_dump(&f);
	/* Roots that led somewhere first, then what they explain, then the
	 * root that stands alone. */
	assert_int_equal(f.v[0].kind, SJ_FIND_SIGNAL_UNSAFE);
	assert_contains(f.v[0].cause, "malloc()");
	assert_int_equal(f.v[1].kind, SJ_FIND_DEADLOCK);
	assert_int_equal(f.v[1].nexplained_by, 1);
	assert_int_equal(f.v[1].explained_by[0], 0);
	assert_contains(f.v[2].cause, "printf()");
	assert_int_equal(f.v[2].nexplained_by, 0);
	check_verdicts(&f);
	assert_string_equal(f.v[0].verdict, "malloc() was called once inside the SIGALRM handler, at tick "
			    "(t.c:7): malloc is not async-signal-safe; pid 300 is deadlocked.");
	assert_string_equal(f.v[2].verdict, "printf() was called once inside the SIGALRM handler, at tick "
			    "(t.c:9): printf is not async-signal-safe.");
	/* Linking again gives the same answer. */
	assert_int_equal(sj_explain(&f, NULL, &j), 0);
	assert_contains(f.v[0].cause, "malloc()");
	assert_int_equal(f.v[1].explained_by[0], 0);
	sj_findings_free(&f);
	sj_journal_free(&j);
}

/* Findings with no fact in common stay apart: every one is a root cause,
 * the more severe told first. */
static void test_unrelated_findings(void **state)
{
	(void)state;
	struct sj_findings f = { 0 };
	struct sj_finding *z = add(&f, SJ_FIND_ZOMBIE, "pid 51 is a zombie (exited 1): its parent pid 50 has not reaped it.");
	add_evidence(z, 51, 0);
	add_evidence(z, 50, 50);
	struct sj_finding *d = add(&f, SJ_FIND_DEADLOCK, "Deadlock of 1 thread in pid 60: pid 60 reads pipe:[5].");
	add_evidence(d, 60, 60);
	assert_int_equal(sj_explain(&f, NULL, NULL), 0);
	assert_int_equal(f.v[0].kind, SJ_FIND_DEADLOCK);
	assert_int_equal(f.v[1].kind, SJ_FIND_ZOMBIE);
	check_verdicts(&f);
	assert_string_equal(f.v[1].verdict, "pid 51 is a zombie (exited 1): its parent pid 50 has not reaped it.");
	sj_findings_free(&f);
}

/* A verdict is the head of a long cause, cut at its strongest clause break
 * that fits; a cause without any break is cut at 200 characters, never in
 * the middle of a UTF-8 character. */
static void test_verdict_cut(void **state)
{
	(void)state;
	char cause[1200] = "Deadlock of 9 threads in pids 1, 2 and 3: pid 1 reads pipe:[5]";
	for (int i = 0; i < 20; i++)
		strcat(cause, "; pid 2 waits on the shared semaphore /dev/shm/sem.x");
	strcat(cause, ".");
	char word[700] = "";
	for (int i = 0; i < 300; i++)
		strcat(word, i % 2 ? "x" : "\xc3\xa9");   /* é, two bytes */
	struct sj_findings f = { 0 };
	add(&f, SJ_FIND_DEADLOCK, cause);
	add(&f, SJ_FIND_QUIESCENT, word);
	assert_int_equal(sj_explain(&f, NULL, NULL), 0);
	check_verdicts(&f);
	const char *v = f.v[0].verdict;
	size_t n = strlen(v);
	assert_true(n > 100);
	assert_true(strncmp(v, cause, n - 1) == 0);
	assert_true(strncmp(cause + n - 1, "; ", 2) == 0);   /* cut at a clause break */
	v = f.v[1].verdict;
	assert_int_equal(chars(v), SJ_VERDICT_MAX);
	assert_true(strncmp(v, word, strlen(v) - 1) == 0);
	sj_findings_free(&f);
}

/* Every row of the table goes from one kind to another, and the kinds it
 * links form no cycle: a root cause always exists. */
static void test_rules_form_no_cycle(void **state)
{
	(void)state;
	int edge[SJ_FIND_KIND_COUNT][SJ_FIND_KIND_COUNT] = { { 0 } };
	enum sj_finding_kind a, b;
	size_t rows = 0;
	for (size_t i = 0; sj_explain_rule(i, &a, &b); i++, rows++) {
		assert_true(a != b);
		edge[a][b] = 1;
	}
	assert_true(rows > 5);
	/* Repeatedly remove kinds no rule leads to; all must go. */
	int gone[SJ_FIND_KIND_COUNT] = { 0 }, left = SJ_FIND_KIND_COUNT;
	for (int changed = 1; changed;) {
		changed = 0;
		for (int k = 0; k < SJ_FIND_KIND_COUNT; k++) {
			int in = 0;
			for (int m = 0; m < SJ_FIND_KIND_COUNT; m++)
				in |= !gone[m] && edge[m][k];
			if (!gone[k] && !in) {
				gone[k] = 1;
				left--;
				changed = 1;
			}
		}
	}
	assert_int_equal(left, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lost_worker_is_the_root_cause),
		cmocka_unit_test(test_killed_by_a_process),
		cmocka_unit_test(test_knot_alone_is_the_root_cause),
		cmocka_unit_test(test_zombies_of_a_knot),
		cmocka_unit_test(test_handler_thread_in_knot),
		cmocka_unit_test(test_unrelated_findings),
		cmocka_unit_test(test_verdict_cut),
		cmocka_unit_test(test_rules_form_no_cycle),
	};
	return cmocka_run_group_tests_name("analysis_explain", tests, NULL, NULL);
}
