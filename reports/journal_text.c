/* journal_text.c — the JOURNAL part of the text report.  `sigjam report`
 * shows it record by record; `sigjam run` and `trace` (r->journal_summary)
 * show how many records of each kind there are and, one line per like
 * record, those behind a finding (the indices analysis put in each
 * finding's records) — a CPython test run writes thousands. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "textout.h"

#define MAX_BEHIND 20   /* lines of records behind the findings; the JSON has all */

static void print_bt(struct rp_text *t, const struct sj_jevent *e)
{
	for (size_t i = 0; i < e->nbt; i++) {
		const struct sj_btframe *f = &e->bt[i];
		rp_seg(t, t->c->dim, "        #%-2zu ", i);
		if (f->func)
			rp_seg(t, "", "%s", f->func);
		else
			rp_seg(t, "", "%s+0x%" PRIx64, f->module ? sj_basename(f->module) : "?", f->off);
		if (f->func && f->module)
			rp_seg(t, t->c->dim, " (%s)", sj_basename(f->module));
		if (f->file)
			rp_seg(t, t->c->dim, " %s:%d", sj_basename(f->file), f->line);
		rp_nl(t);
	}
}

/* Which records are worth a person's attention: what was done to the
 * program (inject, kill), how processes ended (reap, exit) and every
 * signal-safety diagnosis.  start/fork/deliver/handler are noise here;
 * the JSON report keeps all of them. */
static int ev_is_shown(const struct sj_jevent *e)
{
	static const char *const shown[] = {
		"inject", "reap", "unsafe", "errno", "nested", "kill", "exit", "dispositions",
	};
	for (size_t i = 0; e->ev && i < sizeof shown / sizeof shown[0]; i++)
		if (strcmp(e->ev, shown[i]) == 0)
			return 1;
	return 0;
}

static const char *ev_colour(const struct rp_text *t, const struct sj_jevent *e)
{
	if (strcmp(e->ev, "unsafe") == 0 || strcmp(e->ev, "errno") == 0 || strcmp(e->ev, "nested") == 0)
		return t->c->yellow;
	if (strcmp(e->ev, "reap") == 0 && e->sig > 0)
		return t->c->red;
	if (strcmp(e->ev, "inject") == 0)
		return t->c->cyan;
	return "";
}

/* "  +0.037 s  pid 1214   inject       read fd 3 (pipe), ..." without its
 * newline; d is the record in words. */
static void print_event_line(struct rp_text *t, const struct sj_jevent *e, int64_t t0, const char *d)
{
	int64_t rel = e->t_ns - t0;
	rp_seg(t, t->c->dim, "  +%" PRId64 ".%03" PRId64 " s", rel / 1000000000, (rel / 1000000) % 1000);
	rp_seg(t, "", "  pid %-6d ", (int)e->pid);
	rp_seg(t, ev_colour(t, e), "%-12s", e->ev);
	rp_seg(t, "", " %s", d);
}

static void print_event(struct rp_text *t, const struct sj_jevent *e, int64_t t0)
{
	char d[1024];
	print_event_line(t, e, t0, rp_jevent_describe(e, d, sizeof d));
	rp_nl(t);
	print_bt(t, e);
}

/* The records one by one (`sigjam report JOURNAL`): those a person may
 * care about, or with --verbose every record of the journal. */
static void print_all(struct rp_text *t)
{
	const struct sj_journal *j = t->r->journal;
	int every = t->r->verbose;
	size_t shown = 0;
	for (size_t i = 0; i < j->n; i++)
		shown += every || ev_is_shown(&j->ev[i]);
	rp_seg(t, t->c->bold, "JOURNAL");
	rp_seg(t, "", " (%zu of %zu records shown", shown, j->n);
	if (j->bad_lines)
		rp_seg(t, t->c->yellow, "; %zu bad line%s skipped", j->bad_lines, j->bad_lines == 1 ? "" : "s");
	if (shown < j->n)
		rp_seg(t, "", "; --verbose shows every record");
	rp_seg(t, "", ")");
	rp_nl(t);
	int64_t t0 = j->n ? j->ev[0].t_ns : 0;
	for (size_t i = 0; i < j->n; i++)
		if (j->ev[i].ev && (every || ev_is_shown(&j->ev[i])))
			print_event(t, &j->ev[i], t0);
}


/* ---- the summary ---- */

struct kind_count {
	const char *ev;
	size_t n;
};

static int cmp_kind_count(const void *a, const void *b)
{
	const struct kind_count *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->ev, y->ev);
}

/* "by kind: 100 fork, 61 start, 14 reap, 1 inject" */
static void print_kind_counts(struct rp_text *t, const struct sj_journal *j)
{
	struct kind_count *v = calloc(j->n ? j->n : 1, sizeof *v);
	size_t nk = 0;
	if (!v)
		return;
	for (size_t i = 0; i < j->n; i++) {
		const char *ev = j->ev[i].ev ? j->ev[i].ev : "?";
		size_t k = 0;
		while (k < nk && strcmp(v[k].ev, ev) != 0)
			k++;
		if (k == nk)
			v[nk++].ev = ev;
		v[k].n++;
	}
	qsort(v, nk, sizeof *v, cmp_kind_count);
	rp_prose(t, 4);
	rp_seg(t, "", "  by kind:");
	for (size_t k = 0; k < nk; k++)
		rp_seg(t, "", "%s %zu %s", k ? "," : "", v[k].n, v[k].ev);
	rp_nl(t);
	free(v);
}

/* One line of records behind the findings: like records (same process,
 * kind and words) fold into the first. */
struct behind {
	size_t first;     /* journal index */
	size_t count;
	char *words;
};

/* The findings (1-based numbers) whose records include journal record idx,
 * as " (finding 1)" or " (findings 1 and 3)". */
static void print_finding_numbers(struct rp_text *t, size_t idx)
{
	const struct sj_findings *fs = t->r->findings;
	size_t total = 0, said = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; fs && k < fs->n; k++)
			for (size_t i = 0; i < fs->v[k].nrecords; i++) {
				if (fs->v[k].records[i] != idx)
					continue;
				if (pass == 0) {
					total++;
				} else {
					said++;
					rp_seg(t, "", "%s%zu", said == 1 ? (total == 1 ? " (finding " : " (findings ")
							: said == total ? " and " : ", ", k + 1);
				}
				break;
			}
	if (total)
		rp_seg(t, "", ")");
}

/* Marks the journal records some finding names; NULL without memory. */
static unsigned char *behind_marks(const struct sj_report *r)
{
	const struct sj_findings *fs = r->findings;
	unsigned char *mark = calloc(r->journal->n ? r->journal->n : 1, 1);
	for (size_t k = 0; mark && fs && k < fs->n; k++)
		for (size_t i = 0; i < fs->v[k].nrecords; i++)
			if (fs->v[k].records[i] < r->journal->n)
				mark[fs->v[k].records[i]] = 1;
	return mark;
}

static int alike(const struct sj_jevent *a, const struct sj_jevent *b)
{
	return a->pid == b->pid && strcmp(a->ev ? a->ev : "", b->ev ? b->ev : "") == 0;
}

/* The first MAX_BEHIND lines into v; returns how many lines there are in
 * all (the ones past MAX_BEHIND are only counted). */
static size_t gather_behind(const struct sj_report *r, const unsigned char *mark, struct behind *v,
			    size_t *stored)
{
	const struct sj_journal *j = r->journal;
	size_t n = 0, all = 0;
	for (size_t i = 0; i < j->n; i++) {
		if (!mark[i])
			continue;
		char d[1024];
		rp_jevent_describe(&j->ev[i], d, sizeof d);
		size_t k = 0;
		while (k < n && !(alike(&j->ev[v[k].first], &j->ev[i]) && strcmp(v[k].words, d) == 0))
			k++;
		if (k < n) {
			v[k].count++;
			continue;
		}
		all++;
		if (n == MAX_BEHIND || !(v[n].words = strdup(d)))
			continue;
		v[n].first = i;
		v[n++].count = 1;
	}
	*stored = n;
	return all;
}

static void print_behind(struct rp_text *t, const struct sj_journal *j)
{
	struct behind v[MAX_BEHIND];
	unsigned char *mark = behind_marks(t->r);
	size_t n = 0, all = mark ? gather_behind(t->r, mark, v, &n) : 0;
	free(mark);
	rp_seg(t, "", "  behind the findings:%s", all ? "" : " none");
	rp_nl(t);
	int64_t t0 = j->n ? j->ev[0].t_ns : 0;
	for (size_t k = 0; k < n; k++) {
		const struct sj_jevent *e = &j->ev[v[k].first];
		rp_prose(t, 34);
		print_event_line(t, e, t0, v[k].words);
		if (v[k].count > 1)
			rp_seg(t, "", " (%zu times)", v[k].count);
		print_finding_numbers(t, v[k].first);
		rp_nl(t);
		print_bt(t, e);
		free(v[k].words);
	}
	if (all > n) {
		rp_seg(t, "", "  and %zu more (the JSON report lists every finding's journal_records)", all - n);
		rp_nl(t);
	}
}

static void print_summary(struct rp_text *t)
{
	const struct sj_journal *j = t->r->journal;
	rp_seg(t, t->c->bold, "JOURNAL");
	rp_seg(t, "", ": %zu record%s", j->n, j->n == 1 ? "" : "s");
	if (j->bad_lines)
		rp_seg(t, t->c->yellow, "; %zu bad line%s skipped", j->bad_lines, j->bad_lines == 1 ? "" : "s");
	rp_nl(t);
	print_kind_counts(t, j);
	if (rp_nfindings(t->r))
		print_behind(t, j);
	rp_seg(t, t->c->dim, "  (`sigjam report --verbose JOURNAL` shows every record of a journal kept with --journal)");
	rp_nl(t);
}

void rp_print_journal(struct rp_text *t)
{
	if (!t->r->journal)
		return;
	rp_nl(t);
	if (t->r->journal_summary)
		print_summary(t);
	else
		print_all(t);
}
