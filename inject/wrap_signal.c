/* wrap_signal.c — layer 6: the functions that install a disposition
 * (sigaction, signal, sigset, ...).  For every handler the program installs,
 * the kernel gets sj_trampoline instead (same sa_mask, same flags plus
 * SA_SIGINFO) and the handler group's table keeps what the program asked
 * for; every query (oldact, signal()'s return value) is translated back so
 * the program never sees the trampoline.  SIG_DFL and SIG_IGN, invalid
 * signals and SIGKILL/SIGSTOP go to glibc unchanged so its errors are the
 * program's errors.  With SIGJAM_CHECK=0 nothing is wrapped: the wrappers
 * only journal `handler` records and fire `signal` rules.
 *
 * In a vfork child (vfork.c) the call goes to glibc as it is and only the
 * translation of the old disposition reads the table: the child's kernel
 * dispositions are its own, the table is the parent's. */
#include "handlers.h"
#include "init.h"
#include "real.h"
#include "rules.h"

#include <errno.h>

static void *act_handler(const struct sigaction *a)
{
	return (a->sa_flags & SA_SIGINFO) ? (void *)a->sa_sigaction : (void *)a->sa_handler;
}

/* SIGKILL/SIGSTOP and out-of-range numbers must fail exactly as they do
 * without the shim, so glibc sees them unchanged. */
static int tracked(int sig)
{
	return sj_htable_has(sig) && sig != SIGKILL && sig != SIGSTOP;
}

static void installed(const char *func, int sig, void *handler, int flags)
{
	struct sj_user_act a = { handler, flags };
	sj_journal_handler(func, sig, &a);
	sj_rules_signal_installed(func, sig);
}

/* Translates a kernel answer into what the program installed. */
static void translate_old(struct sigaction *old, const struct sj_user_act *prev)
{
	if (!sj_is_trampoline(act_handler(old)))
		return;
	old->sa_flags = (old->sa_flags & ~SA_SIGINFO) | (prev->flags & SA_SIGINFO);
	if (prev->flags & SA_SIGINFO)
		old->sa_sigaction = (void (*)(int, siginfo_t *, void *))prev->handler;
	else
		old->sa_handler = (sighandler_t)prev->handler;
}

/* The call as glibc makes it, with the old disposition translated. */
static int plain_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sj_user_act prev = { NULL, 0 };
	int r;
	if (sj_htable_has(sig))
		sj_htable_read(sig, &prev);
	r = sj_real_sigaction(sig, act, old);
	if (r == 0 && old)
		translate_old(old, &prev);
	return r;
}

static int do_sigaction(const char *func, int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction k;
	struct sj_user_act prev = { NULL, 0 };
	sigset_t mask;
	void *h = NULL;
	int r, e, flags = 0;

	if (sj_in_vfork_child())
		return plain_sigaction(sig, act, old);
	sj_init_ensure();
	/* act may be old itself (sigaction(sig, &sa, &sa) is legal): the real
	 * call overwrites *act with the previous disposition, so everything the
	 * journal needs from act is taken now. */
	if (act) {
		h = act_handler(act);
		flags = act->sa_flags;
	}
	if (!act || !tracked(sig) || !sj_g.check) {
		r = plain_sigaction(sig, act, old);
		if (r == 0 && act) {
			e = errno;
			installed(func, sig, h, flags);
			errno = e;
		}
		return r;
	}

	/* SIG_DFL and SIG_IGN go to the kernel as they are; the table records
	 * them all the same so that it always mirrors the program's view. */
	k = *act;
	if (h != (void *)SIG_DFL && h != (void *)SIG_IGN) {
		k.sa_sigaction = sj_trampoline;
		k.sa_flags |= SA_SIGINFO;
	}
	sj_htable_lock(&mask);
	sj_htable_read(sig, &prev);
	/* Table first: a signal taken on another thread right after the kernel
	 * switches must find the new handler. */
	sj_htable_store(sig, h, flags);
	r = sj_real_sigaction(sig, &k, old);
	e = errno;
	if (r != 0)
		sj_htable_store(sig, prev.handler, prev.flags);
	sj_htable_unlock(&mask);
	if (r == 0) {
		if (old)
			translate_old(old, &prev);
		installed(func, sig, h, flags);
	}
	errno = e;
	return r;
}

SJ_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return do_sigaction("sigaction", sig, act, old);
}

SJ_EXPORT int __sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return do_sigaction("sigaction", sig, act, old);
}

/* After a signal()-like call: whatever plain handler the kernel now holds is
 * moved behind the trampoline with its flags and mask untouched.  Reading the
 * kernel (instead of trusting the argument) also covers SA_RESETHAND having
 * fired in between and racing installers.  Returns the kernel's flags. */
static int rewrap(int sig)
{
	struct sigaction k;
	sigset_t mask;
	int flags = 0;
	void *h;
	sj_htable_lock(&mask);
	if (sj_real_sigaction(sig, NULL, &k) == 0) {
		flags = k.sa_flags;
		h = act_handler(&k);
		if (h != (void *)SIG_DFL && h != (void *)SIG_IGN && !sj_is_trampoline(h)) {
			sj_htable_store(sig, h, k.sa_flags);
			k.sa_sigaction = sj_trampoline;
			k.sa_flags |= SA_SIGINFO;
			sj_real_sigaction(sig, &k, NULL);
		}
	}
	sj_htable_unlock(&mask);
	return flags;
}

/* The signal()-like functions: each installs a disposition its own way
 * (flags, mask, SIG_HOLD) that the shim must not second-guess, so the real
 * one runs and the result is wrapped afterwards (see rewrap). */
static sighandler_t do_signal_like(sighandler_t (*real)(int, sighandler_t), const char *func, int sig,
				   sighandler_t h)
{
	struct sj_user_act prev = { NULL, 0 };
	sighandler_t r;
	int e, flags;

	if (!real)
		return SIG_ERR; /* errno ENOSYS: real.def */
	if (sj_htable_has(sig))
		sj_htable_read(sig, &prev);
	r = real(sig, h);
	if (r == SIG_ERR)
		return r;
	e = errno;
	if (sj_is_trampoline((void *)r))
		r = (sighandler_t)prev.handler;
	if (h == SIG_HOLD || sj_in_vfork_child()) { /* sigset(SIG_HOLD) blocks sig; the disposition stays */
		errno = e;
		return r;
	}
	sj_init_ensure();
	if (sj_g.check)
		flags = rewrap(sig);
	else {
		struct sigaction k;
		flags = sj_real_sigaction(sig, NULL, &k) == 0 ? k.sa_flags : 0;
	}
	installed(func, sig, (void *)h, flags);
	errno = e;
	return r;
}

/* name, the name journaled in `handler` records */
#define SJ_SIGNAL_LIKE(X)                 \
	X(signal, "signal")               \
	X(bsd_signal, "bsd_signal")       \
	X(ssignal, "signal")              \
	X(sysv_signal, "sysv_signal")     \
	X(__sysv_signal, "sysv_signal")   \
	X(sigset, "sigset")

#define X(name, jname)                                                                 \
	SJ_EXPORT sighandler_t name(int sig, sighandler_t h)                           \
	{                                                                              \
		return do_signal_like((sighandler_t(*)(int, sighandler_t))              \
					      sj_real_get(&sj_reals[SJ_R_##name]),      \
				      jname, sig, h);                                  \
	}
SJ_SIGNAL_LIKE(X)
#undef X

/* sigignore installs SIG_IGN through glibc's internal sigaction: nothing to
 * wrap, but it is an installation to journal. */
SJ_EXPORT int sigignore(int sig)
{
	/* (not SJ_REAL_FN: glibc marks sigignore deprecated) */
	int (*real)(int) = (int (*)(int))sj_real_get(&sj_reals[SJ_R_sigignore]);
	int r, e;
	if (!real)
		return -1; /* errno ENOSYS: real.def */
	r = real(sig);
	if (r == 0 && !sj_in_vfork_child()) {
		e = errno;
		sj_init_ensure();
		installed("sigignore", sig, (void *)SIG_IGN, 0);
		errno = e;
	}
	return r;
}
