/* wrappers_proc.c — the interposers that do not fit a row of wrappers.def,
 * each for the reason given above it. */
#include "shimcore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

typedef pid_t (*fork_fn)(void);
typedef ssize_t (*readv_fn)(int, const struct iovec *, int);
typedef int (*waitid_fn)(idtype_t, id_t, siginfo_t *, int);
typedef int (*system_fn)(const char *);
typedef FILE *(*popen_fn)(const char *, const char *);

static fork_fn real_fork;
#if defined(__x86_64__)
static fork_fn real_vfork;
#endif
static readv_fn real_readv;
static waitid_fn real_waitid;
static system_fn real_system;
static popen_fn real_popen;

void sj_wrappers_resolve(void)
{
	sj_wrappers_resolve_rows();
	if (!real_fork)
		real_fork = (fork_fn)sj_resolve("fork");
#if defined(__x86_64__)
	if (!real_vfork)
		real_vfork = (fork_fn)sj_resolve("vfork");
#endif
	if (!real_readv)
		real_readv = (readv_fn)sj_resolve("readv");
	if (!real_waitid)
		real_waitid = (waitid_fn)sj_resolve("waitid");
	if (!real_system)
		real_system = (system_fn)sj_resolve("system");
	if (!real_popen)
		real_popen = (popen_fn)sj_resolve("popen");
}

static void ensure(void)
{
	if (SJ_UNLIKELY(!sj_ready()))
		sj_shim_init();
	if (SJ_UNLIKELY(!real_fork))
		sj_wrappers_resolve();
}

/* ---- fork, vfork ----
 *
 * The fork hook is counted once per call, in the caller, before the fork (so
 * both sides know n); error=/retval= stop the fork there.  The other actions
 * run after it on the side(s) that in= names.  In the child the state is
 * reset first (role, counters, seed, children table), then the dispositions
 * record, then the child-side actions — all without allocating. */

/* The fork itself and everything after it, on both sides.  c and plan come
 * from the caller side (fired = 0: no rule fired, plan unused). */
static pid_t fork_and_after(const struct sj_call *c, struct sj_plan *plan, unsigned fired)
{
	pid_t pid;
	atomic_fetch_add(&sj_g.forks, 1);
	if (!real_fork) {
		errno = EAGAIN; /* only while dlsym itself is running */
		return -1;
	}
	pid = real_fork();
	if (pid == 0) {
		int saved = errno;
		sj_after_fork_child();
		sj_journal_dispositions("fork");
		if (fired)
			sj_rules_apply(c, plan, SJ_SIDE_CHILD);
		errno = saved;
	} else if (pid > 0) {
		int saved = errno;
		sj_children_add(pid);
		if (sj_journal_on()) {
			struct sj_jw w;
			sj_jw_begin(&w, "fork");
			sj_jw_str(&w, "func", c->func);
			sj_jw_int(&w, "child", pid);
			sj_jw_end(&w);
		}
		if (fired)
			sj_rules_apply(c, plan, SJ_SIDE_PARENT);
		errno = saved;
	}
	return pid;
}

static pid_t fork_common(const char *func)
{
	struct sj_call c = { SJ_HOOK_FORK, func, -1, 0 };
	struct sj_plan plan;
	unsigned fired = 0;
	ensure();
	if (sj_hook_live(SJ_HOOK_FORK) && (fired = sj_rules_match(&c, &plan)) > 0) {
		sj_rules_apply(&c, &plan, SJ_SIDE_CALLER);
		if (plan.skip) {
			errno = plan.err;
			return (pid_t)plan.ret;
		}
	}
	return fork_and_after(&c, &plan, fired);
}

SJ_EXPORT pid_t fork(void)
{
	return fork_common("fork");
}

#if defined(__x86_64__)
/* vfork stays a vfork.  The child borrows the parent's memory and stack, and
 * the parent stays suspended until the child execs or exits: programs rely on
 * both (the child stores its exec errno in a variable the parent reads; the
 * parent counts on the child having exec'd when it resumes).  A C wrapper
 * cannot call vfork: the child would return through the wrapper's frame and
 * pop it, and the parent would then resume in a frame the child has since
 * overwritten.  So the entry point is assembly: it calls vfork_prehook (with
 * the stack aligned as the ABI wants at a call) and then JUMPS to glibc's
 * vfork, leaving nothing of ours on the stack; glibc's vfork returns straight
 * to the program, in the child and again in the parent.
 *
 * The price: nothing runs after a real vfork, so the parent writes no `fork`
 * record (the exec'd child's `start` record names its parent in ppid) and
 * the child is not in the @children table.  A fork-hook rule that fired for
 * this call and acts after the fork (delay/signal/exit/crash, on either side)
 * needs code to run after it returns; only then is the call made a real fork
 * (the old behaviour: same result for a child that execs or exits at once,
 * but the parent is not suspended meanwhile). */
static int acts_after_fork(const struct sj_plan *plan)
{
	const unsigned after = SJ_ACT(DELAY) | SJ_ACT(SIGNAL) | SJ_ACT(EXIT) | SJ_ACT(CRASH);
	for (unsigned k = 0; k < plan->nfired; k++)
		if (sj_g.spec.rules[plan->fired[k]].actions & after)
			return 1;
	return 0;
}

/* Returns the function the entry point jumps to (glibc's vfork), or NULL when
 * the call is complete and *done holds its result (errno set). */
SJ_HIDDEN __attribute__((used)) void *sj_vfork_prehook(pid_t *done)
{
	struct sj_call c = { SJ_HOOK_FORK, "vfork", -1, 0 };
	struct sj_plan plan;
	unsigned fired = 0;
	int saved = errno;
	ensure();
	if (sj_hook_live(SJ_HOOK_FORK) && (fired = sj_rules_match(&c, &plan)) > 0) {
		sj_rules_apply(&c, &plan, SJ_SIDE_CALLER);
		if (plan.skip) {
			errno = plan.err;
			*done = (pid_t)plan.ret;
			return NULL;
		}
	}
	if ((fired && acts_after_fork(&plan)) || !real_vfork) {
		*done = fork_and_after(&c, &plan, fired);
		return NULL;
	}
	/* Keeps the fork index (which seeds forked children) the same whether
	 * a vfork ran as a vfork or as a fork. */
	atomic_fetch_add(&sj_g.forks, 1);
	errno = saved;
	return (void *)real_vfork;
}

/* At entry %rsp is 8 mod 16 (the return address); 24 more bytes make it
 * 0 mod 16 at the call, as the ABI requires, and hold *done at 0(%rsp).
 * Clobbers only caller-saved registers: vfork takes no arguments. */
#if defined(__CET__)
#define SJ_ENDBR "endbr64\n\t"
#else
#define SJ_ENDBR ""
#endif
__asm__(".text\n\t"
	".globl vfork\n\t"
	".type vfork, @function\n\t"
	".p2align 4\n"
	"vfork:\n\t"
	".cfi_startproc\n\t"
	SJ_ENDBR
	"sub $24, %rsp\n\t"
	".cfi_adjust_cfa_offset 24\n\t"
	"mov %rsp, %rdi\n\t"
	"call sj_vfork_prehook\n\t"
	"test %rax, %rax\n\t"
	"jz 1f\n\t"
	".cfi_remember_state\n\t"
	"add $24, %rsp\n\t"
	".cfi_adjust_cfa_offset -24\n\t"
	"jmp *%rax\n"
	"1:\n\t"
	".cfi_restore_state\n\t"
	"movl (%rsp), %eax\n\t"
	"add $24, %rsp\n\t"
	".cfi_adjust_cfa_offset -24\n\t"
	"ret\n\t"
	".cfi_endproc\n\t"
	".size vfork, .-vfork\n\t"
	".previous");
#else
/* Elsewhere vfork is made a real fork: a C wrapper cannot return through its
 * frame in a vfork child (see the x86_64 entry point above), and no entry
 * point is written for other architectures yet.  Programs that exec or
 * _exit at once behave the same; the parent is not suspended meanwhile. */
SJ_EXPORT pid_t vfork(void)
{
	return fork_common("vfork");
}
#endif

/* ---- readv: short= cuts an iovec array ---- */

#define SJ_IOV_MAX 64

static int clip_iov(const struct iovec *in, int n, uint64_t max, struct iovec *out)
{
	int i;
	for (i = 0; i < n && max > 0; i++) {
		out[i] = in[i];
		if (out[i].iov_len > max)
			out[i].iov_len = (size_t)max;
		max -= out[i].iov_len;
	}
	return i > 0 ? i : 1; /* short=0 still makes the call, with one empty buffer */
}

SJ_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct sj_call c = { SJ_HOOK_READ, "readv", fd, 0 };
	struct sj_plan plan;
	struct iovec cut[SJ_IOV_MAX];
	ssize_t r;
	ensure();
	if (SJ_LIKELY(!sj_hook_live(SJ_HOOK_READ)) || !sj_rules_match(&c, &plan))
		return real_readv ? real_readv(fd, iov, iovcnt) : syscall(SYS_readv, fd, iov, iovcnt);
	sj_rules_apply(&c, &plan, SJ_SIDE_CALLER);
	if (plan.skip) {
		errno = plan.err;
		return (ssize_t)plan.ret;
	}
	if (plan.short_max != UINT64_MAX && iovcnt > 0 && iovcnt <= SJ_IOV_MAX) {
		iovcnt = clip_iov(iov, iovcnt, plan.short_max, cut);
		if (plan.short_max == 0)
			cut[0].iov_len = 0;
		iov = cut;
	}
	r = real_readv ? real_readv(fd, iov, iovcnt) : syscall(SYS_readv, fd, iov, iovcnt);
	sj_rules_finish(&plan);
	return r;
}

/* ---- waitid: a siginfo_t instead of a status ---- */

static int status_of(const siginfo_t *si)
{
	switch (si->si_code) {
	case CLD_EXITED:
		return (si->si_status & 0xff) << 8;
	case CLD_KILLED:
		return si->si_status & 0x7f;
	case CLD_DUMPED:
		return (si->si_status & 0x7f) | 0x80;
	default:
		return 0xffff; /* stopped/continued/trapped: not a reap */
	}
}

SJ_EXPORT int waitid(idtype_t idtype, id_t id, siginfo_t *infop, int options)
{
	int r;
	ensure();
	if (!real_waitid) {
		errno = ENOSYS;
		return -1;
	}
	r = real_waitid(idtype, id, infop, options);
	/* WNOWAIT leaves the child waitable: nothing was reaped. */
	if (r == 0 && infop && infop->si_pid > 0 && !(options & WNOWAIT))
		sj_note_reap("waitid", infop->si_pid, status_of(infop));
	return r;
}

/* ---- system, popen: the child's pid is never returned to us ---- */

SJ_EXPORT int system(const char *command)
{
	ensure();
	sj_note_spawn("system", -1, command);
	if (!real_system) {
		errno = ENOSYS;
		return -1;
	}
	return real_system(command);
}

SJ_EXPORT FILE *popen(const char *command, const char *type)
{
	ensure();
	sj_note_spawn("popen", -1, command);
	if (!real_popen) {
		errno = ENOSYS;
		return NULL;
	}
	return real_popen(command, type);
}
