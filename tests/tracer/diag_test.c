/* diag_test.c — the kernel facts a capture reads beside the syscalls, on
 * real processes: sock_diag's socket peers (Unix pairs, TCP on loopback, a
 * named datagram socket, a listener), the file locks of /proc/locks and
 * fdinfo with the lock request a blocked thread makes, and how full the
 * pipes are that threads wait on. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"

static int sv[2], dg[2], tcp_fd, lock_fd;
static char lock_path[] = "/tmp/sj-sockets-test-XXXXXX";

static uint64_t inode_of(int fd)
{
	struct stat sb;
	assert_int_equal(fstat(fd, &sb), 0);
	return sb.st_ino;
}

static const struct sj_fd *fd_by_inode(const struct sj_process *p, uint64_t inode)
{
	for (size_t i = 0; i < p->nfds; i++)
		if (p->fds[i].inode == inode)
			return &p->fds[i];
	return NULL;
}

static void child_reads_sockets(void *arg)
{
	char c;
	recv(tcp_fd >= 0 ? tcp_fd : sv[1], &c, 1, 0);
}

/* A socketpair, a bound datagram pair and a TCP loopback connection: the
 * child's ends name the test's ends as their peers. */
static void test_socket_peers(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(ls >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &len), 0);
	tcp_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(tcp_fd, (struct sockaddr *)&sa, sizeof sa), 0);
	int served = accept(ls, NULL, NULL);
	assert_true(served >= 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg), 0);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	snprintf(un.sun_path, sizeof un.sun_path, "/tmp/sj-sockets-%d.sock", (int)getpid());
	int named = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_int_equal(bind(named, (struct sockaddr *)&un, sizeof un), 0);

	pid_t pid = th_spawn(child_reads_sockets, NULL);
	assert_true(th_wait_syscall(pid, SYS_recvfrom) > 0);
	struct sj_snapshot s;
	th_capture(pid, 0, 0, &s);
	const struct sj_process *p = &s.procs[0];

	const struct sj_fd *f = fd_by_inode(p, inode_of(sv[1]));
	assert_non_null(f);
	assert_int_equal(f->sock.family, AF_UNIX);
	assert_int_equal(f->sock.type, SOCK_STREAM);
	assert_int_equal(f->sock.peer, inode_of(sv[0]));
	f = fd_by_inode(p, inode_of(dg[0]));
	assert_int_equal(f->sock.type, SOCK_DGRAM);
	assert_int_equal(f->sock.peer, inode_of(dg[1]));
	assert_false(f->sock.named);
	f = fd_by_inode(p, inode_of(named));
	assert_true(f->sock.named);
	assert_string_equal(f->sock.local, un.sun_path);
	f = fd_by_inode(p, inode_of(tcp_fd));
	assert_int_equal(f->sock.family, AF_INET);
	assert_int_equal(f->sock.state, TCP_ESTABLISHED);
	assert_int_equal(f->sock.peer, inode_of(served));
	assert_non_null(strstr(f->sock.remote, "127.0.0.1:"));
	f = fd_by_inode(p, inode_of(ls));
	assert_int_equal(f->sock.state, TCP_LISTEN);
	assert_true(f->sock.named);
	sj_snapshot_free(&s);

	th_kill(pid);
	unlink(un.sun_path);
	close(named);
	close(ls);
	close(served);
	close(tcp_fd);
	tcp_fd = -1;
}

static void child_holds_lock(void *arg)
{
	int fd = open(lock_path, O_RDWR);
	flock(fd, LOCK_EX);
	pause();
}

static void child_waits_lock(void *arg)
{
	int fd = open(lock_path, O_RDWR);
	lseek(fd, 10, SEEK_SET);
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_CUR, .l_start = 5, .l_len = 20 };
	if (arg)
		fcntl(fd, F_SETLKW, &fl);
	else
		flock(fd, LOCK_SH);
}

/* The holder's fdinfo lists its flock; /proc/locks lists the waiter's
 * request; the waiter's wait names the file and the lock it asks for.  A
 * record-lock waiter behind a record-lock holder likewise. */
static void test_lock_facts(void **state)
{
	lock_fd = mkstemp(lock_path);
	assert_true(lock_fd >= 0);
	struct stat sb;
	assert_int_equal(fstat(lock_fd, &sb), 0);
	pid_t holder = th_spawn(child_holds_lock, NULL);
	assert_true(th_wait_syscall(holder, SYS_pause) > 0);
	pid_t waiter = th_spawn(child_waits_lock, NULL);
	assert_true(th_wait_syscall(waiter, SYS_flock) > 0);

	pid_t both[2] = { holder, waiter };
	struct sj_capture_opts o = { .pids = both, .npids = 2, .children = 0, .native = 0,
				     .python = SJ_PY_OFF };
	struct sj_snapshot s;
	char err[256];
	assert_int_equal(sj_capture(&o, &s, err, sizeof err), 0);
	/* the holder also inherited the test's fd on the file, which holds nothing */
	const struct sj_process *hp = sj_snapshot_proc(&s, holder);
	const struct sj_fd *h = NULL;
	for (size_t i = 0; i < hp->nfds; i++)
		if (hp->fds[i].inode == sb.st_ino && hp->fds[i].nlocks)
			h = &hp->fds[i];
	assert_non_null(h);
	assert_int_equal(h->nlocks, 1);
	assert_int_equal(h->locks[0].flavor, SJ_LOCK_FLOCK);
	assert_true(h->locks[0].write);
	assert_int_equal(h->locks[0].inode, sb.st_ino);
	const struct sj_thread *t = &sj_snapshot_proc(&s, waiter)->threads[0];
	assert_int_equal(t->wait.kind, SJ_WAIT_LOCK);
	assert_int_equal(t->wait.lock.flavor, SJ_LOCK_FLOCK);
	assert_false(t->wait.lock.write);
	assert_int_equal(t->wait.lock.inode, sb.st_ino);
	int queued = 0;
	for (size_t i = 0; i < s.nlocks; i++)
		queued |= s.locks[i].blocked && s.locks[i].pid == waiter && s.locks[i].inode == sb.st_ino;
	assert_true(queued);
	sj_snapshot_free(&s);
	th_kill(waiter);
	th_kill(holder);

	/* a record lock: bytes 15..34 asked for, from position 10 + 5 */
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	assert_int_equal(fcntl(lock_fd, F_SETLK, &fl), 0);
	waiter = th_spawn(child_waits_lock, (void *)1);
	assert_true(th_wait_syscall(waiter, SYS_fcntl) > 0);
	th_capture(waiter, 0, 0, &s);
	t = &s.procs[0].threads[0];
	assert_int_equal(t->wait.kind, SJ_WAIT_LOCK);
	assert_int_equal(t->wait.lock.flavor, SJ_LOCK_POSIX);
	assert_int_equal(t->wait.lock.start, 15);
	assert_int_equal(t->wait.lock.end, 34);
	sj_snapshot_free(&s);
	th_kill(waiter);
	close(lock_fd);
	unlink(lock_path);
}

static int full[2], empty[2];

static void child_fills_pipe(void *arg)
{
	static char buf[1 << 20];
	if (write(full[1], buf, sizeof buf) < 0)
		_exit(1);
}

static void child_reads_empty(void *arg)
{
	char c;
	if (read(empty[0], &c, 1) < 0)
		_exit(1);
}

/* A writer blocked on a full pipe sees it full; a reader of an empty pipe
 * sees it empty — read through a duplicate of the open file, which does
 * not disturb the pipe. */
static void test_pipe_fill(void **state)
{
	assert_int_equal(pipe(full), 0);
	assert_int_equal(pipe(empty), 0);
	pid_t w = th_spawn(child_fills_pipe, NULL);
	pid_t r = th_spawn(child_reads_empty, NULL);
	assert_true(th_wait_syscall(w, SYS_write) > 0);
	assert_true(th_wait_syscall(r, SYS_read) > 0);
	struct sj_snapshot s;
	th_capture(w, 0, 0, &s);
	const struct sj_fd *f = sj_process_fd(&s.procs[0], full[1]);
	assert_non_null(f);
	assert_int_equal(f->pipe_size, fcntl(full[1], F_GETPIPE_SZ));
	assert_int_equal(f->pipe_queued, f->pipe_size);
	sj_snapshot_free(&s);
	th_capture(r, 0, 0, &s);
	f = sj_process_fd(&s.procs[0], empty[0]);
	assert_non_null(f);
	assert_true(f->pipe_size > 0);
	assert_int_equal(f->pipe_queued, 0);
	sj_snapshot_free(&s);
	/* the writer still writes, the reader still reads: nothing moved */
	assert_true(th_wait_syscall(w, SYS_write) > 0);
	th_kill(w);
	th_kill(r);
}

int main(void)
{
	tcp_fd = -1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_peers),
		cmocka_unit_test(test_lock_facts),
		cmocka_unit_test(test_pipe_fill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
