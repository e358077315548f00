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

/* ---- decide ----
 *
 * Why any call may store a hint (sj_hook_rules.next, sj_state.next).  A
 * call reads the hint H, then takes its count n (sj_count_call: acquire
 * load, then the add), and skips the rules when n < H.  A call that took m
 * stores H' = the smallest count after m at which a rule fires (schedule.h).
 * If another call read that H', it read it after the store, so after m was
 * taken, and took its own n after that: n > m.  Any n > m at which a rule
 * fires is >= H' by definition, so no call skips a rule that fires at its
 * count, however the stores of different calls interleave or overwrite one
 * another (an older, lower hint only costs a look).  Which calls fire is
 * decided by the schedule from each call's own n, never from a hint. */

enum { FDK_UNKNOWN, FDK_CACHED, FDK_CONFIRMED };

/* The kind of c->fd for fd= kinds: the cached one (one load), or
 * classified now when the cache does not hold it. */
static unsigned call_fdkind(const struct sj_call *c, struct sj_plan *plan)
{
	if (plan->fdkind_state == FDK_UNKNOWN) {
		int cached = sj_fd_kind_cached(c->fd, &plan->fdkind);
		if (!cached)
			plan->fdkind = sj_fd_kind_fresh(c->fd);
		plan->fdkind_state = cached ? FDK_CACHED : FDK_CONFIRMED;
	}
	return plan->fdkind;
}

/* A rule with fd= kinds is about to fire: a kind from the cache is
 * confirmed with one fstat first (fdkind.c says why), once per call. */
static int fdkind_confirmed(const struct sj_rule *r, const struct sj_call *c, struct sj_plan *plan)
{
	if (plan->fdkind_state == FDK_CACHED) {
		plan->fdkind = sj_fd_kind_fresh(c->fd);
		plan->fdkind_state = FDK_CONFIRMED;
	}
	return (plan->fdkind & r->fdclass) != 0;
}

/* The per-call filters of rule i, cheapest first (in= and comm= are the
 * process's: state.c leaves out the rules they exclude). */
static int filters_pass(unsigned i, const struct sj_call *c, struct sj_plan *plan)
{
	const struct sj_rule *r = &sj_g.spec.rules[i];
	unsigned cf = sj_g.call_filters[i];
	if ((cf & SJ_CF_SIG) && r->sig != c->sig)
		return 0;
	if ((cf & SJ_CF_FD) && r->fd != c->fd)
		return 0;
	return !(cf & SJ_CF_FDCLASS) || (call_fdkind(c, plan) & r->fdclass);
}

unsigned sj_rules_decide(const struct sj_call *c, struct sj_plan *plan, struct sj_tally t)
{
	struct sj_hook_rules *hr = &sj_g.hooks[c->hook];
	uint64_t next = UINT64_MAX;
	plan->nfired = 0;
	plan->fdkind = 0;
	plan->fdkind_state = FDK_UNKNOWN;
	for (unsigned k = 0; k < hr->n; k++) {
		unsigned i = hr->rules[k];
		const struct sj_sched *s = &sj_g.sched[i];
		uint64_t n = t.n;
		int due = t.due;
		if (sj_g.call_filters[i]) {
			if (!filters_pass(i, c, plan))
				continue;
			n = sj_count_call(&sj_g.count[i], &sj_g.next[i], &due);
			if (!due)
				continue;
			atomic_store_explicit(&sj_g.next[i], sj_sched_next(s, n), memory_order_release);
		} else if (due) {
			uint64_t m = sj_sched_next(s, n);
			if (m < next)
				next = m;
		} else {
			continue;
		}
		if (!sj_sched_fires(s, n))
			continue;
		if ((sj_g.call_filters[i] & SJ_CF_FDCLASS) && !fdkind_confirmed(&sj_g.spec.rules[i], c, plan))
			continue;
		plan->fired[plan->nfired] = (unsigned char)i;
		plan->n[plan->nfired] = n;
		plan->nfired++;
	}
	if (t.due)
		atomic_store_explicit(&hr->next, next, memory_order_release);
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
