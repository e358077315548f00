/* fixture.h — hand-made report models for the renderer tests.  Everything
 * is heap-allocated the way capture/analysis/journal would, so the model's
 * own free functions release it (and ASan checks they do). */
#ifndef SIGJAM_TEST_REPORTS_FIXTURE_H
#define SIGJAM_TEST_REPORTS_FIXTURE_H

#include "model.h"

struct fixture {
	const char *name;           /* golden file stem */
	struct sj_snapshot *snap;   /* may be NULL */
	struct sj_findings *findings;
	struct sj_journal *journal; /* may be NULL */
	struct sj_report report;
};

/* A two-process pipe deadlock (pool parent + worker, with native and Python
 * frames), a zombie, a worker on a shared semaphore, and a journal with
 * inject/reap/unsafe/... records. */
struct fixture *fixture_deadlock(void);
/* Kernel facts: a socket pair request/response knot (with a listener and
 * a TCP connection), a flock lock-order inversion, a record lock nobody
 * waits for, /proc/locks with held locks and waiting requests. */
struct fixture *fixture_kernel(void);
/* No snapshot: a worker killed by an injected SIGKILL, signal-safety. */
struct fixture *fixture_journal_only(void);
/* A healthy process: no findings, no journal. */
struct fixture *fixture_clean(void);
/* Nothing at all: no snapshot, no findings, no journal. */
struct fixture *fixture_empty(void);

void fixture_free(struct fixture *f);

#endif
