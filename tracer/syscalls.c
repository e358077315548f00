/* syscalls.c — syscall number → struct sj_wait (table: syscalls.def). */
#include "syscalls.h"

#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "procfs.h"

/* Older headers lack these (all Linux ABI constants). */
#ifndef FUTEX2_PRIVATE
#define FUTEX2_PRIVATE FUTEX_PRIVATE_FLAG
#endif
#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* No syscall takes more pollfds than this in practice; a larger nfds is
 * read only up to here (analysis then sees a partial OR-set). */
#define SJ_MAX_WAITFDS 4096

struct dec_ctx {
	pid_t pid;
	const uint64_t *a; /* the six syscall arguments */
};

typedef void (*sj_decoder)(const struct dec_ctx *c, struct sj_wait *w);

static int add_fd(struct sj_wait *w, int fd, int dir)
{
	struct sj_waitfd *n = realloc(w->fds, (w->nfds + 1) * sizeof *n);
	if (!n)
		return -ENOMEM;
	w->fds = n;
	w->fds[w->nfds].fd = fd;
	w->fds[w->nfds].dir = dir;
	w->nfds++;
	return 0;
}

/* poll/epoll masks → 0 read, 1 write, 2 both. */
static int dir_of(int want_in, int want_out)
{
	return want_in && want_out ? 2 : want_out ? 1 : 0;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* A relative timespec pointer: NULL waits forever. */
static void timeout_rel_ts(const struct dec_ctx *c, uint64_t ptr, struct sj_wait *w)
{
	struct timespec ts;
	if (!ptr)
		return;
	w->has_timeout = 1;
	w->timeout_ns = sj_read_mem(c->pid, ptr, &ts, sizeof ts) == 0 ? ts_ns(&ts) : -1;
}

/* An absolute timespec on clock clk: report what remains of it. */
static void timeout_abs_ts(const struct dec_ctx *c, uint64_t ptr, clockid_t clk, struct sj_wait *w)
{
	struct timespec ts, now;
	if (!ptr)
		return;
	w->has_timeout = 1;
	w->timeout_ns = -1;
	if (sj_read_mem(c->pid, ptr, &ts, sizeof ts) == 0 && clock_gettime(clk, &now) == 0) {
		int64_t left = ts_ns(&ts) - ts_ns(&now);
		w->timeout_ns = left > 0 ? left : 0;
	}
}

/* poll(2)/epoll_wait(2) style: milliseconds, negative waits forever. */
static void timeout_ms(int ms, struct sj_wait *w)
{
	if (ms < 0)
		return;
	w->has_timeout = 1;
	w->timeout_ns = (int64_t)ms * 1000000;
}

static void dec_none(const struct dec_ctx *c, struct sj_wait *w) { }

static void dec_fd_read(const struct dec_ctx *c, struct sj_wait *w)
{
	add_fd(w, (int)c->a[0], 0);
}

static void dec_fd_write(const struct dec_ctx *c, struct sj_wait *w)
{
	add_fd(w, (int)c->a[0], 1);
}

static void dec_recvmmsg(const struct dec_ctx *c, struct sj_wait *w)
{
	add_fd(w, (int)c->a[0], 0);
	timeout_rel_ts(c, c->a[4], w);
}

static void read_pollfds(const struct dec_ctx *c, struct sj_wait *w)
{
	size_t n = c->a[1] < SJ_MAX_WAITFDS ? (size_t)c->a[1] : SJ_MAX_WAITFDS;
	if (!n)
		return;
	struct pollfd *pf = malloc(n * sizeof *pf);
	if (pf && sj_read_mem(c->pid, c->a[0], pf, n * sizeof *pf) == 0)
		for (size_t i = 0; i < n; i++)
			if (pf[i].fd >= 0) /* negative fds are ignored by poll */
				add_fd(w, pf[i].fd,
				       dir_of(pf[i].events & (POLLIN | POLLPRI | POLLRDNORM),
					      pf[i].events & (POLLOUT | POLLWRNORM)));
	free(pf);
}

static void dec_poll(const struct dec_ctx *c, struct sj_wait *w)
{
	read_pollfds(c, w);
	timeout_ms((int)c->a[2], w);
}

static void dec_ppoll(const struct dec_ctx *c, struct sj_wait *w)
{
	read_pollfds(c, w);
	timeout_rel_ts(c, c->a[2], w);
}

/* select's three fd_sets; an fd in several sets is listed once. */
static void read_fdsets(const struct dec_ctx *c, struct sj_wait *w)
{
	int nfds = (int)c->a[0];
	if (nfds <= 0)
		return;
	if (nfds > FD_SETSIZE * 64)
		nfds = FD_SETSIZE * 64;
	/* The kernel reads ceil(nfds/BITS_PER_LONG) longs of each set. */
	size_t bytes = ((size_t)nfds + 63) / 64 * 8;
	unsigned char *sets[3] = { 0 };
	for (int s = 0; s < 3; s++) {
		if (!c->a[1 + s])
			continue;
		sets[s] = calloc(1, bytes);
		if (sets[s] && sj_read_mem(c->pid, c->a[1 + s], sets[s], bytes) != 0) {
			free(sets[s]);
			sets[s] = NULL;
		}
	}
	for (int fd = 0; fd < nfds; fd++) {
		int in = sets[0] && (sets[0][fd / 8] >> (fd % 8) & 1);
		int out = sets[1] && (sets[1][fd / 8] >> (fd % 8) & 1);
		int ex = sets[2] && (sets[2][fd / 8] >> (fd % 8) & 1);
		if (in || out || ex)
			add_fd(w, fd, dir_of(in || ex, out));
	}
	for (int s = 0; s < 3; s++)
		free(sets[s]);
}

static void dec_select(const struct dec_ctx *c, struct sj_wait *w)
{
	struct timeval tv;
	read_fdsets(c, w);
	if (!c->a[4])
		return;
	w->has_timeout = 1;
	w->timeout_ns = sj_read_mem(c->pid, c->a[4], &tv, sizeof tv) == 0
				? (int64_t)tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL : -1;
}

static void dec_pselect6(const struct dec_ctx *c, struct sj_wait *w)
{
	read_fdsets(c, w);
	timeout_rel_ts(c, c->a[4], w);
}

/* The epoll instance's interest list, from /proc/PID/fdinfo "tfd:" lines. */
static void epoll_fds(const struct dec_ctx *c, struct sj_wait *w)
{
	int *tfds;
	unsigned *ev;
	size_t n;
	if (sj_procfs_epoll_tfds(c->pid, (int)c->a[0], &tfds, &ev, &n) == 0)
		for (size_t i = 0; i < n; i++)
			add_fd(w, tfds[i], dir_of(ev[i] & (EPOLLIN | EPOLLPRI | EPOLLRDHUP), ev[i] & EPOLLOUT));
	free(tfds);
	free(ev);
}

static void dec_epoll_wait(const struct dec_ctx *c, struct sj_wait *w)
{
	epoll_fds(c, w);
	timeout_ms((int)c->a[3], w);
}

static void dec_epoll_pwait2(const struct dec_ctx *c, struct sj_wait *w)
{
	epoll_fds(c, w);
	timeout_rel_ts(c, c->a[3], w);
}

static void dec_wait4(const struct dec_ctx *c, struct sj_wait *w)
{
	w->wait_pid = (pid_t)c->a[0];
}

/* waitid's (idtype, id) expressed as wait4's pid argument. */
static void dec_waitid(const struct dec_ctx *c, struct sj_wait *w)
{
	pid_t id = (pid_t)c->a[1];
	switch ((int)c->a[0]) {
	case P_PID: w->wait_pid = id; break;
	case P_PGID: w->wait_pid = id ? -id : 0; break; /* 0: the caller's group */
	case P_PIDFD: {
		pid_t p = sj_procfs_pidfd_pid(c->pid, id);
		w->wait_pid = p > 0 ? p : -1;
		break;
	}
	default: w->wait_pid = -1; break; /* P_ALL */
	}
}

/* futex(uaddr, op, val, timeout, uaddr2, val3).  Which ops block, and how
 * their timeout is meant (kernel/futex/syscall.c futex_init_timeout):
 * FUTEX_WAIT takes a relative timeout; WAIT_BITSET, WAIT_REQUEUE_PI and
 * LOCK_PI2 an absolute one on CLOCK_MONOTONIC (CLOCK_REALTIME with
 * FUTEX_CLOCK_REALTIME); LOCK_PI an absolute CLOCK_REALTIME one. */
static void dec_futex(const struct dec_ctx *c, struct sj_wait *w)
{
	int op = (int)c->a[1];
	int cmd = op & FUTEX_CMD_MASK;
	w->futex_addr = c->a[0];
	w->futex_op = cmd;
	w->futex_private = !!(op & FUTEX_PRIVATE_FLAG);
	clockid_t clk = (op & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	switch (cmd) {
	case FUTEX_WAIT:
		timeout_rel_ts(c, c->a[3], w);
		break;
	case FUTEX_WAIT_BITSET:
	case FUTEX_WAIT_REQUEUE_PI:
	case FUTEX_LOCK_PI2:
		timeout_abs_ts(c, c->a[3], clk, w);
		break;
	case FUTEX_LOCK_PI:
		timeout_abs_ts(c, c->a[3], CLOCK_REALTIME, w);
		break;
	default:
		break;
	}
}

/* futex_waitv(waiters, nr, flags, timeout, clockid): an OR-wait on several
 * words; we record the first.  The timeout is absolute on clockid. */
struct sj_futex_waitv {
	uint64_t val, uaddr;
	uint32_t flags, reserved;
};

static void dec_futex_waitv(const struct dec_ctx *c, struct sj_wait *w)
{
	struct sj_futex_waitv fw;
	w->futex_op = FUTEX_WAIT;
	if (c->a[1] && sj_read_mem(c->pid, c->a[0], &fw, sizeof fw) == 0) {
		w->futex_addr = fw.uaddr;
		w->futex_private = !!(fw.flags & FUTEX2_PRIVATE);
	}
	timeout_abs_ts(c, c->a[3], (clockid_t)c->a[4], w);
}

static void dec_nanosleep(const struct dec_ctx *c, struct sj_wait *w)
{
	w->has_timeout = 1; /* even an unreadable request ends by itself */
	timeout_rel_ts(c, c->a[0], w);
}

static void dec_clock_nanosleep(const struct dec_ctx *c, struct sj_wait *w)
{
	w->has_timeout = 1;
	if (c->a[1] & TIMER_ABSTIME)
		timeout_abs_ts(c, c->a[2], (clockid_t)c->a[0], w);
	else
		timeout_rel_ts(c, c->a[2], w);
}

static void dec_sigtimedwait(const struct dec_ctx *c, struct sj_wait *w)
{
	timeout_rel_ts(c, c->a[2], w);
}

static void dec_restart(const struct dec_ctx *c, struct sj_wait *w)
{
	w->has_timeout = 1; /* see syscalls.def: only timed waits restart this way */
}

static const struct sj_syscall_row {
	long nr;
	enum sj_wait_kind kind;
	sj_decoder decode;
} table[] = {
#define SJ_SC(name, kind, dec) { SYS_##name, kind, dec },
#include "syscalls.def"
#undef SJ_SC
};

static const struct sj_syscall_row *row_of(long nr)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].nr == nr)
			return &table[i];
	return NULL;
}

void sj_decode_wait(pid_t pid, struct sj_thread *t)
{
	struct sj_wait *w = &t->wait;
	free(w->fds);
	memset(w, 0, sizeof *w);
	w->timeout_ns = -1;
	w->wait_pid = 0;
	if (t->state == 'T' || t->state == 't') {
		w->kind = SJ_WAIT_STOPPED;
		return;
	}
	/* R: on a CPU or runnable.  Z/X: exiting.  nr -1: blocked but not in
	 * a syscall (page fault) or running between syscalls. */
	if (t->state == 'R' || t->state == 'Z' || t->state == 'X' || t->syscall_nr == -1) {
		w->kind = SJ_WAIT_NONE;
		return;
	}
	if (t->syscall_nr < 0) { /* /proc/TID/syscall unreadable */
		w->kind = SJ_WAIT_OTHER;
		return;
	}
	const struct sj_syscall_row *r = row_of(t->syscall_nr);
	if (!r) {
		w->kind = SJ_WAIT_OTHER;
		return;
	}
	w->kind = r->kind;
	struct dec_ctx c = { .pid = pid, .a = t->syscall_args };
	r->decode(&c, w);
}

/* include/linux/errno.h: never seen by user space, but seen by a tracer
 * that stops the thread before the syscall's restart is decided. */
#define SJ_ERESTARTSYS 512
#define SJ_ERESTARTNOINTR 513
#define SJ_ERESTARTNOHAND 514
#define SJ_ERESTART_RESTARTBLOCK 516

static const long interrupted_rets[] = {
	-SJ_ERESTARTSYS, -SJ_ERESTARTNOINTR, -SJ_ERESTARTNOHAND, -SJ_ERESTART_RESTARTBLOCK, -EINTR,
};

int sj_syscall_interrupted(long ret)
{
	for (size_t i = 0; i < sizeof interrupted_rets / sizeof interrupted_rets[0]; i++)
		if (ret == interrupted_rets[i])
			return 1;
	return 0;
}

int sj_wait_compares_word(const struct sj_thread *t)
{
	return t->wait.kind == SJ_WAIT_FUTEX && t->syscall_nr == SYS_futex &&
	       (t->wait.futex_op == FUTEX_WAIT || t->wait.futex_op == FUTEX_WAIT_BITSET);
}

int sj_wait_confirmed(const struct sj_thread *t, const struct sj_recheck *now)
{
	if (!now->ok || t->syscall_nr < 0 || now->nr != t->syscall_nr)
		return 0;
	if (memcmp(now->args, t->syscall_args, sizeof now->args) != 0)
		return 0; /* same syscall, another call (another fd, futex word) */
	/* It never left the wait: it was scheduled in at most once between
	 * the two looks when stopped (our interrupt woke it into the trap;
	 * the trap's sleep may not be counted yet when waitpid reports it),
	 * never when not.  schedstat's run count is cheap but also counts a
	 * preemption between that wake-up and the trap; the voluntary switch
	 * count is not fooled by preemption and is read when the run count
	 * is not conclusive.  0 means unreadable. */
	uint64_t lim = now->stopped ? 1 : 0;
	int by_runs = t->sched_runs && now->runs && now->runs >= t->sched_runs &&
		      now->runs - t->sched_runs <= lim;
	int by_vcsw = t->vcsw && now->vcsw && now->vcsw >= t->vcsw && now->vcsw - t->vcsw <= lim;
	if (!by_runs && !by_vcsw)
		return 0;
	/* The waker may be gone without a trace: a thread created after the
	 * task list was read, still running when the waiter stopped, exited
	 * before the list was read again (its exit cleared the tid pthread_join
	 * waits on).  The restarted wait returns at once if the word moved. */
	if (sj_wait_compares_word(t) && (!now->have_word || now->word != (uint32_t)t->syscall_args[2]))
		return 0;
	if (!now->stopped)
		return 1;
	/* rax holds the syscall's result if it finished before the trap:
	 * then it was no longer waiting. */
	return sj_syscall_interrupted(now->ret);
}
