/* attach.c — PTRACE_SEIZE/INTERRUPT/DETACH of one process's threads, and
 * the signal guard that detaches them if the tracer is interrupted. */
#include "attach.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"

/* How long a thread may take to reach its PTRACE_EVENT_STOP.  A thread in
 * uninterruptible sleep (D) only traps when it leaves it. */
#define SJ_STOP_DEADLINE_NS (3ULL * 1000000000ULL)
/* After the deadline, detach waits this much more before giving up. */
#define SJ_DETACH_GRACE_NS (2ULL * 1000000000ULL)
/* Re-list /proc/PID/task at most this often before calling it unstable. */
#define SJ_MAX_ROUNDS 64

void (*sj_capture_test_stopped_hook)(pid_t pid);
void (*sj_attach_test_seized_hook)(pid_t tid);

uint64_t sj_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- the async-signal-safe table of seized tids ------------------------
 * Written only by the tracer thread; read by the guard handler.  A slot is
 * filled before PTRACE_SEIZE and cleared after PTRACE_DETACH, so the
 * handler may detach a tid twice (ESRCH, harmless) but never misses one.
 * Capture works one process at a time, so the table holds one process's
 * threads; a process with more threads than this is refused. */
#define SJ_GUARD_MAX 16384
static volatile pid_t g_tids[SJ_GUARD_MAX];
static volatile int g_sigs[SJ_GUARD_MAX];
static volatile sig_atomic_t g_ntids;
static volatile pid_t g_tracer_tid;
volatile sig_atomic_t sj_guard_fired; /* the signal that fired, 0 if none */

static int guard_add(pid_t tid)
{
	int slot = g_ntids;
	if (slot >= SJ_GUARD_MAX)
		return -ENOSPC;
	g_tracer_tid = (pid_t)syscall(SYS_gettid);
	g_tids[slot] = tid;
	g_sigs[slot] = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	g_ntids = slot + 1;
	return slot;
}

static void guard_set_sig(pid_t tid, int sig)
{
	for (int i = 0; i < g_ntids; i++)
		if (g_tids[i] == tid)
			g_sigs[i] = sig;
}

static void guard_remove(pid_t tid)
{
	for (int i = 0; i < g_ntids; i++)
		if (g_tids[i] == tid)
			g_tids[i] = 0;
	int n = g_ntids;
	while (n > 0 && g_tids[n - 1] == 0)
		n--;
	g_ntids = n;
}

/* ---- the pending list (see attach.h) -----------------------------------
 * Written by the tracer thread, from normal code with the guard signals
 * blocked and from the guard handler (which runs on that thread with them
 * blocked), so the two never interleave.  Slot 0 means free. */
static volatile pid_t g_pending[SJ_PENDING_MAX];
static volatile sig_atomic_t g_npending; /* slots in use: 0..g_npending-1 */

static const int guard_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define SJ_NGUARD (sizeof guard_signals / sizeof guard_signals[0])

static void block_guard(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < SJ_NGUARD; i++)
		sigaddset(&set, guard_signals[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

/* Async-signal-safe.  0, or -ENOSPC: the tid stays traced until this
 * process exits. */
static int pending_add_locked(pid_t tid)
{
	int n = g_npending;
	for (int i = 0; i < n; i++)
		if (g_pending[i] == tid)
			return 0;
	for (int i = 0; i < n; i++)
		if (g_pending[i] == 0) {
			g_pending[i] = tid;
			return 0;
		}
	if (n >= SJ_PENDING_MAX)
		return -ENOSPC;
	g_pending[n] = tid;
	g_npending = n + 1;
	return 0;
}

static void pending_add(pid_t tid)
{
	sigset_t old;
	block_guard(&old);
	pending_add_locked(tid);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int sj_attach_is_pending(pid_t tid)
{
	for (int i = 0; i < g_npending; i++)
		if (g_pending[i] == tid)
			return 1;
	return 0;
}

/* ---- stops -------------------------------------------------------------- */

static enum sj_stopkind classify(int status, int *sig)
{
	*sig = 0;
	if (WIFEXITED(status) || WIFSIGNALED(status))
		return SJ_STOP_GONE;
	if (!WIFSTOPPED(status))
		return SJ_STOP_NONE;
	int event = (unsigned)status >> 16;
	int s = WSTOPSIG(status);
	switch (event) {
	case PTRACE_EVENT_STOP:
		/* Under SEIZE a group-stop is reported as PTRACE_EVENT_STOP with
		 * the stopping signal; our INTERRUPT trap comes with SIGTRAP. */
		if (s == SIGSTOP || s == SIGTSTP || s == SIGTTIN || s == SIGTTOU)
			return SJ_STOP_GROUP;
		return SJ_STOP_INTERRUPT;
	case PTRACE_EVENT_EXIT:
		return SJ_STOP_EXIT;
	case 0:
		*sig = s;
		return SJ_STOP_SIGNAL;
	default:
		return SJ_STOP_INTERRUPT;
	}
}

static void nap(uint64_t ns)
{
	struct timespec ts = { 0, (long)ns };
	nanosleep(&ts, NULL);
}

/* Polls waitpid so that a thread that never stops cannot hang the tracer.
 * Spins with sched_yield first: most threads stop within microseconds,
 * and the thread's stop is counted from the INTERRUPT: a nap here would
 * be a nap it stays stopped. */
static void wait_stop(struct sj_tstop *t, uint64_t deadline)
{
	uint64_t start = sj_mono_ns();
	for (;;) {
		int status;
		pid_t r = waitpid(t->tid, &status, __WALL | WNOHANG);
		if (r == t->tid) {
			t->kind = classify(status, &t->sig);
			if (t->kind == SJ_STOP_NONE)
				continue;
			t->stopped_ns = sj_mono_ns();
			if (t->kind == SJ_STOP_SIGNAL)
				guard_set_sig(t->tid, t->sig);
			return;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) { /* ECHILD: no longer our tracee, it is gone */
			t->kind = SJ_STOP_GONE;
			return;
		}
		uint64_t now = sj_mono_ns();
		if (now >= deadline) {
			t->kind = SJ_STOP_TIMEOUT;
			return;
		}
		if (now - start < 200000)
			sched_yield();
		else
			nap(now - start < 10000000 ? 20000 : 1000000);
	}
}

/* Event stops (ours, group-stops, exit) carry (event << 8) | SIGTRAP or the
 * stop signal in si_code; a signal-delivery-stop carries the signal's own
 * si_code (SI_USER 0, SI_KERNEL 0x80, negative for SI_QUEUE/SI_TKILL...). */
static int siginfo_signal(const siginfo_t *si)
{
	return si->si_code > 0 && (si->si_code >> 8) != 0 ? 0 : si->si_signo;
}

/* 1 when tid was let go (or is gone), 0 while it is still in the kernel. */
static int reap_one(pid_t tid)
{
	int status;
	pid_t r = waitpid(tid, &status, __WALL | WNOHANG);
	if (r < 0 && errno == EINTR)
		return 0;
	if (r < 0)
		return 1; /* ECHILD: exited and reaped, or no longer ours */
	if (r == tid) {
		int sig;
		enum sj_stopkind k = classify(status, &sig);
		if (k == SJ_STOP_GONE)
			return 1; /* its exit was reported to us, and is reaped now */
		if (k == SJ_STOP_NONE)
			return 0;
		return ptrace(PTRACE_DETACH, tid, 0, (void *)(long)(k == SJ_STOP_SIGNAL ? sig : 0)) == 0 ||
		       errno != ESRCH;
	}
	/* Nothing new to report, yet it may be stopped: a waitpid(-1) of the
	 * caller (the thread's real parent, say) takes ptrace stops of our
	 * tracees too.  GETSIGINFO succeeds only on a stopped tracee. */
	siginfo_t si;
	if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) != 0) {
		if (errno == ESRCH)
			return 0; /* not stopped yet (or gone: waitpid says so next time) */
		memset(&si, 0, sizeof si); /* stopped without siginfo: no signal */
	}
	return ptrace(PTRACE_DETACH, tid, 0, (void *)(long)siginfo_signal(&si)) == 0 || errno != ESRCH;
}

size_t sj_attach_reap_pending(void)
{
	if (!g_npending)
		return 0;
	sigset_t old;
	block_guard(&old);
	size_t left = 0;
	int n = g_npending;
	for (int i = 0; i < n; i++) {
		if (!g_pending[i])
			continue;
		if (reap_one(g_pending[i]))
			g_pending[i] = 0;
		else
			left++;
	}
	while (n > 0 && g_pending[n - 1] == 0)
		n--;
	g_npending = n;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return left;
}

static struct sj_tstop *add_record(struct sj_attached *a, size_t *cap, pid_t tid)
{
	if (a->n == *cap) {
		size_t nc = *cap ? 2 * *cap : 16;
		struct sj_tstop *n = realloc(a->t, nc * sizeof *n);
		if (!n)
			return NULL;
		a->t = n;
		*cap = nc;
	}
	struct sj_tstop *t = &a->t[a->n++];
	memset(t, 0, sizeof *t);
	t->tid = tid;
	return t;
}

struct sj_tstop *sj_attached_find(struct sj_attached *a, pid_t tid)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->t[i].tid == tid)
			return &a->t[i];
	return NULL;
}

static int is_zombie_task(pid_t pid, pid_t tid)
{
	char path[96], *text;
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	if (sj_procfs_slurp(path, &text) < 0)
		return 1; /* gone counts as dead too */
	struct sj_stat st;
	int z = sj_parse_stat(text, &st) == 0 && (st.state == 'Z' || st.state == 'X');
	free(text);
	return z;
}

/* Returns 0 (seized and interrupted, or gone) or -EPERM/-ENOSPC. */
static int seize_one(pid_t pid, struct sj_tstop *t)
{
	/* Seized by an earlier capture and still in the kernel: SEIZE would
	 * fail with EPERM (we already trace it) and a detach cannot work. */
	if (sj_attach_is_pending(t->tid)) {
		sj_attach_reap_pending();
		if (sj_attach_is_pending(t->tid)) {
			t->kind = SJ_STOP_PENDING;
			return 0;
		}
	}
	if (guard_add(t->tid) < 0) {
		t->kind = SJ_STOP_GONE;
		return -ENOSPC;
	}
	/* PTRACE_O_TRACEEXIT: a thread that exits while seized stops in
	 * PTRACE_EVENT_EXIT instead of vanishing under our waitpid; without
	 * it an exiting leader waits for its threads as a zombie and
	 * waitpid on it never returns (remoteprocess learned this). */
	if (ptrace(PTRACE_SEIZE, t->tid, 0, (void *)(long)PTRACE_O_TRACEEXIT) != 0) {
		int e = errno;
		guard_remove(t->tid);
		t->kind = SJ_STOP_GONE;
		/* EPERM also comes back for a zombie thread (exit_state set). */
		if (e == EPERM && is_zombie_task(pid, t->tid))
			return 0;
		return e == ESRCH ? 0 : -e;
	}
	if (sj_attach_test_seized_hook)
		sj_attach_test_seized_hook(t->tid);
	t->interrupt_ns = sj_mono_ns();
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) != 0 && errno == ESRCH) {
		/* Died between SEIZE and INTERRUPT: waitpid reports the exit. */
	}
	t->kind = SJ_STOP_NONE;
	return 0;
}

static int known_tid(const struct sj_attached *a, pid_t tid)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->t[i].tid == tid)
			return 1;
	return 0;
}

static void detach_record(struct sj_tstop *t);

/* One thread's whole stop: interrupt, wait for the stop, let on_stopped
 * copy what it needs, detach.  Its siblings run meanwhile (a seized thread
 * that was not interrupted is not stopped), so each thread is stopped for
 * its own copy only, not for everyone's. */
static int cycle_one(pid_t pid, struct sj_tstop *t, const struct sj_attach_cb *cb)
{
	if (cb->skip && cb->skip(pid, t, cb->arg)) {
		t->kind = SJ_STOP_SKIPPED;
		return 0;
	}
	int rc = seize_one(pid, t);
	if (rc)
		return rc;
	if (t->kind == SJ_STOP_NONE)
		wait_stop(t, sj_mono_ns() + SJ_STOP_DEADLINE_NS);
	int stopped = t->kind == SJ_STOP_INTERRUPT || t->kind == SJ_STOP_GROUP ||
		      t->kind == SJ_STOP_SIGNAL || t->kind == SJ_STOP_EXIT;
	if (stopped && cb->on_stopped)
		cb->on_stopped(pid, t, cb->arg);
	detach_record(t);
	return 0;
}

int sj_attach_process(pid_t pid, const pid_t *known, size_t nknown, const struct sj_attach_cb *cb,
		      struct sj_attached *a)
{
	memset(a, 0, sizeof *a);
	a->pid = pid;
	size_t cap = 0;
	pid_t *list = NULL;
	size_t nlist = 0;
	int from_caller = 1;
	int rc = 0;

	for (int round = 0; round < SJ_MAX_ROUNDS && !sj_guard_fired; round++) {
		const pid_t *batch = from_caller ? known : list;
		size_t nbatch = from_caller ? nknown : nlist;
		/* Once the guard fired it let everything go: seize no more. */
		for (size_t i = 0; i < nbatch && !sj_guard_fired; i++) {
			if (known_tid(a, batch[i]))
				continue;
			if (!from_caller && cb->on_new)
				cb->on_new(pid, batch[i], cb->arg);
			struct sj_tstop *t = add_record(a, &cap, batch[i]);
			if (!t) {
				rc = -ENOMEM;
				goto fail;
			}
			rc = cycle_one(pid, t, cb);
			if (rc)
				goto fail;
		}

		free(list);
		list = NULL;
		int lr = sj_procfs_tasks(pid, &list, &nlist);
		if (lr) {
			nlist = 0;
			break; /* process gone; decided below */
		}
		int fresh = 0;
		for (size_t i = 0; i < nlist; i++)
			fresh |= !known_tid(a, list[i]);
		if (!fresh)
			break;
		from_caller = 0;
	}
	free(list);
	for (size_t i = 0; i < a->n; i++)
		if (a->t[i].kind != SJ_STOP_GONE)
			return 0;
	return -ESRCH;

fail:
	free(list);
	sj_detach_process(a);
	return rc;
}

/* Only syscalls: also called from the guard handler.  Returns 1 when tid
 * was let go or is gone, 0 when it did not stop within grace_ns (it is
 * still traced with our interrupt armed). */
static int detach_one(pid_t tid, int sig, uint64_t grace_ns, uint64_t (*now)(void))
{
	if (ptrace(PTRACE_DETACH, tid, 0, (void *)(long)sig) == 0 || errno != ESRCH)
		return 1;
	/* ESRCH: gone, or not stopped yet (our INTERRUPT is still pending,
	 * or the guard fired between SEIZE and INTERRUPT: interrupt it now,
	 * a second INTERRUPT is harmless).  Wait for the stop, then detach,
	 * passing on any signal it brings. */
	ptrace(PTRACE_INTERRUPT, tid, 0, 0);
	uint64_t end = now() + grace_ns;
	for (;;) {
		int status;
		pid_t r = waitpid(tid, &status, __WALL | WNOHANG);
		if (r < 0 && errno != EINTR)
			return 1; /* not our tracee any more */
		if (r == tid) {
			int s;
			enum sj_stopkind k = classify(status, &s);
			if (k == SJ_STOP_GONE)
				return 1;
			return ptrace(PTRACE_DETACH, tid, 0, (void *)(long)(k == SJ_STOP_SIGNAL ? s : sig)) == 0 ||
			       errno != ESRCH;
		}
		if (now() >= end)
			return 0;
		nap(1000000);
	}
}

static void detach_record(struct sj_tstop *t)
{
	int sig = t->kind == SJ_STOP_SIGNAL ? t->sig : 0;
	switch (t->kind) {
	case SJ_STOP_GONE:
	case SJ_STOP_SKIPPED: /* never seized */
	case SJ_STOP_PENDING: /* not ours to detach now: the pending list's */
		break;
	default:
		if (!detach_one(t->tid, sig, SJ_DETACH_GRACE_NS, sj_mono_ns)) {
			pending_add(t->tid);
			t->pending = 1;
		}
		break;
	}
	t->detached_ns = sj_mono_ns();
	guard_remove(t->tid);
}

void sj_detach_process(struct sj_attached *a)
{
	for (size_t i = 0; i < a->n; i++)
		if (!a->t[i].detached_ns)
			detach_record(&a->t[i]);
}

/* ---- the guard ---------------------------------------------------------- */

static struct sigaction g_old[SJ_NGUARD];
static volatile sig_atomic_t g_installed, g_wanted;

static uint64_t raw_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* async-signal-safe (POSIX 2008) */
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void guard_handler(int sig)
{
	int saved = errno;
	pid_t tracer = g_tracer_tid;
	/* ptrace requests only work from the thread that seized: send the
	 * signal there if it landed elsewhere. */
	if (tracer && g_ntids > 0 && (pid_t)syscall(SYS_gettid) != tracer) {
		syscall(SYS_tgkill, getpid(), tracer, sig);
		errno = saved;
		return;
	}
	for (int i = 0; i < g_ntids; i++)
		if (g_tids[i] && !detach_one(g_tids[i], g_sigs[i], 200000000ULL, raw_mono_ns))
			pending_add_locked(g_tids[i]); /* if the caller's handler lets us live */
	g_ntids = 0;
	sj_guard_fired = sig;
	for (size_t i = 0; i < SJ_NGUARD; i++)
		sigaction(guard_signals[i], &g_old[i], NULL);
	g_installed = 0;
	/* Blocked while we run; delivered with the old disposition (the
	 * caller's handler, or death) as soon as we return. */
	raise(sig);
	errno = saved;
}

void sj_attach_guard_rearm(void)
{
	sj_guard_fired = 0;
	if (g_wanted)
		sj_attach_install_guard();
}

void sj_attach_install_guard(void)
{
	g_wanted = 1;
	if (g_installed)
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = guard_handler;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < SJ_NGUARD; i++)
		sigaddset(&sa.sa_mask, guard_signals[i]);
	for (size_t i = 0; i < SJ_NGUARD; i++) {
		struct sigaction old;
		sigaction(guard_signals[i], NULL, &old);
		/* An ignored signal cannot interrupt the capture; keep it ignored. */
		if (old.sa_handler == SIG_IGN && !(old.sa_flags & SA_SIGINFO)) {
			g_old[i] = old;
			continue;
		}
		sigaction(guard_signals[i], &sa, &g_old[i]);
	}
	g_installed = 1;
}
