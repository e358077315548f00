/* shimcore.h — internals shared by the shim core's files (core.c, rules.c,
 * jwrite.c, wrappers*.c).  The safety half talks to the core only through
 * shim.h.
 *
 * Everything here is async-signal-safe unless it says otherwise: wrappers run
 * inside signal handlers and between fork and exec. */
#ifndef SIGJAM_SHIMCORE_H
#define SIGJAM_SHIMCORE_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "shim.h"
#include "spec.h"

/* initial-exec TLS: the shim is loaded at startup (LD_PRELOAD), so its TLS is
 * in the static block and an access is one %fs-relative load.  The default
 * general-dynamic model may call __tls_get_addr, which can allocate. */
#define SJ_TLS __thread __attribute__((tls_model("initial-exec")))

#define SJ_LIKELY(x) __builtin_expect(!!(x), 1)
#define SJ_UNLIKELY(x) __builtin_expect(!!(x), 0)

enum sj_init_state { SJ_INIT_NONE, SJ_INIT_RUNNING, SJ_INIT_DONE };

/* Pids this process forked or spawned under the shim, for signal=...@children.
 * Fixed size: the table is filled between fork and exec and in handlers. */
#define SJ_MAX_CHILDREN 256

#define SJ_RULE_TEXT 200

struct sj_state {
	_Atomic int init;             /* enum sj_init_state */
	unsigned char armed[SJ_HOOK_COUNT]; /* a hook has at least one rule: the wrappers' fast path */

	struct sj_spec spec;
	char rule_text[SJ_MAX_RULES][SJ_RULE_TEXT]; /* canonical text, formatted once at init */
	unsigned char hook_rules[SJ_HOOK_COUNT][SJ_MAX_RULES];
	unsigned hook_nrules[SJ_HOOK_COUNT];

	_Atomic uint64_t count[SJ_MAX_RULES]; /* per process: reset in a forked child */
	_Atomic uint64_t prng[SJ_MAX_RULES];  /* splitmix64 counters, per rule */

	int child;                    /* role: started from a process running the shim */
	char comm[16];
	char self_path[256];          /* this library, to skip our frames in backtraces */
	uint64_t seed;                /* SIGJAM_SEED (0 when unset) */
	uint64_t proc_seed;           /* this process's stream: see sj_seed_* in core.c */
	int check;
	pid_t pid;                    /* the pid the state belongs to: a mismatch means a fork we missed */
	_Atomic uint64_t forks;       /* forks made by this process (seeds its children) */

	int jfd;                      /* -1: no journal */
	int jfd_inherited;            /* SIGJAM_JOURNAL=fd:N — never reopened */
	char jpath[512];

	_Atomic pid_t children[SJ_MAX_CHILDREN];
};

extern struct sj_state sj_g SJ_HIDDEN;

static inline int sj_ready(void)
{
	return atomic_load_explicit(&sj_g.init, memory_order_acquire) == SJ_INIT_DONE;
}

/* ---- core.c ---- */

/* Raw system calls: the shim exports read/write/kill/..., so calling those
 * names from inside the library would land in our own wrappers. */
SJ_HIDDEN pid_t sj_gettid(void);
SJ_HIDDEN pid_t sj_getpid(void);
SJ_HIDDEN ssize_t sj_sys_read(int fd, void *buf, size_t n);
SJ_HIDDEN ssize_t sj_sys_write(int fd, const void *buf, size_t n);
SJ_HIDDEN int sj_sys_open(const char *path, int flags, int mode);
SJ_HIDDEN int sj_sys_close(int fd);
SJ_HIDDEN int sj_sys_kill(pid_t pid, int sig);
SJ_HIDDEN int sj_sys_tgkill(pid_t tgid, pid_t tid, int sig);
SJ_HIDDEN __attribute__((noreturn)) void sj_sys_exit_group(int code);

/* Reopens the journal path after the program closed our descriptor. */
SJ_HIDDEN int sj_journal_reopen(int badfd);
/* The process just forked: child = role, fresh counters, new seed stream.
 * Idempotent (keyed on the pid), called from the fork wrappers and from a
 * pthread_atfork child handler for forks that bypass them. */
SJ_HIDDEN void sj_after_fork_child(void);
SJ_HIDDEN void sj_children_add(pid_t pid);
SJ_HIDDEN void sj_children_del(pid_t pid);
/* splitmix64 finaliser: mixes seeds; also the PRNG's output function. */
SJ_HIDDEN uint64_t sj_mix64(uint64_t x);
/* Stream seed of rule i in this process. */
SJ_HIDDEN uint64_t sj_rule_seed(unsigned i);

/* ---- rules.c ---- */

/* One call of a hook, as the rules see it. */
struct sj_call {
	enum sj_hook hook;
	const char *func;
	int fd;          /* -1: the call has no fd */
	int sig;         /* signal hook: the signal whose disposition changes */
};

#define SJ_MAX_DURING 4

/* The rules that fired for one call, and what they do to it. */
struct sj_plan {
	unsigned nfired;
	unsigned char fired[SJ_MAX_RULES];
	uint64_t n[SJ_MAX_RULES];     /* the rule's count at this call */
	unsigned fdkind;              /* enum sj_fdclass bit, 0: not computed / none */
	int skip;                     /* error= or retval=: the real call is not made */
	long ret;
	int err;
	uint64_t short_max;           /* UINT64_MAX: no short= */
	unsigned nduring;
	int during_slot[SJ_MAX_DURING];
};

/* Sides of a fork for in= on the fork hook. */
enum sj_side { SJ_SIDE_CALLER, SJ_SIDE_PARENT, SJ_SIDE_CHILD };

/* Counts the call in every rule of c->hook whose filters pass and decides
 * which fire (when= and p=).  Returns plan->nfired. */
SJ_HIDDEN unsigned sj_rules_match(const struct sj_call *c, struct sj_plan *plan);
/* Carries out the fired rules' actions for side: delays, then signals (and
 * arms during= timers unless the call is skipped), then exit/crash, then
 * fills skip/ret/err/short_max.  Journals an `inject` record before each. */
SJ_HIDDEN void sj_rules_apply(const struct sj_call *c, struct sj_plan *plan, enum sj_side side);
/* After the real call: disarms during= timers.  errno preserved. */
SJ_HIDDEN void sj_rules_finish(struct sj_plan *plan);
/* The kind of fd as an sj_fdclass bit (0 when none matches). */
SJ_HIDDEN unsigned sj_fd_kind(int fd);
SJ_HIDDEN const char *sj_fd_kind_name(unsigned kind);
/* Resolves libc's sigaction for the during= relay (constructor time). */
SJ_HIDDEN void sj_rules_resolve(void);

/* ---- jwrite.c ---- */
SJ_HIDDEN int sj_journal_on(void);
/* Module path and file offset for addr from /proc/self/maps. 0 on success. */
SJ_HIDDEN int sj_module_of(uint64_t addr, char *path, size_t pathlen, uint64_t *off);

/* ---- wrappers*.c ---- */
/* The hook's rules may act on this call (initialises the shim if needed). */
static inline int sj_hook_live(enum sj_hook h)
{
	if (SJ_UNLIKELY(!sj_ready()))
		sj_shim_init();
	return sj_ready() && sj_g.armed[h];
}
/* Records shared by the table-made and the hand-written wrappers. */
SJ_HIDDEN void sj_note_reap(const char *func, pid_t child, int status);
SJ_HIDDEN void sj_note_spawn(const char *func, pid_t child, const char *cmd);
/* Resolves every wrapper's real function (constructor time, single-threaded,
 * before any dlsym->malloc recursion can bite a running program). */
SJ_HIDDEN void sj_wrappers_resolve(void);
SJ_HIDDEN void sj_wrappers_resolve_rows(void); /* wrappers.c: the table's rows */

#endif
