/* helpers.h — real target processes for the tracer tests. */
#ifndef SJ_TRACER_TEST_HELPERS_H
#define SJ_TRACER_TEST_HELPERS_H

#include <stdint.h>
#include <sys/types.h>

#include "capture.h"

/* Forks a child that runs fn(arg) and then _exit(0)s.  The child dies with
 * the test (PR_SET_PDEATHSIG) so a failing test leaves nothing behind. */
pid_t th_spawn(void (*fn)(void *), void *arg);
/* Kills (SIGKILL) and reaps a child. */
void th_kill(pid_t pid);

/* Polls (up to 30 s: tests share two cores) until some thread of pid sits
 * in syscall nr in state S; returns its tid, or -1 on timeout. */
pid_t th_wait_syscall(pid_t pid, long nr);
/* Polls until every thread of pid is in a syscall in state S (or D). */
int th_wait_all_blocked(pid_t pid, int nthreads);
/* Polls until the process state is c (e.g. 'Z'); 0 or -1 on timeout. */
int th_wait_state(pid_t pid, char c);

/* 1 if some thread of pid is in a ptrace/job-control stop (t or T). */
int th_any_stopped(pid_t pid);
/* Polls up to 5 s for no thread of pid being stopped; 0 ok, -1 not. */
int th_wait_none_stopped(pid_t pid);

/* sj_capture of one pid with everything on; asserts success. */
void th_capture(pid_t pid, int children, int symbolize, struct sj_snapshot *s);

/* The thread of s in syscall nr (first found), or NULL. */
struct sj_thread *th_thread_in(const struct sj_snapshot *s, pid_t pid, long nr);

uint64_t th_now_ns(void);

#endif
