/* capture.c — sj_capture: procfs facts, stop, unwind, resume, symbolize.
 *
 * Order matters, per process:
 *   1. read every thread's state/wchan/syscall and decode its wait while it
 *      still runs (a stopped thread always looks idle);
 *   2. one thread at a time: seize+interrupt it, copy its stack, detach
 *      it — the only window in which a thread is stopped, measured per
 *      thread (see the stop cycle in stop_unwind_resume);
 *   3. after all processes are resumed: symbolize, then run enrichers
 *      (Python frames) that only read memory.
 * Processes are handled one at a time, so at most one is stopped. */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "procfs.h"
#include "python.h"
#include "reach.h"
#include "sockdiag.h"
#include "stopfx.h"
#include "symbolize.h"
#include "syscalls.h"
#include "unwind.h"

#define EPERM_HINT                                                                              \
	"run as root or with CAP_SYS_PTRACE, set /proc/sys/kernel/yama/ptrace_scope to 0 (or 1 " \
	"and trace a descendant), or start the program under `sigjam run`"

struct cap {
	const struct sj_capture_opts *opts;
	struct sj_snapshot *s;
	struct sj_unwinder *unw;
	struct sj_diag diag;     /* every socket's endpoints, read before any stop */
	char *err;
	size_t errlen;
};

static int fail(struct cap *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct cap *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (c->err && c->errlen)
		vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return code;
}

static void note(struct sj_snapshot *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct sj_snapshot *s, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char **n = realloc(s->notes, (s->nnotes + 1) * sizeof *n);
	if (!n)
		return;
	s->notes = n;
	if ((n[s->nnotes] = strdup(buf)))
		s->nnotes++;
}

static void set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? strdup(src) : NULL;
}

/* ---- step 1: facts before stopping ------------------------------------- */

static struct sj_thread *add_thread(struct sj_process *p)
{
	struct sj_thread *n = realloc(p->threads, (p->nthreads + 1) * sizeof *n);
	if (!n)
		return NULL;
	p->threads = n;
	struct sj_thread *t = &n[p->nthreads++];
	memset(t, 0, sizeof *t);
	t->syscall_nr = -2;
	t->wait.timeout_ns = -1;
	return t;
}

/* Drops the thread add_thread just added (only procfs fields are set). */
static void free_last_thread(struct sj_process *p)
{
	struct sj_thread *t = &p->threads[p->nthreads - 1];
	free(t->name);
	free(t->wchan);
	free(t->wait.fds);
	p->nthreads--;
}

/* Returns 0, or -EACCES/-EPERM if /proc/TID/syscall is closed to us. */
static int read_thread(struct sj_process *p, pid_t tid)
{
	struct sj_thread *t = add_thread(p);
	if (!t)
		return -ENOMEM;
	int r = sj_procfs_thread(p->pid, tid, t);
	if (r) {
		free_last_thread(p); /* exited since the listing */
		return r == -EACCES || r == -EPERM ? r : 0;
	}
	/* Through the thread's own id: a zombie leader has no mm or fd table
	 * for /proc/PID or process_vm_readv(PID), its live threads do. */
	sj_decode_wait(tid, t);
	return 0;
}

static struct sj_thread *thread_of(struct sj_process *p, pid_t tid)
{
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i].tid == tid)
			return &p->threads[i];
	return NULL;
}

/* The leader first (a wrapped pid can make a thread's tid smaller). */
static void leader_first(pid_t pid, pid_t *tids, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (tids[i] == pid) {
			tids[i] = tids[0];
			tids[0] = pid;
		}
}

/* How full the pipes are that p's threads wait on: a reader of a pipe
 * with data, a writer of one with a page of room, is being woken, not
 * stuck (read with the other facts, before any stop). */
static int waited_on(const struct sj_process *p, int fd)
{
	for (size_t i = 0; i < p->nthreads; i++)
		for (size_t k = 0; k < p->threads[i].wait.nfds; k++)
			if (p->threads[i].wait.fds[k].fd == fd)
				return 1;
	return 0;
}

static void read_pipe_fills(struct sj_process *p)
{
	int pidfd = -1;
	for (size_t i = 0; i < p->nfds; i++) {
		struct sj_fd *f = &p->fds[i];
		if ((f->kind != SJ_FDK_PIPE && f->kind != SJ_FDK_FIFO) || !waited_on(p, f->fd))
			continue;
		if (pidfd < 0 && (pidfd = sj_procfs_pidfd(p->pid)) < 0)
			return;
		sj_procfs_pipe_fill(pidfd, f->fd, &f->pipe_queued, &f->pipe_size);
	}
	if (pidfd >= 0)
		close(pidfd);
}

/* ---- step 2: the stop window --------------------------------------------- */

static const char *stop_problem(enum sj_stopkind k)
{
	switch (k) {
	case SJ_STOP_GONE: return "thread exited during capture";
	case SJ_STOP_TIMEOUT: return "thread did not stop within 3 s (uninterruptible sleep?)";
	case SJ_STOP_PENDING: return "thread still in the kernel since an earlier capture (uninterruptible sleep?)";
	case SJ_STOP_EXIT: return "thread was exiting";
	default: return NULL;
	}
}

static pid_t tracer_of(pid_t pid)
{
	char path[64], *text;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (sj_procfs_slurp(path, &text) < 0)
		return 0;
	const char *tp = strstr(text, "\nTracerPid:");
	pid_t r = tp ? (pid_t)strtol(tp + 11, NULL, 10) : 0;
	free(text);
	return r;
}

/* A thread's stop counts from the INTERRUPT sent to it, not from when
 * waitpid reported it: the thread may stop at once while we are still
 * interrupting its siblings, and the target sees every microsecond of that
 * (bench/run's cross-check agreed within 2 µs once counted this way). */
static void account_stop(struct sj_snapshot *s, const struct sj_tstop *t)
{
	uint64_t from = t->interrupt_ns ? t->interrupt_ns : t->stopped_ns;
	if (!t->stopped_ns || !from || t->detached_ns < from)
		return;
	uint64_t d = t->detached_ns - from;
	s->total_stop_ns += d;
	if (d > s->max_stop_ns)
		s->max_stop_ns = d;
}

/* ---- confirming waits across the stop -------------------------------------
 * The waits were decoded from /proc before the stop, and a thread that
 * blocks for microseconds at a time (pthread_join in a create/join loop, a
 * futex hand-off) has often moved on by the time it stops: two threads read
 * a few microseconds apart can both look blocked, a main thread can look
 * like the only thread waiting on a private futex.  Analysis would call
 * that a deadlock.  So every wait is looked at again, from the registers
 * of the stopped thread, and kept only if the thread never left it. */

static int in_ptrace_stop(enum sj_stopkind k)
{
	return k == SJ_STOP_INTERRUPT || k == SJ_STOP_GROUP || k == SJ_STOP_SIGNAL;
}

/* While tid is ptrace-stopped.  orig_rax is the syscall it was in, rax
 * its result or the -ERESTART* code our interrupt produced (the trap is
 * taken before the restart rewrites rax), rdi..r9 its arguments as
 * /proc/TID/syscall prints them. */
static void read_futex_word(const struct sj_thread *t, struct sj_recheck *rk)
{
	if (sj_wait_compares_word(t))
		rk->have_word = sj_read_mem(t->tid, t->syscall_args[0], &rk->word, sizeof rk->word) == 0;
}

/* /proc/TID/schedstat opened BEFORE the stop, so that the stop window
 * only preads it: the path walk of an open() costs more than the read. */
static int *open_runs_fds(const struct sj_process *p)
{
	int *fds = malloc((p->nthreads ? p->nthreads : 1) * sizeof *fds);
	for (size_t i = 0; fds && i < p->nthreads; i++) {
		char path[96];
		snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", (int)p->pid, (int)p->threads[i].tid);
		fds[i] = p->threads[i].sched_runs ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	}
	return fds;
}

static void close_runs_fds(int *fds, size_t n)
{
	for (size_t i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}

static int pread_runs(int fd, uint64_t *runs)
{
	char buf[128];
	unsigned long long a, b, n = 0;
	ssize_t r = fd >= 0 ? pread(fd, buf, sizeof buf - 1, 0) : -1;
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	if (sscanf(buf, "%llu %llu %llu", &a, &b, &n) != 3 || n == 0)
		return -1;
	*runs = n;
	return 0;
}

static void recheck_stopped(pid_t pid, const struct sj_thread *t, const struct sj_stack_copy *copy,
			    int runs_fd, struct sj_recheck *rk)
{
	pid_t tid = t->tid;
	struct user_regs_struct regs;
	if (copy && copy->ok)
		regs = copy->regs;
	else if (ptrace(PTRACE_GETREGS, tid, 0, &regs) != 0)
		return;
	rk->stopped = 1;
	rk->nr = (long)regs.orig_rax;
	rk->ret = (long)regs.rax;
	const uint64_t args[6] = { regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9 };
	memcpy(rk->args, args, sizeof args);
	rk->sp = regs.rsp;
	rk->pc = regs.rip;
	/* A thread with no wait has nothing to confirm (confirm_waits skips
	 * it), and a running one is the stop that lasts longest already: no
	 * /proc read while it is stopped. */
	if (t->wait.kind == SJ_WAIT_NONE || t->wait.kind == SJ_WAIT_STOPPED)
		return;
	/* The thread stays stopped while this runs: the cheap schedstat run
	 * count first; status's 60 lines only when it is missing or does not
	 * settle the question (see sj_wait_confirmed). */
	int runs_ok = t->sched_runs && pread_runs(runs_fd, &rk->runs) == 0;
	if (!runs_ok || rk->runs - t->sched_runs > 1)
		sj_procfs_thread_vcsw(pid, tid, &rk->vcsw);
	rk->ok = runs_ok || rk->vcsw;
	read_futex_word(t, rk);
}

/* For a thread that was not stopped.  /proc/TID/syscall BEFORE the
 * switch count: a thread that woke after the count was read and
 * blocked again by the syscall read would otherwise look confirmed. */
static void recheck_proc(pid_t pid, const struct sj_thread *t, struct sj_recheck *rk)
{
	memset(rk, 0, sizeof *rk);
	if (sj_procfs_thread_syscall(pid, t->tid, &rk->nr, rk->args, &rk->sp, &rk->pc) != 0)
		return;
	int runs_ok = t->sched_runs && sj_procfs_thread_runs(pid, t->tid, &rk->runs) == 0;
	if (!runs_ok || rk->runs != t->sched_runs)
		sj_procfs_thread_vcsw(pid, t->tid, &rk->vcsw);
	rk->ok = runs_ok || rk->vcsw;
	read_futex_word(t, rk);
}

/* The wait ended before the stop: the thread was making progress.  Its
 * syscall facts become the ones seen at the second look, so that they
 * agree with its stack. */
static void drop_wait(struct sj_thread *t, const struct sj_recheck *now)
{
	free(t->wait.fds);
	memset(&t->wait, 0, sizeof t->wait);
	t->wait.kind = SJ_WAIT_NONE;
	t->wait.timeout_ns = -1;
	if (!now->ok)
		return;
	int in_call = now->nr >= 0 && (!now->stopped || sj_syscall_interrupted(now->ret));
	t->syscall_nr = in_call ? now->nr : -1;
	memcpy(t->syscall_args, now->args, sizeof t->syscall_args);
	t->sp = now->sp;
	t->pc = now->pc;
}

/* att/rk: the stop records and what the stop window saw (NULL: the
 * process was not stopped, every thread is looked at through /proc). */
static void confirm_waits(struct cap *c, struct sj_process *p, struct sj_attached *att,
			  const struct sj_recheck *rk)
{
	char tids[160] = "";
	size_t len = 0, dropped = 0;
	for (size_t i = 0; i < p->nthreads; i++) {
		struct sj_thread *t = &p->threads[i];
		/* STOPPED comes from the state letter, which analysis reads. */
		if (t->wait.kind == SJ_WAIT_NONE || t->wait.kind == SJ_WAIT_STOPPED)
			continue;
		struct sj_tstop *st = att ? sj_attached_find(att, t->tid) : NULL;
		struct sj_recheck now = { 0 };
		if (st && in_ptrace_stop(st->kind)) {
			if (rk)
				now = rk[st - att->t];
		} else if (!st || st->kind == SJ_STOP_TIMEOUT || st->kind == SJ_STOP_PENDING ||
			   st->kind == SJ_STOP_SKIPPED) {
			recheck_proc(p->pid, t, &now);
		} /* else it exited or was exiting: its wait is over */
		if (sj_wait_confirmed(t, &now))
			continue;
		drop_wait(t, &now);
		if (dropped++ < 8 && len < sizeof tids)
			len += (size_t)snprintf(tids + len, sizeof tids - len, "%s%d", len ? ", " : "", (int)t->tid);
	}
	if (dropped)
		note(c->s,
		     "pid %d: %zu thread(s) (%s%s) left the wait /proc showed before it could be "
		     "confirmed (it ran in between): their waits are not counted",
		     (int)p->pid, dropped, tids, dropped > 8 ? ", ..." : "");
}

/* What the stop window of one process collects, indexed like att->t
 * (which grows while threads appear, so these grow with it). */
struct window {
	struct cap *c;
	struct sj_process *p;
	struct sj_attached *att;
	struct sj_stack_copy *copies;
	struct sj_recheck *rk;
	size_t cap;
	int *runs_fds; /* for p->threads[0..nruns), opened before the stop */
	size_t nruns;
	size_t nknown; /* p->threads[0..nknown) were read before any stop */
	int hooked;
};

static int window_grow(struct window *w, size_t n)
{
	if (n <= w->cap)
		return 0;
	size_t nc = n < 2 * w->cap ? 2 * w->cap : n;
	struct sj_stack_copy *c = realloc(w->copies, nc * sizeof *c);
	if (c)
		w->copies = c;
	struct sj_recheck *r = realloc(w->rk, nc * sizeof *r);
	if (r)
		w->rk = r;
	if (!c || !r)
		return -1;
	memset(w->copies + w->cap, 0, (nc - w->cap) * sizeof *c);
	memset(w->rk + w->cap, 0, (nc - w->cap) * sizeof *r);
	w->cap = nc;
	return 0;
}

static void window_free(struct window *w, size_t n)
{
	for (size_t i = 0; w->copies && i < n && i < w->cap; i++)
		sj_stack_copy_release(&w->copies[i]);
	free(w->copies);
	free(w->rk);
	close_runs_fds(w->runs_fds, w->nruns);
}

static void on_new_thread(pid_t pid, pid_t tid, void *arg)
{
	struct window *w = arg;
	read_thread(w->p, tid);
}

/* sj_skip_fn: what the thread does right now (not at the first look, which
 * may be milliseconds old) decides.  A call the kernel would not restart
 * as if nothing happened (stopfx.def: epoll_wait's EINTR, a large write's
 * short count) is left alone: its stack is copied while it stays blocked,
 * and its wait is confirmed through /proc like any thread not stopped. */
static int skip_if_visible(pid_t pid, struct sj_tstop *st, void *arg)
{
	struct window *w = arg;
	long nr;
	uint64_t args[6], sp, pc;
	if (sj_procfs_thread_syscall(pid, st->tid, &nr, args, &sp, &pc) != 0 ||
	    sj_stop_effect(nr, args) == SJ_FX_RESTARTS)
		return 0;
	size_t i = (size_t)(st - w->att->t);
	if (w->c->unw && window_grow(w, i + 1) == 0)
		sj_stack_grab_blocked(w->p, st->tid, nr, args, sp, pc, &w->copies[i]);
	return 1;
}

/* The stop window of one thread (sj_stopped_fn): registers, stack copy
 * and the context-switch count that confirms its wait; nothing else. */
static void on_thread_stopped(pid_t pid, struct sj_tstop *st, void *arg)
{
	struct window *w = arg;
	struct sj_process *p = w->p;
	struct sj_thread *t = thread_of(p, st->tid);
	size_t i = (size_t)(st - w->att->t);
	if (!t || window_grow(w, i + 1) != 0)
		return;
	if (w->c->unw)
		sj_stack_grab(p, t->tid, &w->copies[i]);
	size_t ti = (size_t)(t - p->threads);
	if (in_ptrace_stop(st->kind))
		recheck_stopped(pid, t, w->c->unw ? &w->copies[i] : NULL,
				w->runs_fds && ti < w->nruns ? w->runs_fds[ti] : -1, &w->rk[i]);
	/* At the last known thread: every sibling has had its stop by then. */
	if (sj_capture_test_stopped_hook && !w->hooked && i + 1 >= w->nknown) {
		w->hooked = 1;
		sj_capture_test_stopped_hook(pid);
	}
}

/* Threads that appeared after the first stop: their procfs facts were read
 * after other threads had been stopped and let go, so the proof at the
 * stop cycle (below) does not cover them: their waits are not counted. */
static void drop_late_waits(struct cap *c, struct window *w)
{
	size_t late = 0;
	for (size_t i = w->nknown; i < w->p->nthreads; i++) {
		struct sj_thread *t = &w->p->threads[i];
		if (t->wait.kind == SJ_WAIT_NONE || t->wait.kind == SJ_WAIT_STOPPED)
			continue;
		struct sj_recheck none = { 0 };
		drop_wait(t, &none);
		late++;
	}
	if (late)
		note(c->s,
		     "pid %d: %zu thread(s) appeared while its threads were being stopped: their waits "
		     "were read after others ran again and are not counted",
		     (int)w->p->pid, late);
}

/* Reads the threads that appeared since the task list was read, until a
 * listing holds no unread tid: that listing, taken after every read and
 * before any stop, is the t0 of the argument at the stop cycle.  Without
 * it a thread created just after the first listing (the one pthread_join
 * waits for) could run past its waiter's stop and exit before the cycle
 * lists the tasks again, leaving the waiter confirmed with no waker. */
static void settle_thread_list(struct sj_process *p)
{
	for (int round = 0; round < 8; round++) {
		pid_t *tids = NULL;
		size_t n = 0, fresh = 0;
		if (sj_procfs_tasks(p->pid, &tids, &n) != 0)
			return;
		for (size_t i = 0; i < n; i++)
			if (!thread_of(p, tids[i])) {
				read_thread(p, tids[i]);
				fresh++;
			}
		free(tids);
		if (!fresh)
			return;
	}
}

/* Returns SJ_CAP_OK, or SJ_CAP_EPERM for a named pid we may not trace;
 * everything else is a note. */
static int stop_unwind_resume(struct cap *c, struct sj_process *p)
{
	settle_thread_list(p);
	size_t nknown = p->nthreads;
	pid_t *known = malloc((nknown ? nknown : 1) * sizeof *known);
	if (!known)
		return SJ_CAP_OK;
	for (size_t i = 0; i < nknown; i++)
		known[i] = p->threads[i].tid;

	/* The stop cycle.  Each thread in turn is interrupted, copied (see
	 * on_thread_stopped) and detached; the rest run meanwhile, so a thread
	 * is stopped for its own copy only, not for every sibling's.
	 *
	 * Why a deadlock found in this snapshot is still real although the
	 * threads were never all stopped at once: every wait of
	 * p->threads[0..nknown) was read from /proc, and the task list seen
	 * to hold no other thread (settle_thread_list), before the first stop
	 * (time t0).  At its own stop each thread's wait is confirmed
	 * (confirm_waits: same syscall and arguments, the run count or the
	 * voluntary switches show it never woke, rax shows our interrupt cut
	 * the wait short rather than its completion), so it was blocked from
	 * t0 to its stop; detached, it restarts the same wait (-ERESTART*),
	 * and stays blocked until a waker acts.  Take a set of threads whose
	 * wakers are all in the set: all were blocked at t0, and the first of
	 * them to wake after t0 would need a waker that ran after t0 — one
	 * of the set, still blocked then.  So none ever wakes: the same
	 * conclusion as from one instant at which all were stopped.  A thread
	 * that appears during the cycle was created after t0 by one that ran,
	 * so by none of the set, and was read after others ran again:
	 * drop_late_waits keeps its wait out of the argument. */
	struct sj_attached att;
	struct window w = { .c = c, .p = p, .att = &att, .nknown = nknown };
	w.runs_fds = open_runs_fds(p); /* before on_new_thread can grow p->threads */
	w.nruns = p->nthreads;
	const struct sj_attach_cb cb = { on_new_thread, skip_if_visible, on_thread_stopped, &w };
	int r = sj_attach_process(p->pid, known, nknown, &cb, &att);
	free(known);
	if (r) {
		window_free(&w, att.n);
		free(att.t);
	}
	if (r == -EPERM) {
		pid_t tracer = tracer_of(p->pid);
		if (tracer && p->is_target)
			return fail(c, SJ_CAP_EPERM,
				    "pid %d is already traced by pid %d (a debugger or strace?): detach it first",
				    (int)p->pid, (int)tracer);
		if (p->is_target)
			return fail(c, SJ_CAP_EPERM, "ptrace of pid %d not permitted: " EPERM_HINT, (int)p->pid);
		set_str(&p->capture_error, "ptrace not permitted: no native stacks");
		note(c->s, "pid %d: ptrace not permitted, native stacks missing", (int)p->pid);
		confirm_waits(c, p, NULL, NULL);
		return SJ_CAP_OK;
	}
	if (r) {
		set_str(&p->capture_error, r == -ESRCH ? "exited during capture" : strerror(-r));
		note(c->s, "pid %d %s", (int)p->pid,
		     r == -ESRCH ? "exited during capture" : "could not be stopped");
		confirm_waits(c, p, NULL, NULL);
		return SJ_CAP_OK;
	}
	/* Records that never stopped have no slot yet. */
	window_grow(&w, att.n);
	struct sj_stack_copy *copies = w.cap >= att.n ? w.copies : NULL;
	drop_late_waits(c, &w);
	confirm_waits(c, p, &att, w.cap >= att.n ? w.rk : NULL);

	/* Resumed: unwind from the copies. */
	if (c->unw)
		sj_unwinder_switch_process(c->unw, p);
	for (size_t i = 0; i < att.n; i++) {
		account_stop(c->s, &att.t[i]);
		if (att.t[i].pending)
			note(c->s,
			     "pid %d thread %d did not stop within 5 s (uninterruptible sleep?): it is "
			     "still traced until it leaves the kernel; detached then",
			     (int)p->pid, (int)att.t[i].tid);
		else if (att.t[i].kind == SJ_STOP_TIMEOUT)
			note(c->s, "pid %d thread %d did not stop within 3 s; detached when it stopped later",
			     (int)p->pid, (int)att.t[i].tid);
		else if (att.t[i].kind == SJ_STOP_PENDING)
			note(c->s,
			     "pid %d thread %d is still in the kernel since an earlier capture: not "
			     "stopped, still traced until it leaves the kernel; detached then",
			     (int)p->pid, (int)att.t[i].tid);
		struct sj_thread *t = thread_of(p, att.t[i].tid);
		if (!t)
			continue;
		const char *why = stop_problem(att.t[i].kind);
		if (why && att.t[i].kind != SJ_STOP_EXIT)
			set_str(&t->unwind_error, why);
		else if (copies && c->unw)
			sj_unwind_copy(c->unw, &copies[i], t);
		if (copies)
			sj_stack_copy_release(&copies[i]);
	}
	window_free(&w, copies ? 0 : att.n);
	free(att.t);
	return SJ_CAP_OK;
}

/* ---- one process ----------------------------------------------------------- */

static struct sj_process *add_process(struct sj_snapshot *s)
{
	struct sj_process *n = realloc(s->procs, (s->nprocs + 1) * sizeof *n);
	if (!n)
		return NULL;
	s->procs = n;
	struct sj_process *p = &n[s->nprocs++];
	memset(p, 0, sizeof *p);
	p->exit_status = -1;
	return p;
}

static int has_live_thread(const struct sj_process *p)
{
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i].state != 'Z' && p->threads[i].state != 'X')
			return 1;
	return 0;
}

static int capture_process(struct cap *c, pid_t pid, int is_target)
{
	struct sj_process *p = add_process(c->s);
	if (!p)
		return fail(c, SJ_CAP_FAILED, "out of memory capturing pid %d", (int)pid);
	p->pid = pid;
	p->is_target = is_target;
	int r = sj_procfs_process(pid, p);
	if (r == -EACCES || r == -EPERM) {
		if (is_target)
			return fail(c, SJ_CAP_EPERM,
				    "ptrace of pid %d not permitted (/proc/%d/fd is closed to us): " EPERM_HINT,
				    (int)pid, (int)pid);
		note(c->s, "pid %d: /proc not readable, facts incomplete", (int)pid);
	} else if (r) {
		note(c->s, "pid %d vanished before it was captured", (int)pid);
		set_str(&p->capture_error, "vanished before capture");
		return SJ_CAP_OK;
	}

	pid_t *tids = NULL;
	size_t n = 0;
	if (sj_procfs_tasks(pid, &tids, &n) != 0) {
		note(c->s, "pid %d vanished during capture", (int)pid);
		set_str(&p->capture_error, "exited during capture");
		return SJ_CAP_OK;
	}
	leader_first(pid, tids, n);
	for (size_t i = 0; i < n; i++) {
		r = read_thread(p, tids[i]);
		if (r && is_target) {
			free(tids);
			return fail(c, SJ_CAP_EPERM, "ptrace of pid %d not permitted: " EPERM_HINT, (int)pid);
		}
	}
	free(tids);

	/* A zombie has no threads to stop and no stack: its exit status is
	 * the fact.  Linux keeps no time of death for it, so zombie_since_ns
	 * stays 0 (unknown); the journal's "reap"/"exit" records date it.
	 * A zombie LEADER with live threads (main called pthread_exit) is a
	 * live process: no exit status yet, and its threads get stopped. */
	if (!has_live_thread(p))
		return SJ_CAP_OK;
	if (p->state == 'Z' || p->state == 'X') {
		p->exit_status = -1;
		for (size_t i = 0; i < p->nthreads; i++)
			if (p->threads[i].state != 'Z' && p->threads[i].state != 'X') {
				sj_procfs_process_files(pid, p->threads[i].tid, p);
				break;
			}
	}
	sj_diag_fill_process(&c->diag, p);
	read_pipe_fills(p);
	if (!c->unw && c->opts->python == SJ_PY_OFF) {
		/* nothing needs the threads stopped: a second /proc look */
		confirm_waits(c, p, NULL, NULL);
		return SJ_CAP_OK;
	}
	return stop_unwind_resume(c, p);
}

/* ---- the whole tree ------------------------------------------------------- */

static int named_pids_exist(struct cap *c)
{
	if (!c->opts->pids || !c->opts->npids)
		return fail(c, SJ_CAP_FAILED, "no pid to capture: give at least one pid");
	for (size_t i = 0; i < c->opts->npids; i++) {
		pid_t pid = c->opts->pids[i];
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
		if (pid <= 0 || access(path, F_OK) != 0)
			return fail(c, SJ_CAP_NOPROC, "pid %d does not exist: check the pid (ps -p %d)",
				    (int)pid, (int)pid);
		if (pid == getpid())
			return fail(c, SJ_CAP_FAILED, "pid %d is sigjam itself: a process cannot trace itself",
				    (int)pid);
	}
	return SJ_CAP_OK;
}

/* The named pids, then their descendants (parents first), each once,
 * without ourselves (we cannot stop our own threads). */
static int build_list(struct cap *c, pid_t **out, size_t *nout)
{
	pid_t *desc = NULL;
	size_t ndesc = 0;
	if (c->opts->children && sj_procfs_descendants(c->opts->pids, c->opts->npids, &desc, &ndesc) != 0)
		note(c->s, "could not list descendants: /proc unreadable");
	pid_t *list = malloc((c->opts->npids + ndesc) * sizeof *list);
	if (!list) {
		free(desc);
		return -ENOMEM;
	}
	size_t n = 0;
	for (size_t i = 0; i < c->opts->npids + ndesc; i++) {
		pid_t pid = i < c->opts->npids ? c->opts->pids[i] : desc[i - c->opts->npids];
		int dup = pid == getpid();
		for (size_t k = 0; k < n && !dup; k++)
			dup = list[k] == pid;
		if (!dup)
			list[n++] = pid;
	}
	free(desc);
	*out = list;
	*nout = n;
	return 0;
}

static int is_named(const struct sj_capture_opts *o, pid_t pid)
{
	for (size_t i = 0; i < o->npids; i++)
		if (o->pids[i] == pid)
			return 1;
	return 0;
}

static int any_named_captured(const struct cap *c)
{
	for (size_t i = 0; i < c->s->nprocs; i++)
		if (c->s->procs[i].is_target && !c->s->procs[i].capture_error)
			return 1;
	return 0;
}

int sj_capture(const struct sj_capture_opts *opts, struct sj_snapshot *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (err && errlen)
		err[0] = '\0';
	struct cap c = { .opts = opts, .s = out, .err = err, .errlen = errlen };
	out->taken_mono_ns = sj_mono_ns();
	out->taken_real_s = (int64_t)time(NULL);
	out->clk_tck = sysconf(_SC_CLK_TCK);
	sj_attach_guard_rearm();
	sj_attach_reap_pending();

	int rc = named_pids_exist(&c);
	if (rc)
		return rc;
	pid_t *list;
	size_t n;
	if (build_list(&c, &list, &n) != 0)
		return fail(&c, SJ_CAP_FAILED, "out of memory listing processes");
	if (opts->native) {
		c.unw = sj_unwinder_new();
		if (!c.unw)
			note(out, "libunwind address space unavailable: no native stacks");
	}
	/* The kernel's socket table and lock list, before anyone is stopped. */
	if (sj_diag_read(&c.diag) != 0)
		note(out, "sock_diag unavailable: socket peers are unknown, sockets count as outside parties");
	sj_procfs_locks(&out->locks, &out->nlocks);

	for (size_t i = 0; i < n && rc == SJ_CAP_OK; i++) {
		if (sj_guard_fired) {
			rc = fail(&c, SJ_CAP_FAILED, "capture interrupted by signal %d; all threads were resumed",
				  (int)sj_guard_fired);
			break;
		}
		rc = capture_process(&c, list[i], is_named(opts, list[i]));
	}
	free(list);
	sj_unwinder_free(c.unw);
	sj_diag_free(&c.diag);
	/* The guard let everything go; what was being unwound may be partial. */
	if (rc == SJ_CAP_OK && sj_guard_fired)
		rc = fail(&c, SJ_CAP_FAILED, "capture interrupted by signal %d; all threads were resumed",
			  (int)sj_guard_fired);
	if (rc == SJ_CAP_OK && !any_named_captured(&c))
		rc = fail(&c, SJ_CAP_NOPROC, "pid %d exited before it could be captured: nothing to show",
			  (int)opts->pids[0]);
	if (rc != SJ_CAP_OK) {
		sj_snapshot_free(out);
		return rc;
	}

	/* Step 3: everyone runs again; now the slow, read-only work. */
	for (size_t i = 0; i < out->nprocs; i++) {
		struct sj_process *p = &out->procs[i];
		if (opts->symbolize && opts->native)
			sj_symbolize_process(p);
		/* Per-process enrichers go here.  They run after the process was
		 * resumed and may only read its memory (process_vm_readv) and the
		 * snapshot. */
		if (opts->python != SJ_PY_OFF) {
			struct sj_memsrc mem;
			struct sj_memsrc_live live;
			char perr[256];
			sj_memsrc_live_init(&mem, &live, p->pid);
			/* a Python that cannot be walked leaves p->python_note */
			sj_python_capture(p, &mem, perr, sizeof perr);
		}
	}
	/* Who else could connect to the named sockets the tree waits on. */
	sj_reach_fill(out);
	out->capture_ns = sj_mono_ns() - out->taken_mono_ns;
	return SJ_CAP_OK;
}

void sj_capture_reap_pending(void)
{
	sj_attach_reap_pending();
}

void sj_capture_install_signal_guard(void)
{
	sj_attach_install_guard();
}
