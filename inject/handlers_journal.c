/* handlers_journal.c — layer 4, handler group: the signal-safety records of
 * docs/journal.md: handler, deliver, nested, errno, unsafe (dispositions:
 * handlers_disp.c).
 *
 * All of these may be written from inside a signal handler, so they are built
 * with the shim's sj_jw_* writer on the stack (no malloc, no stdio) and the
 * lookup tables below are plain const arrays. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "handlers.h"
#include "journal.h"

/* ---- si_code names ----
 * Positive codes mean different things per signal (1 is ILL_ILLOPC for SIGILL
 * but CLD_EXITED for SIGCHLD); codes <= 0 and SI_KERNEL are generic. */
struct sicode_row {
	int sig; /* 0: any signal */
	int code;
	const char *name;
};

static const struct sicode_row sicodes[] = {
#define G(c) { 0, c, #c }
#define P(s, c) { s, c, #c }
	G(SI_USER), G(SI_KERNEL), G(SI_QUEUE), G(SI_TIMER), G(SI_MESGQ),
	G(SI_ASYNCIO), G(SI_SIGIO), G(SI_TKILL), G(SI_DETHREAD), G(SI_ASYNCNL),
	P(SIGCHLD, CLD_EXITED), P(SIGCHLD, CLD_KILLED), P(SIGCHLD, CLD_DUMPED),
	P(SIGCHLD, CLD_TRAPPED), P(SIGCHLD, CLD_STOPPED), P(SIGCHLD, CLD_CONTINUED),
	P(SIGSEGV, SEGV_MAPERR), P(SIGSEGV, SEGV_ACCERR), P(SIGSEGV, SEGV_BNDERR),
	P(SIGSEGV, SEGV_PKUERR),
	P(SIGBUS, BUS_ADRALN), P(SIGBUS, BUS_ADRERR), P(SIGBUS, BUS_OBJERR),
	P(SIGBUS, BUS_MCEERR_AR), P(SIGBUS, BUS_MCEERR_AO),
	P(SIGILL, ILL_ILLOPC), P(SIGILL, ILL_ILLOPN), P(SIGILL, ILL_ILLADR),
	P(SIGILL, ILL_ILLTRP), P(SIGILL, ILL_PRVOPC), P(SIGILL, ILL_PRVREG),
	P(SIGILL, ILL_COPROC), P(SIGILL, ILL_BADSTK),
	P(SIGFPE, FPE_INTDIV), P(SIGFPE, FPE_INTOVF), P(SIGFPE, FPE_FLTDIV),
	P(SIGFPE, FPE_FLTOVF), P(SIGFPE, FPE_FLTUND), P(SIGFPE, FPE_FLTRES),
	P(SIGFPE, FPE_FLTINV), P(SIGFPE, FPE_FLTSUB),
	P(SIGTRAP, TRAP_BRKPT), P(SIGTRAP, TRAP_TRACE), P(SIGTRAP, TRAP_BRANCH),
	P(SIGTRAP, TRAP_HWBKPT),
	P(SIGIO, POLL_IN), P(SIGIO, POLL_OUT), P(SIGIO, POLL_MSG), P(SIGIO, POLL_ERR),
	P(SIGIO, POLL_PRI), P(SIGIO, POLL_HUP),
	{ SIGSYS, 1, "SYS_SECCOMP" },
#undef G
#undef P
};


static const char *sicode_name(int sig, int code)
{
	for (size_t i = 0; i < SJ_NELEM(sicodes); i++)
		if (sicodes[i].code == code && (sicodes[i].sig == 0 || sicodes[i].sig == sig))
			return sicodes[i].name;
	return NULL;
}

/* si_pid is meaningful only for these: a sender (kill, sigqueue, tgkill) or a
 * child (SIGCHLD).  For a fault it overlaps si_addr. */
static int sicode_has_pid(int sig, int code)
{
	return code == SI_USER || code == SI_QUEUE || code == SI_TKILL ||
	       (sig == SIGCHLD && code > 0);
}

/* ---- sa_flags names ---- */
struct flag_row {
	int bit;
	const char *name;
};

static const struct flag_row saflags[] = {
#define F(x) { x, #x }
	F(SA_NOCLDSTOP), F(SA_NOCLDWAIT), F(SA_SIGINFO), F(SA_ONSTACK),
	F(SA_RESTART), F(SA_NODEFER), F(SA_RESETHAND),
#undef F
};

#define SJ_SA_RESTORER 0x04000000 /* glibc sets it on every call; the program never asks for it */

static void buf_put(char *buf, size_t len, size_t *at, const char *s)
{
	size_t n = strlen(s);
	if (*at + n + 1 > len)
		n = *at + 1 < len ? len - *at - 1 : 0;
	memcpy(buf + *at, s, n);
	*at += n;
	buf[*at] = '\0';
}

static void buf_hex(char *buf, size_t len, size_t *at, uint64_t v)
{
	char tmp[19];
	int i = (int)sizeof tmp - 1;
	tmp[i] = '\0';
	do {
		tmp[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v && i > 2);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	buf_put(buf, len, at, tmp + i);
}

static void saflags_str(int flags, char *buf, size_t len)
{
	size_t at = 0;
	unsigned rest = (unsigned)flags & ~(unsigned)SJ_SA_RESTORER;
	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < SJ_NELEM(saflags); i++) {
		if (!(rest & (unsigned)saflags[i].bit))
			continue;
		if (at)
			buf_put(buf, len, &at, "|");
		buf_put(buf, len, &at, saflags[i].name);
		rest &= ~(unsigned)saflags[i].bit;
	}
	if (rest) { /* bits we have no name for, e.g. SA_INTERRUPT from sysv_signal */
		if (at)
			buf_put(buf, len, &at, "|");
		buf_hex(buf, len, &at, rest);
	}
}

/* ---- records ---- */

const char *sj_journal_disp_name(const void *h)
{
	if (h == (void *)SIG_DFL)
		return "default";
	if (h == (void *)SIG_IGN)
		return "ignore";
	return "handler";
}

/* addr, module and off of a handler address (the `handler` record's fields,
 * and a dispositions entry's).  Returns 1 when the handler lies in the
 * CPython runtime. */
int sj_journal_handler_addr(struct sj_jw *w, const void *h)
{
	char path[512];
	uint64_t off;
	int py;
	sj_jw_hex(w, "addr", (uint64_t)(uintptr_t)h);
	if (sj_module_of((uint64_t)(uintptr_t)h, path, sizeof path, &off) != 0)
		return 0;
	py = sj_path_is_python(path);
	sj_jw_str(w, "module", path);
	sj_jw_hex(w, "off", off);
	return py;
}

static SJ_NOINLINE void handler_record(const char *func, int sig, const struct sj_user_act *a)
{
	struct sj_jw w;
	char flags[160];
	int saved = errno, py = 0;
	sj_jw_begin(&w, "handler");
	sj_jw_str(&w, "func", func);
	sj_jw_signame(&w, "sig", sig);
	sj_jw_str(&w, "disp", sj_journal_disp_name(a->handler));
	if (a->handler != (void *)SIG_DFL && a->handler != (void *)SIG_IGN)
		py = sj_journal_handler_addr(&w, a->handler);
	saflags_str(a->flags, flags, sizeof flags);
	sj_jw_str(&w, "flags", flags);
	sj_jw_bool(&w, "python", py);
	sj_jw_end(&w);
	errno = saved;
}

void sj_journal_handler(const char *func, int sig, const struct sj_user_act *a)
{
	if (sj_journal_on())
		handler_record(func, sig, a);
}

static SJ_NOINLINE void deliver_record(int sig, const siginfo_t *si, int depth)
{
	struct sj_jw w;
	const char *code = si ? sicode_name(sig, si->si_code) : NULL;
	int saved = errno;
	sj_jw_begin(&w, "deliver");
	sj_jw_signame(&w, "sig", sig);
	if (code)
		sj_jw_str(&w, "code", code);
	else if (si)
		sj_jw_int(&w, "code", si->si_code);
	if (si && sicode_has_pid(sig, si->si_code))
		sj_jw_int(&w, "from", si->si_pid);
	sj_jw_int(&w, "depth", depth);
	sj_jw_end(&w);
	errno = saved;
}

void sj_journal_deliver(int sig, const siginfo_t *si, int depth)
{
	if (sj_journal_on())
		deliver_record(sig, si, depth);
}

static SJ_NOINLINE void nested_record(int sig, int outer, int depth)
{
	struct sj_jw w;
	int saved = errno;
	sj_jw_begin(&w, "nested");
	sj_jw_signame(&w, "sig", sig);
	sj_jw_signame(&w, "outer", outer);
	sj_jw_int(&w, "depth", depth);
	sj_jw_end(&w);
	errno = saved;
}

void sj_journal_nested(int sig, int outer, int depth)
{
	if (sj_journal_on())
		nested_record(sig, outer, depth);
}

static SJ_NOINLINE void errno_record(int sig, int before, int after, void *handler)
{
	struct sj_jw w;
	int saved = errno;
	sj_jw_begin(&w, "errno");
	sj_jw_signame(&w, "sig", sig);
	sj_jw_errname(&w, "before", before);
	sj_jw_errname(&w, "after", after);
	sj_journal_handler_addr(&w, handler);
	sj_jw_end(&w);
	errno = saved;
}

void sj_journal_errno(int sig, int before, int after, void *handler)
{
	if (sj_journal_on())
		errno_record(sig, before, after, handler);
}

static SJ_NOINLINE void unsafe_record(int sig, const char *call, int skip, int bt)
{
	struct sj_jw w;
	int saved = errno;
	sj_jw_begin(&w, "unsafe");
	sj_jw_signame(&w, "sig", sig);
	sj_jw_str(&w, "call", call);
	if (bt) {
		sj_jw_backtrace(&w, "bt", skip);
	} else { /* no room on this stack for the unwinder */
		sj_jw_array(&w, "bt");
		sj_jw_close(&w);
		sj_jw_truncated(&w);
	}
	sj_jw_end(&w);
	errno = saved;
}

void sj_journal_unsafe(int sig, const char *call, int skip)
{
	if (sj_journal_on())
		unsafe_record(sig, call, skip, sj_journal_room(SJ_JW_ROOM_BT));
}
