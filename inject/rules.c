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
