/* attach.h — stopping and resuming the threads of one process with
 * PTRACE_SEIZE + PTRACE_INTERRUPT (never PTRACE_ATTACH: its SIGSTOP is
 * visible to the target and to anyone waiting on it).
 *
 * Every tid this module seizes is also written to a fixed, async-signal-safe
 * table, so that the signal guard (sj_capture_install_signal_guard) can
 * detach them from a SIGINT/SIGTERM/SIGHUP handler. */
#ifndef SIGJAM_ATTACH_H
#define SIGJAM_ATTACH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How a seized thread stopped, and how it must be let go (strace's
 * classify-then-act split: sj_attach classifies, sj_detach acts). */
enum sj_stopkind {
	SJ_STOP_NONE,      /* seized, no stop seen yet: PTRACE_DETACH fails (ESRCH)
			      until it stops; detach waits for the stop first */
	SJ_STOP_INTERRUPT, /* PTRACE_EVENT_STOP from our PTRACE_INTERRUPT: detach, sig 0 */
	SJ_STOP_GROUP,     /* PTRACE_EVENT_STOP for a group-stop (it was, or is being,
			      stopped by SIGSTOP/TSTP/TTIN/TTOU): detach, sig 0 — the
			      kernel keeps it stopped, as it would be without us */
	SJ_STOP_SIGNAL,    /* signal-delivery-stop: we took the signal out of its
			      delivery; detach WITH that signal or it is lost */
	SJ_STOP_EXIT,      /* PTRACE_EVENT_EXIT (PTRACE_O_TRACEEXIT): it is exiting;
			      detach, sig 0, and it finishes exiting */
	SJ_STOP_GONE,      /* exited, or was never seized (ESRCH): nothing to do */
	SJ_STOP_TIMEOUT,   /* did not stop in time (e.g. uninterruptible sleep) */
	SJ_STOP_PENDING,   /* still seized by an earlier capture and not stopped yet
			      (on the pending list): not seized again, not detached */
	SJ_STOP_SKIPPED,   /* never seized: the caller's skip function said a stop
			      would change the call it is blocked in */
};

struct sj_tstop {
	pid_t tid;
	enum sj_stopkind kind;
	int sig;                  /* SJ_STOP_SIGNAL: the signal to re-inject */
	uint64_t interrupt_ns;    /* CLOCK_MONOTONIC when PTRACE_INTERRUPT was sent */
	uint64_t stopped_ns;      /* ... when waitpid reported the stop */
	uint64_t detached_ns;     /* ... when PTRACE_DETACH returned (0: not yet) */
	int pending;              /* sj_detach_process could not let it go (it never
				     stopped): on the pending list, see below */
};

/* The threads of one process that sj_attach_process seized. */
struct sj_attached {
	pid_t pid;
	struct sj_tstop *t;
	size_t n;
};

/* Called for a tid that appeared after the caller read the thread list,
 * BEFORE it is seized: the caller reads its procfs facts there. */
typedef void (*sj_new_thread_fn)(pid_t pid, pid_t tid, void *arg);

/* Called while t is stopped (kind INTERRUPT, GROUP, SIGNAL or EXIT), just
 * before it is detached: the only moment its registers and stack can be
 * copied.  Every other thread of the process is running then. */
typedef void (*sj_stopped_fn)(pid_t pid, struct sj_tstop *t, void *arg);

/* Called for each thread just before it would be seized; returns 1 to
 * leave it alone (it gets kind SJ_STOP_SKIPPED and is never stopped).
 * The caller looks at what the thread is doing right now. */
typedef int (*sj_skip_fn)(pid_t pid, struct sj_tstop *t, void *arg);

/* What sj_attach_process calls back; any may be NULL. */
struct sj_attach_cb {
	sj_new_thread_fn on_new;
	sj_skip_fn skip;
	sj_stopped_fn on_stopped;
	void *arg;
};

/* Stops the threads of pid ONE AT A TIME: for each, skip (if it says so,
 * the thread is left alone), PTRACE_SEIZE, PTRACE_INTERRUPT, wait until it
 * stops (or exits, or the deadline passes), on_stopped, PTRACE_DETACH.
 * The caller lists the tids it already knows in known/nknown; tids that
 * show up meanwhile are passed to on_new first (re-lists /proc/PID/task
 * until no new tid appears).  When it returns every thread was let go (or
 * is on the pending list), each record holding its stop's times.  Stops
 * early if the signal guard fired.  On error (EPERM on a thread, ...)
 * nothing is left stopped.
 * Returns 0, or a negative errno (-EPERM, -ESRCH: the process is gone). */
int sj_attach_process(pid_t pid, const pid_t *known, size_t nknown, const struct sj_attach_cb *cb,
		      struct sj_attached *a);

/* Lets every thread of a that is not detached yet go: PTRACE_DETACH with
 * the signal a signal-delivery-stop took.  Safe to call twice; the caller
 * frees a->t. */
void sj_detach_process(struct sj_attached *a);

/* The pending list.  A thread that never stops (uninterruptible sleep
 * longer than the deadline and the grace) cannot be detached: PTRACE_DETACH
 * needs a stopped tracee, and our PTRACE_INTERRUPT stays armed, so it stops
 * in the trap the moment it leaves the kernel and would stay stopped for as
 * long as this process lives.  Such tids are kept here (process-wide, at
 * most SJ_PENDING_MAX) and let go by sj_attach_reap_pending once they have
 * stopped.  Only the thread that seized them may do that (ptrace requests
 * come from the tracer thread).  When this process exits, the kernel
 * detaches whatever is left. */
#define SJ_PENDING_MAX 1024
/* For each pending tid: collects its stop (waitpid WNOHANG|__WALL) and
 * PTRACE_DETACHes it, re-injecting a signal its stop took; a stop whose
 * wait status someone else's waitpid consumed is recognised through
 * PTRACE_GETSIGINFO.  Tids that exited (reaped here) or are no longer our
 * tracees leave the list.  Never blocks.  Returns how many stay pending. */
size_t sj_attach_reap_pending(void);
/* 1 if tid is on the pending list. */
int sj_attach_is_pending(pid_t tid);

/* The stop record of tid, or NULL. */
struct sj_tstop *sj_attached_find(struct sj_attached *a, pid_t tid);

/* Installs the SIGINT/SIGTERM/SIGHUP guard (idempotent).  Its handler runs
 * on any thread: it forwards the signal to the thread that seized (ptrace
 * belongs to one tracer thread), detaches every tid in the table there,
 * restores the previous disposition and re-raises. */
void sj_attach_install_guard(void);

/* The signal the guard caught during a capture (0: none).  Capture stops
 * at the next process when it is set: everything was already let go. */
#include <signal.h>
extern volatile sig_atomic_t sj_guard_fired;
/* Called at the start of each capture: clears sj_guard_fired and, if the
 * guard was installed once and has fired since, installs it again. */
void sj_attach_guard_rearm(void);

/* Test hook: when set, capture calls it once per process, while the last
 * thread it knew before stopping is stopped (its copy taken, before its
 * detach): every sibling has been through its own stop and was let go,
 * this one has a stop (maybe a signal only we saw) for the guard to undo.
 * Used to interrupt or kill the tracer, or the target, in the stop window.
 * NULL in production. */
extern void (*sj_capture_test_stopped_hook)(pid_t pid);
/* Test hook: called right after PTRACE_SEIZE of tid, before PTRACE_INTERRUPT.
 * A signal sent here reaches the thread as a signal-delivery-stop that only
 * we see: the path that must re-inject it.  NULL in production. */
extern void (*sj_attach_test_seized_hook)(pid_t tid);

uint64_t sj_mono_ns(void);

#endif
