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
#include "schedule.h"
#include "spec.h"

#include <stdatomic.h>

enum sj_init_state { SJ_INIT_NONE, SJ_INIT_RUNNING, SJ_INIT_DONE };

/* Pids this process forked or spawned under the shim, for signal=...@children.
 * Fixed size: the table is filled between fork and exec and in handlers. */
#define SJ_MAX_CHILDREN 256

#define SJ_RULE_TEXT 200

/* The filters a rule checks on every call (sj_state.call_filters). */
enum sj_call_filter { SJ_CF_SIG = 1, SJ_CF_FD = 2, SJ_CF_FDCLASS = 4 };

/* The rules of one hook that can apply to this process.  in= (the role; on
 * a forking hook it picks a side instead), comm= and p=0 are properties of
 * the process or the rule, so they are decided once, at init and after fork,
 * not on every call.  Rules with no per-call filter ("plain") all count the
 * same calls, so they share one counter; and since when a rule fires is a
 * function of its count (schedule.h), `next` says before which count none of
 * them fires: a call that stays below it costs one add and one compare.
 * `next` is a hint that any call may store, computed from its own count
 * after reading the old hint (rules.c says why that is safe). */
struct sj_hook_rules {
	_Atomic uint64_t next;      /* no plain rule fires at a count below this */
	_Atomic uint64_t count;     /* the calls of the hook: the plain rules' count */
	unsigned char n, nplain;
	unsigned char filters;      /* enum sj_call_filter: the OR over the other rules */
	unsigned char kinds;        /* SJ_FDC_* bits: the OR of their fd= kinds */
	unsigned char rules[SJ_MAX_RULES]; /* spec order */
};

/* What a wrapper may do without looking further (sj_state.fast).  Set
 * once init is done (sj_state_publish), SJ_FAST_LOOK before that and while
 * the rules are chosen again after fork. */
enum sj_fast {
	SJ_FAST_LOOK,   /* the careful path: init, vfork, filters */
	SJ_FAST_BYPASS, /* no rule for this process: straight to libc */
	SJ_FAST_PLAIN,  /* only rules without per-call filters: count, compare */
};

struct sj_state {
	_Atomic int init;             /* enum sj_init_state, set by init (layer 5) */
	unsigned char armed[SJ_HOOK_COUNT]; /* a hook has a rule for this process */
	unsigned char fast[SJ_HOOK_COUNT];  /* enum sj_fast: the wrappers' first test */

	struct sj_spec spec;
	char rule_text[SJ_MAX_RULES][SJ_RULE_TEXT]; /* canonical text, formatted once at init */
	struct sj_hook_rules hooks[SJ_HOOK_COUNT];
	unsigned char call_filters[SJ_MAX_RULES]; /* enum sj_call_filter bits of each rule */
	struct sj_sched sched[SJ_MAX_RULES];      /* when each rule fires (thresholds once, seeds per process) */

	/* Rules with per-call filters: a counter and a hint each, as above. */
	_Atomic uint64_t count[SJ_MAX_RULES]; /* per process: reset in a forked child */
	_Atomic uint64_t next[SJ_MAX_RULES];

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
/* Init is done (layer 5, after SJ_INIT_DONE): the wrappers may take their
 * fast paths (sj_state.fast). */
SJ_HIDDEN void sj_state_publish(void);
/* The process just forked: child = role, fresh counters, new seed stream.
 * Idempotent (keyed on the pid), called from the fork wrappers and from a
 * pthread_atfork child handler for forks that bypass them. */
SJ_HIDDEN void sj_state_after_fork_child(void);

SJ_HIDDEN void sj_children_add(pid_t pid);
SJ_HIDDEN void sj_children_del(pid_t pid);
/* ---- fdkind.c: what a descriptor is, for fd= ----
 *
 * Kinds are SJ_FDC_* bits (0: none of them).  The kind of each descriptor
 * is cached (a 16-bit slot per fd with a generation, lock-free); the
 * shim's wrappers of everything that makes, replaces or closes a descriptor
 * forget the slot (sj_fd_forget*), and a descriptor the cache does not hold
 * is classified once (fstat, and fstatfs to tell a pipe from a FIFO until
 * the pipe filesystem's device is known). */

#define SJ_FDCACHE 65536
#define SJ_FDSLOT_KIND 0x1fu   /* SJ_FDC_* bits */
#define SJ_FDSLOT_VALID 0x20u
#define SJ_FDSLOT_GEN 0x40u    /* one generation; the rest of the 16 bits count them */
extern _Atomic uint16_t sj_fd_slots[SJ_FDCACHE] SJ_HIDDEN;

/* 1 and *kind when the cache holds fd (one load: the fd= hot path). */
static inline int sj_fd_kind_cached(int fd, unsigned *kind)
{
	uint16_t s;
	if ((unsigned)fd >= SJ_FDCACHE)
		return 0;
	s = atomic_load_explicit(&sj_fd_slots[fd], memory_order_relaxed);
	*kind = s & SJ_FDSLOT_KIND;
	return (s & SJ_FDSLOT_VALID) != 0;
}
/* The kind, fresh (one fstat), stored back into the cache.  A cached kind
 * that matches a rule is confirmed with this before the rule fires, so a
 * slot gone stale through a close the shim could not see never fires a
 * rule on the wrong descriptor. */
SJ_HIDDEN unsigned sj_fd_kind_fresh(int fd);
SJ_HIDDEN void sj_fd_forget(int fd);
/* [lo, hi] inclusive, as close_range takes it. */
SJ_HIDDEN void sj_fd_forget_range(unsigned lo, unsigned hi);
SJ_HIDDEN const char *sj_fd_kind_name(unsigned kind);

#endif
