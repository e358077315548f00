/* rules.h — layer 4: the rule engine.  Which rules fire on one call of a
 * hook, and what they do to it (inject/spec.h, docs/inject.md).
 *
 * Everything here is async-signal-safe: wrappers run inside signal handlers
 * and between fork and exec.  Nothing here may run in a vfork child (the
 * counters are the parent's memory): the wrappers do not call in then. */
#ifndef SIGJAM_RULES_H
#define SIGJAM_RULES_H

#include "state.h"

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

/* Counts the call in every rule of c->hook whose filters pass and decides
 * which fire (when= and p=).  Returns plan->nfired. */
SJ_HIDDEN unsigned sj_rules_match(const struct sj_call *c, struct sj_plan *plan);
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
