/* unwind.h — native stacks of ptrace-stopped threads (libunwind-ptrace).
 * Records raw pcs only; symbolize.c names them after the threads resume. */
#ifndef SIGJAM_UNWIND_H
#define SIGJAM_UNWIND_H

#include <sys/types.h>

#include "snapshot.h"

#define SJ_MAX_FRAMES 256

struct sj_unwinder;

/* One per capture.  NULL on allocation failure. */
struct sj_unwinder *sj_unwinder_new(void);
void sj_unwinder_free(struct sj_unwinder *u);
/* Forget cached unwind info: a pc means different code in another process. */
void sj_unwinder_switch_process(struct sj_unwinder *u, pid_t pid);
/* Unwinds stopped thread tid into t->frames (pc, is_activation).  On a
 * short or missing stack t->unwind_error says why.  Returns 0 when at
 * least one frame was recorded, -1 otherwise. */
int sj_unwind_thread(struct sj_unwinder *u, pid_t tid, struct sj_thread *t);

#endif
