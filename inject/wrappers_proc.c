/* wrappers_proc.c — layer 6: the interposers that do not fit a row of
 * wrappers.def, each for the reason given above it. */
#include "init.h"
#include "handlers.h"
#include "journal.h"
#include "real.h"
#include "rules.h"
#include "wrappers.h"

#include <errno.h>
#include <stdio.h>
#include <sys/uio.h>
#include <sys/wait.h>

/* ---- fork ----
 *
 * The fork hook is counted once per call, in the caller, before the fork (so
 * both sides know n); error=/retval= stop the fork there.  The other actions
 * run after it on the side(s) that in= names.  In the child the state is
 * reset first (the pthread_atfork handler init registered did it already;
 * it is idempotent), then the dispositions record, then the child-side
 * actions — all without allocating. */

pid_t sj_fork_and_after(const struct sj_call *c, struct sj_plan *plan, unsigned fired)
{
	__typeof__(fork) *real_fork = SJ_REAL_FN(fork);
	pid_t pid;
	atomic_fetch_add(&sj_g.forks, 1);
	if (!real_fork)
		return -1; /* errno EAGAIN: real.def */
	pid = real_fork();
	if (pid == 0) {
		int saved = errno;
		sj_state_after_fork_child();
		sj_journal_dispositions("fork");
		if (fired)
			sj_rules_apply(c, plan, SJ_SIDE_CHILD);
		errno = saved;
	} else if (pid > 0) {
		int saved = errno;
		sj_note_fork(c->func, pid);
		if (fired)
			sj_rules_apply(c, plan, SJ_SIDE_PARENT);
		errno = saved;
	}
	return pid;
}

/* Counts the fork hook in the caller; returns the number of rules that
 * fired, or -1 when one of them answered the call (*done, errno set). */
int sj_fork_prehook(const struct sj_call *c, struct sj_plan *plan, pid_t *done)
{
	unsigned fired = 0;
	if (sj_hook_live(SJ_HOOK_FORK) && (fired = sj_rules_match(c, plan)) > 0) {
		sj_rules_apply(c, plan, SJ_SIDE_CALLER);
		if (plan->skip) {
			errno = plan->err;
			*done = (pid_t)plan->ret;
			return -1;
		}
	}
	return (int)fired;
}

SJ_EXPORT pid_t fork(void)
{
	struct sj_call c = { SJ_HOOK_FORK, "fork", -1, 0 };
	struct sj_plan plan;
	pid_t done;
	int fired;
	if (sj_in_vfork_child()) {
		__typeof__(fork) *real_fork = SJ_REAL_FN(fork);
		return real_fork ? real_fork() : -1;
	}
	fired = sj_fork_prehook(&c, &plan, &done);
	if (fired < 0)
		return done;
	return sj_fork_and_after(&c, &plan, (unsigned)fired);
}

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
	__typeof__(readv) *real_readv = SJ_REAL_FN(readv);
	struct sj_call c = { SJ_HOOK_READ, "readv", fd, 0 };
	struct sj_plan plan;
	struct iovec cut[SJ_IOV_MAX];
	ssize_t r;
	if (SJ_LIKELY(sj_g.fast[SJ_HOOK_READ] == SJ_FAST_BYPASS) || sj_in_vfork_child() || !sj_hook_live(SJ_HOOK_READ) ||
	    !sj_rules_match(&c, &plan))
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
	__typeof__(waitid) *real_waitid = SJ_REAL_FN(waitid);
	int r;
	if (!real_waitid)
		return -1; /* errno ENOSYS: real.def */
	r = real_waitid(idtype, id, infop, options);
	/* WNOWAIT leaves the child waitable: nothing was reaped. */
	if (r == 0 && infop && infop->si_pid > 0 && !(options & WNOWAIT))
		sj_note_reap("waitid", infop->si_pid, status_of(infop));
	return r;
}

/* ---- system, popen: the child's pid is never returned to us ---- */

SJ_EXPORT int system(const char *command)
{
	__typeof__(system) *real_system = SJ_REAL_FN(system);
	sj_note_spawn("system", -1, command);
	return real_system ? real_system(command) : -1;
}

/* The pipe popen makes inside libc is a new descriptor: the fd-kind cache
 * forgets its number (fdkind.c); pclose closes it. */
SJ_EXPORT FILE *popen(const char *command, const char *type)
{
	__typeof__(popen) *real_popen = SJ_REAL_FN(popen);
	FILE *f;
	sj_note_spawn("popen", -1, command);
	if (!real_popen)
		return NULL;
	f = real_popen(command, type);
	if (f && !sj_in_vfork_child())
		sj_fd_forget(fileno(f));
	return f;
}

SJ_EXPORT int pclose(FILE *stream)
{
	__typeof__(pclose) *real_pclose = SJ_REAL_FN(pclose);
	int fd = stream ? fileno(stream) : -1, r;
	if (!real_pclose)
		return -1;
	r = real_pclose(stream);
	if (!sj_in_vfork_child())
		sj_fd_forget(fd);
	return r;
}
