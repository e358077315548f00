/* wrappers.h — layer 6: what the wrapper files share: the records written
 * by more than one wrapper (wrappers.c). */
#ifndef SIGJAM_WRAPPERS_H
#define SIGJAM_WRAPPERS_H

#include "rules.h"

/* `reap`: func reaped child with status (a stop or continue reaps nothing). */
SJ_HIDDEN void sj_note_reap(const char *func, pid_t child, int status);
/* `spawn`: func started child (-1: unknown) running cmd. */
SJ_HIDDEN void sj_note_spawn(const char *func, pid_t child, const char *cmd);
/* `fork` in the parent, and the child into the @children table. */
SJ_HIDDEN void sj_note_fork(const char *func, pid_t child);

/* ---- wrappers_proc.c: fork, shared with vfork.c ---- */

/* Counts the fork hook in the caller; returns the number of rules that
 * fired, or -1 when one of them answered the call (*done, errno set). */
SJ_HIDDEN int sj_fork_prehook(const struct sj_call *c, struct sj_plan *plan, pid_t *done);
/* A real fork and what follows on each side (fired: rules from the prehook). */
SJ_HIDDEN pid_t sj_fork_and_after(const struct sj_call *c, struct sj_plan *plan, unsigned fired);

#endif
