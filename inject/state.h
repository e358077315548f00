/* state.h — layer 3: the process's state as the shim sees it: configuration
 * from the environment, the role (parent or child), seeds and counters, the
 * children it started, the rules of each hook, and the kind of each
 * descriptor (fdkind.c).
 *
 * All of it lives in one static struct (sj_g), so that a forked child
 * inherits it by memory copy and resets a few fields; a vfork child only
 * reads it (sys.h).  Everything here is async-signal-safe unless it says
 * otherwise: it is read inside handlers and between fork and exec. */
#ifndef SIGJAM_STATE_H
#define SIGJAM_STATE_H

#include "sys.h"
#include "spec.h"

#include <stdatomic.h>

enum sj_init_state { SJ_INIT_NONE, SJ_INIT_RUNNING, SJ_INIT_DONE };

/* Pids this process forked or spawned under the shim, for signal=...@children.
 * Fixed size: the table is filled between fork and exec and in handlers. */
#define SJ_MAX_CHILDREN 256

#define SJ_RULE_TEXT 200

struct sj_state {
	_Atomic int init;             /* enum sj_init_state, set by init (layer 5) */
	unsigned char armed[SJ_HOOK_COUNT]; /* a hook has at least one rule: the wrappers' fast path */

	struct sj_spec spec;
	char rule_text[SJ_MAX_RULES][SJ_RULE_TEXT]; /* canonical text, formatted once at init */
	unsigned char hook_rules[SJ_HOOK_COUNT][SJ_MAX_RULES];
	unsigned hook_nrules[SJ_HOOK_COUNT];

	_Atomic uint64_t count[SJ_MAX_RULES]; /* per process: reset in a forked child */
	_Atomic uint64_t prng[SJ_MAX_RULES];  /* splitmix64 counters, per rule */

	int child;                    /* role: started from a process running the shim */
	char comm[16];
	uint64_t seed;                /* SIGJAM_SEED (0 when unset) */
	uint64_t proc_seed;           /* this process's stream: see state.c */
	int check;                    /* SIGJAM_CHECK is not "0": signal-safety checks on */
	pid_t pid;                    /* the pid the state belongs to: a mismatch means a fork we missed */
	_Atomic uint64_t forks;       /* forks made by this process (seeds its children) */

	_Atomic pid_t children[SJ_MAX_CHILDREN];
};

extern struct sj_state sj_g SJ_HIDDEN;

static inline int sj_ready(void)
{
	return atomic_load_explicit(&sj_g.init, memory_order_acquire) == SJ_INIT_DONE;
}

/* Init (layer 5), once: the environment, the role, the seed, the rules.  Not
 * async-signal-safe (getenv, the parser's snprintf for canonical texts). */
SJ_HIDDEN void sj_state_setup(void);
/* The process just forked: child = role, fresh counters, new seed stream.
 * Idempotent (keyed on the pid), called from the fork wrappers and from a
 * pthread_atfork child handler for forks that bypass them. */
SJ_HIDDEN void sj_state_after_fork_child(void);

SJ_HIDDEN void sj_children_add(pid_t pid);
SJ_HIDDEN void sj_children_del(pid_t pid);
/* splitmix64 finaliser: mixes seeds; also the PRNG's output function. */
SJ_HIDDEN uint64_t sj_mix64(uint64_t x);

/* ---- fdkind.c: what a descriptor is, for fd= ----
 *
 * Kinds are SJ_FDC_* bits (0: none of them).  The kind of each descriptor
 * is cached (a byte-sized slot per fd with a generation, lock-free); the
 * shim's wrappers of everything that makes, replaces or closes a descriptor
 * forget the slot (sj_fd_forget*), and a descriptor the cache does not hold
 * is classified once (fstat, and fstatfs to tell a pipe from a FIFO until
 * the pipe filesystem's device is known). */

/* The kind, from the cache when it holds fd (*cached = 1) or fresh. */
SJ_HIDDEN unsigned sj_fd_kind(int fd, int *cached);
/* The kind, fresh (one fstat), stored back into the cache.  A cached kind
 * that matches a rule is confirmed with this before the rule counts, so a
 * slot gone stale through a close the shim could not see never fires a
 * rule on the wrong descriptor. */
SJ_HIDDEN unsigned sj_fd_kind_fresh(int fd);
SJ_HIDDEN void sj_fd_forget(int fd);
/* [lo, hi] inclusive, as close_range takes it. */
SJ_HIDDEN void sj_fd_forget_range(unsigned lo, unsigned hi);
SJ_HIDDEN const char *sj_fd_kind_name(unsigned kind);

#endif
