/* handlers_journal.c — the signal-safety records of docs/journal.md:
 * handler, deliver, nested, errno, unsafe, dispositions.
 *
 * All of these may be written from inside a signal handler, so they are built
 * with the shim's sj_jw_* writer on the stack (no malloc, no stdio) and the
 * lookup tables below are plain const arrays. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "handlers_int.h"
#include "names.h"

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

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

const char *sj_sicode_name(int sig, int code)
{
	for (size_t i = 0; i < NROWS(sicodes); i++)
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

void sj_saflags_str(int flags, char *buf, size_t len)
{
	size_t at = 0;
	unsigned rest = (unsigned)flags & ~(unsigned)SJ_SA_RESTORER;
	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < NROWS(saflags); i++) {
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

static const char *disp_name(const void *h)
{
	if (h == (void *)SIG_DFL)
		return "default";
	if (h == (void *)SIG_IGN)
		return "ignore";
	return "handler";
}

/* addr, module, off and python of a handler address (the `handler` record's
 * fields).  Returns 1 when the handler lies in the CPython runtime. */
static int put_handler_addr(struct sj_jw *w, const void *h)
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

void sj_journal_handler(const char *func, int sig, const struct sj_user_act *a)
{
	struct sj_jw w;
	char flags[160];
	int saved = errno, py = 0;
	if (!sj_journal_on())
		return;
	sj_jw_begin(&w, "handler");
	sj_jw_str(&w, "func", func);
	sj_jw_signame(&w, "sig", sig);
	sj_jw_str(&w, "disp", disp_name(a->handler));
	if (a->handler != (void *)SIG_DFL && a->handler != (void *)SIG_IGN)
		py = put_handler_addr(&w, a->handler);
	sj_saflags_str(a->flags, flags, sizeof flags);
	sj_jw_str(&w, "flags", flags);
	sj_jw_bool(&w, "python", py);
	sj_jw_end(&w);
	errno = saved;
}

void sj_journal_deliver(int sig, const siginfo_t *si, int depth)
{
	struct sj_jw w;
	const char *code = si ? sj_sicode_name(sig, si->si_code) : NULL;
	int saved = errno;
	if (!sj_journal_on())
		return;
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

void sj_journal_nested(int sig, int outer, int depth)
{
	struct sj_jw w;
	int saved = errno;
	if (!sj_journal_on())
		return;
	sj_jw_begin(&w, "nested");
	sj_jw_signame(&w, "sig", sig);
	sj_jw_signame(&w, "outer", outer);
	sj_jw_int(&w, "depth", depth);
	sj_jw_end(&w);
	errno = saved;
}

void sj_journal_errno(int sig, int before, int after, void *handler)
{
	struct sj_jw w;
	int saved = errno;
	if (!sj_journal_on())
		return;
	sj_jw_begin(&w, "errno");
	sj_jw_signame(&w, "sig", sig);
	sj_jw_errname(&w, "before", before);
	sj_jw_errname(&w, "after", after);
	put_handler_addr(&w, handler);
	sj_jw_end(&w);
	errno = saved;
}

void sj_journal_unsafe(int sig, const char *call, int skip)
{
	struct sj_jw w;
	int saved = errno;
	if (!sj_journal_on())
		return;
	sj_jw_begin(&w, "unsafe");
	sj_jw_signame(&w, "sig", sig);
	sj_jw_str(&w, "call", call);
	sj_jw_backtrace(&w, "bt", skip);
	sj_jw_end(&w);
	errno = saved;
}

/* ---- dispositions ---- */

/* JSON text of one string into buf (escaped), as sj_jw_str would. */
static void buf_json_str(char *buf, size_t len, size_t *at, const char *s)
{
	char esc[8];
	buf_put(buf, len, at, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			esc[2] = '\0';
		} else if (c < 0x20) {
			memcpy(esc, "\\u00", 4);
			esc[4] = "0123456789abcdef"[c >> 4];
			esc[5] = "0123456789abcdef"[c & 15];
			esc[6] = '\0';
		} else {
			esc[0] = (char)c;
			esc[1] = '\0';
		}
		buf_put(buf, len, at, esc);
	}
	buf_put(buf, len, at, "\"");
}

static void buf_int(char *buf, size_t len, size_t *at, long v)
{
	char tmp[24];
	int i = (int)sizeof tmp - 1;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	buf_put(buf, len, at, tmp + i);
}

/* One list element; returns 0 when it did not fit (the list is then cut). */
static int disp_entry(char *buf, size_t len, size_t *at, int sig, const void *h)
{
	char item[768], path[512];
	size_t n = 0;
	uint64_t off;
	const char *name = sj_signal_name(sig);
	buf_put(item, sizeof item, &n, "{\"sig\":");
	if (name)
		buf_json_str(item, sizeof item, &n, name);
	else
		buf_int(item, sizeof item, &n, sig);
	buf_put(item, sizeof item, &n, ",\"disp\":");
	buf_json_str(item, sizeof item, &n, disp_name(h));
	if (h != (void *)SIG_IGN) {
		int py = 0;
		buf_put(item, sizeof item, &n, ",\"addr\":\"");
		buf_hex(item, sizeof item, &n, (uint64_t)(uintptr_t)h);
		buf_put(item, sizeof item, &n, "\"");
		if (sj_module_of((uint64_t)(uintptr_t)h, path, sizeof path, &off) == 0) {
			py = sj_path_is_python(path);
			buf_put(item, sizeof item, &n, ",\"module\":");
			buf_json_str(item, sizeof item, &n, path);
			buf_put(item, sizeof item, &n, ",\"off\":\"");
			buf_hex(item, sizeof item, &n, off);
			buf_put(item, sizeof item, &n, "\"");
		}
		buf_put(item, sizeof item, &n, py ? ",\"python\":true" : ",\"python\":false");
	} else {
		buf_put(item, sizeof item, &n, ",\"python\":false");
	}
	buf_put(item, sizeof item, &n, "}");
	/* room for this item, a comma and the closing bracket */
	if (*at + n + 2 >= len)
		return 0;
	if (*at > 1)
		buf_put(buf, len, at, ",");
	buf_put(buf, len, at, item);
	return 1;
}

/* The record's other fields take about 150 bytes of the 4096 PIPE_BUF. */
#define DISP_LIST_MAX 3800

void sj_journal_dispositions(const char *at_what)
{
	char list[DISP_LIST_MAX];
	size_t at = 0;
	int saved = errno, cut = 0;
	struct sj_jw w;
	if (!sj_journal_on())
		return;
	buf_put(list, sizeof list, &at, "[");
	for (int sig = 1; sig < NSIG && !cut; sig++) {
		struct sigaction k;
		struct sj_user_act u;
		const void *h;
		if (sj_real_sigaction(sig, NULL, &k) != 0)
			continue; /* SIGCANCEL/SIGSETXID: glibc's own, refused */
		h = (k.sa_flags & SA_SIGINFO) ? (const void *)k.sa_sigaction : (const void *)k.sa_handler;
		if (h == (void *)SIG_DFL)
			continue;
		if (sj_user_handler_of(sig, h, &u) == 0)
			h = u.handler;
		if (h == (void *)SIG_DFL)
			continue;
		cut = !disp_entry(list, sizeof list, &at, sig, h);
	}
	buf_put(list, sizeof list, &at, "]");
	sj_jw_begin(&w, "dispositions");
	sj_jw_str(&w, "at", at_what);
	sj_jw_raw(&w, "list", list, at);
	if (cut)
		sj_jw_bool(&w, "trunc", 1);
	sj_jw_end(&w);
	errno = saved;
}
