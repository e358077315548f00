/* procfix.h — a minimal sj_process from /proc for the Python tests and the
 * bench (threads, maps, exe: what sj_python_capture reads), so they do not
 * depend on the capture code. */
#ifndef SIGJAM_TEST_PROCFIX_H
#define SIGJAM_TEST_PROCFIX_H

#include <sys/types.h>
#include "snapshot.h"

/* 0 on success; -1 when /proc/PID cannot be read. Free with procfix_free. */
int procfix_load(pid_t pid, struct sj_process *p);
void procfix_free(struct sj_process *p);

/* Stops every thread with PTRACE_SEIZE + PTRACE_INTERRUPT (the way the
 * capture does) / resumes and detaches them.  0 on success. */
int procfix_stop(const struct sj_process *p);
void procfix_resume(const struct sj_process *p);

#endif
