/* parse_test.c — the /proc parsers and the syscall decoders on literal
 * input (decoders read this process's own memory as "the target"). */
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "procfs.h"
#include "sockdiag.h"
#include "stopfx.h"
#include "syscalls.h"

static void test_stat_odd_comm(void **state)
{
	/* comm may contain ") (" and spaces; field 52 is the exit code */
	const char *line = "4242 (a) (b c) Z 17 4242 4242 0 -1 4228108 0 0 0 0 7 9 0 0 20 0 1 0 "
			   "123456 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 "
			   "0 0 0 0 0 0 768\n";
	struct sj_stat st;
	assert_int_equal(sj_parse_stat(line, &st), 0);
	assert_int_equal(st.pid, 4242);
	assert_string_equal(st.comm, "a) (b c");
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.ppid, 17);
	assert_int_equal(st.pgid, 4242);
	assert_int_equal(st.utime, 7);
	assert_int_equal(st.stime, 9);
	assert_int_equal(st.start_ticks, 123456);
	assert_int_equal(st.exit_code, 768);
	assert_true(WIFEXITED(st.exit_code) && WEXITSTATUS(st.exit_code) == 3);
	assert_int_equal(sj_parse_stat("12 nocomm S 1", &st), -22);
}

static void test_syscall_lines(void **state)
{
	long nr;
	uint64_t a[6], sp, pc;
	assert_int_equal(sj_parse_syscall("0 0x3 0x7ffd1 0x1 0x0 0x0 0x0 0x7ffc0 0x7f12\n", &nr, a, &sp, &pc), 0);
	assert_int_equal(nr, 0);
	assert_int_equal(a[0], 3);
	assert_int_equal(a[1], 0x7ffd1);
	assert_int_equal(sp, 0x7ffc0);
	assert_int_equal(pc, 0x7f12);
	assert_int_equal(sj_parse_syscall("running\n", &nr, a, &sp, &pc), 0);
	assert_int_equal(nr, -1);
	assert_int_equal(sj_parse_syscall("-1 0x7ffc0 0x7f12\n", &nr, a, &sp, &pc), 0);
	assert_int_equal(nr, -1);
	assert_int_equal(sp, 0x7ffc0);
	assert_int_equal(sj_parse_syscall("7 0x1\n", &nr, a, &sp, &pc), -22);
}

static void test_map_line(void **state)
{
	struct sj_map m;
	assert_int_equal(sj_parse_map_line("7f00a000-7f00b000 rw-s 00002000 00:1a 4711     "
					   "/dev/shm/sem.my name (deleted)\n", &m), 0);
	assert_int_equal(m.start, 0x7f00a000);
	assert_int_equal(m.end, 0x7f00b000);
	assert_int_equal(m.offset, 0x2000);
	assert_string_equal(m.perms, "rw-s");
	assert_int_equal(m.dev_major, 0);
	assert_int_equal(m.dev_minor, 0x1a);
	assert_int_equal(m.inode, 4711);
	assert_string_equal(m.path, "/dev/shm/sem.my name (deleted)");
	free(m.path);
	assert_int_equal(sj_parse_map_line("7ffd0000-7ffd1000 rw-p 00000000 00:00 0 \n", &m), 0);
	assert_null(m.path);
}

static void test_fdinfo_and_targets(void **state)
{
	struct sj_fd f = { 0 };
	unsigned *ev = NULL;
	assert_int_equal(sj_parse_fdinfo("pos:\t0\nflags:\t02004002\nmnt_id:\t15\nino:\t99\n"
					 "tfd:        5 events:       19 data:                5  pos:0 ino:8 sdev:d\n"
					 "tfd:        7 events:        4 data:                7  pos:0 ino:9 sdev:d\n",
					 &f, &ev), 0);
	assert_int_equal(f.accmode, O_RDWR);
	assert_int_equal(f.flags, 02004002);
	assert_int_equal(f.n_epoll_tfds, 2);
	assert_int_equal(f.epoll_tfds[0], 5);
	assert_int_equal(f.epoll_tfds[1], 7);
	assert_int_equal(ev[0], 0x19);
	assert_int_equal(ev[1], 4);
	free(f.epoll_tfds);
	free(ev);

	uint64_t ino;
	assert_int_equal(sj_classify_fd_target("pipe:[8493]", &ino), SJ_FDK_PIPE);
	assert_int_equal(ino, 8493);
	assert_int_equal(sj_classify_fd_target("socket:[12]", &ino), SJ_FDK_SOCKET);
	assert_int_equal(sj_classify_fd_target("anon_inode:[eventpoll]", &ino), SJ_FDK_EPOLL);
	assert_int_equal(sj_classify_fd_target("anon_inode:[eventfd]", &ino), SJ_FDK_EVENTFD);
	assert_int_equal(sj_classify_fd_target("anon_inode:[pidfd]", &ino), SJ_FDK_PIDFD);
	assert_int_equal(sj_classify_fd_target("pidfd:[1234]", &ino), SJ_FDK_PIDFD);
	assert_int_equal(sj_classify_fd_target("anon_inode:bpf-map", &ino), SJ_FDK_ANON);
	assert_int_equal(sj_classify_fd_target("/tmp/x", &ino), SJ_FDK_UNKNOWN);
}

/* A thread record as procfs would have read it for a blocked syscall. */
static struct sj_thread blocked(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct sj_thread t;
	memset(&t, 0, sizeof t);
	t.state = 'S';
	t.syscall_nr = nr;
	uint64_t a[6] = { a0, a1, a2, a3, a4, 0 };
	memcpy(t.syscall_args, a, sizeof a);
	return t;
}

static void test_decode_futex_flags(void **state)
{
	uint32_t word = 0;
	struct timespec rel = { 2, 500 };
	struct sj_thread t = blocked(SYS_futex, (uintptr_t)&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0,
				     (uintptr_t)&rel, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_FUTEX);
	assert_int_equal(t.wait.futex_addr, (uintptr_t)&word);
	assert_int_equal(t.wait.futex_op, FUTEX_WAIT);
	assert_true(t.wait.futex_private);
	assert_true(t.wait.has_timeout);
	assert_int_equal(t.wait.timeout_ns, 2000000500LL);

	/* absolute CLOCK_REALTIME deadline ~10 s ahead: reported as what remains */
	struct timespec now, abs;
	clock_gettime(CLOCK_REALTIME, &now);
	abs = now;
	abs.tv_sec += 10;
	t = blocked(SYS_futex, (uintptr_t)&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, (uintptr_t)&abs, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.futex_op, FUTEX_WAIT_BITSET);
	assert_false(t.wait.futex_private);
	assert_true(t.wait.has_timeout);
	assert_true(t.wait.timeout_ns > 5000000000LL && t.wait.timeout_ns <= 10000000000LL);

	t = blocked(SYS_futex, (uintptr_t)&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_false(t.wait.has_timeout);
	assert_int_equal(t.wait.timeout_ns, -1);
}

static void test_decode_select_waitid_states(void **state)
{
	fd_set rd, wr;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(3, &rd);
	FD_SET(9, &wr);
	FD_SET(3, &wr);
	struct timeval tv = { 1, 5 };
	struct sj_thread t = blocked(SYS_select, 10, (uintptr_t)&rd, (uintptr_t)&wr, 0, (uintptr_t)&tv);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_POLL);
	assert_int_equal(t.wait.nfds, 2);
	assert_int_equal(t.wait.fds[0].fd, 3);
	assert_int_equal(t.wait.fds[0].dir, 2);
	assert_int_equal(t.wait.fds[1].fd, 9);
	assert_int_equal(t.wait.fds[1].dir, 1);
	assert_int_equal(t.wait.timeout_ns, 1000005000LL);
	free(t.wait.fds);

	t = blocked(SYS_waitid, P_PGID, 77, 0, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_CHILD);
	assert_int_equal(t.wait.wait_pid, -77);
	t = blocked(SYS_waitid, P_ALL, 0, 0, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.wait_pid, -1);
	t = blocked(SYS_waitid, P_PID, 55, 0, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.wait_pid, 55);

	/* restart_syscall whose original call nothing identifies: unknown,
	 * and no timeout is assumed (poll(-1) restarts this way too) */
	t = blocked(SYS_restart_syscall, 0, 0, 0, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_OTHER);
	assert_false(t.wait.has_timeout);

	/* state beats syscall: stopped, running, not in a syscall */
	t = blocked(SYS_read, 0, 0, 0, 0, 0);
	t.state = 't';
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_STOPPED);
	t = blocked(SYS_read, 0, 0, 0, 0, 0);
	t.state = 'R';
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_NONE);
	t = blocked(-1, 0, 0, 0, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_NONE);
	t = blocked(SYS_accept4, 6, 0, 0, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_ACCEPT);
	assert_int_equal(t.wait.fds[0].fd, 6);
	free(t.wait.fds);
	t = blocked(SYS_rt_sigsuspend, 0, 8, 0, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_SIGNAL);
	assert_false(t.wait.has_timeout);
	t = blocked(SYS_epoll_wait, 999, 0, 4, 250, 0); /* fd 999 unknown: no fds, still timed */
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_POLL);
	assert_int_equal(t.wait.timeout_ns, 250000000LL);
	assert_string_equal(sj_syscall_name(SYS_wait4), "wait4");
	assert_null(sj_syscall_name(SYS_getpid));
}

static void test_decode_poll_memory(void **state)
{
	struct pollfd pf[2] = { { 4, POLLIN, 0 }, { 5, POLLIN | POLLOUT, 0 } };
	struct sj_thread t = blocked(SYS_poll, (uintptr_t)pf, 2, (uint64_t)-1, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.nfds, 2);
	assert_int_equal(t.wait.fds[1].fd, 5);
	assert_int_equal(t.wait.fds[1].dir, 2);
	assert_false(t.wait.has_timeout);
	free(t.wait.fds);
	/* unreadable array: no fds, no crash */
	t = blocked(SYS_poll, 8, 2, 100, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.nfds, 0);
	assert_true(t.wait.has_timeout);
}

/* flock and fcntl(F_SETLKW / F_OFD_SETLKW) name the locked file through
 * /proc/PID/fd and the byte range from the struct flock in memory. */
static void test_decode_lock_waits(void **state)
{
	char path[] = "/tmp/sj-parse-lock-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	struct stat sb;
	assert_int_equal(fstat(fd, &sb), 0);
	struct sj_thread t = blocked(SYS_flock, (uint64_t)fd, LOCK_EX, 0, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_LOCK);
	assert_int_equal(t.wait.fds[0].fd, fd);
	assert_int_equal(t.wait.lock.flavor, SJ_LOCK_FLOCK);
	assert_true(t.wait.lock.write);
	assert_int_equal(t.wait.lock.inode, sb.st_ino);
	assert_int_equal(t.wait.lock.dev_major, major(sb.st_dev));
	assert_int_equal(t.wait.lock.end, UINT64_MAX);
	free(t.wait.fds);
	/* SEEK_END - 4, 2 bytes: 6..7 of a 10-byte file; a read lock */
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_END, .l_start = -4, .l_len = 2 };
	t = blocked(SYS_fcntl, (uint64_t)fd, F_OFD_SETLKW, (uintptr_t)&fl, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_LOCK);
	assert_int_equal(t.wait.lock.flavor, SJ_LOCK_OFD);
	assert_false(t.wait.lock.write);
	assert_int_equal(t.wait.lock.start, 6);
	assert_int_equal(t.wait.lock.end, 7);
	free(t.wait.fds);
	/* a negative length ends before l_start; the file position counts for SEEK_CUR */
	assert_int_equal(lseek(fd, 5, SEEK_SET), 5);
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_CUR, .l_start = 0, .l_len = -3 };
	t = blocked(SYS_fcntl, (uint64_t)fd, F_SETLKW, (uintptr_t)&fl, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.lock.flavor, SJ_LOCK_POSIX);
	assert_int_equal(t.wait.lock.start, 2);
	assert_int_equal(t.wait.lock.end, 4);
	free(t.wait.fds);
	t = blocked(SYS_fcntl, (uint64_t)fd, F_GETFL, 0, 0, 0);
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_OTHER);
	free(t.wait.fds);
	close(fd);
	unlink(path);
}

/* /proc/locks and fdinfo "lock:" lines as fs/locks.c prints them. */
static void test_parse_lock_lines(void **state)
{
	static const char locks[] =
		"1: POSIX  ADVISORY  WRITE 1234 08:01:1312 0 EOF\n"
		"1: -> POSIX  ADVISORY  WRITE 1240 08:01:1312 0 EOF\n"
		"2: FLOCK  ADVISORY  READ 77 00:1a:42 0 EOF\n"
		"3: OFDLCK ADVISORY  WRITE -1 fd:02:99 100 199\n"
		"4: LEASE  ACTIVE    READ 12 08:01:5 0 EOF\n";
	struct sj_lock *v;
	size_t n;
	assert_int_equal(sj_parse_locks(locks, &v, &n), 0);
	assert_int_equal(n, 4); /* the lease is no lock a thread waits on */
	assert_int_equal(v[0].flavor, SJ_LOCK_POSIX);
	assert_true(v[0].write);
	assert_false(v[0].blocked);
	assert_int_equal(v[0].pid, 1234);
	assert_int_equal(v[0].dev_major, 8);
	assert_int_equal(v[0].inode, 1312);
	assert_int_equal(v[0].end, UINT64_MAX);
	assert_true(v[1].blocked);
	assert_int_equal(v[1].pid, 1240);
	assert_int_equal(v[2].flavor, SJ_LOCK_FLOCK);
	assert_false(v[2].write);
	assert_int_equal(v[2].dev_minor, 0x1a);
	assert_int_equal(v[3].flavor, SJ_LOCK_OFD);
	assert_int_equal(v[3].pid, -1);
	assert_int_equal(v[3].dev_major, 0xfd);
	assert_int_equal(v[3].start, 100);
	assert_int_equal(v[3].end, 199);
	free(v);
	struct sj_fd f;
	memset(&f, 0, sizeof f);
	assert_int_equal(sj_parse_fdinfo("pos:\t17\nflags:\t02\nmnt_id:\t5\nino:\t42\n"
					 "lock:\t1: FLOCK  ADVISORY  WRITE 900 00:1a:42 0 EOF\n", &f, NULL), 0);
	assert_int_equal(f.pos, 17);
	assert_int_equal(f.nlocks, 1);
	assert_int_equal(f.locks[0].flavor, SJ_LOCK_FLOCK);
	assert_int_equal(f.locks[0].pid, 900);
	free(f.locks);
	free(f.epoll_tfds);
}

/* /proc/net/unix: type, listening flag, connection state, name. */
static void test_parse_net_unix(void **state)
{
	uint64_t ino;
	struct sj_sock s;
	assert_int_equal(sj_parse_net_unix_line("0000000077768b27: 00000002 00000000 00010000 0001 01 "
						"5432 /run/x.sock\n", &ino, &s), 0);
	assert_int_equal(ino, 5432);
	assert_int_equal(s.type, SOCK_STREAM);
	assert_int_equal(s.state, TCP_LISTEN);
	assert_true(s.named);
	assert_string_equal(s.local, "/run/x.sock");
	free(s.local);
	assert_int_equal(sj_parse_net_unix_line("00000000bf173de0: 00000003 00000000 00000000 0002 03    46\n",
						&ino, &s), 0);
	assert_int_equal(s.type, SOCK_DGRAM);
	assert_int_equal(s.state, TCP_ESTABLISHED);
	assert_false(s.named);
	assert_null(s.local);
	assert_int_equal(sj_parse_net_unix_line("Num RefCount Protocol Flags Type St Inode Path\n", &ino, &s),
			 -EINVAL);
}

/* What the kernel shows of a restarted call: the restart function on
 * /proc/TID/stack (as Linux 6.18 prints it), else the "mov $nr, %eax;
 * syscall" before the pc, else the wchan. */
static void test_restart_origin(void **state)
{
	static const char poll_stack[] =
		"[<0>] poll_schedule_timeout.constprop.0+0x37/0x90\n"
		"[<0>] do_sys_poll+0x437/0x5c0\n"
		"[<0>] do_restart_poll+0x54/0xa0\n"
		"[<0>] do_syscall_64+0x71/0x290\n"
		"[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x7e\n";
	static const char futex_stack[] = "[<0>] futex_do_wait+0x46/0x90\n[<0>] futex_wait_restart+0x3c/0x60\n";
	static const char bare_stack[] = "[<0>] do_syscall_64+0x71/0x290\n";
	static const unsigned char clock_nanosleep_code[7] = { 0xb8, 0xe6, 0, 0, 0, 0x0f, 0x05 };
	static const unsigned char other_code[7] = { 0x48, 0x89, 0xf8, 0x90, 0x90, 0x0f, 0x05 };
	static const unsigned char getpid_code[7] = { 0xb8, 0x27, 0, 0, 0, 0x0f, 0x05 };
	assert_int_equal(sj_restart_origin(poll_stack, NULL, NULL), SYS_poll);
	assert_int_equal(sj_restart_origin(futex_stack, NULL, "futex_do_wait"), SYS_futex);
	assert_int_equal(sj_restart_origin(bare_stack, clock_nanosleep_code, "do_syscall_64"), SYS_clock_nanosleep);
	assert_int_equal(sj_restart_origin(NULL, other_code, "poll_schedule_timeout.constprop.0"), SYS_poll);
	assert_int_equal(sj_restart_origin(NULL, NULL, "futex_wait_queue"), SYS_futex);
	assert_int_equal(sj_restart_origin(NULL, NULL, "hrtimer_nanosleep"), SYS_nanosleep);
	/* a number that is no restartable call, a prefix of another name */
	assert_int_equal(sj_restart_origin(bare_stack, getpid_code, "do_syscall_64"), -1);
	assert_int_equal(sj_restart_origin(NULL, NULL, "do_sys_pollx"), -1);
	assert_int_equal(sj_restart_origin(NULL, NULL, NULL), -1);
}

/* restart_syscall decodes as the call it continues, with the arguments
 * the kernel left in place: poll(-1) stays without a timeout. */
static void test_decode_restarted_poll(void **state)
{
	struct pollfd pf[1] = { { 6, POLLIN, 0 } };
	struct sj_thread t = blocked(SYS_restart_syscall, (uintptr_t)pf, 1, 0xffffffff, 0, 0);
	t.wchan = (char *)"poll_schedule_timeout.constprop.0";
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_POLL);
	assert_int_equal(t.wait.nfds, 1);
	assert_int_equal(t.wait.fds[0].fd, 6);
	assert_false(t.wait.has_timeout);
	free(t.wait.fds);
	t = blocked(SYS_restart_syscall, (uintptr_t)pf, 1, 2500, 0, 0);
	t.wchan = (char *)"poll_schedule_timeout.constprop.0";
	sj_decode_wait(getpid(), &t);
	assert_true(t.wait.has_timeout);
	assert_int_equal(t.wait.timeout_ns, 2500000000LL);
	free(t.wait.fds);
	uint32_t word = 0;
	struct timespec ts = { 5, 0 };
	t = blocked(SYS_restart_syscall, (uintptr_t)&word, FUTEX_WAIT_PRIVATE, 0, (uintptr_t)&ts, 0);
	t.wchan = (char *)"futex_do_wait";
	sj_decode_wait(getpid(), &t);
	assert_int_equal(t.wait.kind, SJ_WAIT_FUTEX);
	assert_int_equal(t.wait.futex_addr, (uintptr_t)&word);
	assert_true(t.wait.has_timeout);
}

/* Which calls a stop changes (stopfx.def). */
static void test_stop_effects(void **state)
{
	const uint64_t none[6] = { 0 }, waitall[6] = { 3, 0, 100, MSG_WAITALL, 0, 0 };
	const uint64_t msg_waitall[6] = { 3, 0, MSG_WAITALL, 0, 0, 0 };
	assert_int_equal(sj_stop_effect(-1, none), SJ_FX_RESTARTS);
	assert_int_equal(sj_stop_effect(SYS_read, none), SJ_FX_RESTARTS);
	assert_int_equal(sj_stop_effect(SYS_poll, none), SJ_FX_RESTARTS);
	assert_int_equal(sj_stop_effect(SYS_restart_syscall, none), SJ_FX_RESTARTS);
	assert_int_equal(sj_stop_effect(SYS_epoll_wait, none), SJ_FX_EINTR);
	assert_int_equal(sj_stop_effect(SYS_semtimedop, none), SJ_FX_EINTR);
	assert_int_equal(sj_stop_effect(SYS_write, none), SJ_FX_SHORT);
	assert_int_equal(sj_stop_effect(SYS_recvfrom, none), SJ_FX_RESTARTS);
	assert_int_equal(sj_stop_effect(SYS_recvfrom, waitall), SJ_FX_SHORT);
	assert_int_equal(sj_stop_effect(SYS_recvmsg, msg_waitall), SJ_FX_SHORT);
	assert_int_equal(sj_stop_effect(SYS_getpid, none), SJ_FX_UNKNOWN);
	assert_string_equal(sj_stopfx_words(SJ_FX_EINTR), "EINTR");
}

/* The rule that keeps a wait read before the stop. */
static void test_wait_confirmed(void **state)
{
	struct sj_thread t = { .syscall_nr = SYS_futex, .syscall_args = { 0x1000, 0x80, 0 }, .vcsw = 40 };
	struct sj_recheck now = { .ok = 1, .stopped = 1, .nr = SYS_futex, .args = { 0x1000, 0x80, 0 },
				  .ret = -512 /* -ERESTARTSYS */, .vcsw = 41 };
	assert_true(sj_wait_confirmed(&t, &now));
	now.vcsw = 40; /* the trap's sleep not counted yet */
	assert_true(sj_wait_confirmed(&t, &now));
	for (long ret = -516; ret <= -512; ret++)
		assert_int_equal(sj_wait_confirmed(&t, &(struct sj_recheck){ .ok = 1, .stopped = 1, .nr = SYS_futex,
			.args = { 0x1000, 0x80, 0 }, .ret = ret, .vcsw = 41 }), ret != -515 /* ENOIOCTLCMD */);
	now.vcsw = 42; /* woke and slept again, in the same call */
	assert_false(sj_wait_confirmed(&t, &now));
	now.vcsw = 41;
	now.ret = 0; /* the wait finished before the trap */
	assert_false(sj_wait_confirmed(&t, &now));
	now.ret = -4; /* -EINTR: epoll_wait, sigtimedwait */
	assert_true(sj_wait_confirmed(&t, &now));
	now.nr = SYS_clone3; /* somewhere else */
	assert_false(sj_wait_confirmed(&t, &now));
	now.nr = SYS_futex;
	now.args[0] = 0x2000; /* another futex word */
	assert_false(sj_wait_confirmed(&t, &now));
	now.args[0] = 0x1000;
	now.ok = 0;
	assert_false(sj_wait_confirmed(&t, &now));
	/* not stopped: /proc again, not one switch more */
	now = (struct sj_recheck){ .ok = 1, .nr = SYS_futex, .args = { 0x1000, 0x80, 0 }, .vcsw = 40 };
	assert_true(sj_wait_confirmed(&t, &now));
	now.vcsw = 41;
	assert_false(sj_wait_confirmed(&t, &now));
	/* FUTEX_WAIT: the word must still hold the value compared */
	t.wait.kind = SJ_WAIT_FUTEX;
	t.wait.futex_op = FUTEX_WAIT;
	t.syscall_args[2] = 1234;
	now = (struct sj_recheck){ .ok = 1, .stopped = 1, .nr = SYS_futex, .args = { 0x1000, 0x80, 1234 },
				   .ret = -512, .vcsw = 41, .have_word = 1, .word = 1234 };
	assert_true(sj_wait_confirmed(&t, &now));
	now.word = 0; /* the joined thread exited: the restart returns at once */
	assert_false(sj_wait_confirmed(&t, &now));
	now.word = 1234;
	now.have_word = 0;
	assert_false(sj_wait_confirmed(&t, &now));
	/* unknown counts confirm nothing */
	t.vcsw = 0;
	now.vcsw = 0;
	assert_false(sj_wait_confirmed(&t, &now));
}

/* NSpid: one id per pid namespace, outermost first; the innermost is the
 * process's own view (a container's), 0 when it is this namespace's. */
static void test_nspid(void **state)
{
	assert_int_equal(sj_parse_nspid("Name:\tpython3\nPid:\t4711\nNSpid:\t4711\t1\nNSpgid:\t4711\t1\n"), 1);
	assert_int_equal(sj_parse_nspid("Name:\tx\nNSpid:\t900\t42\t7\n"), 7);
	assert_int_equal(sj_parse_nspid("Name:\tx\nNSpid:\t4711\nVmPeak: 1 kB\n"), 0);
	assert_int_equal(sj_parse_nspid("NSpid:\t12\t3"), 3);
	assert_int_equal(sj_parse_nspid("Name:\tx\nPid:\t5\n"), 0);
	assert_int_equal(sj_parse_nspid("Name:\tx\nNSpid:\t\n"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_odd_comm),
		cmocka_unit_test(test_syscall_lines),
		cmocka_unit_test(test_map_line),
		cmocka_unit_test(test_fdinfo_and_targets),
		cmocka_unit_test(test_decode_futex_flags),
		cmocka_unit_test(test_decode_select_waitid_states),
		cmocka_unit_test(test_decode_poll_memory),
		cmocka_unit_test(test_wait_confirmed),
		cmocka_unit_test(test_restart_origin),
		cmocka_unit_test(test_decode_restarted_poll),
		cmocka_unit_test(test_stop_effects),
		cmocka_unit_test(test_decode_lock_waits),
		cmocka_unit_test(test_parse_lock_lines),
		cmocka_unit_test(test_parse_net_unix),
		cmocka_unit_test(test_nspid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
