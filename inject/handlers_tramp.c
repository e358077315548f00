/* handlers_tramp.c — layer 4, handler group: what runs around every wrapped signal handler: the
 * per-thread nesting levels, the errno check, and the unsafe-call notes.
 *
 * A level is pushed when the trampoline starts a handler and popped when the
 * handler returns.  A handler that leaves by siglongjmp never returns through
 * the trampoline, so a level also dies when the stack no longer holds its
 * frame: every check first drops levels whose trampoline frame lies above
 * the current stack pointer (the stack grows down), and the longjmp family is
 * interposed to drop exactly the levels the jump unwinds.  Without this one
 * siglongjmp would make every later malloc look like a call from a handler
 * (TSan's google/sanitizers#482). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <ucontext.h>

#include "handlers.h"
#include "real.h"

#define SJ_MAXDEPTH 16 /* deeper nesting is counted but not tracked */

struct sj_level {
	uintptr_t fp;  /* the trampoline's frame: the handler's frames lie below */
	uintptr_t lo;  /* bottom of the alternate stack it runs on; 0 on the thread's stack */
	int sig;
	uint64_t noted[2]; /* unsafe functions already reported in this run */
};

SJ_TLS int sj_raw_depth;
static SJ_TLS struct sj_level levels[SJ_MAXDEPTH];
/* The shim's own work on this thread (journal records, backtraces): the
 * unsafe interposers it may reach must not report the shim itself. */
static SJ_TLS int busy;

#define BARRIER() atomic_signal_fence(memory_order_seq_cst)

static inline uintptr_t here(void)
{
	return (uintptr_t)__builtin_frame_address(0);
}

static int level_live(const struct sj_level *lv, uintptr_t sp)
{
	return sp >= lv->lo && sp < lv->fp;
}

/* Drops the levels whose frames no longer exist at stack address sp.
 * Innermost first: once a level is live, every outer one is too. */
static int prune(uintptr_t sp)
{
	int d = sj_raw_depth;
	while (d > 0 && d <= SJ_MAXDEPTH && !level_live(&levels[d - 1], sp))
		d--;
	sj_raw_depth = d;
	return d;
}

int sj_handler_depth(void)
{
	if (__builtin_expect(sj_raw_depth == 0, 1))
		return 0;
	return prune(here());
}

/* Bottom of the alternate stack when this handler runs on one.  The kernel
 * switches to it only for SA_ONSTACK handlers with an enabled stack, and
 * uc_stack holds that stack's settings as of delivery. */
static uintptr_t altstack_lo(int flags, const ucontext_t *uc, uintptr_t fp)
{
	uintptr_t lo, hi;
	if (!(flags & SA_ONSTACK) || !uc || (uc->uc_stack.ss_flags & SS_DISABLE))
		return 0;
	lo = (uintptr_t)uc->uc_stack.ss_sp;
	hi = lo + uc->uc_stack.ss_size;
	return fp >= lo && fp < hi ? lo : 0;
}

static void level_fill(struct sj_level *lv, int sig, int flags, uintptr_t fp,
		       const ucontext_t *uc)
{
	lv->fp = fp;
	lv->lo = altstack_lo(flags, uc, fp);
	lv->sig = sig;
	lv->noted[0] = lv->noted[1] = 0;
}

/* Pushes a level; returns the new depth.  A signal that arrives before the
 * depth is published nests at the same slot and overwrites it, so the slot
 * is checked (and refilled) after publishing: from then on a nested handler
 * uses the next slot. */
static int level_push(int sig, int flags, uintptr_t fp, const ucontext_t *uc)
{
	int d = prune(fp) + 1;
	struct sj_level *lv = d <= SJ_MAXDEPTH ? &levels[d - 1] : NULL;
	if (lv)
		level_fill(lv, sig, flags, fp, uc);
	BARRIER();
	sj_raw_depth = d;
	BARRIER();
	if (lv && (lv->fp != fp || lv->sig != sig))
		level_fill(lv, sig, flags, fp, uc);
	return d;
}

static int outer_sig(int d)
{
	return d >= 2 && d - 1 <= SJ_MAXDEPTH ? levels[d - 2].sig : 0;
}

/* TSan's list, for the same reasons: a synchronous fault's handler rarely
 * returns (it reports and dies or longjmps), so errno after it means
 * nothing; SIGTERM handlers that clean up and re-raise SIGTERM change errno
 * on their way to death. */
static const int errno_unwatched[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS, SIGTERM };

static int errno_watched(int sig)
{
	for (size_t i = 0; i < sizeof errno_unwatched / sizeof errno_unwatched[0]; i++)
		if (errno_unwatched[i] == sig)
			return 0;
	return 1;
}

static void call_user(int sig, siginfo_t *si, void *uc, const struct sj_user_act *a)
{
	/* SIG_DFL/SIG_IGN here only after a race between a reset (SA_RESETHAND)
	 * and a reinstall on another thread: the kernel already chose to call
	 * us, so ignoring is the least surprising outcome. */
	if (a->handler == (void *)SIG_DFL || a->handler == (void *)SIG_IGN)
		return;
	if (a->flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))a->handler)(sig, si, uc);
	else
		((void (*)(int))a->handler)(sig);
}

/* The disposition the kernel holds for every wrapped handler (SA_SIGINFO is
 * always set so that si/uc reach us; the program's own flags decide how its
 * handler is called). */
void sj_trampoline(int sig, siginfo_t *si, void *uc)
{
	int e0 = errno, e1, d, outer_busy;
	uintptr_t fp = here();
	struct sj_user_act a;

	sj_htable_read(sig, &a);
	/* In a vfork child the levels, the table and the records' state are the
	 * parent's (sys.h): the program's handler runs, nothing else. */
	if (sj_in_vfork_child()) {
		call_user(sig, si, uc, &a);
		return;
	}
	d = level_push(sig, a.flags, fp, uc);

	busy++;
	/* SA_RESETHAND: the kernel restored SIG_DFL before calling us; the table
	 * follows now, before the handler can longjmp away. */
	if (a.flags & SA_RESETHAND)
		sj_htable_forget_if_reset(sig);
	if (d > 1)
		sj_journal_nested(sig, outer_sig(d), d);
	sj_journal_deliver(sig, si, d);
	busy--;

	/* This handler may have interrupted the shim's own work on this
	 * thread; its calls are the program's and must be seen. */
	outer_busy = busy;
	busy = 0;
	/* The handler starts with the interrupted code's errno, as it would
	 * without the shim: handlers log strerror(errno) or test errno == EINTR.
	 * No sentinel (TSan's way), so a handler that stores the very value it
	 * found goes unreported; that write is harmless anyway. */
	errno = e0;
	call_user(sig, si, uc, &a);
	e1 = errno;
	busy = outer_busy;

	if (e1 != e0 && errno_watched(sig)) {
		busy++;
		sj_journal_errno(sig, e0, e1, a.handler);
		busy--;
	}
	BARRIER();
	sj_raw_depth = d - 1;
	/* Exactly what the handler left, as without the shim. */
	errno = e1;
}

/* ---- unsafe calls ---- */

void sj_note_unsafe_idx(unsigned idx, const char *name)
{
	int d;
	struct sj_level *lv;
	uint64_t bit;
	if (busy || sj_in_vfork_child())
		return;
	d = prune(here());
	if (d == 0)
		return;
	lv = &levels[(d <= SJ_MAXDEPTH ? d : SJ_MAXDEPTH) - 1];
	bit = 1ull << (idx % 64);
	if (idx < 128) {
		if (lv->noted[idx / 64] & bit)
			return;
		lv->noted[idx / 64] |= bit;
	}
	busy++;
	/* The journal writer drops the shim's own frames: the backtrace starts
	 * at the caller of the unsafe function. */
	sj_journal_unsafe(lv->sig, name, 0);
	busy--;
}

/* ---- longjmp out of handlers ---- */

/* The stack pointer a jmp_buf restores, or 0 where its encoding is unknown.
 * x86_64 glibc stores it at __jmpbuf[6] mangled as rol(sp ^ guard, 17) with
 * the pointer guard at %fs:0x30 (sysdeps/unix/sysv/linux/x86_64/sysdep.h
 * PTR_MANGLE); this layout has been stable since glibc 2.4. */
static uintptr_t jmpbuf_sp(const struct __jmp_buf_tag *env)
{
#if defined(__x86_64__)
	uintptr_t guard, v = (uintptr_t)env->__jmpbuf[6];
	__asm__("mov %%fs:0x30, %0" : "=r"(guard));
	v = (v >> 17) | (v << 47);
	return v ^ guard;
#else
	(void)env;
	return 0;
#endif
}

/* Pops the levels a jump to env unwinds.  errno stays as the handler left
 * it: the jump's target sees what it would see without the shim. */
static void before_longjmp(const struct __jmp_buf_tag *env)
{
	uintptr_t target, now = here();
	int d = sj_raw_depth;
	if (d == 0 || d > SJ_MAXDEPTH || sj_in_vfork_child())
		return;
	target = jmpbuf_sp(env);
	/* A jump only ever goes up the stack (to a frame still live); anything
	 * else means the decoding is wrong: leave it to the stack checks. */
	if (target <= now)
		return;
	while (d > 0 && !level_live(&levels[d - 1], target))
		d--;
	BARRIER();
	sj_raw_depth = d;
}

/* Only declared by <bits/setjmp2.h> under _FORTIFY_SOURCE. */
extern void __longjmp_chk(struct __jmp_buf_tag env[1], int val) __attribute__((noreturn));

/* The real functions never miss (real.def: SJ_MISS_TRAP), and init resolved
 * them: a first siglongjmp is typically made from a handler, where dlsym
 * must not run. */
#define JUMP_WRAPPER(name)                                                      \
	SJ_EXPORT __attribute__((noreturn)) void name(struct __jmp_buf_tag env[1], int val) \
	{                                                                       \
		if (SJ_UNLIKELY(sj_raw_depth != 0))                             \
			before_longjmp(env);                                    \
		SJ_REAL_FN(name)(env, val);                                     \
		__builtin_unreachable();                                        \
	}

JUMP_WRAPPER(siglongjmp)
JUMP_WRAPPER(longjmp)
JUMP_WRAPPER(_longjmp)
JUMP_WRAPPER(__longjmp_chk)
