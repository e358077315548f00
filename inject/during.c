/* during.c — layer 4: during=, a signal that arrives while the call still
 * blocks (docs/inject.md). */
#include "real.h"
#include "rules.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

/* ---- during=: a signal that arrives inside the blocked call ----
 *
 * A per-thread POSIX timer (SIGEV_THREAD_ID) fires a relay signal at the
 * calling thread after DUR.  The relay handler journals the injection and
 * sends the rule's signal to its target, so every target (self, thread,
 * parent, group, children) works the same way and the record precedes the
 * signal.  Because the relay interrupts the blocked syscall, its SA_RESTART
 * flag is set to what the rule's signal itself would cause: restart when the
 * program ignores it, leaves it at SIG_DFL (fatal, stop or ignore: the kernel
 * restarts the call in every non-fatal case) or installed its handler with
 * SA_RESTART; otherwise the call fails with EINTR, exactly as if the signal
 * had interrupted it directly.  When the call returns first the timer is
 * deleted and nothing is sent. */

struct during_slot {
	int active;         /* armed and the call has not returned */
	int timer;          /* kernel timer id */
	unsigned rule;
	uint64_t n;
	unsigned fdkind;
	struct sj_call call;
};

static SJ_TLS struct during_slot dslots[SJ_MAX_DURING];

static int relay_signo(void)
{
	return SIGRTMAX;
}

static void relay_handler(int sig, siginfo_t *si, void *uc)
{
	int saved = errno, s = si->si_value.sival_int;
	struct during_slot *d;
	if (si->si_code != SI_TIMER || s < 0 || s >= SJ_MAX_DURING)
		return;
	d = &dslots[s];
	if (!d->active)
		return; /* the call returned before the timer was deleted */
	d->active = 0;
	sj_act_signal(&d->call, d->rule, d->n, d->fdkind, "during", sj_g.spec.rules[d->rule].during_ns);
	errno = saved;
}

int sj_during_restarts(int sig)
{
	struct sigaction old;
	__typeof__(sigaction) *real_sigaction = SJ_REAL_FN(sigaction);
	if (!real_sigaction || real_sigaction(sig, NULL, &old) != 0)
		return 1;
	if (old.sa_handler == SIG_IGN || old.sa_handler == SIG_DFL)
		return 1;
	return (old.sa_flags & SA_RESTART) != 0;
}

static int install_relay(int restart)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = relay_handler;
	sa.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0);
	sigemptyset(&sa.sa_mask);
	__typeof__(sigaction) *real_sigaction = SJ_REAL_FN(sigaction);
	return real_sigaction ? real_sigaction(relay_signo(), &sa, NULL) : -1;
}

static int free_slot(void)
{
	int s;
	for (s = 0; s < SJ_MAX_DURING; s++)
		if (!dslots[s].active && dslots[s].timer == 0)
			return s;
	return -1;
}

void sj_during_arm(const struct sj_call *c, struct sj_plan *plan, unsigned k, int restart)
{
	unsigned ri = plan->fired[k];
	const struct sj_rule *r = &sj_g.spec.rules[ri];
	struct sigevent sev;
	struct itimerspec its;
	int s = free_slot(), timer = -1;
	if (s < 0 || plan->nduring == SJ_MAX_DURING || install_relay(restart) != 0)
		return;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = relay_signo();
	sev.sigev_value.sival_int = s;
	sev._sigev_un._tid = sj_gettid();
	/* Raw syscall: glibc's timer_t is a pointer for SIGEV_THREAD timers;
	 * the kernel's id is an int. */
	if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &timer) != 0)
		return;
	dslots[s] = (struct during_slot){ .active = 1, .timer = timer + 1, .rule = ri, .n = plan->n[k],
					  .fdkind = plan->fdkind, .call = *c };
	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = (time_t)(r->during_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(r->during_ns % 1000000000ull);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1; /* zero would disarm */
	syscall(SYS_timer_settime, timer, 0, &its, NULL);
	plan->during_slot[plan->nduring++] = s;
}

void sj_during_disarm(struct sj_plan *plan)
{
	unsigned k;
	int saved = errno;
	for (k = 0; k < plan->nduring; k++) {
		struct during_slot *d = &dslots[plan->during_slot[k]];
		/* Inactive first: a relay already queued but not yet run is then
		 * ignored (deleting a timer does not unqueue its signal). */
		d->active = 0;
		syscall(SYS_timer_delete, d->timer - 1);
		d->timer = 0;
	}
	plan->nduring = 0;
	errno = saved;
}
