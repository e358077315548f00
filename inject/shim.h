/* shim.h — the internal interface between the parts of libsigjam.so.
 *
 *   core.c, rules.c, jwrite.c, wrappers*.c   (owner: shim core)
 *       process state, configuration, the rule engine, the journal writer,
 *       the I/O / process wrappers (read, write, fork, wait, kill, exit...)
 *   handlers.c, unsafe*.c                   (owner: shim safety)
 *       signal-installation wrappers (signal, sigaction, sigset, ...),
 *       handler trampolines, unsafe-call detection, errno/nesting checks,
 *       dispositions at fork and exec
 *
 * Contract for every function here: async-signal-safe (no malloc, no stdio,
 * no locks), errno preserved, callable before the constructor ran. */
#ifndef SIGJAM_SHIM_H
#define SIGJAM_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SJ_EXPORT __attribute__((visibility("default")))
#define SJ_HIDDEN __attribute__((visibility("hidden")))

/* ---- core.c ---- */

/* Idempotent; run by the constructor and lazily by any wrapper called first. */
SJ_HIDDEN void sj_shim_init(void);
/* 1 when SIGJAM_CHECK is not "0" (signal-safety diagnostics on). */
SJ_HIDDEN int sj_shim_check_enabled(void);
/* The real function behind an interposed symbol (dlsym RTLD_NEXT, cached by
 * the caller; survives dlsym->calloc recursion by returning NULL then). */
SJ_HIDDEN void *sj_resolve(const char *name);
/* Fire the rules of the `signal` hook: a disposition for sig is being
 * installed by func ("sigaction", "signal", ...). Called by handlers.c. */
SJ_HIDDEN void sj_rules_on_signal_install(const char *func, int sig);

/* ---- jwrite.c: one journal record, built on the stack, one write(2) ---- */

#define SJ_JW_MAX 4096 /* PIPE_BUF: records from many processes never interleave */

struct sj_jw {
	char buf[SJ_JW_MAX];
	size_t len;
	int trunc;
	int nfields;
};

/* Starts a record with v, t, pid, ppid, tid, ev. */
SJ_HIDDEN void sj_jw_begin(struct sj_jw *w, const char *ev);
SJ_HIDDEN void sj_jw_str(struct sj_jw *w, const char *key, const char *val);   /* JSON-escaped; NULL -> null */
SJ_HIDDEN void sj_jw_int(struct sj_jw *w, const char *key, long long val);
SJ_HIDDEN void sj_jw_bool(struct sj_jw *w, const char *key, int val);
SJ_HIDDEN void sj_jw_hex(struct sj_jw *w, const char *key, uint64_t val);      /* "0x1f" string */
SJ_HIDDEN void sj_jw_signame(struct sj_jw *w, const char *key, int sig);      /* "SIGTERM" or the number */
SJ_HIDDEN void sj_jw_errname(struct sj_jw *w, const char *key, int err);      /* "EINTR" or the number */
/* Module path + offset of addr, from /proc/self/maps read with open/read
 * (async-signal-safe): adds "<key>_module" and "<key>_off". */
SJ_HIDDEN void sj_jw_addr(struct sj_jw *w, const char *key, uint64_t addr);
/* "bt": [{"m":..,"o":..},...] for the current thread, innermost first,
 * skipping the shim's own frames. */
SJ_HIDDEN void sj_jw_backtrace(struct sj_jw *w, const char *key, int skip);
/* Raw JSON text as a value (arrays built by the caller). */
SJ_HIDDEN void sj_jw_raw(struct sj_jw *w, const char *key, const char *json, size_t len);
/* Closes the object, adds '\n', one write(2) to the journal fd. */
SJ_HIDDEN void sj_jw_end(struct sj_jw *w);
/* 1 when a journal is open (records are written); lets callers skip work
 * that only feeds a record, such as reading /proc/self/maps. */
SJ_HIDDEN int sj_journal_on(void);
/* Path of the file mapped at addr and addr's offset in it, from
 * /proc/self/maps (as sj_jw_addr uses).  0 on success, -1 (path "") when
 * addr is in no mapping. */
SJ_HIDDEN int sj_module_of(uint64_t addr, char *path, size_t pathlen, uint64_t *off);

/* ---- handlers.c ---- */

/* Handler nesting depth on the calling thread (0: not in a handler). */
SJ_HIDDEN int sj_handler_depth(void);
/* Called by every unsafe-function interposer; journals an `unsafe` record
 * (once per function per handler invocation) when a handler runs. */
SJ_HIDDEN void sj_note_unsafe(const char *func);
/* Journals a `dispositions` record: at = "fork" (in the child) or "exec". */
SJ_HIDDEN void sj_journal_dispositions(const char *at);

#endif
