/* journal.c — reads the shim's JSON Lines journal (docs/journal.md) into
 * struct sj_journal.
 *
 * The journal is written by many processes at once, each record by one
 * write(2), so its lines are in the order the writes reached the file, not
 * in time order: a process that was preempted between taking its timestamp
 * and writing lands later.  Events are therefore sorted by their "t"
 * (CLOCK_MONOTONIC, comparable across processes), stably so that one
 * process's records keep their written order when two share a timestamp.
 *
 * What counts as a record: a JSON object with integer "v" >= 1 (newer
 * writers only add fields), integer "t" and "pid", and string "ev".  Any
 * other non-blank line is counted in bad_lines and skipped; it never stops
 * the read, since a journal is evidence and a half-broken one is still
 * worth showing. */
#include "journal.h"
#include "names.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- typed field access (absent and wrongly typed look the same) ---- */

/* An integer value; numbers above 2^53 come as "0x..." strings. */
static int int_of(json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return 1;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		unsigned long long u;
		if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
			return 0;
		errno = 0;
		u = strtoull(s + 2, &end, 16);
		if (*end == '\0' && errno == 0) {
			*out = (int64_t)u;
			return 1;
		}
	}
	return 0;
}

static int get_i64(json_t *o, const char *key, int64_t *out) { return int_of(json_object_get(o, key), out); }

/* strdup of a string field; *fail set when the allocation failed. */
static char *dup_str(json_t *o, const char *key, int *fail)
{
	const char *s = json_string_value(json_object_get(o, key));
	char *d;
	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = 1;
	return d;
}

/* "sig" is a name ("SIGTERM"), a number for real-time signals, or 0 for
 * kill's existence probe; null or absent is 0. */
static int get_signal(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		return (int)json_integer_value(v);
	if (json_is_string(v))
		return sj_signal_from_name(json_string_value(v));
	return 0;
}

/* "errno": a name ("EINTR") or a number; -1 when absent or unknown. */
static int get_errno(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		return (int)json_integer_value(v);
	if (json_is_string(v))
		return sj_errno_from_name(json_string_value(v));
	return -1;
}

/* "before"/"after" of an errno record: a name or a number (0 is valid). */
static struct sj_jnum get_errno_num(json_t *o, const char *key)
{
	struct sj_jnum n = { 0, 0 };
	int err = get_errno(o, key);
	if (err >= 0)
		n = (struct sj_jnum){ err, 1 };
	return n;
}

/* A number that may be absent. */
static struct sj_jnum get_num(json_t *o, const char *key)
{
	struct sj_jnum n = { 0, 0 };
	n.set = int_of(json_object_get(o, key), &n.v);
	return n;
}

/* An integer field as an int, dflt when absent. */
static int get_int(json_t *o, const char *key, int dflt)
{
	int64_t v;
	return get_i64(o, key, &v) ? (int)v : dflt;
}

/* "bt": [{"m":"/path","o":"0x1a2b"}, ...], innermost first.  A frame
 * without a usable offset is dropped, the rest of the trace kept. */
static int parse_bt(json_t *arr, struct sj_jevent *e)
{
	size_t i, n = json_array_size(arr);
	json_t *f;

	if (n == 0)
		return 0;
	e->bt = calloc(n, sizeof *e->bt);
	if (!e->bt)
		return -1;
	json_array_foreach(arr, i, f) {
		struct sj_btframe *fr = &e->bt[e->nbt];
		int fail = 0;
		int64_t off;
		if (!json_is_object(f) || !int_of(json_object_get(f, "o"), &off))
			continue;
		fr->off = (uint64_t)off;
		fr->module = dup_str(f, "m", &fail);
		if (fail)
			return -1;
		e->nbt++;
	}
	return 0;
}

/* "list": [{"sig":"SIGTERM","disp":"handler","addr":..,"module":..,"off":..,"python":true}].
 * A row that is not an object is dropped. */
static int parse_disps(json_t *arr, struct sj_jevent *e)
{
	size_t i, n = json_array_size(arr);
	json_t *row;

	if (n == 0)
		return 0;
	e->disps = calloc(n, sizeof *e->disps);
	if (!e->disps)
		return -1;
	json_array_foreach(arr, i, row) {
		struct sj_jdisp *d = &e->disps[e->ndisps];
		int fail = 0;
		if (!json_is_object(row))
			continue;
		d->sig = get_signal(row, "sig");
		d->disp = dup_str(row, "disp", &fail);
		d->module = dup_str(row, "module", &fail);
		d->addr = get_num(row, "addr");
		d->off = get_num(row, "off");
		d->python = json_is_true(json_object_get(row, "python"));
		e->ndisps++;
		if (fail)
			return -1;
	}
	return 0;
}

static void event_defaults(struct sj_jevent *e)
{
	memset(e, 0, sizeof *e);
	e->fd = -1;
	e->err = -1;
	e->code = -1;
	e->check = -1;
}

static void event_free(struct sj_jevent *e)
{
	static const size_t strings[] = {
		offsetof(struct sj_jevent, ev), offsetof(struct sj_jevent, comm),
		offsetof(struct sj_jevent, func), offsetof(struct sj_jevent, module),
		offsetof(struct sj_jevent, exe), offsetof(struct sj_jevent, role),
		offsetof(struct sj_jevent, spec), offsetof(struct sj_jevent, hook),
		offsetof(struct sj_jevent, action), offsetof(struct sj_jevent, fdkind),
		offsetof(struct sj_jevent, target), offsetof(struct sj_jevent, cmd),
		offsetof(struct sj_jevent, at), offsetof(struct sj_jevent, disp),
		offsetof(struct sj_jevent, flags), offsetof(struct sj_jevent, si_code),
		offsetof(struct sj_jevent, call), offsetof(struct sj_jevent, status),
	};
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
		free(*(char **)((char *)e + strings[i]));
	for (size_t i = 0; i < e->nbt; i++) {
		free(e->bt[i].module);
		free(e->bt[i].func);
		free(e->bt[i].file);
	}
	free(e->bt);
	for (size_t i = 0; i < e->ndisps; i++) {
		free(e->disps[i].disp);
		free(e->disps[i].module);
	}
	free(e->disps);
	json_decref(e->record);
}

void sj_journal_free(struct sj_journal *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		event_free(&j->ev[i]);
	free(j->ev);
	j->ev = NULL;
	j->n = 0;
}

enum rec_status { REC_OK, REC_BAD, REC_NOMEM };

/* The string fields, each copied when present. */
static const struct {
	const char *key;
	size_t off;
} string_fields[] = {
	{ "ev", offsetof(struct sj_jevent, ev) },
	{ "comm", offsetof(struct sj_jevent, comm) },
	{ "func", offsetof(struct sj_jevent, func) },
	{ "module", offsetof(struct sj_jevent, module) },
	{ "exe", offsetof(struct sj_jevent, exe) },
	{ "role", offsetof(struct sj_jevent, role) },
	{ "spec", offsetof(struct sj_jevent, spec) },
	{ "hook", offsetof(struct sj_jevent, hook) },
	{ "action", offsetof(struct sj_jevent, action) },
	{ "fdkind", offsetof(struct sj_jevent, fdkind) },
	{ "target", offsetof(struct sj_jevent, target) }, /* inject: "self".."children" */
	{ "cmd", offsetof(struct sj_jevent, cmd) },
	{ "at", offsetof(struct sj_jevent, at) },
	{ "disp", offsetof(struct sj_jevent, disp) },
	{ "flags", offsetof(struct sj_jevent, flags) },
	{ "code", offsetof(struct sj_jevent, si_code) },   /* deliver: an si_code name */
	{ "call", offsetof(struct sj_jevent, call) },
	{ "status", offsetof(struct sj_jevent, status) },
};

/* Fills e from one record object (taking a reference to it). */
static enum rec_status extract(json_t *o, struct sj_jevent *e)
{
	int64_t v, t, pid, x;
	int fail = 0;
	json_t *target, *check;

	if (!json_is_object(o) || !get_i64(o, "v", &v) || v < 1 || !get_i64(o, "t", &t) ||
	    !get_i64(o, "pid", &pid) || !json_is_string(json_object_get(o, "ev")))
		return REC_BAD;

	event_defaults(e);
	e->record = json_incref(o);
	e->t_ns = t;
	e->pid = (pid_t)pid;
	e->ppid = (pid_t)get_int(o, "ppid", 0);
	e->tid = (pid_t)get_int(o, "tid", 0);
	e->trunc = json_is_true(json_object_get(o, "trunc"));
	for (size_t i = 0; i < sizeof string_fields / sizeof string_fields[0]; i++)
		*(char **)((char *)e + string_fields[i].off) = dup_str(o, string_fields[i].key, &fail);

	e->sig = get_signal(o, "sig");
	e->fd = get_int(o, "fd", -1);
	e->child = (pid_t)get_int(o, "child", 0);
	/* "code" is an exit code on exit/reap, but an si_code name on deliver. */
	e->code = json_is_integer(json_object_get(o, "code")) ? get_int(o, "code", -1) : -1;
	if (get_i64(o, "n", &x))
		e->n = (long)x;
	e->depth = get_int(o, "depth", 0);
	e->addr = get_num(o, "addr");
	e->off = get_num(o, "off");
	e->python = json_is_true(json_object_get(o, "python"));

	e->rules = get_num(o, "rules");
	e->seed = get_num(o, "seed");
	check = json_object_get(o, "check");
	if (json_is_boolean(check))
		e->check = json_is_true(check);

	e->rule = get_num(o, "rule");
	/* kill's "target" is the pid it was given; inject's is a word plus
	 * "target_pid". */
	target = json_object_get(o, "target");
	if (json_is_integer(target))
		e->target_pid = (long)json_integer_value(target);
	if (get_i64(o, "target_pid", &x))
		e->target_pid = (long)x;
	e->err = get_errno(o, "errno");
	e->retval = get_num(o, "retval");
	e->short_len = get_num(o, "short");
	e->ns = get_num(o, "ns");

	e->from = get_num(o, "from");
	e->before = get_errno_num(o, "before");
	e->after = get_errno_num(o, "after");
	e->outer = get_signal(o, "outer");
	e->core = json_is_true(json_object_get(o, "core"));

	if (json_is_array(json_object_get(o, "bt")) && parse_bt(json_object_get(o, "bt"), e))
		fail = 1;
	if (json_is_array(json_object_get(o, "list")) && parse_disps(json_object_get(o, "list"), e))
		fail = 1;
	if (fail) {
		event_free(e);
		return REC_NOMEM;
	}
	return REC_OK;
}

/* ---- lines ---- */

static int is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

struct builder {
	struct sj_jevent *ev;
	size_t n, cap;
};

static int push(struct builder *b, const struct sj_jevent *e)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct sj_jevent *v = realloc(b->ev, cap * sizeof *v);
		if (!v)
			return -1;
		b->ev = v;
		b->cap = cap;
	}
	b->ev[b->n++] = *e;
	return 0;
}

/* One line (without its '\n'): REC_OK and an event appended, REC_BAD, or
 * REC_NOMEM. */
static enum rec_status take_line(struct builder *b, const char *s, size_t n)
{
	struct sj_jevent e;
	json_error_t jerr;
	json_t *o;
	enum rec_status st;

	if (n && s[n - 1] == '\r')
		n--;
	o = json_loadb(s, n, 0, &jerr);
	if (!o)
		return REC_BAD;
	st = extract(o, &e);
	json_decref(o);
	if (st != REC_OK)
		return st;
	if (push(b, &e)) {
		event_free(&e);
		return REC_NOMEM;
	}
	return REC_OK;
}

/* ---- stable sort by time ---- */

struct order {
	int64_t t;
	size_t i;
};

static int order_cmp(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int sort_by_time(struct builder *b)
{
	struct order *ord;
	struct sj_jevent *sorted;

	if (b->n < 2)
		return 0;
	ord = malloc(b->n * sizeof *ord);
	sorted = malloc(b->n * sizeof *sorted);
	if (!ord || !sorted) {
		free(ord);
		free(sorted);
		return -1;
	}
	for (size_t i = 0; i < b->n; i++)
		ord[i] = (struct order){ b->ev[i].t_ns, i };
	qsort(ord, b->n, sizeof *ord, order_cmp);
	for (size_t i = 0; i < b->n; i++)
		sorted[i] = b->ev[ord[i].i];
	free(ord);
	free(b->ev);
	b->ev = sorted;
	b->cap = b->n;
	return 0;
}

static void set_err(char *err, size_t errlen, const char *msg, const char *arg)
{
	if (err && errlen)
		snprintf(err, errlen, msg, arg);
}

int sj_journal_parse_text(const char *text, size_t len, struct sj_journal *out, char *err, size_t errlen)
{
	struct builder b = { 0 };
	size_t bad = 0, pos = 0;

	memset(out, 0, sizeof *out);
	if (!text && len) {
		set_err(err, errlen, "%s", "no journal text given (NULL with a length)");
		return -1;
	}
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		enum rec_status st = REC_OK;

		pos += n + (nl ? 1 : 0);
		if (!is_blank(s, n))
			st = take_line(&b, s, n);
		if (st == REC_NOMEM) {
			struct sj_journal partial = { b.ev, b.n, 0 };
			sj_journal_free(&partial);
			set_err(err, errlen, "%s", "out of memory while reading the journal");
			return -1;
		}
		/* A torn last record (no '\n': its writer died mid-write) is
		 * expected damage, not garbage. */
		if (st == REC_BAD && nl)
			bad++;
	}
	if (sort_by_time(&b)) {
		struct sj_journal partial = { b.ev, b.n, 0 };
		sj_journal_free(&partial);
		set_err(err, errlen, "%s", "out of memory while sorting the journal");
		return -1;
	}
	out->ev = b.ev;
	out->n = b.n;
	out->bad_lines = bad;
	return 0;
}

/* The whole file in memory (journals are small: one line per event). */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	for (;;) {
		ssize_t k;
		if (n == cap) {
			char *bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = bigger;
			cap *= 2;
		}
		k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int saved = errno;
			free(buf);
			errno = saved;
			return NULL;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	*len = n;
	return buf;
}

int sj_journal_load(const char *path, struct sj_journal *out, char *err, size_t errlen)
{
	size_t len = 0;
	char *text;
	int fd, rc;

	memset(out, 0, sizeof *out);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (err && errlen)
			snprintf(err, errlen, "cannot open journal %s: %s (check the path given to --journal or SIGJAM_JOURNAL)",
				 path, strerror(errno));
		return -1;
	}
	text = read_all(fd, &len);
	if (!text) {
		if (err && errlen)
			snprintf(err, errlen, "cannot read journal %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	rc = sj_journal_parse_text(text, len, out, err, errlen);
	free(text);
	return rc;
}
