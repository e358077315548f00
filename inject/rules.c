/* rules.c — the rule engine: which rules fire on a call, and their actions.
 *
 * Semantics (inject/spec.h, docs/inject.md): every rule has a per-process
 * counter of the calls of its hook that passed its filters; when= and p= both
 * must hold.  All rules that fire on one call apply, in this order: delays,
 * then signals (during= arms a timer instead), then exit/crash, then
 * error/retval (the first such rule decides the return value), and short=
 * caps the byte count (the smallest wins). */
#include "shimcore.h"
#include "names.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* ---- fd kinds ---- */

#define SJ_PIPEFS_MAGIC 0x50495045 /* linux/magic.h: anonymous pipes live on pipefs */

/* Character-device majors of terminals (Documentation/admin-guide/devices.txt). */
static const struct { unsigned lo, hi; } tty_majors[] = {
	{ 4, 4 },     /* tty0..63 virtual consoles, ttyS serial ports */
	{ 5, 5 },     /* /dev/tty, /dev/console, /dev/ptmx */
	{ 136, 143 }, /* UNIX98 pseudo-terminal slaves (/dev/pts/N) */
};

static const struct { unsigned bit; const char *name; } fd_kinds[] = {
	{ SJ_FDC_PIPE, "pipe" }, { SJ_FDC_FIFO, "fifo" }, { SJ_FDC_SOCKET, "socket" },
	{ SJ_FDC_FILE, "file" }, { SJ_FDC_TTY, "tty" },
};

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

static int is_tty_major(unsigned maj)
{
	unsigned i;
	for (i = 0; i < NROWS(tty_majors); i++)
		if (maj >= tty_majors[i].lo && maj <= tty_majors[i].hi)
			return 1;
	return 0;
}

unsigned sj_fd_kind(int fd)
{
	struct stat st;
	struct statfs sf;
	if (fd < 0 || fstat(fd, &st) != 0)
		return 0;
	switch (st.st_mode & S_IFMT) {
	case S_IFIFO:
		/* Both are S_IFIFO; only a named FIFO has a real filesystem. */
		return fstatfs(fd, &sf) == 0 && sf.f_type == SJ_PIPEFS_MAGIC ? SJ_FDC_PIPE : SJ_FDC_FIFO;
	case S_IFSOCK:
		return SJ_FDC_SOCKET;
	case S_IFREG:
	case S_IFDIR:
		return SJ_FDC_FILE;
	case S_IFCHR:
		return is_tty_major(major(st.st_rdev)) ? SJ_FDC_TTY : 0;
	}
	return 0;
}

const char *sj_fd_kind_name(unsigned kind)
{
	unsigned i;
	for (i = 0; i < NROWS(fd_kinds); i++)
		if (fd_kinds[i].bit == kind)
			return fd_kinds[i].name;
	return "other";
}

/* ---- matching ---- */

/* Uniform double in [0,1) from the rule's splitmix64 stream.  The stream is
 * a counter, so one atomic add makes concurrent threads draw distinct values
 * without a lock. */
static double draw(unsigned i)
{
	uint64_t x = atomic_fetch_add(&sj_g.prng[i], 0x9e3779b97f4a7c15ull);
	return (double)(sj_mix64(x) >> 11) * (1.0 / 9007199254740992.0);
}

static int when_holds(const struct sj_rule *r, uint64_t n)
{
	uint64_t step = r->step ? r->step : 1;
	uint64_t last = r->last == SJ_WHEN_INF ? UINT64_MAX : r->last;
	return n >= r->first && n <= last && (n - r->first) % step == 0;
}

/* The cheap filters first: a rule that does not apply to this process or
 * call must cost a few compares, not an fstat. */
static int filters_pass(const struct sj_rule *r, const struct sj_call *c, struct sj_plan *plan)
{
	/* On the fork hook in= picks the side of the fork that acts, not the
	 * role of the caller (see sj_rules_apply). */
	if (c->hook != SJ_HOOK_FORK && r->in != SJ_IN_ANY && (r->in == SJ_IN_CHILD) != sj_g.child)
		return 0;
	if (r->comm[0] && strncmp(r->comm, sj_g.comm, sizeof r->comm) != 0)
		return 0;
	if (r->sig && r->sig != c->sig)
		return 0;
	if (r->fd >= 0 && r->fd != c->fd)
		return 0;
	if (r->fdclass) {
		if (!plan->fdkind)
			plan->fdkind = sj_fd_kind(c->fd);
		if (!(plan->fdkind & r->fdclass))
			return 0;
	}
	return 1;
}

/* Counts one call of rule i; returns the new count.  While the process has
 * a single thread (glibc clears __libc_single_threaded before a second one
 * starts and never sets it back) an unlocked xadd is enough: one
 * instruction, so a signal handler that counts too cannot split it, and it
 * saves the bus lock that made most of a never-firing rule's cost on dd. */
static uint64_t count_call(unsigned i)
{
#if defined(__x86_64__)
	if (__libc_single_threaded) {
		uint64_t v = 1;
		__asm__ volatile("xaddq %0, %1" : "+r"(v), "+m"(*(uint64_t *)&sj_g.count[i]));
		return v + 1;
	}
#endif
	return atomic_fetch_add(&sj_g.count[i], 1) + 1;
}

unsigned sj_rules_match(const struct sj_call *c, struct sj_plan *plan)
{
	unsigned k, nr = sj_g.hook_nrules[c->hook];
	plan->nfired = 0;
	plan->fdkind = 0;
	plan->skip = 0;
	plan->ret = 0;
	plan->err = 0;
	plan->short_max = UINT64_MAX;
	plan->nduring = 0;
	for (k = 0; k < nr; k++) {
		unsigned i = sj_g.hook_rules[c->hook][k];
		const struct sj_rule *r = &sj_g.spec.rules[i];
		uint64_t n;
		if (!filters_pass(r, c, plan))
			continue;
		n = count_call(i);
		if (!when_holds(r, n))
			continue;
		if (r->p < 1.0 && !(draw(i) < r->p))
			continue;
		plan->fired[plan->nfired] = (unsigned char)i;
		plan->n[plan->nfired] = n;
		plan->nfired++;
	}
	return plan->nfired;
}

/* ---- the `inject` record ---- */

struct inj {
	const char *action;
	int sig;            /* 0: none */
	int has_target;
	enum sj_target target;
	int has_tpid;
	pid_t tpid;
	int has_err;
	int err;
	int has_retval;
	long retval;
	int has_short;
	uint64_t shortv;
	uint64_t ns;        /* 0: none */
};

static void journal_inject(const struct sj_call *c, unsigned ri, uint64_t n, unsigned fdkind, const struct inj *a)
{
	struct sj_jw w;
	if (!sj_journal_on())
		return;
	sj_jw_begin(&w, "inject");
	sj_jw_int(&w, "rule", ri);
	sj_jw_str(&w, "spec", sj_g.rule_text[ri]);
	sj_jw_str(&w, "hook", sj_hook_name(c->hook));
	sj_jw_str(&w, "func", c->func);
	sj_jw_int(&w, "n", (long long)n);
	if (c->fd >= 0) {
		sj_jw_int(&w, "fd", c->fd);
		sj_jw_str(&w, "fdkind", sj_fd_kind_name(fdkind ? fdkind : sj_fd_kind(c->fd)));
	}
	sj_jw_str(&w, "action", a->action);
	if (a->sig)
		sj_jw_signame(&w, "sig", a->sig);
	if (a->has_target)
		sj_jw_str(&w, "target", sj_target_name(a->target));
	if (a->has_tpid)
		sj_jw_int(&w, "target_pid", a->tpid);
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

/* ---- signals ---- */

/* The pid for the record: parent's pid, or -pgid for the group. */
static int target_pid(enum sj_target t, pid_t *pid)
{
	switch (t) {
	case SJ_TGT_PARENT:
		*pid = getppid();
		return 1;
	case SJ_TGT_GROUP:
		*pid = -getpgrp();
		return 1;
	default:
		return 0;
	}
}

/* Raw syscalls: these are injections, not the program's own kill() calls,
 * and must not appear as `kill` records. */
static void send_signal(enum sj_target t, int sig)
{
	unsigned i;
	switch (t) {
	case SJ_TGT_SELF:
		sj_sys_kill(sj_getpid(), sig);
		break;
	case SJ_TGT_THREAD:
		sj_sys_tgkill(sj_getpid(), sj_gettid(), sig);
		break;
	case SJ_TGT_PARENT:
		sj_sys_kill(getppid(), sig);
		break;
	case SJ_TGT_GROUP:
		sj_sys_kill(-getpgrp(), sig);
		break;
	case SJ_TGT_CHILDREN:
		for (i = 0; i < SJ_MAX_CHILDREN; i++) {
			pid_t p = atomic_load(&sj_g.children[i]);
			if (p > 0)
				sj_sys_kill(p, sig);
		}
		break;
	}
}

static void fire_signal(const struct sj_call *c, const struct sj_rule *r, unsigned ri, uint64_t n,
			unsigned fdkind, const char *action, uint64_t ns)
{
	struct inj a = { .action = action, .sig = r->signo, .has_target = 1, .target = r->target, .ns = ns };
	a.has_tpid = target_pid(r->target, &a.tpid);
	journal_inject(c, ri, n, fdkind, &a); /* before: SIGKILL@self must still be on record */
	send_signal(r->target, r->signo);
}

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

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
static sigaction_fn real_sigaction;

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
	fire_signal(&d->call, &sj_g.spec.rules[d->rule], d->rule, d->n, d->fdkind, "during",
		    sj_g.spec.rules[d->rule].during_ns);
	errno = saved;
}

void sj_rules_resolve(void)
{
	if (!real_sigaction)
		real_sigaction = (sigaction_fn)sj_resolve("sigaction");
}

static int wants_restart(int sig)
{
	struct sigaction old;
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

static void arm_during(const struct sj_call *c, struct sj_plan *plan, unsigned k, int restart)
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

void sj_rules_finish(struct sj_plan *plan)
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

/* ---- delays, exit, crash ---- */

/* The whole delay, even if signals interrupt it: an absolute deadline. */
static void sleep_ns(uint64_t ns)
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
static void crash_now(void)
{
	static volatile uintptr_t bad = 16;
	*(volatile int *)bad = 0;
}

/* ---- apply ---- */

/* On the fork hook, in= says where the action happens: parent (the caller,
 * after fork returned), child (the new process, right after fork), any (both).
 * Before the fork only error=/retval= act (the fork is not made). */
static int acts_on_side(const struct sj_rule *r, enum sj_hook h, enum sj_side side)
{
	if (h != SJ_HOOK_FORK)
		return 1;
	if (side == SJ_SIDE_CALLER)
		return 0;
	return r->in == SJ_IN_ANY || (r->in == SJ_IN_CHILD) == (side == SJ_SIDE_CHILD);
}

/* Hooks whose call can be replaced by a return value. */
static int hook_can_skip(enum sj_hook h)
{
	return h == SJ_HOOK_READ || h == SJ_HOOK_WRITE || h == SJ_HOOK_FORK;
}

static int hook_blocks(enum sj_hook h)
{
	return h == SJ_HOOK_READ || h == SJ_HOOK_WRITE;
}

static void apply_delays(const struct sj_call *c, struct sj_plan *plan, enum sj_side side)
{
	unsigned k;
	for (k = 0; k < plan->nfired; k++) {
		unsigned ri = plan->fired[k];
		const struct sj_rule *r = &sj_g.spec.rules[ri];
		if (!(r->actions & SJ_ACT(DELAY)) || !acts_on_side(r, c->hook, side))
			continue;
		journal_inject(c, ri, plan->n[k], plan->fdkind, &(struct inj){ .action = "delay", .ns = r->delay_ns });
		sleep_ns(r->delay_ns);
	}
}

static void apply_signals(const struct sj_call *c, struct sj_plan *plan, enum sj_side side, int skipped)
{
	unsigned k;
	int restart = 1, any_during = 0;
	for (k = 0; k < plan->nfired; k++) {
		const struct sj_rule *r = &sj_g.spec.rules[plan->fired[k]];
		if ((r->actions & SJ_ACT(DURING)) && (r->actions & SJ_ACT(SIGNAL)) && acts_on_side(r, c->hook, side)) {
			any_during = 1;
			restart &= wants_restart(r->signo);
		}
	}
	for (k = 0; k < plan->nfired; k++) {
		unsigned ri = plan->fired[k];
		const struct sj_rule *r = &sj_g.spec.rules[ri];
		if (!(r->actions & SJ_ACT(SIGNAL)) || !acts_on_side(r, c->hook, side))
			continue;
		if (!(r->actions & SJ_ACT(DURING)))
			fire_signal(c, r, ri, plan->n[k], plan->fdkind, "signal", 0);
		else if (any_during && hook_blocks(c->hook) && !skipped)
			arm_during(c, plan, k, restart);
	}
}

static void apply_ends(const struct sj_call *c, struct sj_plan *plan, enum sj_side side)
{
	unsigned k;
	for (k = 0; k < plan->nfired; k++) {
		unsigned ri = plan->fired[k];
		const struct sj_rule *r = &sj_g.spec.rules[ri];
		if (!acts_on_side(r, c->hook, side))
			continue;
		if (r->actions & SJ_ACT(EXIT)) {
			journal_inject(c, ri, plan->n[k], plan->fdkind, &(struct inj){ .action = "exit", .has_retval = 1, .retval = r->exit_code });
			sj_sys_exit_group(r->exit_code);
		}
		if (r->actions & SJ_ACT(CRASH)) {
			journal_inject(c, ri, plan->n[k], plan->fdkind, &(struct inj){ .action = "crash", .sig = SIGSEGV });
			crash_now();
		}
	}
}

static void apply_results(const struct sj_call *c, struct sj_plan *plan)
{
	unsigned k;
	for (k = 0; k < plan->nfired; k++) {
		unsigned ri = plan->fired[k];
		const struct sj_rule *r = &sj_g.spec.rules[ri];
		if ((r->actions & (SJ_ACT(ERROR) | SJ_ACT(RETVAL))) && !plan->skip) {
			plan->skip = 1;
			if (r->actions & SJ_ACT(ERROR)) {
				plan->ret = -1;
				plan->err = r->error;
				journal_inject(c, ri, plan->n[k], plan->fdkind, &(struct inj){ .action = "error", .has_err = 1, .err = r->error });
			} else {
				plan->ret = r->retval;
				plan->err = errno;
				journal_inject(c, ri, plan->n[k], plan->fdkind, &(struct inj){ .action = "retval", .has_retval = 1, .retval = r->retval });
			}
		}
		if ((r->actions & SJ_ACT(SHORT)) && !plan->skip && c->hook != SJ_HOOK_FORK) {
			if (r->short_max < plan->short_max)
				plan->short_max = r->short_max;
			journal_inject(c, ri, plan->n[k], plan->fdkind, &(struct inj){ .action = "short", .has_short = 1, .shortv = r->short_max });
		}
	}
}

static int plan_skips(const struct sj_plan *plan, enum sj_hook h)
{
	unsigned k;
	if (!hook_can_skip(h))
		return 0;
	for (k = 0; k < plan->nfired; k++)
		if (sj_g.spec.rules[plan->fired[k]].actions & (SJ_ACT(ERROR) | SJ_ACT(RETVAL)))
			return 1;
	return 0;
}

void sj_rules_apply(const struct sj_call *c, struct sj_plan *plan, enum sj_side side)
{
	int saved = errno;
	int skipped = plan_skips(plan, c->hook);
	if (c->hook == SJ_HOOK_FORK && side != SJ_SIDE_CALLER) {
		apply_delays(c, plan, side);
		apply_signals(c, plan, side, 0);
		apply_ends(c, plan, side);
		errno = saved;
		return;
	}
	if (c->hook != SJ_HOOK_FORK) {
		apply_delays(c, plan, side);
		apply_signals(c, plan, side, skipped);
		apply_ends(c, plan, side);
	}
	errno = saved;
	if (hook_can_skip(c->hook))
		apply_results(c, plan);
	errno = saved;
}

/* ---- the signal hook (called by handlers.c) ---- */

void sj_rules_on_signal_install(const char *func, int sig)
{
	struct sj_call c = { SJ_HOOK_SIGNAL, func, -1, sig };
	struct sj_plan plan;
	int saved = errno;
	if (!sj_ready())
		sj_shim_init();
	if (!sj_ready() || !sj_g.armed[SJ_HOOK_SIGNAL])
		return;
	if (sj_rules_match(&c, &plan))
		sj_rules_apply(&c, &plan, SJ_SIDE_CALLER);
	errno = saved;
}
