/* rules.c — layer 4: which rules fire on a call, and in what order their
 * actions apply.
 *
 * Semantics (inject/spec.h, docs/inject.md): every rule has a per-process
 * counter of the calls of its hook that passed its filters; when= and p= both
 * must hold.  All rules that fire on one call apply, in this order: delays,
 * then signals (during= arms a timer instead), then exit/crash, then
 * error/retval (the first such rule decides the return value), and short=
 * caps the byte count (the smallest wins).  What a hook allows (skip the
 * call, block, fork) comes from the columns of hooks.def. */
#include "rules.h"

#include <errno.h>
#include <signal.h>
#include <sys/single_threaded.h>

/* ---- matching ---- */

/* One atomic add of v to *p, returning the old value.  While the process has
 * a single thread (glibc clears __libc_single_threaded before a second one
 * starts and never sets it back) an unlocked xadd is enough: one
 * instruction, so a signal handler that adds too cannot split it, and it
 * saves the bus lock that made most of a never-firing rule's cost on dd. */
static uint64_t fetch_add(_Atomic uint64_t *p, uint64_t v)
{
#if defined(__x86_64__)
	if (__libc_single_threaded) {
		__asm__ volatile("xaddq %0, %1" : "+r"(v), "+m"(*(uint64_t *)p));
		return v;
	}
#endif
	return atomic_fetch_add(p, v);
}

/* Uniform double in [0,1) from the rule's splitmix64 stream.  The stream is
 * a counter, so one atomic add makes concurrent threads draw distinct values
 * without a lock. */
static double draw(unsigned i)
{
	uint64_t x = fetch_add(&sj_g.prng[i], 0x9e3779b97f4a7c15ull);
	return (double)(sj_mix64(x) >> 11) * (1.0 / 9007199254740992.0);
}

static int when_holds(const struct sj_rule *r, uint64_t n)
{
	uint64_t last = r->last == SJ_WHEN_INF ? UINT64_MAX : r->last;
	if (n < r->first || n > last)
		return 0;
	/* No division for the usual step of 1: a never-firing p= rule with the
	 * default when= gets here on every call. */
	return r->step <= 1 || (n - r->first) % r->step == 0;
}

enum { FDK_UNKNOWN, FDK_CACHED, FDK_CONFIRMED };

/* fd= with kinds: the cached kind decides a miss; a hit is confirmed with
 * one fstat (fdkind.c says why), once per call. */
static int fdclass_passes(const struct sj_rule *r, const struct sj_call *c, struct sj_plan *plan)
{
	if (plan->fdkind_state == FDK_UNKNOWN) {
		int cached = sj_fd_kind_cached(c->fd, &plan->fdkind);
		if (!cached)
			plan->fdkind = sj_fd_kind_fresh(c->fd);
		plan->fdkind_state = cached ? FDK_CACHED : FDK_CONFIRMED;
	}
	if (!(plan->fdkind & r->fdclass))
		return 0;
	if (plan->fdkind_state == FDK_CACHED) {
		plan->fdkind = sj_fd_kind_fresh(c->fd);
		plan->fdkind_state = FDK_CONFIRMED;
	}
	return (plan->fdkind & r->fdclass) != 0;
}

/* The filters of each call (in= and comm= are the process's: state.c
 * leaves out the rules they exclude), cheapest first. */
static int filters_pass(unsigned i, const struct sj_call *c, struct sj_plan *plan)
{
	const struct sj_rule *r = &sj_g.spec.rules[i];
	unsigned cf = sj_g.call_filters[i];
	if (SJ_LIKELY(cf == 0))
		return 1;
	if ((cf & SJ_CF_SIG) && r->sig != c->sig)
		return 0;
	if ((cf & SJ_CF_FD) && r->fd != c->fd)
		return 0;
	return !(cf & SJ_CF_FDCLASS) || fdclass_passes(r, c, plan);
}

unsigned sj_rules_match(const struct sj_call *c, struct sj_plan *plan)
{
	unsigned k, nr = sj_g.hook_nrules[c->hook];
	plan->nfired = 0;
	plan->fdkind = 0;
	plan->fdkind_state = FDK_UNKNOWN;
	for (k = 0; k < nr; k++) {
		unsigned i = sj_g.hook_rules[c->hook][k];
		const struct sj_rule *r = &sj_g.spec.rules[i];
		uint64_t n;
		if (!filters_pass(i, c, plan))
			continue;
		n = fetch_add(&sj_g.count[i], 1) + 1;
		if (!when_holds(r, n))
			continue;
		if (r->p < 1.0 && !(draw(i) < r->p))
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

/* ---- apply ---- */

/* On a forking hook, in= says where the action happens: parent (the caller,
 * after fork returned), child (the new process, right after fork), any
 * (both).  Before the fork only error=/retval= act (the fork is not made). */
static int acts_on_side(const struct sj_rule *r, unsigned props, enum sj_side side)
{
	if (!(props & SJ_HP_SIDES))
		return 1;
	if (side == SJ_SIDE_CALLER)
		return 0;
	return r->in == SJ_IN_ANY || (r->in == SJ_IN_CHILD) == (side == SJ_SIDE_CHILD);
}

static void apply_delays(const struct sj_call *c, struct sj_plan *plan, unsigned props, enum sj_side side)
{
	for (unsigned k = 0; k < plan->nfired; k++) {
		unsigned ri = plan->fired[k];
		const struct sj_rule *r = &sj_g.spec.rules[ri];
		if (!(r->actions & SJ_ACT(DELAY)) || !acts_on_side(r, props, side))
			continue;
		sj_act_record(c, ri, plan->n[k], plan->fdkind, &(struct sj_inj){ .action = "delay", .ns = r->delay_ns });
		sj_act_sleep(r->delay_ns);
	}
}

static void apply_signals(const struct sj_call *c, struct sj_plan *plan, unsigned props, enum sj_side side,
			  int skipped)
{
	int restart = 1, any_during = 0;
	for (unsigned k = 0; k < plan->nfired; k++) {
		const struct sj_rule *r = &sj_g.spec.rules[plan->fired[k]];
		if ((r->actions & SJ_ACT(DURING)) && (r->actions & SJ_ACT(SIGNAL)) && acts_on_side(r, props, side)) {
			any_during = 1;
			restart &= sj_during_restarts(r->signo);
		}
	}
	for (unsigned k = 0; k < plan->nfired; k++) {
		unsigned ri = plan->fired[k];
		const struct sj_rule *r = &sj_g.spec.rules[ri];
		if (!(r->actions & SJ_ACT(SIGNAL)) || !acts_on_side(r, props, side))
			continue;
		if (!(r->actions & SJ_ACT(DURING)))
			sj_act_signal(c, ri, plan->n[k], plan->fdkind, "signal", 0);
		else if (any_during && (props & SJ_HP_BLOCKS) && !skipped)
			sj_during_arm(c, plan, k, restart);
	}
}

static void apply_ends(const struct sj_call *c, struct sj_plan *plan, unsigned props, enum sj_side side)
{
	for (unsigned k = 0; k < plan->nfired; k++) {
		unsigned ri = plan->fired[k];
		const struct sj_rule *r = &sj_g.spec.rules[ri];
		if (!acts_on_side(r, props, side))
			continue;
		if (r->actions & SJ_ACT(EXIT)) {
			sj_act_record(c, ri, plan->n[k], plan->fdkind,
				      &(struct sj_inj){ .action = "exit", .has_retval = 1, .retval = r->exit_code });
			sj_sys_exit_group(r->exit_code);
		}
		if (r->actions & SJ_ACT(CRASH)) {
			sj_act_record(c, ri, plan->n[k], plan->fdkind, &(struct sj_inj){ .action = "crash", .sig = SIGSEGV });
			sj_act_crash();
		}
	}
}

static void apply_results(const struct sj_call *c, struct sj_plan *plan, unsigned props)
{
	for (unsigned k = 0; k < plan->nfired; k++) {
		unsigned ri = plan->fired[k];
		const struct sj_rule *r = &sj_g.spec.rules[ri];
		if ((r->actions & (SJ_ACT(ERROR) | SJ_ACT(RETVAL))) && !plan->skip) {
			plan->skip = 1;
			if (r->actions & SJ_ACT(ERROR)) {
				plan->ret = -1;
				plan->err = r->error;
				sj_act_record(c, ri, plan->n[k], plan->fdkind,
					      &(struct sj_inj){ .action = "error", .has_err = 1, .err = r->error });
			} else {
				plan->ret = r->retval;
				plan->err = errno;
				sj_act_record(c, ri, plan->n[k], plan->fdkind,
					      &(struct sj_inj){ .action = "retval", .has_retval = 1, .retval = r->retval });
			}
		}
		if ((r->actions & SJ_ACT(SHORT)) && !plan->skip && (props & SJ_HP_BYTES)) {
			if (r->short_max < plan->short_max)
				plan->short_max = r->short_max;
			sj_act_record(c, ri, plan->n[k], plan->fdkind,
				      &(struct sj_inj){ .action = "short", .has_short = 1, .shortv = r->short_max });
		}
	}
}

static int plan_skips(const struct sj_plan *plan, unsigned props)
{
	if (!(props & SJ_HP_SKIP))
		return 0;
	for (unsigned k = 0; k < plan->nfired; k++)
		if (sj_g.spec.rules[plan->fired[k]].actions & (SJ_ACT(ERROR) | SJ_ACT(RETVAL)))
			return 1;
	return 0;
}

void sj_rules_apply(const struct sj_call *c, struct sj_plan *plan, enum sj_side side)
{
	int saved = errno;
	unsigned props = sj_hook_props(c->hook);
	int skipped = plan_skips(plan, props);
	if ((props & SJ_HP_SIDES) && side != SJ_SIDE_CALLER) {
		apply_delays(c, plan, props, side);
		apply_signals(c, plan, props, side, 0);
		apply_ends(c, plan, props, side);
		errno = saved;
		return;
	}
	if (!(props & SJ_HP_SIDES)) {
		apply_delays(c, plan, props, side);
		apply_signals(c, plan, props, side, skipped);
		apply_ends(c, plan, props, side);
	}
	errno = saved;
	if (props & SJ_HP_SKIP)
		apply_results(c, plan, props);
	errno = saved;
}

void sj_rules_finish(struct sj_plan *plan)
{
	if (plan->nduring)
		sj_during_disarm(plan);
}

void sj_rules_signal_installed(const char *func, int sig)
{
	struct sj_call c = { SJ_HOOK_SIGNAL, func, -1, sig };
	struct sj_plan plan;
	int saved = errno;
	if (!sj_g.armed[SJ_HOOK_SIGNAL])
		return;
	if (sj_rules_match(&c, &plan))
		sj_rules_apply(&c, &plan, SJ_SIDE_CALLER);
	errno = saved;
}
