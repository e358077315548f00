/* text.c — model data in words (text.h). */
#include "text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "names.h"

void sj_tbuf_init(struct sj_tbuf *b, char *p, size_t len)
{
	b->p = p;
	b->len = len;
	b->used = 0;
	if (len)
		p[0] = 0;
}

void sj_tbuf_printf(struct sj_tbuf *b, const char *fmt, ...)
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

const char *sj_signal_text(int sig, char *buf, size_t len)
{
	const char *name = sj_signal_name(sig);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "signal %d", sig);
	return buf;
}

const char *sj_errno_text(int err, char *buf, size_t len)
{
	const char *name = sj_errno_name(err);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%d", err);
	return buf;
}

const char *sj_lock_flavor_word(enum sj_lock_flavor f)
{
	return f == SJ_LOCK_FLOCK ? "flock" : f == SJ_LOCK_OFD ? "OFD" : "record";
}

const char *sj_lock_text(const struct sj_lock *l, char *buf, size_t len)
{
	struct sj_tbuf b;
	sj_tbuf_init(&b, buf, len);
	sj_tbuf_printf(&b, "%s %s%s", l->write ? "write" : "read", sj_lock_flavor_word(l->flavor),
		       l->flavor == SJ_LOCK_FLOCK ? "" : " lock");
	if (l->flavor == SJ_LOCK_FLOCK || (!l->start && l->end == UINT64_MAX))
		return buf;
	if (l->end == UINT64_MAX)
		sj_tbuf_printf(&b, " from byte %" PRIu64, l->start);
	else
		sj_tbuf_printf(&b, " on bytes %" PRIu64 "-%" PRIu64, l->start, l->end);
	return buf;
}

const char *sj_wait_status_text(int status, char *buf, size_t len)
{
	char sig[24];
	if (status < 0)
		snprintf(buf, len, "unknown");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by %s%s", sj_signal_text(WTERMSIG(status), sig, sizeof sig),
			 WCOREDUMP(status) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "stopped (status 0x%x)", (unsigned)status);
	return buf;
}

const char *sj_duration_text(int64_t ns, char *buf, size_t len)
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

const char *sj_seconds_text(double s, char *buf, size_t len)
{
	snprintf(buf, len, s >= 10 ? "%.1f s" : "%.2g s", s);
	return buf;
}

const char *sj_ordinal_text(long n, char *buf, size_t len)
{
	/* 11th, 12th, 13th are the exceptions to 1st, 2nd, 3rd. */
	static const char *const suffix[] = { "th", "st", "nd", "rd" };
	long tens = n % 100, ones = n % 10;
	const char *s = (tens >= 11 && tens <= 13) || ones > 3 || ones < 0 ? "th" : suffix[ones];
	snprintf(buf, len, "%ld%s", n, s);
	return buf;
}

const char *sj_basename(const char *path)
{
	if (!path)
		return NULL;
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

const char *sj_thread_label(const struct sj_thread *t)
{
	return t->py_name ? t->py_name : t->name ? t->name : "?";
}

const char *sj_location_text(const struct sj_location *l, char *buf, size_t len)
{
	struct sj_tbuf b;
	sj_tbuf_init(&b, buf, len);
	if (l->file)
		sj_tbuf_printf(&b, "%s", l->file);
	if (l->file && l->line > 0)
		sj_tbuf_printf(&b, ":%d", l->line);
	if (l->func && l->file)
		sj_tbuf_printf(&b, " in %s", l->func);
	else if (l->func)
		sj_tbuf_printf(&b, "%s()", l->func);
	if (!l->file && !l->func)
		sj_tbuf_printf(&b, "unknown location");
	return buf;
}
