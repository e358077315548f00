/* rules.h — layer 4: the rule engine.  Which rules fire on one call of a
 * hook, and what they do to it (inject/spec.h, docs/inject.md).
 *
 * Everything here is async-signal-safe: wrappers run inside signal handlers
 * and between fork and exec.  Nothing here may run in a vfork child (the
 * counters are the parent's memory): the wrappers do not call in then. */
#ifndef SIGJAM_RULES_H
#define SIGJAM_RULES_H

#include "state.h"

#include <stdatomic.h>

#include <sys/single_threaded.h>

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
	unsigned fdkind;              /* SJ_FDC_* bit of c->fd, 0: none */
	int fdkind_state;             /* 0 not looked up, 1 from the cache, 2 confirmed */
	int skip;                     /* error= or retval=: the real call is not made */
	long ret;
	int err;
	uint64_t short_max;           /* UINT64_MAX: no short= */
	unsigned nduring;
	int during_slot[SJ_MAX_DURING];
};

/* Sides of a fork for in= on a hook with the SIDES column (hooks.def). */
enum sj_side { SJ_SIDE_CALLER, SJ_SIDE_PARENT, SJ_SIDE_CHILD };

/* ---- matching ----
 *
 * Every armed call runs sj_rules_quiet (inline: it is the whole cost of a
 * rule that does not fire); only a call that may fire goes on to
 * sj_rules_decide (rules.c). */

/* One atomic add of v to *p, returning the old value.  While the process has
 * a single thread (glibc clears __libc_single_threaded before a second one
 * starts and never sets it back) an unlocked xadd is enough: one
 * instruction, so a signal handler that adds too cannot split it, and it
 * saves the bus lock that made most of a never-firing rule's cost on dd. */
static inline uint64_t sj_fetch_add(_Atomic uint64_t *p, uint64_t v)
{
#if defined(__x86_64__)
	if (__libc_single_threaded) {
		__asm__ volatile("xaddq %0, %1" : "+r"(v), "+m"(*(uint64_t *)p));
		return v;
	}
#endif
	return atomic_fetch_add(p, v);
}

/* A counted call: the hint read BEFORE the count is taken (rules.c says why
 * that order makes any hint store safe), then the count.  Returns the count;
 * *due is 1 when it reached the hint. */
static inline uint64_t sj_count_call(_Atomic uint64_t *count, _Atomic uint64_t *next, int *due)
{
	uint64_t hint = atomic_load_explicit(next, memory_order_acquire);
	uint64_t n = sj_fetch_add(count, 1) + 1;
	*due = n >= hint;
	return n;
}

/* What the quick test of one call found: the hook's count at this call
 * (0: the hook has no plain rule) and whether it reached the hint. */
struct sj_tally {
	uint64_t n;
	int due;
};

/* Counts a call of hook h for its plain rules (the hook has some).  1: none
 * of them is due. */
static inline int sj_rules_quiet_plain(enum sj_hook h, struct sj_tally *t)
{
	struct sj_hook_rules *hr = &sj_g.hooks[h];
	t->n = sj_count_call(&hr->count, &hr->next, &t->due);
	return !t->due;
}

/* Counts call c for the plain rules of its hook.  1: no rule can fire on
 * it (the common case: one add and one compare, and for fd= kinds one
 * load of the cached kind); 0: sj_rules_decide must look (a plain rule is
 * due, or a rule with per-call filters may pass them). */
static inline int sj_rules_quiet(enum sj_hook h, int fd, struct sj_tally *t)
{
	struct sj_hook_rules *hr = &sj_g.hooks[h];
	unsigned kind;
	t->n = 0;
	t->due = 0;
	if (SJ_LIKELY(hr->nplain) && !sj_rules_quiet_plain(h, t))
		return 0;
	if (SJ_LIKELY(hr->filters == 0))
		return 1;
	/* Only fd= kinds: none of them passes when the cached kind is none of
	 * them (an fd the cache does not hold is classified by decide). */
	return hr->filters == SJ_CF_FDCLASS && sj_fd_kind_cached(fd, &kind) && !(kind & hr->kinds);
}

/* Decides which rules fire on call c: the plain ones at t.n when t.due,
 * and every rule with per-call filters (counted here).  Returns
 * plan->nfired, the fired rules in spec order. */
SJ_HIDDEN unsigned sj_rules_decide(const struct sj_call *c, struct sj_plan *plan, struct sj_tally t);

/* Both, for the hooks whose wrappers need no split. */
static inline unsigned sj_rules_match(const struct sj_call *c, struct sj_plan *plan)
{
	struct sj_tally t;
	if (sj_rules_quiet(c->hook, c->fd, &t))
		return plan->nfired = 0;
	return sj_rules_decide(c, plan, t);
}

/* Carries out the fired rules' actions for side: delays, then signals (and
 * arms during= timers unless the call is skipped), then exit/crash, then
 * fills skip/ret/err/short_max.  Journals an `inject` record before each. */
SJ_HIDDEN void sj_rules_apply(const struct sj_call *c, struct sj_plan *plan, enum sj_side side);
/* After the real call: disarms during= timers.  errno preserved. */
SJ_HIDDEN void sj_rules_finish(struct sj_plan *plan);
/* The rules of the signal hook: func ("sigaction", "signal", ...) has just
 * installed a disposition for sig. */
SJ_HIDDEN void sj_rules_signal_installed(const char *func, int sig);

/* ---- rules_act.c: the actions and their `inject` records ---- */

/* What one `inject` record says. */
struct sj_inj {
	const char *action;
	int sig;            /* 0: none */
	int has_target;
	enum sj_target target;
	int has_err;
	int err;
	int has_retval;
	long retval;
	int has_short;
	uint64_t shortv;
	uint64_t ns;        /* 0: none */
};

/* The `inject` record of rule ri firing at count n on call c. */
SJ_HIDDEN void sj_act_record(const struct sj_call *c, unsigned ri, uint64_t n, unsigned fdkind,
			     const struct sj_inj *a);
/* Records and sends rule ri's signal (action "signal" or "during"). */
SJ_HIDDEN void sj_act_signal(const struct sj_call *c, unsigned ri, uint64_t n, unsigned fdkind,
			     const char *action, uint64_t ns);
/* Sleeps ns in full, whatever signals arrive meanwhile. */
SJ_HIDDEN void sj_act_sleep(uint64_t ns);
/* A genuine invalid memory access. */
SJ_HIDDEN void sj_act_crash(void);

/* ---- during.c: a signal while the call blocks ---- */

/* 1 when an interrupted call should restart for sig (the relay's SA_RESTART). */
SJ_HIDDEN int sj_during_restarts(int sig);
/* Arms the timer of plan->fired[k] for the call about to be made. */
SJ_HIDDEN void sj_during_arm(const struct sj_call *c, struct sj_plan *plan, unsigned k, int restart);
/* Disarms every timer of plan. */
SJ_HIDDEN void sj_during_disarm(struct sj_plan *plan);

#endif
