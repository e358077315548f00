/* unwind.h — native stacks of ptrace-stopped threads (libunwind-ptrace).
 *
 * Split in two so the target stays stopped for as short as possible:
 * while a thread is stopped, sj_stack_grab copies its registers
 * (PTRACE_GETREGS) and the live part of its stack (one process_vm_readv);
 * after it was resumed, sj_unwind_copy walks that copy with libunwind.
 * Only raw pcs are recorded; symbolize.c names them. */
#ifndef SIGJAM_UNWIND_H
#define SIGJAM_UNWIND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "snapshot.h"

#define SJ_MAX_FRAMES 256
/* At most this much stack is copied per thread.  Frames deeper than that
 * are read from the live process, which is right for a thread that is
 * still blocked where it was (the case that matters for hangs). */
#define SJ_STACK_COPY_MAX (512u * 1024u)

struct sj_stack_copy {
	pid_t pid, tid;
	struct user_regs_struct regs;
	uint64_t lo;            /* target address of stack[0] */
	unsigned char *stack;   /* malloc'd copy, NULL if unreadable */
	size_t len;
	int ok;                 /* registers were read */
	int partial;            /* only pc, sp and the syscall arguments are known */
	char err[96];           /* why not */
};

/* While tid is ptrace-stopped: registers and stack (sp - red zone up to
 * the end of the stack's mapping in p->maps, capped).  0 or -1 (c->err). */
int sj_stack_grab(const struct sj_process *p, pid_t tid, struct sj_stack_copy *c);
/* For a thread left running because a stop would change its call (see
 * stopfx.h), blocked in syscall nr: its user registers cannot be read, but
 * /proc/TID/syscall gives pc, sp and the arguments, and while it stays
 * blocked its stack does not change.  Frames whose caller can only be
 * found through another register (a frame pointer CFA) end the walk. */
int sj_stack_grab_blocked(const struct sj_process *p, pid_t tid, long nr, const uint64_t args[6],
			  uint64_t sp, uint64_t pc, struct sj_stack_copy *c);
void sj_stack_copy_release(struct sj_stack_copy *c);

struct sj_unwinder;

/* One per capture.  NULL on allocation failure. */
struct sj_unwinder *sj_unwinder_new(void);
void sj_unwinder_free(struct sj_unwinder *u);
/* Forget cached unwind info: a pc means different code in another process.
 * p (its maps) must outlive the unwinds that follow. */
void sj_unwinder_switch_process(struct sj_unwinder *u, const struct sj_process *p);
/* Unwinds a grabbed thread into t->frames (pc, is_activation); the thread
 * need not be stopped any more.  On a short or missing stack
 * t->unwind_error says why.  0 when at least one frame was recorded. */
int sj_unwind_copy(struct sj_unwinder *u, const struct sj_stack_copy *c, struct sj_thread *t);

#endif
