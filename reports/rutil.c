/* rutil.c — helpers shared by the renderers: kind facts, UTF-8, durations,
 * syscall names, journal-event sentences. */
#include "rutil.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "names.h"
#include "render.h"

/* ---- finding kinds ---- */

static const struct rp_kind_info kind_info[SJ_FIND_KIND_COUNT] = {
	[SJ_FIND_DEADLOCK] = {
		"Deadlock",
		"A set of blocked threads can only be woken by each other.",
		"Every thread in the set waits for something (pipe data or space, a child's exit, "
		"a futex wake) that only threads of the same set could provide, and none of them "
		"waits with a timeout or on an outside party. No thread can ever make progress.",
		"Break the knot: close unused pipe ends after fork, drain pipes before waiting for "
		"children, and give blocking waits a timeout so the program can detect the hang.",
		SJ_SEV_ERROR },
	[SJ_FIND_BLOCKED_PIPE_READ] = {
		"Blocked pipe read",
		"A thread waits forever to read a pipe whose writers will never write.",
		"The reader blocks until data arrives or every write end is closed. The remaining "
		"write ends are held by processes that are themselves blocked (often the reader's "
		"own process, which kept a copy of the write end across fork), so neither data nor "
		"end-of-file will come.",
		"Close the write end in every process that does not write (in the parent right after "
		"fork), and detect dead writers (sentinels, timeouts) instead of reading blindly.",
		SJ_SEV_ERROR },
	[SJ_FIND_ZOMBIE] = {
		"Zombie process",
		"A child exited and its parent has not reaped it.",
		"The process has exited (state Z) but its parent never called wait for it, typically "
		"because the parent is itself blocked elsewhere. Its exit status tells why it ended.",
		"Reap children promptly (a SIGCHLD handler or a waiting thread) and make the parent's "
		"blocking waits also watch for child exits.",
		SJ_SEV_WARNING },
	[SJ_FIND_LOST_WORKER] = {
		"Lost worker",
		"A worker died (often by a signal) while its parent still waits for its results.",
		"The journal shows a worker process ending abnormally while holding work the parent "
		"still expects. Pools such as multiprocessing.Pool do not notice the loss and wait "
		"for the missing result forever.",
		"Use a pool that detects dead workers (concurrent.futures.ProcessPoolExecutor raises "
		"BrokenProcessPool) or wait with a timeout and check the workers' exit codes.",
		SJ_SEV_ERROR },
	[SJ_FIND_SIGNAL_UNSAFE] = {
		"Async-signal-unsafe call in a handler",
		"A signal handler called a function that is not async-signal-safe.",
		"The handler interrupted arbitrary code; calling a non-async-signal-safe function "
		"(malloc, printf, locks) from it can deadlock on a lock the interrupted code holds, "
		"or corrupt state.",
		"Do only async-signal-safe work in handlers: set a volatile sig_atomic_t flag or write "
		"a byte to a self-pipe, and do the real work outside the handler.",
		SJ_SEV_WARNING },
	[SJ_FIND_ERRNO_CLOBBER] = {
		"Handler clobbers errno",
		"A signal handler returned with errno changed.",
		"The interrupted code may read errno right after the handler returns; a changed "
		"value makes it misreport or mishandle an error (for example treat EINTR as fatal).",
		"Save errno on entry to the handler and restore it before returning.",
		SJ_SEV_WARNING },
	[SJ_FIND_NESTED_HANDLER] = {
		"Nested signal handler",
		"A signal handler started while another handler ran on the same thread.",
		"Handlers that are not written to be re-entered can corrupt shared state or "
		"deadlock when another signal interrupts them.",
		"Block the other signals while a handler runs (sa_mask) or make the handlers "
		"re-entrant.",
		SJ_SEV_NOTE },
	[SJ_FIND_INHERITED_HANDLER] = {
		"Inherited signal disposition",
		"A forked worker inherited a signal handler or an ignored signal from its parent.",
		"After fork the child keeps the parent's dispositions. A pool worker that inherited "
		"the parent's handler (or SIG_IGN) may ignore the signal meant to stop it, so the "
		"parent waits for it forever.",
		"Reset signal dispositions in the worker's initializer (SIG_DFL), or install the "
		"handlers only after the workers were started.",
		SJ_SEV_WARNING },
	[SJ_FIND_QUIESCENT] = {
		"Quiescent process tree",
		"Every thread of the tree is blocked without a timeout, but no knot was proved.",
		"Nothing runs and nothing will wake up by itself; some wait could not be decoded "
		"to a waker, so the tree may be deadlocked or waiting on an outside party.",
		"Look at the threads' waits and stacks below to see what each one waits for.",
		SJ_SEV_WARNING },
};

const struct rp_kind_info *rp_kind_info(enum sj_finding_kind k)
{
	static const struct rp_kind_info unknown = {
		"Unknown finding", "A finding of a kind this version does not know.",
		"A finding of a kind this version does not know.", "Upgrade sigjam.", SJ_SEV_WARNING,
	};
	return (unsigned)k < SJ_FIND_KIND_COUNT ? &kind_info[k] : &unknown;
}

const char *rp_severity_name(enum sj_severity s)
{
	static const char *const names[] = {
		[SJ_SEV_NOTE] = "note", [SJ_SEV_WARNING] = "warning", [SJ_SEV_ERROR] = "error",
	};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "warning";
}

size_t rp_nfindings(const struct sj_report *r)
{
	return r->findings ? r->findings->n : 0;
}

const char *sj_report_summary(const struct sj_findings *f, char *buf, size_t len)
{
	struct rp_sbuf b;
	size_t count[SJ_FIND_KIND_COUNT] = { 0 }, other = 0, n = f ? f->n : 0;

	rp_sbuf_init(&b, buf, len);
	if (n == 0) {
		rp_sbuf_printf(&b, "no findings");
		return buf;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)f->v[i].kind < SJ_FIND_KIND_COUNT)
			count[f->v[i].kind]++;
		else
			other++;
	}
	rp_sbuf_printf(&b, "%zu finding%s:", n, n == 1 ? "" : "s");
	const char *sep = " ";
	for (int k = 0; k < SJ_FIND_KIND_COUNT; k++) {
		if (!count[k])
			continue;
		rp_sbuf_printf(&b, "%s%zu %s", sep, count[k], sj_finding_kind_name(k));
		sep = ", ";
	}
	if (other)
		rp_sbuf_printf(&b, "%s%zu unknown", sep, other);
	return buf;
}

/* ---- text utilities ---- */

size_t rp_utf8_next(const unsigned char *s, size_t n, long *cp)
{
	static const long min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned char c = s[0];
	size_t len;
	long v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
	} else {
		*cp = -1;
		return 1;
	}
	if (len > n) {
		*cp = -1;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = -1;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past U+10FFFF are not
	 * UTF-8 even though their bytes look like it. */
	if (v < min_cp[len] || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff) {
		*cp = -1;
		return 1;
	}
	*cp = v;
	return len;
}

json_t *rp_json_str(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (j)
		return j;

	size_t n = strlen(s), o = 0;
	char *fixed = malloc(n * 3 + 1);   /* each bad byte becomes 3 bytes of U+FFFD */
	if (!fixed)
		return NULL;
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		long cp;
		size_t l = rp_utf8_next(u + i, n - i, &cp);
		if (cp < 0) {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
		} else {
			memcpy(fixed + o, s + i, l);
			o += l;
		}
		i += l;
	}
	fixed[o] = 0;
	j = json_string(fixed);
	free(fixed);
	return j;
}

json_t *rp_json_hex(uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof buf, "0x%" PRIx64, v);
	return json_string(buf);
}

void rp_jset(json_t *o, const char *key, json_t *v, int *bad)
{
	if (!v || json_object_set_new(o, key, v) != 0)
		*bad = 1;
}

void rp_jappend(json_t *a, json_t *v, int *bad)
{
	if (!v || json_array_append_new(a, v) != 0)
		*bad = 1;
}

/* The syscalls the wait decoder may name.  SYS_* macros keep this correct on
 * every architecture; the ones an architecture lacks (aarch64 has no poll,
 * select or plain wait4-less variants) are left out by the #ifdefs. */
static const struct { long nr; const char *name; } syscalls[] = {
#define SC(x) { SYS_##x, #x },
	SC(read) SC(write) SC(readv) SC(writev) SC(pread64) SC(pwrite64)
	SC(recvfrom) SC(recvmsg) SC(sendto) SC(sendmsg) SC(accept4)
	SC(ppoll) SC(pselect6) SC(epoll_pwait) SC(wait4) SC(waitid) SC(futex)
	SC(nanosleep) SC(clock_nanosleep) SC(rt_sigsuspend) SC(rt_sigtimedwait)
	SC(flock) SC(fcntl) SC(msgrcv) SC(semop) SC(semtimedop) SC(connect)
#ifdef SYS_poll
	SC(poll)
#endif
#ifdef SYS_select
	SC(select)
#endif
#ifdef SYS_epoll_wait
	SC(epoll_wait)
#endif
#ifdef SYS_epoll_pwait2
	SC(epoll_pwait2)
#endif
#ifdef SYS_accept
	SC(accept)
#endif
#ifdef SYS_pause
	SC(pause)
#endif
#ifdef SYS_futex_waitv
	SC(futex_waitv)
#endif
#undef SC
};

const char *rp_syscall_name(long nr)
{
	for (size_t i = 0; i < sizeof syscalls / sizeof syscalls[0]; i++)
		if (syscalls[i].nr == nr)
			return syscalls[i].name;
	return NULL;
}

const char *rp_fmt_duration(int64_t ns, char *buf, size_t len)
{
	static const struct { int64_t div; const char *unit; } units[] = {
		{ 60000000000LL, "min" }, { 1000000000LL, "s" }, { 1000000LL, "ms" },
		{ 1000LL, "us" }, { 1, "ns" },
	};
	if (ns < 0) {
		snprintf(buf, len, "unknown");
		return buf;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (ns < units[i].div && units[i].div > 1)
			continue;
		int64_t whole = ns / units[i].div;
		int64_t tenth = (ns % units[i].div) * 10 / units[i].div;
		if (tenth && whole < 100)
			snprintf(buf, len, "%" PRId64 ".%" PRId64 " %s", whole, tenth, units[i].unit);
		else
			snprintf(buf, len, "%" PRId64 " %s", whole, units[i].unit);
		return buf;
	}
	return buf;   /* not reached: the last unit divides everything */
}

const char *rp_basename(const char *path)
{
	if (!path)
		return NULL;
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

const char *rp_thread_label(const struct sj_thread *t)
{
	return t->py_name ? t->py_name : t->name ? t->name : "?";
}

void rp_sbuf_init(struct rp_sbuf *b, char *p, size_t len)
{
	b->p = p;
	b->len = len;
	b->used = 0;
	if (len)
		p[0] = 0;
}

void rp_sbuf_printf(struct rp_sbuf *b, const char *fmt, ...)
{
	if (b->used + 1 >= b->len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->used += (size_t)n < b->len - b->used ? (size_t)n : b->len - b->used - 1;
}

const char *rp_location_describe(const struct sj_location *l, char *buf, size_t len)
{
	struct rp_sbuf b;
	rp_sbuf_init(&b, buf, len);
	if (l->file)
		rp_sbuf_printf(&b, "%s", l->file);
	if (l->file && l->line > 0)
		rp_sbuf_printf(&b, ":%d", l->line);
	if (l->func && l->file)
		rp_sbuf_printf(&b, " in %s", l->func);
	else if (l->func)
		rp_sbuf_printf(&b, "%s()", l->func);
	if (!l->file && !l->func)
		rp_sbuf_printf(&b, "unknown location");
	return buf;
}

int rp_fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int rp_check_stream(FILE *out, const char *what, char *err, size_t errlen)
{
	if (fflush(out) != 0 || ferror(out))
		return rp_fail(err, errlen, "%s report: writing the output failed: %s", what,
			       strerror(errno ? errno : EIO));
	return 0;
}

/* ---- waits and exit statuses ---- */

const char *sj_exit_status_describe(int status, char *buf, size_t len)
{
	if (status < 0) {
		snprintf(buf, len, "unknown");
	} else if ((status & 0x7f) == 0) {              /* WIFEXITED */
		snprintf(buf, len, "exited %d", (status >> 8) & 0xff);
	} else if ((status & 0x7f) != 0x7f) {           /* WIFSIGNALED */
		int sig = status & 0x7f;
		const char *name = sj_signal_name(sig);
		char num[16];
		if (!name) {
			snprintf(num, sizeof num, "signal %d", sig);
			name = num;
		}
		snprintf(buf, len, "killed by %s%s", name, status & 0x80 ? " (core dumped)" : "");
	} else {
		snprintf(buf, len, "stopped (status 0x%x)", (unsigned)status);
	}
	return buf;
}

static void describe_fd(struct rp_sbuf *b, const struct sj_process *p, int fd)
{
	const struct sj_fd *f = p ? sj_process_fd(p, fd) : NULL;
	if (f && f->target)
		rp_sbuf_printf(b, "fd %d = %s", fd, f->target);
	else
		rp_sbuf_printf(b, "fd %d", fd);
}

static void describe_timeout(struct rp_sbuf *b, const struct sj_wait *w)
{
	char d[32];
	if (!w->has_timeout)
		rp_sbuf_printf(b, "no timeout");
	else if (w->timeout_ns >= 0)
		rp_sbuf_printf(b, "timeout %s", rp_fmt_duration(w->timeout_ns, d, sizeof d));
	else
		rp_sbuf_printf(b, "with a timeout");
}

static const struct sj_map *map_of(const struct sj_process *p, uint64_t addr)
{
	for (size_t i = 0; p && i < p->nmaps; i++)
		if (p->maps[i].start <= addr && addr < p->maps[i].end)
			return &p->maps[i];
	return NULL;
}

static const char *call_name(const struct sj_thread *t, const char *fallback)
{
	const char *n = rp_syscall_name(t->syscall_nr);
	return n ? n : fallback;
}

static void wait_io(struct rp_sbuf *b, const struct sj_process *p, const struct sj_thread *t,
		    const char *fallback)
{
	rp_sbuf_printf(b, "%s(", call_name(t, fallback));
	if (t->wait.nfds)
		describe_fd(b, p, t->wait.fds[0].fd);
	else
		rp_sbuf_printf(b, "unknown fd");
	rp_sbuf_printf(b, ")");
}

static void wait_poll(struct rp_sbuf *b, const struct sj_process *p, const struct sj_thread *t)
{
	rp_sbuf_printf(b, "%s(%zu fd%s, ", call_name(t, "poll"), t->wait.nfds,
		       t->wait.nfds == 1 ? "" : "s");
	describe_timeout(b, &t->wait);
	rp_sbuf_printf(b, ")");
}

static void wait_child(struct rp_sbuf *b, const struct sj_thread *t)
{
	pid_t w = t->wait.wait_pid;
	const char *call = call_name(t, "wait4");
	if (w > 0)
		rp_sbuf_printf(b, "%s(%d)", call, (int)w);
	else if (w == -1)
		rp_sbuf_printf(b, "%s(any child)", call);
	else if (w == 0)
		rp_sbuf_printf(b, "%s(any child in own group)", call);
	else
		rp_sbuf_printf(b, "%s(any child in group %d)", call, (int)-w);
}

static void wait_futex(struct rp_sbuf *b, const struct sj_process *p, const struct sj_thread *t)
{
	const struct sj_wait *w = &t->wait;
	rp_sbuf_printf(b, "futex 0x%" PRIx64 " ", w->futex_addr);
	if (w->futex_private) {
		rp_sbuf_printf(b, "private");
	} else {
		const struct sj_map *m = map_of(p, w->futex_addr);
		if (m && m->path)
			rp_sbuf_printf(b, "shared %s", m->path);
		else
			rp_sbuf_printf(b, "shared (anonymous memory)");
	}
	rp_sbuf_printf(b, ", ");
	describe_timeout(b, w);
}

const char *sj_report_wait_text(const struct sj_process *p, const struct sj_thread *t,
			     char *buf, size_t len)
{
	struct rp_sbuf b;
	char d[32];

	rp_sbuf_init(&b, buf, len);
	switch (t->wait.kind) {
	case SJ_WAIT_NONE:
		rp_sbuf_printf(&b, t->state == 'R' ? "running" : t->state == 'Z' ? "exited"
			       : "not in a blocking call");
		break;
	case SJ_WAIT_READ:
		wait_io(&b, p, t, "read");
		break;
	case SJ_WAIT_WRITE:
		wait_io(&b, p, t, "write");
		break;
	case SJ_WAIT_ACCEPT:
		wait_io(&b, p, t, "accept");
		break;
	case SJ_WAIT_POLL:
		wait_poll(&b, p, t);
		break;
	case SJ_WAIT_CHILD:
		wait_child(&b, t);
		break;
	case SJ_WAIT_FUTEX:
		wait_futex(&b, p, t);
		break;
	case SJ_WAIT_SLEEP:
		if (t->wait.has_timeout && t->wait.timeout_ns >= 0)
			rp_sbuf_printf(&b, "%s(%s)", call_name(t, "sleep"),
				       rp_fmt_duration(t->wait.timeout_ns, d, sizeof d));
		else
			rp_sbuf_printf(&b, "%s", call_name(t, "sleep"));
		break;
	case SJ_WAIT_SIGNAL:
		rp_sbuf_printf(&b, "%s (waits for a signal", call_name(t, "pause"));
		if (t->wait.has_timeout) {
			rp_sbuf_printf(&b, ", ");
			describe_timeout(&b, &t->wait);
		}
		rp_sbuf_printf(&b, ")");
		break;
	case SJ_WAIT_STOPPED:
		rp_sbuf_printf(&b, "stopped (state %c before capture)", t->state ? t->state : 'T');
		break;
	case SJ_WAIT_OTHER:
	default:
		if (rp_syscall_name(t->syscall_nr))
			rp_sbuf_printf(&b, "%s", rp_syscall_name(t->syscall_nr));
		else
			rp_sbuf_printf(&b, "syscall %ld", t->syscall_nr);
		if (t->wchan && t->wchan[0] && strcmp(t->wchan, "0") != 0)
			rp_sbuf_printf(&b, " in %s", t->wchan);
		break;
	}
	return buf;
}

/* ---- journal events in words ---- */

static const char *jstr(json_t *obj, const char *key)
{
	return obj ? json_string_value(json_object_get(obj, key)) : NULL;
}

static int jint(json_t *obj, const char *key, long long *v)
{
	json_t *j = obj ? json_object_get(obj, key) : NULL;
	if (!json_is_integer(j))
		return 0;
	*v = json_integer_value(j);
	return 1;
}

/* The signal an event names: the record's own text ("SIGTERM", or "0" for
 * a kill probe) first, else the pre-extracted number. */
static const char *ev_sig(const struct sj_jevent *e, json_t *obj, const char *key, char *num, size_t len)
{
	const char *s = jstr(obj, key);
	if (s)
		return s;
	if (e->sig > 0 && strcmp(key, "sig") == 0) {
		const char *n = sj_signal_name(e->sig);
		if (n)
			return n;
		snprintf(num, len, "signal %d", e->sig);
		return num;
	}
	return "?";
}

static void ev_start(struct rp_sbuf *b, const struct sj_jevent *e, json_t *o)
{
	long long rules = 0;
	const char *exe = jstr(o, "exe");
	rp_sbuf_printf(b, "shim loaded in %s", exe ? exe : e->comm ? e->comm : "?");
	const char *role = jstr(o, "role");
	if (role)
		rp_sbuf_printf(b, " (%s", role);
	else
		rp_sbuf_printf(b, " (");
	if (jint(o, "rules", &rules))
		rp_sbuf_printf(b, "%s%lld rule%s", role ? ", " : "", rules, rules == 1 ? "" : "s");
	rp_sbuf_printf(b, ")");
}

static void ev_inject_action(struct rp_sbuf *b, const struct sj_jevent *e, json_t *o)
{
	const char *a = e->action ? e->action : "?";
	char num[24], d[32];
	long long v;

	if (strcmp(a, "signal") == 0 || strcmp(a, "during") == 0) {
		rp_sbuf_printf(b, "signal %s", ev_sig(e, o, "sig", num, sizeof num));
		if (e->target)
			rp_sbuf_printf(b, " to %s", e->target);
		if (e->target_pid)
			rp_sbuf_printf(b, " (%ld)", e->target_pid);
		if (strcmp(a, "during") == 0 && jint(o, "ns", &v))
			rp_sbuf_printf(b, " during %s", rp_fmt_duration(v, d, sizeof d));
	} else if (strcmp(a, "error") == 0) {
		const char *en = jstr(o, "errno");
		if (!en && e->err >= 0)
			en = sj_errno_name(e->err);
		rp_sbuf_printf(b, "fail with %s", en ? en : "?");
	} else if (strcmp(a, "retval") == 0 && jint(o, "retval", &v)) {
		rp_sbuf_printf(b, "return %lld", v);
	} else if (strcmp(a, "short") == 0 && jint(o, "short", &v)) {
		rp_sbuf_printf(b, "short transfer of %lld bytes", v);
	} else if (strcmp(a, "delay") == 0 && jint(o, "ns", &v)) {
		rp_sbuf_printf(b, "delay %s", rp_fmt_duration(v, d, sizeof d));
	} else if (strcmp(a, "exit") == 0) {
		rp_sbuf_printf(b, "exit");
		if (jint(o, "code", &v) || jint(o, "retval", &v))
			rp_sbuf_printf(b, " %lld", v);
	} else {
		rp_sbuf_printf(b, "%s", a);
	}
}

static void ev_inject(struct rp_sbuf *b, const struct sj_jevent *e, json_t *o)
{
	long long rule;
	rp_sbuf_printf(b, "%s", e->func ? e->func : e->hook ? e->hook : "?");
	if (e->fd >= 0)
		rp_sbuf_printf(b, " fd %d", e->fd);
	if (e->fdkind)
		rp_sbuf_printf(b, " (%s)", e->fdkind);
	if (e->n)
		rp_sbuf_printf(b, ", call %ld", e->n);
	rp_sbuf_printf(b, ": ");
	ev_inject_action(b, e, o);
	if (jint(o, "rule", &rule)) {
		const char *spec = jstr(o, "spec");
		rp_sbuf_printf(b, " [rule %lld%s%s]", rule, spec ? ": " : "", spec ? spec : "");
	}
}

static void ev_fork(struct rp_sbuf *b, const struct sj_jevent *e, json_t *o)
{
	rp_sbuf_printf(b, "%s -> child %d", e->func ? e->func : "fork", (int)e->child);
	const char *cmd = jstr(o, "cmd");
	if (cmd)
		rp_sbuf_printf(b, " (%s)", cmd);
}

static void ev_dispositions(struct rp_sbuf *b, const struct sj_jevent *e, json_t *o)
{
	json_t *list = o ? json_object_get(o, "list") : NULL;
	size_t i;
	json_t *row;

	rp_sbuf_printf(b, "at %s:", e->at ? e->at : "?");
	if (!json_array_size(list)) {
		rp_sbuf_printf(b, " all default");
		return;
	}
	json_array_foreach(list, i, row) {
		const char *sig = jstr(row, "sig"), *disp = jstr(row, "disp");
		rp_sbuf_printf(b, "%s %s %s%s", i ? "," : "", sig ? sig : "?", disp ? disp : "?",
			       json_is_true(json_object_get(row, "python")) ? " (python)" : "");
	}
}

static void ev_handler(struct rp_sbuf *b, const struct sj_jevent *e, json_t *o)
{
	char num[24];
	const char *disp = jstr(o, "disp"), *mod = jstr(o, "module"), *off = jstr(o, "off");
	const char *flags = jstr(o, "flags");
	rp_sbuf_printf(b, "%s(%s) -> %s", e->func ? e->func : "sigaction",
		       ev_sig(e, o, "sig", num, sizeof num), disp ? disp : "?");
	if (mod)
		rp_sbuf_printf(b, " in %s%s%s", rp_basename(mod), off ? "+" : "", off ? off : "");
	if (json_is_true(o ? json_object_get(o, "python") : NULL))
		rp_sbuf_printf(b, " (python)");
	if (flags && flags[0])
		rp_sbuf_printf(b, " [%s]", flags);
}

static void ev_deliver(struct rp_sbuf *b, const struct sj_jevent *e, json_t *o)
{
	char num[24];
	long long from, depth;
	const char *code = jstr(o, "code");
	rp_sbuf_printf(b, "%s delivered", ev_sig(e, o, "sig", num, sizeof num));
	if (code)
		rp_sbuf_printf(b, " (%s", code);
	if (jint(o, "from", &from))
		rp_sbuf_printf(b, "%sfrom %lld", code ? ", " : " (", from);
	if (code || jint(o, "from", &from))
		rp_sbuf_printf(b, ")");
	if (jint(o, "depth", &depth) && depth > 1)
		rp_sbuf_printf(b, ", nesting depth %lld", depth);
}

static void ev_unsafe(struct rp_sbuf *b, const struct sj_jevent *e, json_t *o)
{
	char num[24];
	rp_sbuf_printf(b, "%s() called in a %s handler", e->call ? e->call : "?",
		       ev_sig(e, o, "sig", num, sizeof num));
}

static void ev_errno(struct rp_sbuf *b, const struct sj_jevent *e, json_t *o)
{
	char num[24], before[24], after[24];
	const char *bs = jstr(o, "before"), *as = jstr(o, "after");
	long long v;
	if (!bs && jint(o, "before", &v))
		snprintf(before, sizeof before, "%lld", v), bs = before;
	if (!as && jint(o, "after", &v))
		snprintf(after, sizeof after, "%lld", v), as = after;
	rp_sbuf_printf(b, "%s handler changed errno %s -> %s", ev_sig(e, o, "sig", num, sizeof num),
		       bs ? bs : "?", as ? as : "?");
}

static void ev_nested(struct rp_sbuf *b, const struct sj_jevent *e, json_t *o)
{
	char num[24], onum[24];
	long long depth;
	rp_sbuf_printf(b, "%s handler started inside the %s handler",
		       ev_sig(e, o, "sig", num, sizeof num), ev_sig(e, o, "outer", onum, sizeof onum));
	if (jint(o, "depth", &depth))
		rp_sbuf_printf(b, " (depth %lld)", depth);
}

static void ev_reap(struct rp_sbuf *b, const struct sj_jevent *e, json_t *o)
{
	rp_sbuf_printf(b, "%s reaped child %d: %s", e->func ? e->func : "wait", (int)e->child,
		       e->status ? e->status : "?");
}

static void ev_kill(struct rp_sbuf *b, const struct sj_jevent *e, json_t *o)
{
	char num[24];
	const char *t = e->target;
	char tbuf[24];
	if (!t && e->target_pid) {
		snprintf(tbuf, sizeof tbuf, "%ld", e->target_pid);
		t = tbuf;
	}
	rp_sbuf_printf(b, "%s(%s, %s)", e->func ? e->func : "kill", t ? t : "?",
		       ev_sig(e, o, "sig", num, sizeof num));
}

static void ev_exit(struct rp_sbuf *b, const struct sj_jevent *e, json_t *o)
{
	rp_sbuf_printf(b, "%s(%d)", e->func ? e->func : "exit", e->code);
}

static const struct {
	const char *ev;
	void (*describe)(struct rp_sbuf *, const struct sj_jevent *, json_t *);
} ev_table[] = {
	{ "start", ev_start }, { "inject", ev_inject }, { "fork", ev_fork },
	{ "spawn", ev_fork }, { "dispositions", ev_dispositions }, { "handler", ev_handler },
	{ "deliver", ev_deliver }, { "unsafe", ev_unsafe }, { "errno", ev_errno },
	{ "nested", ev_nested }, { "reap", ev_reap }, { "kill", ev_kill }, { "exit", ev_exit },
};

const char *rp_jevent_describe(const struct sj_jevent *e, json_t *obj, char *buf, size_t len)
{
	struct rp_sbuf b;
	rp_sbuf_init(&b, buf, len);
	for (size_t i = 0; i < sizeof ev_table / sizeof ev_table[0]; i++)
		if (e->ev && strcmp(e->ev, ev_table[i].ev) == 0) {
			ev_table[i].describe(&b, e, obj);
			return buf;
		}
	rp_sbuf_printf(&b, "(unknown record kind)");
	return buf;
}
