/* handlers.c — the signal-installation wrappers and the table of the
 * program's handlers.
 *
 * For every handler the program installs, the kernel gets sj_trampoline
 * instead (same sa_mask, same flags plus SA_SIGINFO) and the table keeps what
 * the program asked for; every query (oldact, signal()'s return value) is
 * translated back so the program never sees the trampoline.  SIG_DFL and
 * SIG_IGN, invalid signals and SIGKILL/SIGSTOP go to glibc unchanged so its
 * errors are the program's errors.  With SIGJAM_CHECK=0 nothing is wrapped:
 * the wrappers only journal `handler` records and fire `signal` rules.
 *
 * Table consistency without a lock on the reading side: a handler reads its
 * slot under a per-slot sequence counter and retries if a writer was active
 * (a torn read would pair one handler with another's SA_SIGINFO and call it
 * with the wrong arguments).  Writers (sigaction calls, rare) serialize on a
 * spin flag with every signal blocked, so a handler never spins on a writer
 * that it interrupted on its own thread. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "handlers_int.h"

SJ_HIDDEN void sj_trampoline(int sig, siginfo_t *si, void *uc);

struct slot {
	atomic_uint seq;         /* odd while a writer updates the slot */
	_Atomic(void *) handler; /* the program's handler */
	atomic_int flags;        /* the program's sa_flags */
};

static struct slot table[NSIG];
static atomic_flag wlock = ATOMIC_FLAG_INIT;

static int sig_in_table(int sig)
{
	return sig >= 1 && sig < NSIG;
}

static void *act_handler(const struct sigaction *a)
{
	return (a->sa_flags & SA_SIGINFO) ? (void *)a->sa_sigaction : (void *)a->sa_handler;
}

static int is_trampoline(const void *h)
{
	return h == (const void *)sj_trampoline;
}

/* ---- the table ---- */

void sj_read_user_act(int sig, struct sj_user_act *out)
{
	struct slot *s = &table[sig];
	unsigned a, b;
	do {
		a = atomic_load_explicit(&s->seq, memory_order_acquire);
		out->handler = atomic_load_explicit(&s->handler, memory_order_relaxed);
		out->flags = atomic_load_explicit(&s->flags, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		b = atomic_load_explicit(&s->seq, memory_order_relaxed);
	} while ((a & 1) || a != b);
}

/* Only between write_begin and write_end. */
static void slot_store(int sig, void *handler, int flags)
{
	struct slot *s = &table[sig];
	atomic_fetch_add_explicit(&s->seq, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->handler, handler, memory_order_relaxed);
	atomic_store_explicit(&s->flags, flags, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->seq, 1, memory_order_release);
}

static void write_begin(sigset_t *saved)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, saved);
	while (atomic_flag_test_and_set_explicit(&wlock, memory_order_acquire))
		sched_yield();
}

static void write_end(const sigset_t *saved)
{
	atomic_flag_clear_explicit(&wlock, memory_order_release);
	pthread_sigmask(SIG_SETMASK, saved, NULL);
}

/* A fork child has only the forking thread: a writer caught mid-update on
 * another thread would leave the flag set and a slot odd forever. */
static void table_after_fork_child(void)
{
	atomic_flag_clear(&wlock);
	for (int sig = 1; sig < NSIG; sig++) {
		unsigned s = atomic_load(&table[sig].seq);
		if (s & 1)
			atomic_store(&table[sig].seq, s + 1);
	}
}

int sj_user_handler_of(int sig, const void *kernel_handler, struct sj_user_act *out)
{
	if (!sig_in_table(sig) || !is_trampoline(kernel_handler))
		return -1;
	sj_read_user_act(sig, out);
	return 0;
}

/* ---- glibc's functions ---- */

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
typedef sighandler_t (*signal_fn)(int, sighandler_t);

/* The signal()-like functions: each installs a disposition its own way
 * (flags, mask, SIG_HOLD) that the shim must not second-guess, so the real
 * one runs and the result is wrapped afterwards (see rewrap). */
#define SJ_SIGNAL_LIKE(X)                 \
	X(signal, "signal")               \
	X(bsd_signal, "bsd_signal")       \
	X(ssignal, "signal")              \
	X(sysv_signal, "sysv_signal")     \
	X(__sysv_signal, "sysv_signal")   \
	X(sigset, "sigset")

enum {
#define X(name, jname) SJ_SL_##name,
	SJ_SIGNAL_LIKE(X)
#undef X
	SJ_SL_COUNT
};

static const char *const sl_names[SJ_SL_COUNT] = {
#define X(name, jname) [SJ_SL_##name] = #name,
	SJ_SIGNAL_LIKE(X)
#undef X
};

static _Atomic(void *) real_sa;
static _Atomic(void *) real_sl[SJ_SL_COUNT];
static _Atomic(void *) real_ignore;

static void *resolve_cached(_Atomic(void *) *cache, const char *name)
{
	void *f = atomic_load_explicit(cache, memory_order_relaxed);
	if (!f) {
		f = sj_resolve(name);
		atomic_store_explicit(cache, f, memory_order_relaxed);
	}
	return f;
}

int sj_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	sigaction_fn f = (sigaction_fn)resolve_cached(&real_sa, "sigaction");
	if (!f) {
		errno = ENOSYS;
		return -1;
	}
	return f(sig, act, old);
}

/* ---- after an installation ---- */

static void installed(const char *func, int sig, void *handler, int flags)
{
	struct sj_user_act a = { handler, flags };
	sj_journal_handler(func, sig, &a);
	sj_rules_on_signal_install(func, sig);
}

/* Translates a kernel answer into what the program installed. */
static void translate_old(struct sigaction *old, const struct sj_user_act *prev)
{
	if (!is_trampoline(act_handler(old)))
		return;
	old->sa_flags = (old->sa_flags & ~SA_SIGINFO) | (prev->flags & SA_SIGINFO);
	if (prev->flags & SA_SIGINFO)
		old->sa_sigaction = (void (*)(int, siginfo_t *, void *))prev->handler;
	else
		old->sa_handler = (sighandler_t)prev->handler;
}

/* SIGKILL/SIGSTOP and out-of-range numbers must fail exactly as they do
 * without the shim, so glibc sees them unchanged. */
static int tracked(int sig)
{
	return sig_in_table(sig) && sig != SIGKILL && sig != SIGSTOP;
}

static int do_sigaction(const char *func, int sig, const struct sigaction *act,
			struct sigaction *old)
{
	struct sigaction k;
	struct sj_user_act prev = { NULL, 0 };
	sigset_t mask;
	void *h = NULL;
	int r, e, flags = 0;

	/* act may be old itself (sigaction(sig, &sa, &sa) is legal): the real
	 * call overwrites *act with the previous disposition, so everything the
	 * journal needs from act is taken now. */
	if (act) {
		h = act_handler(act);
		flags = act->sa_flags;
	}
	if (!act || !tracked(sig) || !sj_shim_check_enabled()) {
		if (sig_in_table(sig))
			sj_read_user_act(sig, &prev);
		r = sj_real_sigaction(sig, act, old);
		if (r == 0 && old)
			translate_old(old, &prev);
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
	write_begin(&mask);
	sj_read_user_act(sig, &prev);
	/* Table first: a signal taken on another thread right after the kernel
	 * switches must find the new handler. */
	slot_store(sig, h, flags);
	r = sj_real_sigaction(sig, &k, old);
	e = errno;
	if (r != 0)
		slot_store(sig, prev.handler, prev.flags);
	write_end(&mask);
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
	write_begin(&mask);
	if (sj_real_sigaction(sig, NULL, &k) == 0) {
		flags = k.sa_flags;
		h = act_handler(&k);
		if (h != (void *)SIG_DFL && h != (void *)SIG_IGN && !is_trampoline(h)) {
			slot_store(sig, h, k.sa_flags);
			k.sa_sigaction = sj_trampoline;
			k.sa_flags |= SA_SIGINFO;
			sj_real_sigaction(sig, &k, NULL);
		}
	}
	write_end(&mask);
	return flags;
}

static sighandler_t do_signal_like(int which, const char *func, int sig, sighandler_t h)
{
	signal_fn real = (signal_fn)resolve_cached(&real_sl[which], sl_names[which]);
	struct sj_user_act prev = { NULL, 0 };
	sighandler_t r;
	int e, flags;

	if (!real) {
		errno = ENOSYS;
		return SIG_ERR;
	}
	if (sig_in_table(sig))
		sj_read_user_act(sig, &prev);
	r = real(sig, h);
	if (r == SIG_ERR)
		return r;
	e = errno;
	if (is_trampoline((void *)r))
		r = (sighandler_t)prev.handler;
	if (h == SIG_HOLD) { /* sigset: blocks sig, the disposition stays */
		errno = e;
		return r;
	}
	if (sj_shim_check_enabled())
		flags = rewrap(sig);
	else {
		struct sigaction k;
		flags = sj_real_sigaction(sig, NULL, &k) == 0 ? k.sa_flags : 0;
	}
	installed(func, sig, (void *)h, flags);
	errno = e;
	return r;
}

#define X(name, jname)                                               \
	SJ_EXPORT sighandler_t name(int sig, sighandler_t h)         \
	{                                                            \
		return do_signal_like(SJ_SL_##name, jname, sig, h);  \
	}
SJ_SIGNAL_LIKE(X)
#undef X

/* sigignore installs SIG_IGN through glibc's internal sigaction: nothing to
 * wrap, but it is an installation to journal. */
SJ_EXPORT int sigignore(int sig)
{
	int (*real)(int) = (int (*)(int))resolve_cached(&real_ignore, "sigignore");
	int r, e;
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	r = real(sig);
	if (r == 0) {
		e = errno;
		installed("sigignore", sig, (void *)SIG_IGN, 0);
		errno = e;
	}
	return r;
}

/* SA_RESETHAND fired (the trampoline calls this): the table forgets the
 * handler unless another thread installed a new one meanwhile. */
void sj_forget_if_reset(int sig)
{
	struct sigaction k;
	sigset_t mask;
	write_begin(&mask);
	if (sj_real_sigaction(sig, NULL, &k) == 0 && act_handler(&k) == (void *)SIG_DFL)
		slot_store(sig, (void *)SIG_DFL, 0);
	write_end(&mask);
}

__attribute__((constructor)) static void handlers_init(void)
{
	resolve_cached(&real_sa, "sigaction");
	for (int i = 0; i < SJ_SL_COUNT; i++)
		resolve_cached(&real_sl[i], sl_names[i]);
	resolve_cached(&real_ignore, "sigignore");
	sj_maps_probe_python();
	pthread_atfork(NULL, NULL, table_after_fork_child);
}
