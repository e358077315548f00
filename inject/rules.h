/* rules.h — layer 4: the rule engine.  Which rules fire on one call of a
 * hook, and what they do to it (inject/spec.h, docs/inject.md).
 *
 * Everything here is async-signal-safe: wrappers run inside signal handlers
 * and between fork and exec.  Nothing here may run in a vfork child (the
 * counters are the parent's memory): the wrappers do not call in then. */
#ifndef SIGJAM_RULES_H
#define SIGJAM_RULES_H

#include "state.h"

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

/* ---- matching (inline: the hot path of every armed hook) ---- */

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

/* One p= decision of rule i: a uniform 53-bit draw from the rule's
 * splitmix64 stream below the rule's threshold, p * 2^53 rounded up
 * (state.c), which is the same as comparing the draw as a double in [0,1)
 * with p, without the conversion.  The stream is a counter, so one atomic
 * add makes concurrent threads draw distinct values without a lock. */
static inline int sj_rule_draws_fire(unsigned i)
{
	uint64_t x = sj_fetch_add(&sj_g.prng[i], 0x9e3779b97f4a7c15ull);
	return (sj_mix64(x) >> 11) < sj_g.p_threshold[i];
}

static inline int sj_when_holds(const struct sj_rule *r, uint64_t n)
{
	uint64_t last = r->last == SJ_WHEN_INF ? UINT64_MAX : r->last;
	if (n < r->first || n > last)
		return 0;
	/* No division for the usual step of 1: a never-firing p= rule with the
	 * default when= gets here on every call. */
	return r->step <= 1 || (n - r->first) % r->step == 0;
}

enum { SJ_FDK_UNKNOWN, SJ_FDK_CACHED, SJ_FDK_CONFIRMED };

/* fd= with kinds: the cached kind decides a miss; a hit is confirmed with
 * one fstat (fdkind.c says why), once per call. */
static inline int sj_fdclass_passes(const struct sj_rule *r, const struct sj_call *c, struct sj_plan *plan)
{
	if (plan->fdkind_state == SJ_FDK_UNKNOWN) {
		int cached = sj_fd_kind_cached(c->fd, &plan->fdkind);
		if (!cached)
			plan->fdkind = sj_fd_kind_fresh(c->fd);
		plan->fdkind_state = cached ? SJ_FDK_CACHED : SJ_FDK_CONFIRMED;
	}
	if (!(plan->fdkind & r->fdclass))
		return 0;
	if (plan->fdkind_state == SJ_FDK_CACHED) {
		plan->fdkind = sj_fd_kind_fresh(c->fd);
		plan->fdkind_state = SJ_FDK_CONFIRMED;
	}
	return (plan->fdkind & r->fdclass) != 0;
}

/* The filters of each call (in= and comm= are the process's: state.c
 * leaves out the rules they exclude), cheapest first. */
static inline int sj_filters_pass(unsigned i, const struct sj_call *c, struct sj_plan *plan)
{
	const struct sj_rule *r = &sj_g.spec.rules[i];
	unsigned cf = sj_g.call_filters[i];
	if (SJ_LIKELY(cf == 0))
		return 1;
	if ((cf & SJ_CF_SIG) && r->sig != c->sig)
		return 0;
	if ((cf & SJ_CF_FD) && r->fd != c->fd)
		return 0;
	return !(cf & SJ_CF_FDCLASS) || sj_fdclass_passes(r, c, plan);
}

/* Counts the call in every rule of c->hook whose filters pass and decides
 * which fire (when= and p=).  Returns plan->nfired.  Inline: it runs on
 * every call of an armed hook, and a call into another file with its frame
 * was a good part of a never-firing rule's cost on dd. */
static inline __attribute__((always_inline)) unsigned sj_rules_match(const struct sj_call *c, struct sj_plan *plan)
{
	unsigned k, nr = sj_g.hook_nrules[c->hook];
	plan->nfired = 0;
	plan->fdkind = 0;
	plan->fdkind_state = SJ_FDK_UNKNOWN;
	for (k = 0; k < nr; k++) {
		unsigned i = sj_g.hook_rules[c->hook][k];
		const struct sj_rule *r = &sj_g.spec.rules[i];
		uint64_t n;
		if (!sj_filters_pass(i, c, plan))
			continue;
		n = sj_fetch_add(&sj_g.count[i], 1) + 1;
		if (!sj_when_holds(r, n))
			continue;
		if (r->p < 1.0 && !sj_rule_draws_fire(i))
			continue;
		plan->fired[plan->nfired] = (unsigned char)i;
		plan->n[plan->nfired] = n;
		plan->nfired++;
	}
	if (plan->nfired) { /* what sj_rules_apply fills in */
		plan->skip = 0;
		plan->ret = 0;
		plan->err = 0;
		plan->short_max = UINT64_MAX;
		plan->nduring = 0;
	}
	return plan->nfired;
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
