/* test_waits.c — the waits issue 10 added to the model, on hand-made
 * snapshots: sockets (peer holders), file locks (conflicting holders),
 * pthread_join (the joined thread alone), and the shapes of each that
 * must give nothing. */
#include "checks.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

static void expect_none(const struct sj_snapshot *s)
{
	struct sj_findings f;
	analyse(s, NULL, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_DEADLOCK), 0);
	sj_findings_free(&f);
}

/* The one deadlock of s, which must name exactly the given pids. */
static const struct sj_finding *the_deadlock(const struct sj_findings *f, size_t npids)
{
	assert_int_equal(fx_count(f, SJ_FIND_DEADLOCK), 1);
	const struct sj_finding *d = fx_nth(f, SJ_FIND_DEADLOCK, 0);
	assert_int_equal(d->npids, npids);
	return d;
}

/* ---- sockets ---- */

/* Client 10 and server 11 each read their end of a connected pair (inodes
 * 500 and 501): request/response with the request's end missing. */
static void pair(struct sj_snapshot *s, int family, int type)
{
	struct sj_process *c = fx_proc(s, 10, 1), *v = fx_proc(s, 11, 10);
	fx_sock(c, 3, 500, family, type, TCP_ESTABLISHED, 501, 0);
	fx_sock(v, 4, 501, family, type, TCP_ESTABLISHED, 500, 0);
	fx_read(fx_thread(c, 10, "client"), 3);
	fx_read(fx_thread(v, 11, "server"), 4);
}

static void test_socket_pair_knot(void **state)
{
	(void)state;
	static const int kinds[][2] = {
		{ AF_UNIX, SOCK_STREAM }, { AF_UNIX, SOCK_SEQPACKET }, { AF_UNIX, SOCK_DGRAM },
		{ AF_INET, SOCK_STREAM }, { AF_INET6, SOCK_STREAM },
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		struct sj_snapshot s;
		struct sj_findings f;
		fx_init(&s);
		pair(&s, kinds[i][0], kinds[i][1]);
		analyse(&s, NULL, &f);
		const struct sj_finding *d = the_deadlock(&f, 2);
		assert_contains(d->cause, "pid 10 reads socket:[500]");
		assert_contains(d->cause, "its only peer is pid 11");
		assert_contains(d->cause, "pid 11 reads socket:[501], which only pid 10 would send to");
		assert_true(fx_has_edge(d, 10, 11, "socket:[500] -> socket:[501]"));
		assert_contains(d->advice, "who speaks next");
		assert_int_equal(fx_count(&f, SJ_FIND_BLOCKED_PIPE_READ), 0);
		sj_findings_free(&f);
		sj_snapshot_free(&s);
	}
}

static void test_socket_peer_outside(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	pair(&s, AF_UNIX, SOCK_STREAM);
	/* the server's end is held by no process of the snapshot */
	s.procs[1].fds[0].inode = 777;
	expect_none(&s);
	sj_snapshot_free(&s);

	/* a peer sock_diag did not name (another host, a dump that failed) */
	fx_init(&s);
	pair(&s, AF_INET, SOCK_STREAM);
	s.procs[0].fds[0].sock.peer = 0;
	expect_none(&s);
	sj_snapshot_free(&s);

	/* a socket sock_diag did not describe at all */
	fx_init(&s);
	pair(&s, AF_UNIX, SOCK_STREAM);
	s.procs[0].fds[0].sock.family = 0;
	expect_none(&s);
	sj_snapshot_free(&s);
}

static void test_socket_peer_holder_runs(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	pair(&s, AF_UNIX, SOCK_STREAM);
	/* the server has a second thread that is busy: it may yet answer */
	fx_running(fx_thread(&s.procs[1], 12, "busy"));
	expect_none(&s);
	sj_snapshot_free(&s);
}

/* A named datagram socket hears from anyone; a listener takes anyone. */
static void test_socket_open_to_anyone(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	pair(&s, AF_UNIX, SOCK_DGRAM);
	s.procs[1].fds[0].sock.named = 1;
	expect_none(&s);
	sj_snapshot_free(&s);

	fx_init(&s);
	pair(&s, AF_INET, SOCK_STREAM);
	s.procs[1].fds[0].sock.state = TCP_LISTEN;
	expect_none(&s);
	sj_snapshot_free(&s);
}

/* A full socket: the writer waits for its peer to read. */
static void test_socket_full_write(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	pair(&s, AF_UNIX, SOCK_STREAM);
	fx_write(&s.procs[0].threads[0], 3);
	fx_write(&s.procs[1].threads[0], 4);
	analyse(&s, NULL, &f);
	const struct sj_finding *d = the_deadlock(&f, 2);
	assert_contains(d->cause, "writes to socket:[500]");
	assert_contains(d->cause, "which only pid 10 would read from");
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* An event loop is stuck only if every fd of its interest set is. */
static void test_socket_in_epoll_set(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	pair(&s, AF_UNIX, SOCK_STREAM);
	struct sj_process *c = &s.procs[0];
	fx_pipe(c, 5, 6, 900); /* its own wake-up pipe */
	fx_poll(&c->threads[0], 2, (int[]){ 3, 5 }, NULL);
	analyse(&s, NULL, &f);
	the_deadlock(&f, 2);
	sj_findings_free(&f);
	sj_snapshot_free(&s);

	fx_init(&s);
	pair(&s, AF_UNIX, SOCK_STREAM);
	c = &s.procs[0];
	fx_sock(c, 7, 600, AF_INET, SOCK_STREAM, TCP_LISTEN, 0, 1); /* and a listener */
	fx_poll(&c->threads[0], 2, (int[]){ 3, 7 }, NULL);
	expect_none(&s);
	sj_snapshot_free(&s);
}

/* ---- pipes, with what the kernel holds ---- */

/* Process 50 writes pipe 900, read only by 51, which writes pipe 901, read
 * only by 50: a knot while both pipes are full, none when capture saw a
 * page of room in one (its writer is being woken) or data for a reader. */
static void test_pipe_fill_decides(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	struct sj_process *a = fx_proc(&s, 50, 1), *b = fx_proc(&s, 51, 50);
	fx_pipe(a, -1, 3, 900);
	fx_pipe(b, 4, -1, 900);
	fx_pipe(b, -1, 5, 901);
	fx_pipe(a, 6, -1, 901);
	fx_write(fx_thread(a, 50, NULL), 3);
	fx_write(fx_thread(b, 51, NULL), 5);
	a->fds[0].pipe_size = b->fds[1].pipe_size = 65536;
	a->fds[0].pipe_queued = b->fds[1].pipe_queued = 65536;
	analyse(&s, NULL, &f);
	const struct sj_finding *d = the_deadlock(&f, 2);
	assert_contains(evidence_of(d, 50, 50), "which is full (65536 of 65536 bytes queued)");
	sj_findings_free(&f);
	a->fds[0].pipe_queued = 65536 - 4096;
	expect_none(&s);
	a->fds[0].pipe_queued = 65536 - 100; /* less than a page: still full */
	analyse(&s, NULL, &f);
	the_deadlock(&f, 2);
	sj_findings_free(&f);
	/* a reader with data queued is not stuck either */
	fx_read(&a->threads[0], 6);
	a->fds[1].pipe_size = 65536; /* fd 6 */
	a->fds[1].pipe_queued = 10;
	expect_none(&s);
	sj_snapshot_free(&s);
}

/* ---- file locks ---- */

/* Process 20 holds a, waits for b; process 21 holds b, waits for a. */
static void abba(struct sj_snapshot *s, enum sj_lock_flavor fa, enum sj_lock_flavor fb)
{
	struct sj_process *p = fx_proc(s, 20, 1), *q = fx_proc(s, 21, 20);
	fx_file(p, 3, 1001, "/tmp/lock-a");
	fx_file(p, 4, 1002, "/tmp/lock-b");
	fx_file(q, 3, 1001, "/tmp/lock-a");
	fx_file(q, 4, 1002, "/tmp/lock-b");
	fx_held_lock(p, 3, fa, 1, 0, UINT64_MAX);
	fx_held_lock(q, 4, fb, 1, 0, UINT64_MAX);
	fx_lock_wait(fx_thread(p, 20, NULL), p, 4, fb, 1, 0, UINT64_MAX);
	fx_lock_wait(fx_thread(q, 21, NULL), q, 3, fa, 1, 0, UINT64_MAX);
}

static void test_lock_order_inversion(void **state)
{
	(void)state;
	static const enum sj_lock_flavor flavors[][2] = {
		{ SJ_LOCK_FLOCK, SJ_LOCK_FLOCK }, { SJ_LOCK_OFD, SJ_LOCK_OFD },
		{ SJ_LOCK_POSIX, SJ_LOCK_FLOCK }, { SJ_LOCK_POSIX, SJ_LOCK_OFD },
	};
	for (size_t i = 0; i < sizeof flavors / sizeof flavors[0]; i++) {
		struct sj_snapshot s;
		struct sj_findings f;
		fx_init(&s);
		abba(&s, flavors[i][0], flavors[i][1]);
		analyse(&s, NULL, &f);
		const struct sj_finding *d = the_deadlock(&f, 2);
		assert_contains(d->cause, "pid 20 waits for the write ");
		assert_contains(d->cause, "on /tmp/lock-b (fd 4); its only holder is pid 21");
		assert_contains(d->cause, "which only pid 20 would release");
		assert_contains(d->advice, "in one order");
		sj_findings_free(&f);
		sj_snapshot_free(&s);
	}
}

/* Locks that do not conflict leave the request to be granted. */
static void test_lock_no_conflict(void **state)
{
	(void)state;
	struct sj_snapshot s;
	/* flock and record locks live apart */
	fx_init(&s);
	abba(&s, SJ_LOCK_FLOCK, SJ_LOCK_FLOCK);
	s.procs[0].threads[0].wait.lock.flavor = SJ_LOCK_POSIX;
	expect_none(&s);
	sj_snapshot_free(&s);
	/* two read locks */
	fx_init(&s);
	abba(&s, SJ_LOCK_FLOCK, SJ_LOCK_FLOCK);
	s.procs[1].fds[1].locks[0].write = 0;
	s.procs[0].threads[0].wait.lock.write = 0;
	expect_none(&s);
	sj_snapshot_free(&s);
	/* ranges apart */
	fx_init(&s);
	abba(&s, SJ_LOCK_POSIX, SJ_LOCK_POSIX);
	s.procs[1].fds[1].locks[0].end = 99;
	s.procs[0].threads[0].wait.lock.start = 100;
	expect_none(&s);
	sj_snapshot_free(&s);
	/* a record lock of the waiter's own process */
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 20, 1);
	fx_file(p, 3, 1001, "/tmp/lock-a");
	fx_held_lock(p, 3, SJ_LOCK_POSIX, 1, 0, UINT64_MAX);
	fx_lock_wait(fx_thread(p, 20, NULL), p, 3, SJ_LOCK_POSIX, 1, 0, UINT64_MAX);
	expect_none(&s);
	sj_snapshot_free(&s);
}

static void test_lock_holder_runs_or_unqueued(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	abba(&s, SJ_LOCK_FLOCK, SJ_LOCK_FLOCK);
	fx_sleep(fx_thread(&s.procs[1], 22, "worker"));
	expect_none(&s);
	sj_snapshot_free(&s);

	/* /proc/locks lists the holders but not pid 20's request: it is being
	 * granted, whatever the holder does. */
	fx_init(&s);
	abba(&s, SJ_LOCK_FLOCK, SJ_LOCK_FLOCK);
	s.locks = calloc(2, sizeof *s.locks);
	s.nlocks = 2;
	s.locks[0] = s.procs[1].fds[1].locks[0];
	s.locks[1] = s.procs[1].threads[0].wait.lock;
	s.locks[1].blocked = 1;
	s.locks[1].pid = 21;
	expect_none(&s);
	s.locks[0] = s.procs[0].threads[0].wait.lock; /* now queued as well */
	s.locks[0].blocked = 1;
	s.locks[0].pid = 20;
	s.locks[1].inode = 1001;
	struct sj_findings f;
	analyse(&s, NULL, &f);
	the_deadlock(&f, 2);
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* OFD locks belong to the open file: two threads of one process with
 * their own open files deadlock; the same fd does not conflict with itself. */
static void test_ofd_threads(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	struct sj_process *p = fx_proc(&s, 30, 1);
	fx_file(p, 3, 1001, "/tmp/lock-a");
	fx_file(p, 4, 1002, "/tmp/lock-b");
	fx_file(p, 5, 1001, "/tmp/lock-a");
	fx_file(p, 6, 1002, "/tmp/lock-b");
	fx_held_lock(p, 3, SJ_LOCK_OFD, 1, 0, UINT64_MAX);
	fx_held_lock(p, 6, SJ_LOCK_OFD, 1, 0, UINT64_MAX);
	fx_lock_wait(fx_thread(p, 31, "a"), p, 4, SJ_LOCK_OFD, 1, 0, UINT64_MAX);
	fx_lock_wait(fx_thread(p, 32, "b"), p, 5, SJ_LOCK_OFD, 1, 0, UINT64_MAX);
	analyse(&s, NULL, &f);
	the_deadlock(&f, 1);
	sj_findings_free(&f);
	/* thread a re-asks through the fd that holds its lock: no conflict */
	p->threads[1].wait.fds[0].fd = 6;
	p->threads[1].wait.lock.inode = 1002;
	expect_none(&s);
	sj_snapshot_free(&s);
}

/* ---- pthread_join ---- */

/* Threads 41, 42, 43 of pid 40 join each other in a ring; each one's tid
 * word lies in its own stack mapping; 44 sleeps now and then. */
static void join_ring(struct sj_snapshot *s)
{
	struct sj_process *p = fx_proc(s, 40, 1);
	fx_map(p, 0x10000, 0x20000, 0, "rw-p", 0, NULL);
	fx_map(p, 0x20000, 0x30000, 0, "rw-p", 0, NULL);
	fx_map(p, 0x30000, 0x40000, 0, "rw-p", 0, NULL);
	fx_sleep(fx_thread(p, 40, "main"));
	struct sj_thread *a = fx_thread(p, 41, "a"), *b = fx_thread(p, 42, "b"), *c = fx_thread(p, 43, "c");
	a->sp = 0x1f000;
	b->sp = 0x2f000;
	c->sp = 0x3f000;
	fx_join(a, 0x2ff00, 42);
	fx_join(b, 0x3ff00, 43);
	fx_join(c, 0x1ff00, 41);
	fx_sleep(fx_thread(p, 44, "heartbeat"));
}

static void test_join_ring(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_findings f;
	fx_init(&s);
	join_ring(&s);
	analyse(&s, NULL, &f);
	const struct sj_finding *d = the_deadlock(&f, 1);
	assert_contains(d->cause, "Deadlock of 3 threads");
	assert_contains(d->cause, "joins thread tid 42");
	assert_contains(d->cause, "only the exit of tid 42 would end it");
	assert_true(fx_has_edge(d, 40, 40, "pthread_join(tid 42)"));
	assert_contains(d->advice, "Join threads in one direction");
	sj_findings_free(&f);
	sj_snapshot_free(&s);
}

/* Not a join: the word is not in the joined thread's stack mapping (or its
 * stack pointer is unknown): any thread of the process might wake it, and
 * the heartbeat runs. */
static void test_join_unproved(void **state)
{
	(void)state;
	struct sj_snapshot s;
	fx_init(&s);
	join_ring(&s);
	s.procs[0].threads[2].sp = 0x5f000;
	expect_none(&s);
	sj_snapshot_free(&s);

	fx_init(&s);
	join_ring(&s);
	s.procs[0].threads[3].sp = 0;
	expect_none(&s);
	sj_snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_pair_knot),
		cmocka_unit_test(test_socket_peer_outside),
		cmocka_unit_test(test_socket_peer_holder_runs),
		cmocka_unit_test(test_socket_open_to_anyone),
		cmocka_unit_test(test_socket_full_write),
		cmocka_unit_test(test_socket_in_epoll_set),
		cmocka_unit_test(test_pipe_fill_decides),
		cmocka_unit_test(test_lock_order_inversion),
		cmocka_unit_test(test_lock_no_conflict),
		cmocka_unit_test(test_lock_holder_runs_or_unqueued),
		cmocka_unit_test(test_ofd_threads),
		cmocka_unit_test(test_join_ring),
		cmocka_unit_test(test_join_unproved),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
