/* journal.c — layer 2: journal records (docs/journal.md), formatted by hand
 * on the stack, and the file they go to.
 *
 * Why by hand: records are written from signal handlers and between fork and
 * exec, where snprintf (locale, possibly malloc) and jansson (malloc) are off
 * limits.  Why one write of at most PIPE_BUF: O_APPEND writes to a regular
 * file are atomic with respect to each other, and so are pipe writes of at
 * most PIPE_BUF bytes, so records of concurrent processes never interleave.
 * Why no open descriptor: see journal.h. */
#include "journal.h"
#include "names.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

/* ---- where records go ---- */

static struct {
	int fd;          /* SIGJAM_JOURNAL=fd:N, inherited; -1: use path */
	char path[512];  /* absolute; "": no journal */
} target = { -1, "" };

void sj_journal_setup(const char *where)
{
	size_t n;
	target.fd = -1;
	target.path[0] = '\0';
	if (!where || !*where)
		return;
	if (strncmp(where, "fd:", 3) == 0) {
		long fd = 0;
		const char *p = where + 3;
		for (; *p >= '0' && *p <= '9' && fd < 1 << 20; p++)
			fd = fd * 10 + (*p - '0');
		if (p > where + 3 && *p == '\0' && fd < 1 << 20 && syscall(SYS_fcntl, (int)fd, F_GETFD) >= 0)
			target.fd = (int)fd;
		return;
	}
	n = 0;
	if (where[0] != '/') {
		/* The kernel's getcwd returns the length including the NUL. */
		long got = syscall(SYS_getcwd, target.path, sizeof target.path);
		if (got <= 1)
			return;
		n = strlen(target.path);
		if (n + 1 < sizeof target.path && target.path[n - 1] != '/')
			target.path[n++] = '/';
	}
	if (n + strlen(where) >= sizeof target.path) {
		target.path[0] = '\0';
		return;
	}
	strcpy(target.path + n, where);
}

int sj_journal_room(size_t need)
{
	stack_t ss;
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0), lo;
	int saved = errno;
	if (target.fd < 0 && target.path[0] == '\0')
		return 0;
	/* One system call per record (records are rare): the kernel knows
	 * whether this thread runs on its alternate stack, and where it ends,
	 * also for handlers the shim did not wrap. */
	if (syscall(SYS_sigaltstack, NULL, &ss) != 0 || !(ss.ss_flags & SS_ONSTACK)) {
		errno = saved;
		return 1;
	}
	errno = saved;
	lo = (uintptr_t)ss.ss_sp;
	return sp > lo && sp - lo >= need;
}

/* Descriptors open for a record right now, with the thread that opened them,
 * so that a child forked by another thread in that instant closes its copy:
 * the journal must never show in a program's /proc/self/fd.  Full: the
 * record is written all the same (the window is one open-write-close). */
#define INFLIGHT 16
static _Atomic uint64_t inflight[INFLIGHT]; /* (fd + 1) << 32 | tid; 0 free */
static SJ_TLS pid_t forking_tid;

static int inflight_add(uint64_t v)
{
	for (int i = 0; i < INFLIGHT; i++) {
		uint64_t zero = 0;
		if (atomic_compare_exchange_strong(&inflight[i], &zero, v))
			return i;
	}
	return -1;
}

void sj_journal_fork_prepare(void)
{
	forking_tid = sj_gettid();
}

void sj_journal_fork_child(void)
{
	for (int i = 0; i < INFLIGHT; i++) {
		uint64_t v = atomic_load(&inflight[i]);
		if (v && (pid_t)(uint32_t)v != forking_tid) {
			sj_sys_close((int)(v >> 32) - 1);
			atomic_store(&inflight[i], 0);
		}
	}
}

static void write_record(const char *buf, size_t len)
{
	int fd = target.fd, slot = -1;
	ssize_t n;
	if (fd < 0) {
		if (!target.path[0])
			return;
		fd = sj_sys_open(target.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return;
		/* A vfork child must not store into its parent's memory (sys.h);
		 * its descriptor table is its own, and it execs or exits soon. */
		if (!sj_in_vfork_child())
			slot = inflight_add((uint64_t)(fd + 1) << 32 | (uint32_t)sj_gettid());
	}
	do
		n = sj_sys_write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (fd != target.fd) {
		sj_sys_close(fd);
		if (slot >= 0)
			atomic_store(&inflight[slot], 0);
	}
}

/* ---- raw appends; 0 when the text did not fit ---- */

/* Room kept for `,"trunc":true}` and the newline; each open container keeps
 * one more byte for its closer. */
#define SJ_JW_TAIL 16

static int put(struct sj_jw *w, const char *s, size_t n)
{
	if (w->trunc || w->len + n > SJ_JW_MAX - SJ_JW_TAIL - (size_t)w->depth) {
		w->trunc = 1;
		return 0;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	return 1;
}

static int put_s(struct sj_jw *w, const char *s)
{
	return put(w, s, strlen(s));
}

static int put_u64(struct sj_jw *w, uint64_t v)
{
	char tmp[24];
	return put(w, tmp, sj_utoa(v, tmp));
}

static int put_hex(struct sj_jw *w, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[20];
	int i = sizeof tmp;
	do {
		tmp[--i] = digits[v & 15];
		v >>= 4;
	} while (v);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	return put(w, tmp + i, sizeof tmp - (size_t)i);
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), 0 if the
 * bytes are not UTF-8.  Program data (comm, argv, paths) can be any bytes,
 * and a record with invalid UTF-8 is not JSON. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0; /* overlong, surrogate or beyond U+10FFFF */
	return len;
}

/* The journal's one JSON string writer: control bytes and DEL as \u00XX,
 * bytes that are not UTF-8 as U+FFFD, so every record is valid JSON. */
static int put_escaped(struct sj_jw *w, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0;
	if (!put(w, "\"", 1))
		return 0;
	while (i < n) {
		unsigned c = s[i];
		size_t l;
		int ok;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			ok = put(w, e, 2);
			l = 1;
		} else if (c < 0x20 || c == 0x7f) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			ok = put(w, e, 6);
			l = 1;
		} else if ((l = utf8_len(s + i, n - i)) > 0) {
			ok = put(w, (const char *)s + i, l);
		} else {
			ok = put_s(w, "\\ufffd");
			l = 1;
		}
		if (!ok)
			return 0;
		i += l;
	}
	return put(w, "\"", 1);
}

/* ---- values: all or nothing, so truncation falls on a value boundary ---- */

/* The separator and, inside an object, the member name. */
static int key(struct sj_jw *w, const char *k)
{
	int first = w->first[w->depth];
	if (!first && !put(w, ",", 1))
		return 0;
	if (w->closer[w->depth] == '}' && !(put(w, "\"", 1) && put_s(w, k ? k : "") && put(w, "\":", 2)))
		return 0;
	w->first[w->depth] = 0;
	return 1;
}

/* Rolls back a half-written value; the record is then truncated. */
static void value_done(struct sj_jw *w, size_t start, unsigned char first, int ok)
{
	if (ok)
		return;
	w->len = start;
	w->first[w->depth] = first;
	w->trunc = 1;
}

#define VALUE(w, k, expr)                                                   \
	do {                                                                \
		size_t start_ = (w)->len;                                   \
		unsigned char first_ = (w)->first[(w)->depth];              \
		if (!(w)->trunc)                                            \
			value_done((w), start_, first_, key((w), (k)) && (expr)); \
	} while (0)

void sj_jw_str(struct sj_jw *w, const char *k, const char *val)
{
	VALUE(w, k, val ? put_escaped(w, val) : put_s(w, "null"));
}

/* JSON readers keep numbers in doubles: beyond 2^53 the value goes out as a
 * hex string (docs/journal.md). */
#define SJ_JSON_INT_MAX (1ll << 53)

static int put_int(struct sj_jw *w, long long val)
{
	if (val > SJ_JSON_INT_MAX || val < -SJ_JSON_INT_MAX)
		return put(w, "\"", 1) && put_hex(w, (uint64_t)val) && put(w, "\"", 1);
	if (val < 0)
		return put(w, "-", 1) && put_u64(w, (uint64_t)-val);
	return put_u64(w, (uint64_t)val);
}

void sj_jw_int(struct sj_jw *w, const char *k, long long val)
{
	VALUE(w, k, put_int(w, val));
}

void sj_jw_bool(struct sj_jw *w, const char *k, int val)
{
	VALUE(w, k, put_s(w, val ? "true" : "false"));
}

void sj_jw_hex(struct sj_jw *w, const char *k, uint64_t val)
{
	VALUE(w, k, put(w, "\"", 1) && put_hex(w, val) && put(w, "\"", 1));
}

void sj_jw_signame(struct sj_jw *w, const char *k, int sig)
{
	const char *name = sj_signal_name(sig);
	if (name)
		sj_jw_str(w, k, name);
	else
		sj_jw_int(w, k, sig);
}

void sj_jw_errname(struct sj_jw *w, const char *k, int err)
{
	const char *name = sj_errno_name(err);
	if (name)
		sj_jw_str(w, k, name);
	else
		sj_jw_int(w, k, err);
}

/* ---- containers ---- */

static void open_container(struct sj_jw *w, const char *k, char open, char close)
{
	size_t start = w->len;
	unsigned char first = w->first[w->depth];
	if (w->trunc || w->depth == SJ_JW_DEPTH || !key(w, k)) {
		value_done(w, start, first, 0);
		w->dead++; /* its sj_jw_close closes nothing */
		return;
	}
	w->depth++; /* first, so that put keeps the closer's byte free */
	if (!put(w, &open, 1)) {
		w->depth--;
		value_done(w, start, first, 0);
		w->dead++;
		return;
	}
	w->closer[w->depth] = close;
	w->first[w->depth] = 1;
}

void sj_jw_object(struct sj_jw *w, const char *k)
{
	open_container(w, k, '{', '}');
}

void sj_jw_array(struct sj_jw *w, const char *k)
{
	open_container(w, k, '[', ']');
}

/* The closer's byte was kept free when the container opened. */
void sj_jw_close(struct sj_jw *w)
{
	if (w->dead) {
		w->dead--;
		return;
	}
	if (w->depth == 0)
		return;
	w->buf[w->len++] = w->closer[w->depth];
	w->depth--;
}

void sj_jw_truncated(struct sj_jw *w)
{
	w->trunc = 1;
}

struct sj_jw_mark sj_jw_mark(const struct sj_jw *w)
{
	return (struct sj_jw_mark){ w->len, w->depth, w->dead, w->first[w->depth] };
}

int sj_jw_keep(struct sj_jw *w, struct sj_jw_mark m)
{
	if (!w->trunc)
		return 1;
	w->len = m.len;
	w->depth = m.depth;
	w->dead = m.dead;
	w->first[m.depth] = m.first;
	return 0;
}

/* ---- records ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: async-signal-safe */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sj_jw_begin(struct sj_jw *w, const char *ev)
{
	int saved = errno;
	w->len = 0;
	w->trunc = 0;
	w->depth = 0;
	w->dead = 0;
	w->closer[0] = '}';
	w->first[0] = 0;
	put(w, "{\"v\":1", 6);
	sj_jw_int(w, "t", (long long)now_ns());
	sj_jw_int(w, "pid", sj_getpid());
	sj_jw_int(w, "ppid", sj_getppid());
	sj_jw_int(w, "tid", sj_gettid());
	sj_jw_str(w, "ev", ev);
	errno = saved;
}

void sj_jw_end(struct sj_jw *w)
{
	int saved = errno;
	w->dead = 0;
	while (w->depth > 0)
		sj_jw_close(w);
	/* SJ_JW_TAIL was kept free for exactly this. */
	if (w->trunc) {
		memcpy(w->buf + w->len, ",\"trunc\":true", 13);
		w->len += 13;
	}
	w->buf[w->len++] = '}';
	w->buf[w->len++] = '\n';
	write_record(w->buf, w->len);
	errno = saved;
}
