/* test_rendezvous.c — private Unix rendezvous, SIGCHLD wakers and roles
 * (issue 12): the tree of a Pool started by multiprocessing's forkserver
 * is a knot when no process outside it could reach the forkserver's
 * listener, an "unless someone connects" note when some could, and
 * nothing when the address is open; idle servers the tree's top runs stay
 * healthy whoever could reach them. */
#include "checks.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

enum { MAIN = 100, TRACKER = 101, FS = 102, W1 = 201, W2 = 202 };
enum {
	P_IN = 11, P_OUT = 10, P_NOTE = 12, P_SENT1 = 13, P_SENT2 = 14, P_TRACK = 15, P_ALIVE = 16,
	P_SIG = 17, S_LISTEN = 30,
};
#define LISTENER "/tmp/pymp-abc/sock-0123"
#define SEM "/dev/shm/sem.mp-abc"

static const uint64_t chld = 1ULL << (SIGCHLD - 1);

static void worker(struct sj_snapshot *s, pid_t pid)
{
	struct sj_process *w = fx_proc(s, pid, FS);
	fx_pipe(w, 15, -1, P_IN);
	fx_pipe(w, -1, 18, P_OUT);
	fx_pipe(w, -1, 14, P_TRACK);
	fx_pipe(w, -1, 13, P_ALIVE);
	fx_map(w, 0x7000, 0x8000, 0, "rw-s", 900, SEM);
	struct sj_thread *t = fx_thread(w, pid, "python3.14");
	if (pid == W1)
		fx_read(t, 15);           /* holds the inqueue's read lock */
	else
		fx_futex(t, 0x7010, 0);   /* waits for that lock */
}

/* multiprocessing.Pool(2) under the forkserver, a task lost with its
 * worker: main 100 (result, worker and task handlers), the resource
 * tracker 101, the forkserver 102 (epoll on its SIGCHLD self-pipe, its
 * listener and its alive pipe) and workers 201, 202, its children. */
static void forkserver_pool(struct sj_snapshot *s, enum sj_reach reach)
{
	fx_init(s);
	struct sj_process *m = fx_proc(s, MAIN, 1);
	fx_pipe(m, 3, 4, P_IN);
	fx_pipe(m, 5, 7, P_OUT);
	fx_pipe(m, 8, 9, P_NOTE);
	fx_pipe(m, 12, -1, P_SENT1);
	fx_pipe(m, 16, -1, P_SENT2);
	fx_pipe(m, -1, 6, P_TRACK);
	fx_pipe(m, -1, 13, P_ALIVE);
	fx_map(m, 0x7000, 0x8000, 0, "rw-s", 900, SEM);
	fx_futex(fx_thread(m, MAIN, "MainThread"), 0x1000, 1);
	static const int pfds[] = { 16, 12, 5, 8 }, pdirs[] = { 0, 0, 0, 0 };
	fx_poll(fx_thread(m, 103, "_handle_workers"), 4, pfds, pdirs);
	fx_futex(fx_thread(m, 104, "_handle_tasks"), 0x2000, 1);
	fx_read(fx_thread(m, 105, "_handle_results"), 5);

	struct sj_process *tr = fx_proc(s, TRACKER, MAIN);
	fx_argv(tr, "python3.14 -c from multiprocessing.resource_tracker import main;main(5)");
	fx_pipe(tr, 5, -1, P_TRACK);
	fx_read(fx_thread(tr, TRACKER, NULL), 5);

	struct sj_process *fs = fx_proc(s, FS, MAIN);
	fx_argv(fs, "python3.14 -c from multiprocessing.forkserver import main; main(11, 12)");
	fs->sig_caught = chld;
	fx_pipe(fs, 4, 5, P_SIG);
	fx_bound(fs, 11, S_LISTEN, SOCK_STREAM, LISTENER, reach);
	fx_pipe(fs, 12, -1, P_ALIVE);
	fx_pipe(fs, -1, 9, P_SENT1);
	fx_pipe(fs, -1, 10, P_SENT2);
	static const int efds[] = { 4, 11, 12 }, edirs[] = { 0, 0, 0 };
	fx_poll(fx_thread(fs, FS, NULL), 3, efds, edirs);

	worker(s, W1);
	worker(s, W2);
}

static int has_assumption(const struct sj_finding *f, const char *text)
{
	for (size_t i = 0; i < f->nassumptions; i++)
		if (strstr(f->assumptions[i], text))
			return 1;
	return 0;
}

static void test_forkserver_pool_proved(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	forkserver_pool(&s, SJ_REACH_TREE);
	analyse(&s, NULL, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_DEADLOCK), 1);
	const struct sj_finding *d = fx_nth(&f, SJ_FIND_DEADLOCK, 0);
	static const pid_t all[] = { MAIN, TRACKER, FS, W1, W2 };
	assert_int_equal(d->npids, 5);
	for (size_t i = 0; i < 5; i++)
		assert_true(fx_has_pid(d, all[i]));
	assert_int_equal(d->nassumptions, 1);
	assert_true(has_assumption(d, "no process outside the tree connects to " LISTENER));
	assert_contains(evidence_of(d, FS, 0),
			"multiprocessing's forkserver: it forked and reaps pids 201 and 202 and reports "
			"their exit to pid 100 over pipe:[13] and pipe:[14] (only it writes them)");
	assert_contains(evidence_of(d, TRACKER, 0),
			"multiprocessing's resource tracker: it reads pipe:[15] until every holder of its "
			"write end (pids 100, 201 and 202) has closed it");
	assert_contains(evidence_of(d, FS, FS), "socket:[30] listening at " LISTENER " (fd 11)");
	assert_true(fx_has_edge(d, FS, MAIN, "connect " LISTENER));
	assert_true(fx_has_edge(d, FS, W1, "SIGCHLD"));
	/* the tracker's read is no Pool result pipe: the plain pipe advice */
	for (size_t i = 0; i < fx_count(&f, SJ_FIND_BLOCKED_PIPE_READ); i++) {
		const struct sj_finding *r = fx_nth(&f, SJ_FIND_BLOCKED_PIPE_READ, i);
		if (fx_has_pid(r, TRACKER) && r->evidence[0].pid == TRACKER)
			assert_not_contains(r->advice, "multiprocessing.Pool parent");
	}
	assert_int_equal(fx_count(&f, SJ_FIND_QUIESCENT), 0);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* Processes outside the tree could connect: no proof, a note that says
 * what would make it one. */
static void test_forkserver_pool_reachable(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	forkserver_pool(&s, SJ_REACH_OUTSIDE);
	analyse(&s, NULL, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_DEADLOCK), 0);
	assert_int_equal(fx_count(&f, SJ_FIND_BLOCKED_PIPE_READ), 0);
	assert_int_equal(fx_count(&f, SJ_FIND_QUIESCENT), 1);
	const struct sj_finding *q = fx_nth(&f, SJ_FIND_QUIESCENT, 0);
	assert_int_equal(q->severity, SJ_SEV_NOTE);
	assert_contains(q->cause, "Pids 100, 101, 102, 201 and 202 are deadlocked unless a process outside "
			"the tree connects to " LISTENER ", which 3 processes outside it could (e.g. pid 77)");
	assert_contains(q->verdict, "deadlocked unless a process outside the tree connects to");
	assert_int_equal(q->nassumptions, 0);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* Not judged (an abstract name, a relative path, a link on the way): the
 * listener takes anyone; nothing at all is said. */
static void test_forkserver_pool_unchecked(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	forkserver_pool(&s, SJ_REACH_UNCHECKED);
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 0);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* One worker still computes: everything it could wake is not stuck. */
static void test_forkserver_pool_busy(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	forkserver_pool(&s, SJ_REACH_TREE);
	fx_running(&sj_snapshot_proc(&s, W2)->threads[0]);
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 0);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* A worker the forkserver has not reaped yet is attributed to it. */
static void test_zombie_under_forkserver(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	forkserver_pool(&s, SJ_REACH_TREE);
	fx_zombie(&s, 203, FS, 9);
	analyse(&s, NULL, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_ZOMBIE), 1);
	assert_contains(fx_nth(&f, SJ_FIND_ZOMBIE, 0)->cause,
			"its parent pid 102 (multiprocessing's forkserver) has not reaped it");
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* A worker the forkserver forked died and the forkserver reaped it: the
 * lost worker names the forkserver and the process that waits (main), and
 * so does its verdict. */
static void test_lost_worker_under_forkserver(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_journal j = { 0 };
	struct sj_findings f;
	forkserver_pool(&s, SJ_REACH_TREE);
	fx_jrecord(&j, "{\"t\":1000000000,\"pid\":100,\"ppid\":7,\"ev\":\"start\"}");
	fx_jrecord(&j, "{\"t\":1100000000,\"pid\":102,\"ppid\":100,\"ev\":\"start\"}");
	fx_jrecord(&j, "{\"t\":1200000000,\"pid\":102,\"ppid\":100,\"ev\":\"fork\",\"child\":203}");
	fx_jrecord(&j, "{\"t\":2200000000,\"pid\":102,\"ppid\":100,\"ev\":\"reap\",\"child\":203,"
		   "\"status\":\"killed by SIGKILL\",\"sig\":\"SIGKILL\"}");
	analyse(&s, &j, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_LOST_WORKER), 1);
	const struct sj_finding *l = fx_nth(&f, SJ_FIND_LOST_WORKER, 0);
	assert_contains(l->cause, "worker pid 203 was killed by SIGKILL");
	assert_contains(l->cause, "while pid 100, to which its parent pid 102 (multiprocessing's forkserver) "
			"reports its exit, still waits for results");
	assert_true(fx_has_pid(l, 100) && fx_has_pid(l, 102) && fx_has_pid(l, 203));
	assert_contains(evidence_of(l, FS, 0), "multiprocessing's forkserver: it forked and reaps");
	assert_contains(l->verdict, "worker pid 203 was killed by SIGKILL; pid 100 waits for its result for ever "
			"(pid 102, its parent, reaped it)");
	sj_findings_free(&f);
	sj_journal_free(&j);
	sj_snapshot_free(&s);
}

/* Idle servers: the tree's top waits for clients at an address nobody
 * else could reach (a server alone in a container), with or without a
 * worker waiting for its jobs.  A front door, not a rendezvous. */
static void test_idle_server_top(void **state)
{
	(void)state;
	for (int type = 0; type < 2; type++)
		for (int with_worker = 0; with_worker < 2; with_worker++) {
			struct sj_snapshot s;
			struct sj_findings f;
			fx_init(&s);
			struct sj_process *sv = fx_proc(&s, 10, 1);
			fx_bound(sv, 3, 40, type ? SOCK_DGRAM : SOCK_STREAM, "/run/app/app.sock", SJ_REACH_TREE);
			struct sj_thread *t = fx_thread(sv, 10, "server");
			if (type)
				fx_read(t, 3);
			else
				fx_accept(t, 3);
			if (with_worker) {
				fx_pipe(sv, -1, 5, 41);
				struct sj_process *w = fx_proc(&s, 11, 10);
				fx_pipe(w, 4, -1, 41);
				fx_read(fx_thread(w, 11, "worker"), 4);
			}
			analyse(&s, NULL, &f);
			assert_int_equal(f.n, 0);
			sj_findings_free(&f);
			sj_snapshot_free(&s);
		}
}

/* A helper the top started waits on a private listener the top does not
 * hold, while the top waits for it: a knot under the assumption; and once
 * the path names another file, a knot with nothing assumed. */
static void test_helper_listener(void **state)
{
	(void)state;
	for (int gone = 0; gone < 2; gone++) {
		struct sj_snapshot s;
		struct sj_findings f;
		fx_init(&s);
		struct sj_process *top = fx_proc(&s, 10, 1);
		fx_pipe(top, 3, -1, 50);
		fx_read(fx_thread(top, 10, "client"), 3);
		struct sj_process *h = fx_proc(&s, 11, 10);
		fx_pipe(h, -1, 4, 50);
		fx_bound(h, 5, 51, SOCK_STREAM, "/tmp/d/s", gone ? SJ_REACH_GONE : SJ_REACH_TREE);
		fx_accept(fx_thread(h, 11, "helper"), 5);
		analyse(&s, NULL, &f);
		assert_int_equal(fx_count(&f, SJ_FIND_DEADLOCK), 1);
		const struct sj_finding *d = fx_nth(&f, SJ_FIND_DEADLOCK, 0);
		assert_int_equal(d->nassumptions, gone ? 0 : 1);
		assert_contains(evidence_of(d, 11, 11), "accepts on socket:[51] listening at /tmp/d/s (fd 5)");
		sj_findings_free(&f);
		sj_snapshot_free(&s);
	}
}

/* A process that catches SIGCHLD and waits on a pipe only it writes (its
 * self-pipe) is woken by its child's exit: not stuck while the child runs
 * or could; stuck with it when the child is stuck too. */
static void test_sigchld_self_pipe(void **state)
{
	(void)state;
	for (int k = 0; k < 3; k++) {
		struct sj_snapshot s;
		struct sj_findings f;
		fx_init(&s);
		struct sj_process *p = fx_proc(&s, 10, 1);
		fx_pipe(p, 3, 4, 60);
		fx_read(fx_thread(p, 10, "parent"), 3);
		p->sig_caught = k == 0 ? 0 : chld;
		struct sj_process *c = fx_proc(&s, 11, 10);
		struct sj_thread *ct = fx_thread(c, 11, "child");
		if (k == 2) {
			fx_pipe(c, 5, -1, 61);
			fx_pipe(p, -1, 6, 61);
			fx_read(ct, 5);
		} else {
			fx_running(ct);
		}
		analyse(&s, NULL, &f);
		/* k 0: no handler, the parent's read is a knot of its own */
		assert_int_equal(fx_count(&f, SJ_FIND_DEADLOCK), k == 1 ? 0 : 1);
		if (k == 2) {
			const struct sj_finding *d = fx_nth(&f, SJ_FIND_DEADLOCK, 0);
			assert_true(fx_has_pid(d, 11));
			assert_true(fx_has_edge(d, 10, 11, "SIGCHLD"));
		}
		sj_findings_free(&f);
		sj_snapshot_free(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forkserver_pool_proved),
		cmocka_unit_test(test_forkserver_pool_reachable),
		cmocka_unit_test(test_forkserver_pool_unchecked),
		cmocka_unit_test(test_forkserver_pool_busy),
		cmocka_unit_test(test_zombie_under_forkserver),
		cmocka_unit_test(test_lost_worker_under_forkserver),
		cmocka_unit_test(test_idle_server_top),
		cmocka_unit_test(test_helper_listener),
		cmocka_unit_test(test_sigchld_self_pipe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
