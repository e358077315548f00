/* pertest.h — `sigjam run --per-test`: a test runner (the pytest plugin,
 * plugins/pytest/sigjam.py) announces each test on a socket; the hang watch
 * runs only inside a test, and a hang proved there fails that test instead
 * of ending the run.  The protocol, one line per message:
 *
 *   runner -> sigjam   "start SIG NODEID"   a test begins; SIG interrupts it
 *                      "end"                it ended (answered "ok")
 *   sigjam -> runner   "hang N" + N bytes   inside a test: the report, sent
 *                                           before SIG reaches the runner's
 *                                           main thread
 *                      "ok"                 the answer to "end": no message
 *                                           of this test can follow it
 *
 * sigjam is the runner's parent, so it may trace the runner and every
 * process a test starts whatever kernel.yama.ptrace_scope says. */
#ifndef SIGJAM_PERTEST_H
#define SIGJAM_PERTEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model.h"

/* The processes alive when a test started, by pid and start time. */
struct sj_procset {
	pid_t *pid;
	uint64_t *start;
	size_t n;
};

struct sj_pertest {
	int fd;                  /* sigjam's end of the socket; -1: off */
	int child_fd;            /* the runner's end, until it is started */
	int in_test;
	int sig;                 /* the runner's interrupt signal for this test */
	char test[512];          /* its node id */
	int64_t start_ns;        /* CLOCK_MONOTONIC at "start" */
	int hangs;               /* hangs reported in this test */
	struct sj_procset before;
	char buf[1024];          /* a message not yet complete */
	size_t len;
};

enum sj_pt_event { SJ_PT_NONE, SJ_PT_START, SJ_PT_END, SJ_PT_GONE };

/* The socket pair; 0, or -1 with err. */
int sj_pertest_open(struct sj_pertest *pt, char *err, size_t errlen);
/* In the runner, between fork and exec: SIGJAM_CONTROL_FD names its end. */
void sj_pertest_child(struct sj_pertest *pt);
/* In sigjam after the fork: close the runner's end, and have a message
 * raise SIGIO (which the wait loop takes with the other signals). */
void sj_pertest_parent(struct sj_pertest *pt);
void sj_pertest_close(struct sj_pertest *pt);
/* Reads what the runner sent; the first event of this call.  Call it until
 * SJ_PT_NONE.  "end" is answered here, after the processes a test that hung
 * started are SIGKILLed.  root: the runner; parent: whose descendants a
 * test's processes are (sigjam itself, a child subreaper). */
enum sj_pt_event sj_pertest_read(struct sj_pertest *pt, pid_t root, pid_t parent);
/* A hang proved inside the test: send the report and interrupt the runner's
 * main thread; from the test's second hang on, SIGKILL the processes it
 * started (never the runner) first. */
void sj_pertest_hang(struct sj_pertest *pt, const struct sj_report *r, int64_t hang_after_ns,
		     pid_t root, pid_t parent);
/* Drops from j the events before since_ns (a test's start), keeping the
 * records that describe state (start, dispositions, handler): the analysis
 * of a test's hang must not blame an earlier test's dead worker. */
void sj_journal_keep_since(struct sj_journal *j, int64_t since_ns);

#endif
