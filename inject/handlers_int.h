/* handlers_int.h — private interface between the signal-safety parts of the
 * shim: the handler trampolines (handlers.c), the journal records they write
 * (handlers_journal.c), address -> module lookup (handlers_maps.c) and the
 * unsafe-call interposers (unsafe.c).  Not used by the shim core; the
 * core-facing contract is in shim.h.
 *
 * Everything here is async-signal-safe: it runs inside signal handlers. */
#ifndef SIGJAM_HANDLERS_INT_H
#define SIGJAM_HANDLERS_INT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "shim.h"

/* Handler nesting depth of the calling thread, possibly stale after a
 * siglongjmp out of a handler (sj_handler_depth() prunes, this does not).
 * initial-exec: the unsafe interposers' fast path is this one TLS load and a
 * branch; a general-dynamic access would call __tls_get_addr. */
extern __thread int sj_raw_depth __attribute__((tls_model("initial-exec"), visibility("hidden")));

/* Slow path of every unsafe interposer: idx is the row of unsafe.def. */
SJ_HIDDEN void sj_note_unsafe_idx(unsigned idx, const char *name);
/* unsafe.c: number of rows, and the row of a function name (-1: none). */
SJ_HIDDEN unsigned sj_unsafe_count(void);
SJ_HIDDEN int sj_unsafe_index(const char *name);

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

/* ---- handlers_journal.c: the records of docs/journal.md ---- */

/* What the program asked for, as kept in the handler table. */
struct sj_user_act {
	void *handler;   /* sa_handler / sa_sigaction as the program gave it */
	int flags;       /* the program's sa_flags (SA_SIGINFO only if it asked) */
};

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

/* Name of si_code for sig ("SI_USER", "CLD_EXITED"), NULL when unknown. */
SJ_HIDDEN const char *sj_sicode_name(int sig, int code);
/* "SA_RESTART|SA_SIGINFO" into buf (SA_RESTORER, glibc's own, left out). */
SJ_HIDDEN void sj_saflags_str(int flags, char *buf, size_t len);

/* ---- handlers_python.c ---- */

/* Finds the module hosting CPython's runtime, once; call outside handlers. */
SJ_HIDDEN void sj_maps_probe_python(void);
/* 1 when the module at path hosts the CPython runtime (libpython*.so, a
 * statically linked python executable, or a program embedding Python). */
SJ_HIDDEN int sj_path_is_python(const char *path);

/* ---- handlers.c: the table of user handlers ---- */

/* The program's handler for sig when the kernel's disposition is our
 * trampoline; returns 0 and fills *out, or -1 when sig is not wrapped. */
SJ_HIDDEN int sj_user_handler_of(int sig, const void *kernel_handler, struct sj_user_act *out);
/* glibc's sigaction, bypassing the shim's wrapper. */
SJ_HIDDEN int sj_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

#endif
