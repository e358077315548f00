/* rules_act.c — layer 4: the actions of a firing rule that touch the world
 * (signals, sleeps, crashes) and the `inject` record written before each,
 * so that even signal=KILL@self and exit= are on record. */
#include "journal.h"
#include "rules.h"

#include <errno.h>
#include <signal.h>
#include <time.h>

static SJ_NOINLINE void inject_record(const struct sj_call *c, unsigned ri, uint64_t n, unsigned fdkind, const struct sj_inj *a)
{
	struct sj_jw w;
	sj_jw_begin(&w, "inject");
	sj_jw_int(&w, "rule", ri);
	sj_jw_str(&w, "spec", sj_g.rule_text[ri]);
	sj_jw_str(&w, "hook", sj_hook_name(c->hook));
	sj_jw_str(&w, "func", c->func);
	sj_jw_int(&w, "n", (long long)n);
	if (c->fd >= 0) {
		sj_jw_int(&w, "fd", c->fd);
		sj_jw_str(&w, "fdkind", sj_fd_kind_name(fdkind ? fdkind : sj_fd_kind_fresh(c->fd)));
	}
	sj_jw_str(&w, "action", a->action);
	if (a->sig)
		sj_jw_signame(&w, "sig", a->sig);
	if (a->has_target) {
		sj_jw_str(&w, "target", sj_target_name(a->target));
		/* The pid for parent and group: the parent's, or -pgid. */
		if (a->target == SJ_TGT_PARENT)
			sj_jw_int(&w, "target_pid", sj_getppid());
		else if (a->target == SJ_TGT_GROUP)
			sj_jw_int(&w, "target_pid", -getpgrp());
	}
	if (a->has_err)
		sj_jw_errname(&w, "errno", a->err);
	if (a->has_retval)
		sj_jw_int(&w, "retval", a->retval);
	if (a->has_short)
		sj_jw_int(&w, "short", (long long)a->shortv);
	if (a->ns)
		sj_jw_int(&w, "ns", (long long)a->ns);
	sj_jw_end(&w);
}

void sj_act_record(const struct sj_call *c, unsigned ri, uint64_t n, unsigned fdkind, const struct sj_inj *a)
{
	if (sj_journal_on())
		inject_record(c, ri, n, fdkind, a);
}

/* Raw syscalls: these are injections, not the program's own kill() calls,
 * and must not appear as `kill` records. */
static void send_signal(enum sj_target t, int sig)
{
	switch (t) {
	case SJ_TGT_SELF:
		sj_sys_kill(sj_getpid(), sig);
		break;
	case SJ_TGT_THREAD:
		sj_sys_tgkill(sj_getpid(), sj_gettid(), sig);
		break;
	case SJ_TGT_PARENT:
		sj_sys_kill(sj_getppid(), sig);
		break;
	case SJ_TGT_GROUP:
		sj_sys_kill(-getpgrp(), sig);
		break;
	case SJ_TGT_CHILDREN:
		for (unsigned i = 0; i < SJ_MAX_CHILDREN; i++) {
			pid_t p = atomic_load(&sj_g.children[i]);
			if (p > 0)
				sj_sys_kill(p, sig);
		}
		break;
	}
}

void sj_act_signal(const struct sj_call *c, unsigned ri, uint64_t n, unsigned fdkind, const char *action,
		   uint64_t ns)
{
	const struct sj_rule *r = &sj_g.spec.rules[ri];
	struct sj_inj a = { .action = action, .sig = r->signo, .has_target = 1, .target = r->target, .ns = ns };
	sj_act_record(c, ri, n, fdkind, &a); /* before: SIGKILL@self must still be on record */
	send_signal(r->target, r->signo);
}

/* The whole delay, even if signals interrupt it: an absolute deadline. */
void sj_act_sleep(uint64_t ns)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(ns / 1000000000ull);
	until.tv_nsec += (long)(ns % 1000000000ull);
	if (until.tv_nsec >= 1000000000l) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000l;
	}
	while (syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) != 0 && errno == EINTR)
		;
}

/* A genuine invalid access, not raise(SIGSEGV): the program's own SIGSEGV
 * handler, faulthandler or a core dump see what a real bug would give them. */
void sj_act_crash(void)
{
	static volatile uintptr_t bad = 16;
	*(volatile int *)bad = 0;
}
