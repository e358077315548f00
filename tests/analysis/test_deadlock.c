/* test_deadlock.c — knots of the wait-for graph on hand-made snapshots:
 * deadlocks, blocked pipe reads, and the shapes that must give nothing. */
#include "checks.h"

#include <fcntl.h>

/* ---- a two-process pipe cycle ---- */

/* pid 10 reads pipe 100 (written by 11), pid 11 reads pipe 101 (written by
 * 10); each closed the ends it does not use. */
static void two_cycle(struct sj_snapshot *s, pid_t a, pid_t b, uint64_t pa, uint64_t pb)
{
	struct sj_process *A = fx_proc(s, a, 1), *B = fx_proc(s, b, a);
	fx_pipe(A, 3, -1, pa);
	fx_pipe(A, -1, 6, pb);
	fx_pipe(B, -1, 4, pa);
	fx_pipe(B, 5, -1, pb);
	fx_read(fx_thread(A, a, "ping"), 3);
	fx_read(fx_thread(B, b, "pong"), 5);
}

static void test_two_process_pipe_cycle(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	two_cycle(&s, 10, 11, 100, 101);
	analyse(&s, NULL, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_DEADLOCK), 1);
	const struct sj_finding *d = fx_nth(&f, SJ_FIND_DEADLOCK, 0);
	assert_int_equal(d->severity, SJ_SEV_ERROR);
	assert_contains(d->cause, "pid 10 reads pipe:[100]");
	assert_contains(d->cause, "its only writer is pid 11");
	assert_contains(d->cause, "pid 11 reads pipe:[101], which only pid 10 would write to");
	assert_int_equal(d->npids, 2);
	assert_true(fx_has_pid(d, 10) && fx_has_pid(d, 11));
	assert_int_equal(d->npipes, 2);
	assert_true(fx_has_pipe(d, 100) && fx_has_pipe(d, 101));
	assert_true(fx_has_edge(d, 10, 11, "pipe:[100]"));
	assert_true(fx_has_edge(d, 11, 10, "pipe:[101]"));
	assert_int_equal(d->nedges, 2);
	assert_contains(evidence_of(d, 10, 10), "reads pipe:[100] (fd 3)");
	assert_contains(evidence_of(d, 11, 11), "reads pipe:[101] (fd 5)");
	/* Both readers are knot members stuck in a pipe read. */
	assert_int_equal(fx_count(&f, SJ_FIND_BLOCKED_PIPE_READ), 2);
	assert_int_equal(fx_count(&f, SJ_FIND_QUIESCENT), 0);
	assert_int_equal(f.n, 3);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

static void test_two_separate_knots(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	two_cycle(&s, 20, 21, 200, 201);
	two_cycle(&s, 10, 11, 100, 101);
	analyse(&s, NULL, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_DEADLOCK), 2);
	/* Sorted by pid whatever the snapshot order. */
	const struct sj_finding *a = fx_nth(&f, SJ_FIND_DEADLOCK, 0), *b = fx_nth(&f, SJ_FIND_DEADLOCK, 1);
	assert_int_equal(a->npids, 2);
	assert_true(fx_has_pid(a, 10) && fx_has_pid(a, 11));
	assert_true(fx_has_pipe(a, 100) && !fx_has_pipe(a, 200));
	assert_int_equal(b->npids, 2);
	assert_true(fx_has_pid(b, 20) && fx_has_pid(b, 21));
	assert_contains(b->cause, "pid 20 reads pipe:[200]");
	assert_not_contains(b->cause, "pid 10");
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* One party of the cycle is running: it may still write, nothing is stuck. */
static void test_cycle_with_running_writer(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	two_cycle(&s, 10, 11, 100, 101);
	fx_running(&s.procs[1].threads[0]);
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 0);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* ---- the seed-002 multiprocessing.Pool hang ---- */

#define SEM_ADDR 0x7f0000000000ull
enum { PARENT = 100, W1 = 200, W2 = 201 };
enum { INQ = 8001, OUTQ = 8002, CHANGE = 8003, SENT1 = 9001, SENT2 = 9002, SEM_INODE = 555 };

/* Every process of the pool holds both ends of the three queue pipes (the
 * workers inherited them by fork) and maps the inqueue lock's semaphore. */
static void pool_common_fds(struct sj_process *p)
{
	fx_pipe(p, 3, 4, INQ);
	fx_pipe(p, 5, 6, OUTQ);
	fx_pipe(p, 7, 8, CHANGE);
	fx_map(p, SEM_ADDR, SEM_ADDR + 0x1000, 0, "rw-s", SEM_INODE, "/dev/shm/sem.mp-x1y2 (deleted)");
}

static void pool(struct sj_snapshot *s, int w2_running)
{
	struct sj_process *p = fx_proc(s, PARENT, 1);
	pool_common_fds(p);
	fx_pipe(p, 10, -1, SENT1);
	fx_pipe(p, 12, -1, SENT2);
	struct sj_thread *t = fx_thread(p, 100, "python3");
	fx_pyname(t, "MainThread");
	fx_futex(t, 0x55550000, 1);
	fx_pyframe(t, "Event.wait", "/usr/lib/python3.11/threading.py", 622);
	t = fx_thread(p, 101, "python3");
	fx_pyname(t, "Thread-1 (_handle_workers)");
	fx_poll(t, 3, (int[]){ 10, 12, 7 }, (int[]){ 0, 0, 0 });
	t = fx_thread(p, 102, "python3");
	fx_pyname(t, "Thread-2 (_handle_tasks)");
	fx_futex(t, 0x55551000, 1);
	t = fx_thread(p, 103, "python3");
	fx_pyname(t, "Thread-3 (_handle_results)");
	fx_read(t, 5);
	fx_pyframe(t, "Connection._recv", "/usr/lib/python3.11/multiprocessing/connection.py", 384);

	struct sj_process *w1 = fx_proc(s, W1, PARENT);
	pool_common_fds(w1);
	fx_pipe(w1, -1, 11, SENT1);
	t = fx_thread(w1, W1, "python3");
	fx_pyname(t, "MainThread");
	fx_read(t, 3);   /* holds inqueue._rlock, reads the task pipe */

	struct sj_process *w2 = fx_proc(s, W2, PARENT);
	pool_common_fds(w2);
	fx_pipe(w2, 10, -1, SENT1);   /* forked after w1: inherited its sentinel */
	fx_pipe(w2, -1, 13, SENT2);
	t = fx_thread(w2, W2, "python3");
	fx_pyname(t, "MainThread");
	if (w2_running)
		fx_running(t);
	else
		fx_futex(t, SEM_ADDR + 0x10, 0);   /* waits for inqueue._rlock */
}

static void test_pool_hang(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	pool(&s, 0);
	analyse(&s, NULL, &f);

	assert_int_equal(fx_count(&f, SJ_FIND_DEADLOCK), 1);
	const struct sj_finding *d = fx_nth(&f, SJ_FIND_DEADLOCK, 0);
	assert_int_equal(d->npids, 3);
	assert_true(fx_has_pid(d, PARENT) && fx_has_pid(d, W1) && fx_has_pid(d, W2));
	assert_int_equal(d->nevidence, 6);   /* the whole tree: 4 + 1 + 1 threads */
	assert_contains(d->cause, "Deadlock of 6 threads in pids 100, 200 and 201");
	assert_contains(d->cause, "pid 100 thread _handle_results (tid 103) reads pipe:[8002]");
	assert_contains(d->cause, "its writers are pid 100 itself and pids 200 and 201");
	assert_contains(d->cause, "the shared semaphore /dev/shm/sem.mp-x1y2");
	assert_contains(d->cause, "MainThread (tid 100) waits on private futex");
	assert_contains(d->cause, "_handle_workers (tid 101) polls pipe:[9001], pipe:[9002], pipe:[8003]");
	assert_true(fx_has_pipe(d, OUTQ) && fx_has_pipe(d, INQ) && fx_has_pipe(d, SENT2));
	assert_true(fx_has_edge(d, W2, PARENT, "/dev/shm/sem.mp-x1y2"));
	assert_true(fx_has_edge(d, PARENT, W1, "pipe:[8002]"));
	assert_true(fx_has_edge(d, PARENT, PARENT, "pipe:[8002]"));
	assert_contains(evidence_of(d, PARENT, 103),
			"_handle_results: reads pipe:[8002] (fd 5) in Connection._recv (connection.py:384)");
	assert_contains(d->advice, "ProcessPoolExecutor");
	/* The Python frames became SARIF locations. */
	assert_true(d->nlocations >= 2);

	/* The result pipe: the parent keeps its write end itself. */
	assert_int_equal(fx_count(&f, SJ_FIND_BLOCKED_PIPE_READ), 2);
	const struct sj_finding *r = fx_nth(&f, SJ_FIND_BLOCKED_PIPE_READ, 0);
	assert_contains(r->cause, "pid 100 thread _handle_results (tid 103) is blocked reading pipe:[8002] (fd 5)");
	assert_contains(r->cause, "pid 100 itself and pids 200 and 201");
	assert_contains(r->cause, "the reader's own process keeps a write end open");
	assert_contains(r->cause, "multiprocessing.Pool result pipe case");
	assert_true(fx_has_edge(r, PARENT, PARENT, "pipe:[8002]"));
	assert_true(fx_has_edge(r, PARENT, W2, "pipe:[8002]"));
	assert_contains(evidence_of(r, PARENT, 100), "MainThread: holds a write end; waits on private futex");
	assert_contains(evidence_of(r, W2, W2), "holds a write end; waits on the shared semaphore");
	/* The worker holding the lock reads the task pipe nobody feeds. */
	const struct sj_finding *r2 = fx_nth(&f, SJ_FIND_BLOCKED_PIPE_READ, 1);
	assert_contains(r2->cause, "pid 200 is blocked reading pipe:[8001] (fd 3)");
	assert_int_equal(fx_count(&f, SJ_FIND_QUIESCENT), 0);
	assert_int_equal(f.n, 3);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* The same pool with one worker computing: a healthy pool, nothing at all. */
static void test_pool_working(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	pool(&s, 1);
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 0);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* A worker sleeping (time.sleep in a task) will wake by itself. */
static void test_pool_worker_sleeping(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	pool(&s, 0);
	fx_sleep(&s.procs[2].threads[0]);
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 0);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* Nobody but the waiters maps the semaphore: still a knot, and the
 * sentence says no one else could post it. */
static void test_shared_semaphore_knot(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	for (pid_t pid = 300; pid <= 301; pid++) {
		struct sj_process *p = fx_proc(&s, pid, 1);
		fx_map(p, SEM_ADDR, SEM_ADDR + 0x1000, 0, "rw-s", 777, "/dev/shm/sem.lockx");
		fx_futex(fx_thread(p, pid, NULL), SEM_ADDR + 8, 0);
	}
	analyse(&s, NULL, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_DEADLOCK), 1);
	const struct sj_finding *d = fx_nth(&f, SJ_FIND_DEADLOCK, 0);
	assert_contains(d->cause, "pid 300 waits on the shared semaphore /dev/shm/sem.lockx; it is mapped by pids 300 and 301");
	assert_contains(d->cause, "pid 301 waits on the shared semaphore /dev/shm/sem.lockx, which no other process could post");
	sj_findings_free(&f);
	sj_snapshot_free(&s);

	/* A third process maps it at another address and offset and runs. */
	fx_init(&s);
	for (pid_t pid = 300; pid <= 301; pid++) {
		struct sj_process *p = fx_proc(&s, pid, 1);
		fx_map(p, SEM_ADDR, SEM_ADDR + 0x1000, 0x2000, "rw-s", 777, "/dev/shm/sem.lockx");
		fx_futex(fx_thread(p, pid, NULL), SEM_ADDR + 8, 0);
	}
	struct sj_process *q = fx_proc(&s, 302, 1);
	fx_map(q, 0x10000, 0x14000, 0, "rw-s", 777, "/dev/shm/sem.lockx");
	fx_running(fx_thread(q, 302, NULL));
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 0);
	sj_findings_free(&f);
	sj_snapshot_free(&s);

	/* ...but a process mapping a different page of the file cannot post. */
	fx_init(&s);
	for (pid_t pid = 300; pid <= 301; pid++) {
		struct sj_process *p = fx_proc(&s, pid, 1);
		fx_map(p, SEM_ADDR, SEM_ADDR + 0x1000, 0x2000, "rw-s", 777, "/dev/shm/sem.lockx");
		fx_futex(fx_thread(p, pid, NULL), SEM_ADDR + 8, 0);
	}
	q = fx_proc(&s, 302, 1);
	fx_map(q, 0x10000, 0x11000, 0, "rw-s", 777, "/dev/shm/sem.lockx");
	fx_running(fx_thread(q, 302, NULL));
	analyse(&s, NULL, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_DEADLOCK), 1);
	assert_false(fx_has_pid(fx_nth(&f, SJ_FIND_DEADLOCK, 0), 302));
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* ---- one-thread deadlock: fork while another thread held a lock ---- */

static void test_fork_while_locked(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 30, 29);
	struct sj_thread *t = fx_thread(p, 30, "child");
	fx_futex(t, 0x7ffff7a00000ull, 1);
	fx_frame(t, "__lll_lock_wait_private", "/usr/lib/x86_64-linux-gnu/libc.so.6", NULL, 0);
	fx_frame(t, "log_line", "/tmp/prog", "/tmp/prog.c", 42);
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 1);
	const struct sj_finding *d = fx_nth(&f, SJ_FIND_DEADLOCK, 0);
	assert_non_null(d);
	assert_contains(d->cause, "pid 30 waits on private futex 0x7ffff7a00000 with no timeout");
	assert_contains(d->cause, "only thread of its process");
	assert_contains(d->cause, "forked");
	assert_contains(d->advice, "posix_spawn");
	assert_int_equal(d->nedges, 0);
	/* The innermost frame outside libc is where to look. */
	assert_contains(evidence_of(d, 30, 30), "waits on private futex 0x7ffff7a00000 in log_line (prog.c:42)");
	assert_int_equal(d->nlocations, 1);
	assert_string_equal(d->locations[0].file, "/tmp/prog.c");
	assert_int_equal(d->locations[0].line, 42);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* The same wait with a live sibling that is running: the lock may be released. */
static void test_private_futex_with_running_sibling(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 30, 29);
	fx_futex(fx_thread(p, 30, NULL), 0x1000, 1);
	fx_running(fx_thread(p, 31, NULL));
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 0);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* Two threads of one process waiting on each other's locks (AB-BA). */
static void test_two_thread_lock_cycle(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 30, 29);
	fx_futex(fx_thread(p, 30, "main"), 0x1000, 1);
	fx_futex(fx_thread(p, 31, "worker"), 0x2000, 1);
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 1);
	const struct sj_finding *d = fx_nth(&f, SJ_FIND_DEADLOCK, 0);
	assert_contains(d->cause, "Deadlock of 2 threads in pid 30");
	assert_contains(d->cause, "only the other threads of pid 30 could release it");
	assert_contains(d->cause, "worker (tid 31) waits on private futex 0x2000");
	assert_true(fx_has_edge(d, 30, 30, "futex 0x1000 (private)"));
	assert_int_equal(d->edges[0].to_tid, 31);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* ---- child waits ---- */

/* The classic: the parent kept the write end of the pipe it feeds the child
 * and waits for the child, which reads until EOF. */
static void test_wait4_on_reader_child(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 50, 1), *c = fx_proc(&s, 52, 50);
	fx_pipe(p, -1, 4, 500);
	fx_pipe(c, 3, -1, 500);
	fx_child(fx_thread(p, 50, NULL), -1);
	fx_read(fx_thread(c, 52, NULL), 3);
	analyse(&s, NULL, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_DEADLOCK), 1);
	const struct sj_finding *d = fx_nth(&f, SJ_FIND_DEADLOCK, 0);
	assert_contains(d->cause, "pid 50 waits for child pid 52");
	assert_contains(d->cause, "pid 52 reads pipe:[500], which only pid 50 would write to");
	assert_true(fx_has_edge(d, 50, 52, "wait4(52)"));
	assert_true(fx_has_edge(d, 52, 50, "pipe:[500]"));
	const struct sj_finding *r = fx_nth(&f, SJ_FIND_BLOCKED_PIPE_READ, 0);
	assert_non_null(r);
	assert_contains(r->cause, "pid 52 is blocked reading pipe:[500] (fd 3)");
	assert_not_contains(r->cause, "own process");
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* wait4 on a child that is already a zombie: satisfiable, not blocked, and
 * the zombie is being reaped right now. */
static void test_wait4_on_zombie(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 50, 1);
	fx_zombie(&s, 51, 50, 3 << 8);
	fx_child(fx_thread(p, 50, NULL), 51);
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 0);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* ---- idle, healthy, or outside: nothing ---- */

static void expect_nothing(struct sj_snapshot *s)
{
	struct sj_findings f;
	analyse(s, NULL, &f);
	assert_int_equal(f.n, 0);
	sj_findings_free(&f);
	sj_snapshot_free(s);
}

static void test_sleep(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	fx_sleep(fx_thread(fx_proc(&s, 70, 1), 70, NULL));
	expect_nothing(&s);
}

static void test_busy_loop(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	fx_running(fx_thread(fx_proc(&s, 70, 1), 70, NULL));
	expect_nothing(&s);
}

static void test_accept_listening_socket(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 70, 1);
	fx_fd(p, 3, SJ_FDK_SOCKET, 4242, O_RDWR);
	fx_accept(fx_thread(p, 70, NULL), 3);
	expect_nothing(&s);
}

static void test_epoll_with_timeout(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 70, 1);
	fx_pipe(p, 3, -1, 900);   /* a pipe nobody else writes: only the timeout ends it */
	struct sj_thread *t = fx_thread(p, 70, NULL);
	fx_poll(t, 1, (int[]){ 3 }, NULL);
	fx_timeout(t, 5000000000);
	struct sj_process *w = fx_proc(&s, 71, 70);
	fx_pipe(w, -1, 4, 900);
	fx_futex(fx_thread(w, 71, NULL), 0x1000, 1);   /* stuck for good, alone */
	struct sj_findings f;
	analyse(&s, NULL, &f);
	/* The poller times out by itself: only the child's own lock is a knot. */
	assert_int_equal(f.n, 1);
	assert_int_equal(fx_nth(&f, SJ_FIND_DEADLOCK, 0)->npids, 1);
	assert_true(fx_has_pid(fx_nth(&f, SJ_FIND_DEADLOCK, 0), 71));
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

static void test_read_socket(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 70, 1);
	fx_fd(p, 3, SJ_FDK_SOCKET, 4242, O_RDWR);
	fx_read(fx_thread(p, 70, NULL), 3);
	expect_nothing(&s);
}

static void test_pipe_writer_outside(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 70, 1);
	fx_pipe(p, 0, -1, 901);   /* `cat` fed by a shell we did not capture */
	fx_read(fx_thread(p, 70, NULL), 0);
	expect_nothing(&s);
}

/* An idle pre-fork server: the parent polls the listening socket and its
 * workers' status pipes with no timeout, the workers block in accept. */
static void test_idle_prefork_server(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 80, 1);
	fx_fd(p, 3, SJ_FDK_SOCKET, 5000, O_RDWR);
	fx_pipe(p, 4, -1, 950);
	fx_poll(fx_thread(p, 80, NULL), 2, (int[]){ 3, 4 }, NULL);
	for (pid_t w = 81; w <= 82; w++) {
		struct sj_process *c = fx_proc(&s, w, 80);
		fx_fd(c, 3, SJ_FDK_SOCKET, 5000, O_RDWR);
		fx_pipe(c, -1, 5, 950);
		fx_accept(fx_thread(c, w, NULL), 3);
	}
	expect_nothing(&s);
}

/* A pipeline a | b | c where c still computes: a and b wait, correctly. */
static void test_pipeline_waiting_for_input(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	struct sj_process *a = fx_proc(&s, 90, 1), *b = fx_proc(&s, 91, 1), *c = fx_proc(&s, 92, 1);
	fx_pipe(a, 0, -1, 960);
	fx_pipe(b, -1, 1, 960);
	fx_pipe(b, 0, -1, 961);
	fx_pipe(c, -1, 1, 961);
	fx_read(fx_thread(a, 90, NULL), 0);
	fx_read(fx_thread(b, 91, NULL), 0);
	fx_running(fx_thread(c, 92, NULL));
	expect_nothing(&s);
}

static void test_futex_with_timeout(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	struct sj_thread *t = fx_thread(fx_proc(&s, 70, 1), 70, NULL);
	fx_futex(t, 0x1000, 1);
	fx_timeout(t, 100000000);
	expect_nothing(&s);
}

/* ---- writes and RDWR ends ---- */

/* A parent writing to a full pipe whose only reader waits for the parent. */
static void test_full_pipe_write(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 60, 1), *c = fx_proc(&s, 61, 60);
	fx_pipe(p, -1, 4, 600);
	fx_pipe(c, 3, -1, 600);
	fx_pipe(c, -1, 6, 601);
	fx_pipe(p, 5, -1, 601);
	fx_write(fx_thread(p, 60, NULL), 4);
	fx_write(fx_thread(c, 61, NULL), 6);
	analyse(&s, NULL, &f);
	assert_int_equal(f.n, 1);
	const struct sj_finding *d = fx_nth(&f, SJ_FIND_DEADLOCK, 0);
	assert_contains(d->cause, "pid 60 writes to pipe:[600]; its only reader is pid 61");
	assert_contains(d->cause, "pid 61 writes to pipe:[601], which only pid 60 would read from");
	assert_contains(evidence_of(d, 60, 60), "writes to pipe:[600] (fd 4), which is full");
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

static void test_pipe_table(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_pipe_table t;
	fx_init(&s);
	struct sj_process *a = fx_proc(&s, 10, 1), *b = fx_proc(&s, 11, 10);
	fx_pipe(a, 3, 4, 77);
	fx_fd(b, 5, SJ_FDK_FIFO, 77, O_RDWR);   /* a FIFO whose inode collides */
	fx_pipe(b, -1, 6, 77);
	fx_fd(b, 7, SJ_FDK_SOCKET, 78, O_RDWR);
	assert_int_equal(sj_pipe_table_build(&s, &t), 0);
	assert_int_equal(t.n, 2);
	const struct sj_pipe *p = sj_pipe_table_find(&t, 77);
	assert_non_null(p);
	assert_int_equal(p->kind, SJ_FDK_PIPE);
	assert_int_equal(p->nreaders, 1);
	assert_int_equal(p->nwriters, 2);
	assert_int_equal(p->writers[1].pid, 11);
	const struct sj_pipe *fifo = sj_pipe_table_find_kind(&t, SJ_FDK_FIFO, 77);
	assert_non_null(fifo);
	assert_int_equal(fifo->nreaders, 1);
	assert_int_equal(fifo->nwriters, 1);
	assert_null(sj_pipe_table_find(&t, 78));
	sj_pipe_table_free(&t);
	sj_snapshot_free(&s);
}

/* A FIFO opened O_RDWR by the reader itself: it is its own writer. */
static void test_rdwr_fifo_self_writer(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 40, 1);
	fx_fd(p, 3, SJ_FDK_FIFO, 4000, O_RDWR);
	fx_read(fx_thread(p, 40, NULL), 3);
	analyse(&s, NULL, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_DEADLOCK), 1);
	const struct sj_finding *r = fx_nth(&f, SJ_FIND_BLOCKED_PIPE_READ, 0);
	assert_non_null(r);
	assert_contains(r->cause, "fifo:[4000]");
	assert_contains(r->cause, "the reader's own process is the only writer");
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

static void test_wait_describe(void **state)
{
	(void)state;
	struct sj_snapshot s;
	char buf[256];
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 10, 1);
	fx_pipe(p, 3, -1, 8493);
	struct sj_thread *t = fx_thread(p, 10, NULL);
	fx_read(t, 3);
	size_t n = sj_wait_describe(&s, p, t, buf, sizeof buf);
	assert_string_equal(buf, "reads pipe:[8493] (fd 3)");
	assert_int_equal(n, strlen(buf));
	fx_sleep(t);
	sj_wait_describe(&s, p, t, buf, sizeof buf);
	assert_string_equal(buf, "sleeps");
	fx_running(t);
	sj_wait_describe(&s, p, t, buf, sizeof buf);
	assert_string_equal(buf, "is running");
	fx_futex(t, 0x1000, 1);
	fx_timeout(t, 1500000000);
	sj_wait_describe(&s, p, t, buf, sizeof buf);
	assert_string_equal(buf, "waits on private futex 0x1000 with a timeout of 1.5 s");
	/* Truncation still reports the full length. */
	n = sj_wait_describe(&s, p, t, buf, 8);
	assert_int_equal(strlen(buf), 7);
	assert_true(n > 8);
	sj_snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_process_pipe_cycle),
		cmocka_unit_test(test_two_separate_knots),
		cmocka_unit_test(test_cycle_with_running_writer),
		cmocka_unit_test(test_pool_hang),
		cmocka_unit_test(test_pool_working),
		cmocka_unit_test(test_pool_worker_sleeping),
		cmocka_unit_test(test_shared_semaphore_knot),
		cmocka_unit_test(test_fork_while_locked),
		cmocka_unit_test(test_private_futex_with_running_sibling),
		cmocka_unit_test(test_two_thread_lock_cycle),
		cmocka_unit_test(test_wait4_on_reader_child),
		cmocka_unit_test(test_wait4_on_zombie),
		cmocka_unit_test(test_sleep),
		cmocka_unit_test(test_busy_loop),
		cmocka_unit_test(test_accept_listening_socket),
		cmocka_unit_test(test_epoll_with_timeout),
		cmocka_unit_test(test_read_socket),
		cmocka_unit_test(test_pipe_writer_outside),
		cmocka_unit_test(test_idle_prefork_server),
		cmocka_unit_test(test_pipeline_waiting_for_input),
		cmocka_unit_test(test_futex_with_timeout),
		cmocka_unit_test(test_full_pipe_write),
		cmocka_unit_test(test_pipe_table),
		cmocka_unit_test(test_rdwr_fifo_self_writer),
		cmocka_unit_test(test_wait_describe),
	};
	return cmocka_run_group_tests_name("analysis_deadlock", tests, NULL, NULL);
}
