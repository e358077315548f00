/* text.c — the report for people: findings first, then the process tree
 * with every thread's wait and stacks, then the journal, then one summary
 * line.  Colours only when r->color (the CLI decides from isatty and
 * NO_COLOR). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pystack.h"

/* ANSI SGR sequences; the plain palette has empty strings so the printing
 * code is the same with and without colour. */
struct palette {
	const char *reset, *bold, *dim, *red, *yellow, *cyan, *green, *grey;
};
static const struct palette ansi = {
	"\033[0m", "\033[1m", "\033[2m", "\033[1;31m", "\033[33m", "\033[36m", "\033[32m", "\033[90m",
};
static const struct palette plain = { "", "", "", "", "", "", "", "" };

struct tctx {
	FILE *out;
	const struct palette *c;
	const struct sj_report *r;
};

/* Strings from the target (argv, comm, paths) may hold escape sequences
 * or invalid UTF-8; writing them raw would let a target drive the user's
 * terminal.  Control characters and invalid bytes become '?'. */
static const char *clean(long cp, int unused)
{
	return cp < 0 || (cp < 0x20 && cp != '\t') || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ? "?" : NULL;
}

static void put_clean(FILE *out, const char *s)
{
	rp_put_escaped(out, s, clean, 0);
}

/* One segment of a line, in colour col (may be ""). */
__attribute__((format(printf, 3, 4)))
static void seg(struct tctx *t, const char *col, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (col[0])
		fputs(col, t->out);
	put_clean(t->out, s);
	if (col[0])
		fputs(t->c->reset, t->out);
	free(s);
}

static void nl(struct tctx *t)
{
	fputc('\n', t->out);
}

static const char *sev_colour(const struct tctx *t, enum sj_severity s)
{
	return s == SJ_SEV_ERROR ? t->c->red : s == SJ_SEV_WARNING ? t->c->yellow : t->c->cyan;
}

/* ---- header ---- */

static size_t count_threads(const struct sj_snapshot *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nprocs; i++)
		n += s->procs[i].nthreads;
	return n;
}

static void print_header(struct tctx *t)
{
	const struct sj_report *r = t->r;
	char a[32], b[32], c[32];

	seg(t, t->c->bold, "sigjam report");
	if (r->command)
		seg(t, "", ": %s", r->command);
	nl(t);
	if (!r->snap) {
		seg(t, "", r->journal ? "no snapshot (journal only)" : "nothing captured: no snapshot, no journal");
		nl(t);
		return;
	}
	size_t nt = count_threads(r->snap);
	seg(t, "", "snapshot: %zu process%s, %zu thread%s; capture took %s, threads stopped at most %s (%s in total)",
	    r->snap->nprocs, r->snap->nprocs == 1 ? "" : "es", nt, nt == 1 ? "" : "s",
	    sj_duration_text(r->snap->capture_ns, a, sizeof a),
	    sj_duration_text(r->snap->max_stop_ns, b, sizeof b),
	    sj_duration_text(r->snap->total_stop_ns, c, sizeof c));
	nl(t);
}

/* ---- findings ---- */

static void print_who(struct tctx *t, pid_t pid, pid_t tid)
{
	if (tid && tid != pid)
		seg(t, "", "pid %d thread %d", (int)pid, (int)tid);
	else if (tid)
		seg(t, "", "pid %d main thread", (int)pid);
	else
		seg(t, "", "pid %d", (int)pid);
}

static void print_finding(struct tctx *t, size_t idx, const struct sj_finding *f)
{
	seg(t, t->c->bold, "%zu. ", idx + 1);
	seg(t, sev_colour(t, f->severity), "%s %s", sj_severity_name(f->severity),
	    sj_finding_kind_name(f->kind));
	seg(t, "", ": %s", f->cause ? f->cause : sj_kind_info(f->kind)->short_desc);
	nl(t);
	for (size_t i = 0; i < f->nevidence; i++) {
		seg(t, "", "     ");
		print_who(t, f->evidence[i].pid, f->evidence[i].tid);
		seg(t, "", ": %s", f->evidence[i].text ? f->evidence[i].text : "");
		nl(t);
	}
	for (size_t i = 0; i < f->nedges; i++) {
		const struct sj_edge *e = &f->edges[i];
		seg(t, "", "     wait-for: ");
		print_who(t, e->from_pid, e->from_tid);
		seg(t, "", " -> ");
		print_who(t, e->to_pid, e->to_tid);
		seg(t, "", " via %s", e->via ? e->via : "?");
		nl(t);
	}
	for (size_t i = 0; i < f->nlocations; i++) {
		char loc[1024];
		seg(t, "", "     at %s", sj_location_text(&f->locations[i], loc, sizeof loc));
		nl(t);
	}
	if (f->advice) {
		seg(t, t->c->green, "     advice: ");
		seg(t, "", "%s", f->advice);
		nl(t);
	}
}

static void print_findings(struct tctx *t)
{
	size_t n = rp_nfindings(t->r);
	nl(t);
	seg(t, t->c->bold, "FINDINGS");
	nl(t);
	if (n == 0) {
		seg(t, "", "  none: nothing is proved stuck");
		nl(t);
		return;
	}
	for (size_t i = 0; i < n; i++)
		print_finding(t, i, &t->r->findings->v[i]);
}

/* ---- processes and threads ---- */

static void print_native_frame(struct tctx *t, size_t i, const struct sj_frame *f)
{
	seg(t, t->c->dim, "      #%-2zu ", i);
	if (f->func)
		seg(t, "", "%s+0x%" PRIx64, f->func, f->func_off);
	else
		seg(t, "", "0x%" PRIx64, f->pc);
	if (f->module && f->func)
		seg(t, t->c->dim, " (%s)", sj_basename(f->module));
	else if (f->module)
		seg(t, t->c->dim, " (%s+0x%" PRIx64 ")", sj_basename(f->module), f->module_off);
	if (f->file)
		seg(t, t->c->dim, " %s:%d", sj_basename(f->file), f->line);
	nl(t);
}

static void print_py_frame(struct tctx *t, const struct sj_pyframe *f)
{
	seg(t, "", "      File \"%s\", line %d, in %s", f->file ? f->file : "?", f->line,
	    f->func ? f->func : "?");
	nl(t);
}

static void print_unwind_error(struct tctx *t, const struct sj_thread *th)
{
	if (th->unwind_error) {
		seg(t, t->c->dim, "      (native stack: %s)", th->unwind_error);
		nl(t);
	}
}

/* Python frames in place of the interpreter's eval frames when the two
 * stacks line up; otherwise both lists, one after the other — never a
 * guessed merge (tracer/python/merge.c decides). */
static void print_stack(struct tctx *t, const struct sj_thread *th)
{
	struct sj_merged_frame *m = NULL;
	size_t n = th->npyframes && th->nframes ? sj_python_merge(th, &m) : 0;
	if (n) {
		size_t native = 0;
		for (size_t i = 0; i < n; i++)
			if (m[i].native)
				print_native_frame(t, native++, m[i].native);
			else
				print_py_frame(t, m[i].py);
		free(m);
		print_unwind_error(t, th);
		return;
	}
	for (size_t i = 0; i < th->nframes; i++)
		print_native_frame(t, i, &th->frames[i]);
	print_unwind_error(t, th);
	for (size_t i = 0; i < th->npyframes; i++)
		print_py_frame(t, &th->pyframes[i]);
}

static void print_thread(struct tctx *t, const struct sj_process *p, const struct sj_thread *th)
{
	char w[512];
	seg(t, "", "  thread %d ", (int)th->tid);
	seg(t, t->c->bold, "%s", sj_thread_label(th));
	/* comm too, when it says something the process line did not */
	if (th->py_name && th->name && strcmp(th->py_name, th->name) != 0 &&
	    !(p->comm && strcmp(th->name, p->comm) == 0))
		seg(t, "", " (%s)", th->name);
	seg(t, "", "  %c  ", th->state ? th->state : '?');
	seg(t, th->wait.kind == SJ_WAIT_NONE ? "" : t->c->yellow, "%s",
	    sj_report_wait_text(p, th, w, sizeof w));
	if (th->is_python && th->py_holds_gil)
		seg(t, "", "  [holds the GIL]");
	nl(t);
	print_stack(t, th);
}

static void print_process(struct tctx *t, const struct sj_process *p)
{
	const struct sj_snapshot *s = t->r->snap;
	char st[64], d[32];
	int zombie = p->state == 'Z';

	seg(t, zombie ? t->c->grey : t->c->bold, "pid %d %s", (int)p->pid, p->comm ? p->comm : "?");
	seg(t, "", "  ppid %d, state %c", (int)p->ppid, p->state ? p->state : '?');
	if (p->is_target)
		seg(t, "", ", target");
	if (zombie) {
		seg(t, t->c->grey, ", zombie: %s", sj_wait_status_text(p->exit_status, st, sizeof st));
		if (p->zombie_since_ns && s->taken_mono_ns >= p->zombie_since_ns)
			seg(t, t->c->grey, " for %s",
			    sj_duration_text((int64_t)(s->taken_mono_ns - p->zombie_since_ns), d, sizeof d));
	}
	nl(t);
	if (p->argv && p->argv[0]) {
		seg(t, "", "  argv:");
		for (size_t i = 0; p->argv[i]; i++)
			seg(t, "", " %s", p->argv[i]);
		nl(t);
	}
	if (p->python_version || p->python_note) {
		seg(t, "", "  python %s%s%s", p->python_version ? p->python_version : "",
		    p->python_version && p->python_note ? ": " : "", p->python_note ? p->python_note : "");
		nl(t);
	}
	if (p->capture_error) {
		seg(t, t->c->yellow, "  capture: %s", p->capture_error);
		nl(t);
	}
	if (zombie)
		return;   /* a zombie's threads are gone; its leader line says all */
	for (size_t i = 0; i < p->nthreads; i++)
		print_thread(t, p, &p->threads[i]);
}

static void print_processes(struct tctx *t)
{
	const struct sj_snapshot *s = t->r->snap;
	if (!s)
		return;
	nl(t);
	seg(t, t->c->bold, "PROCESSES");
	nl(t);
	for (size_t i = 0; i < s->nprocs; i++)
		print_process(t, &s->procs[i]);
	for (size_t i = 0; i < s->nnotes; i++) {
		seg(t, t->c->dim, "note: %s", s->notes[i]);
		nl(t);
	}
}

/* ---- journal ---- */

static void print_bt(struct tctx *t, const struct sj_jevent *e)
{
	for (size_t i = 0; i < e->nbt; i++) {
		const struct sj_btframe *f = &e->bt[i];
		seg(t, t->c->dim, "        #%-2zu ", i);
		if (f->func)
			seg(t, "", "%s", f->func);
		else
			seg(t, "", "%s+0x%" PRIx64, f->module ? sj_basename(f->module) : "?", f->off);
		if (f->func && f->module)
			seg(t, t->c->dim, " (%s)", sj_basename(f->module));
		if (f->file)
			seg(t, t->c->dim, " %s:%d", sj_basename(f->file), f->line);
		nl(t);
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

static const char *ev_colour(const struct tctx *t, const struct sj_jevent *e)
{
	if (strcmp(e->ev, "unsafe") == 0 || strcmp(e->ev, "errno") == 0 || strcmp(e->ev, "nested") == 0)
		return t->c->yellow;
	if (strcmp(e->ev, "reap") == 0 && e->sig > 0)
		return t->c->red;
	if (strcmp(e->ev, "inject") == 0)
		return t->c->cyan;
	return "";
}

static void print_event(struct tctx *t, const struct sj_jevent *e, int64_t t0)
{
	char d[1024];
	int64_t rel = e->t_ns - t0;

	seg(t, t->c->dim, "  +%" PRId64 ".%03" PRId64 " s", rel / 1000000000, (rel / 1000000) % 1000);
	seg(t, "", "  pid %-6d ", (int)e->pid);
	seg(t, ev_colour(t, e), "%-12s", e->ev);
	seg(t, "", " %s", rp_jevent_describe(e, d, sizeof d));
	nl(t);
	print_bt(t, e);
}

static void print_journal(struct tctx *t)
{
	const struct sj_journal *j = t->r->journal;
	size_t shown = 0;
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		shown += ev_is_shown(&j->ev[i]);
	nl(t);
	seg(t, t->c->bold, "JOURNAL");
	seg(t, "", " (%zu of %zu records shown", shown, j->n);
	if (j->bad_lines)
		seg(t, t->c->yellow, "; %zu bad line%s skipped", j->bad_lines, j->bad_lines == 1 ? "" : "s");
	seg(t, "", ")");
	nl(t);
	int64_t t0 = j->n ? j->ev[0].t_ns : 0;
	for (size_t i = 0; i < j->n; i++)
		if (j->ev[i].ev && ev_is_shown(&j->ev[i]))
			print_event(t, &j->ev[i], t0);
}

/* ---- summary ---- */

static void print_summary(struct tctx *t)
{
	char s[256];
	int worst = -1;
	for (size_t i = 0; i < rp_nfindings(t->r); i++)
		if ((int)t->r->findings->v[i].severity > worst)
			worst = t->r->findings->v[i].severity;
	nl(t);
	seg(t, worst < 0 ? t->c->green : sev_colour(t, worst), "%s",
	    sj_report_summary(t->r->findings, s, sizeof s));
	nl(t);
}

int sj_render_text(const struct sj_report *r, FILE *out, char *err, size_t errlen)
{
	struct tctx t = { out, r->color ? &ansi : &plain, r };
	print_header(&t);
	print_findings(&t);
	print_processes(&t);
	print_journal(&t);
	print_summary(&t);
	return rp_check_stream(out, "text", err, errlen);
}
