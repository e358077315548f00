/* capture.h — attach to a process tree, capture it into a snapshot, detach.
 * The target's safety comes first: every thread stopped is resumed before
 * sj_capture returns, on every path.  The one thread we cannot let go is one
 * that never stops (uninterruptible sleep past the deadline): it stays
 * traced until it leaves the kernel, and sj_capture_reap_pending (or this
 * process's exit) detaches it then. */
#ifndef SIGJAM_CAPTURE_H
#define SIGJAM_CAPTURE_H

#include <stdint.h>
#include <sys/types.h>
#include "snapshot.h"

enum sj_python_mode { SJ_PY_AUTO, SJ_PY_OFF, SJ_PY_ONLY };

struct sj_capture_opts {
	const pid_t *pids;       /* the targets */
	size_t npids;
	int children;            /* include all descendants (default 1) */
	int native;              /* unwind native stacks (default 1) */
	enum sj_python_mode python;
	int symbolize;           /* resolve symbols/lines after resuming (default 1) */
};

/* Error codes of sj_capture (also its return value, 0 on success). */
enum sj_capture_err {
	SJ_CAP_OK = 0,
	SJ_CAP_NOPROC = 1,   /* a named pid does not exist */
	SJ_CAP_EPERM = 2,    /* ptrace or /proc access refused */
	SJ_CAP_FAILED = 3,   /* anything else; err says what */
};

/* Fills *out.  On error, err (errlen bytes) holds one line that says what
 * went wrong and what to do.  Partial failures (a process exiting midway)
 * are notes in the snapshot, not errors. */
int sj_capture(const struct sj_capture_opts *opts, struct sj_snapshot *out,
	       char *err, size_t errlen);

/* Installed by the CLI: makes SIGINT/SIGTERM/SIGHUP during a capture detach
 * everything before the tracer dies. Idempotent. */
void sj_capture_install_signal_guard(void);

/* Lets go of threads earlier captures could not: a thread that stayed in
 * uninterruptible sleep (D) through the stop deadline is still traced, with
 * an interrupt armed, and stops as soon as it leaves the kernel.  For each
 * such thread this collects the stop (waitpid(tid, WNOHANG|__WALL)) and
 * PTRACE_DETACHes it, passing on a signal the stop took; threads still in
 * the kernel stay on the list, threads that exited are reaped and dropped.
 * Never blocks; cheap when the list is empty (no syscall).  Must be called
 * from the thread that called sj_capture.  A long-lived caller (sigjam run)
 * calls it periodically, and before its own waitpid(-1, ...) so that it
 * sees such a stop first; sj_capture also calls it on entry.  A process
 * that exits needs no call: the kernel detaches its tracees.  Added. */
void sj_capture_reap_pending(void);

/* Names a pc of a process that is gone, from a journal backtrace entry:
 * module is the ELF path, off the offset into that file (as in
 * /proc/PID/maps: pc - map start + map offset).  For a return address pass
 * off - 1, so the call's line is found rather than the next one.  *func
 * and *file are malloc'd (NULL when unknown), *line 0 without debug info.
 * Returns 0 if a function name was found, -1 otherwise.  Opens each module
 * once and caches it by path; not thread-safe. */
int sj_symbolize_offline(const char *module, uint64_t off, char **func, char **file, int *line);
/* Releases the modules sj_symbolize_offline cached. */
void sj_symbolize_offline_free(void);

#endif
