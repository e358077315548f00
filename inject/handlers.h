/* handlers.h — layer 4: the handler group.  For every handler the program
 * installs, the kernel gets sj_trampoline instead and the table keeps what
 * the program asked for; the trampoline runs the program's handler between
 * the checks (nesting, errno, unsafe calls) and writes their records.
 *
 *   handlers.c          the table of the program's handlers
 *   handlers_tramp.c    the trampoline, nesting levels, longjmp out of handlers
 *   handlers_journal.c  the records: handler, deliver, nested, errno, unsafe
 *   handlers_disp.c     the dispositions record (at fork and exec)
 *   handlers_python.c   does an address lie in CPython?
 *   unsafe.c            the interposers of async-signal-unsafe functions
 *   bootalloc.c         memory for dlsym while the allocator is resolved
 *
 * Calls inside the group go one way: unsafe and dispositions -> trampoline
 * -> records and table.  The installing wrappers (sigaction, signal, ...)
 * are in layer 6 (wrap_signal.c).  Everything here is async-signal-safe. */
#ifndef SIGJAM_HANDLERS_H
#define SIGJAM_HANDLERS_H

#include "sys.h"

#include <signal.h>

/* What the program asked for, as kept in the table. */
struct sj_user_act {
	void *handler;   /* sa_handler / sa_sigaction as the program gave it */
	int flags;       /* the program's sa_flags (SA_SIGINFO only if it asked) */
};

/* ---- handlers.c: the table ---- */

/* 1 for the signals the table has a slot for. */
static inline int sj_htable_has(int sig)
{
	return sig >= 1 && sig < NSIG;
}
/* The program's disposition for sig (lock-free; retries a torn read). */
SJ_HIDDEN void sj_htable_read(int sig, struct sj_user_act *out);
/* Writers (sigaction calls, rare) hold the table with every signal blocked;
 * stores happen only in between. */
SJ_HIDDEN void sj_htable_lock(sigset_t *saved);
SJ_HIDDEN void sj_htable_unlock(const sigset_t *saved);
SJ_HIDDEN void sj_htable_store(int sig, void *handler, int flags);
/* SA_RESETHAND fired: the table forgets sig's handler unless another thread
 * installed a new one meanwhile. */
SJ_HIDDEN void sj_htable_forget_if_reset(int sig);
/* pthread_atfork child handler: a writer caught mid-update on another thread
 * must not leave the table locked. */
SJ_HIDDEN void sj_htable_after_fork_child(void);
/* glibc's sigaction (fails with ENOSYS while it is unknown). */
SJ_HIDDEN int sj_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

/* ---- handlers_tramp.c ---- */

/* The disposition the kernel holds for every wrapped handler. */
SJ_HIDDEN void sj_trampoline(int sig, siginfo_t *si, void *uc);
static inline int sj_is_trampoline(const void *h)
{
	return h == (const void *)sj_trampoline;
}
/* Handler nesting depth of the calling thread, possibly stale after a
 * siglongjmp out of a handler (sj_handler_depth() prunes, this does not).
 * initial-exec: the unsafe interposers' fast path is this one TLS load and a
 * branch. */
extern SJ_TLS int sj_raw_depth SJ_HIDDEN;
/* Handler nesting depth on the calling thread (0: not in a handler). */
SJ_HIDDEN int sj_handler_depth(void);
/* Slow path of every unsafe interposer: idx is the note bit (unsafe.c). */
SJ_HIDDEN void sj_note_unsafe_idx(unsigned idx, const char *name);

/* ---- handlers_journal.c ---- */

/* `handler`: a disposition was installed by func. */
SJ_HIDDEN void sj_journal_handler(const char *func, int sig, const struct sj_user_act *a);
/* `deliver` for a wrapped handler about to run at nesting depth. */
SJ_HIDDEN void sj_journal_deliver(int sig, const siginfo_t *si, int depth);
/* `nested`: sig's handler starts while outer's handler runs. */
SJ_HIDDEN void sj_journal_nested(int sig, int outer, int depth);
/* `errno`: the handler of sig returned with errno changed. */
SJ_HIDDEN void sj_journal_errno(int sig, int before, int after, void *handler);
/* `unsafe`: call made while sig's handler ran; skip = frames to drop. */
SJ_HIDDEN void sj_journal_unsafe(int sig, const char *call, int skip);
/* "default", "ignore" or "handler". */
SJ_HIDDEN const char *sj_journal_disp_name(const void *h);
/* Address fields of a handler (addr, module, off); 1 when it lies in CPython. */
struct sj_jw;
SJ_HIDDEN int sj_journal_handler_addr(struct sj_jw *w, const void *h);

/* ---- handlers_disp.c ---- */

/* `dispositions`: every signal not at SIG_DFL, at = "fork" or "exec". */
SJ_HIDDEN void sj_journal_dispositions(const char *at);

/* ---- handlers_python.c ---- */

/* Finds the module hosting CPython's runtime, once (init: dlsym). */
SJ_HIDDEN void sj_python_probe(void);
/* 1 when the module at path hosts the CPython runtime (libpython*.so, a
 * statically linked python executable, or a program embedding Python). */
SJ_HIDDEN int sj_path_is_python(const char *path);

/* ---- unsafe.c ---- */

/* Init: resolves the allocator and every row of unsafe.def. */
SJ_HIDDEN void sj_unsafe_setup(void);
/* Journals an `unsafe` record (once per function per handler run) when a
 * handler runs on this thread; for calls the wrappers make unsafe (exit). */
SJ_HIDDEN void sj_note_unsafe(const char *func);

/* ---- bootalloc.c: memory for dlsym's own allocations while the next
 * allocator is being resolved (see unsafe.c) ---- */

#define SJ_BOOT_SIZE (64 * 1024)
extern unsigned char sj_boot_arena[SJ_BOOT_SIZE] SJ_HIDDEN;

/* n bytes aligned to align (a power of two, at least 16 is used); NULL with
 * errno ENOMEM when the arena is spent.  Never freed. */
SJ_HIDDEN void *sj_boot_alloc(size_t n, size_t align);
/* The n that sj_boot_alloc was asked for when it returned p. */
SJ_HIDDEN size_t sj_boot_size(const void *p);
/* p lies in the arena: free() must ignore it, realloc() copy it out. */
static inline int sj_boot_owns(const void *p)
{
	return (uintptr_t)p - (uintptr_t)sj_boot_arena < SJ_BOOT_SIZE;
}

#endif
