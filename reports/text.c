/* text.c — the report for people: the verdict (one sentence per root
 * cause), then the findings, cause before consequence, then the process
 * tree with every thread's wait and stacks, then the journal, then one
 * summary line.  Colours only when r->color (the CLI decides from isatty
 * and NO_COLOR); no line wider than RP_MAX_WIDTH (textout.c). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pystack.h"
#include "textout.h"

#define MAX_VERDICTS 5   /* root causes named at the top; the rest in FINDINGS */

/* ---- verdict ---- */

/* "assuming no process outside the tree connects to /tmp/x": what a
 * proof takes for granted, right under the sentence it qualifies. */
static void print_assumptions(struct rp_text *t, const struct sj_finding *f, size_t indent)
{
	for (size_t i = 0; i < f->nassumptions; i++) {
		rp_prose(t, indent);
		rp_seg(t, "", "%*sassuming %s", (int)indent - 2, "", f->assumptions[i]);
		rp_nl(t);
	}
}

/* The assumptions of a root cause and of what it explains directly. */
static void print_root_assumptions(struct rp_text *t, const struct sj_findings *fs, size_t root)
{
	print_assumptions(t, &fs->v[root], 4);
	for (size_t k = 0; k < fs->n; k++)
		for (size_t i = 0; k != root && i < fs->v[k].nexplained_by; i++)
			if (fs->v[k].explained_by[i] == root)
				print_assumptions(t, &fs->v[k], 4);
}

/* The first lines: one sentence per root cause (analysis/verdict.c), most
 * telling first, then a blank line. */
static void print_verdicts(struct rp_text *t)
{
	const struct sj_findings *fs = t->r->findings;
	size_t shown = 0, roots = 0;
	for (size_t k = 0; fs && k < fs->n; k++) {
		const struct sj_finding *f = &fs->v[k];
		if (!f->verdict)
			continue;
		if (roots++ >= MAX_VERDICTS)
			continue;
		rp_prose(t, 4);
		rp_seg(t, rp_sev_colour(t, f->severity), "verdict:");
		rp_seg(t, "", " %s (finding %zu)", f->verdict, k + 1);
		rp_nl(t);
		print_root_assumptions(t, fs, k);
		shown++;
	}
	if (roots > shown) {
		rp_seg(t, "", "verdict: and %zu more root causes, below", roots - shown);
		rp_nl(t);
	}
	if (roots)
		rp_nl(t);
}

/* ---- header ---- */

static size_t count_threads(const struct sj_snapshot *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nprocs; i++)
		n += s->procs[i].nthreads;
	return n;
}

static void print_header(struct rp_text *t)
{
	const struct sj_report *r = t->r;
	char a[32], b[32], c[32];

	rp_seg(t, t->c->bold, "sigjam report");
	if (r->command)
		rp_seg(t, "", ": %s", r->command);
	rp_nl(t);
	if (!r->snap) {
		rp_seg(t, "", r->journal ? "no snapshot (journal only)" : "nothing captured: no snapshot, no journal");
		rp_nl(t);
		return;
	}
	size_t nt = count_threads(r->snap);
	rp_seg(t, "", "snapshot: %zu process%s, %zu thread%s; capture took %s, threads stopped at most %s (%s in total)",
	    r->snap->nprocs, r->snap->nprocs == 1 ? "" : "es", nt, nt == 1 ? "" : "s",
	    sj_duration_text(r->snap->capture_ns, a, sizeof a),
	    sj_duration_text(r->snap->max_stop_ns, b, sizeof b),
	    sj_duration_text(r->snap->total_stop_ns, c, sizeof c));
	rp_nl(t);
}

/* ---- findings ---- */

static void print_who(struct rp_text *t, pid_t pid, pid_t tid)
{
	if (tid && tid != pid)
		rp_seg(t, "", "pid %d thread %d", (int)pid, (int)tid);
	else if (tid)
		rp_seg(t, "", "pid %d main thread", (int)pid);
	else
		rp_seg(t, "", "pid %d", (int)pid);
}

/* " (because of 1 and 3)" for a consequence, " (root cause)" for a root
 * cause that explains others, nothing for a finding that stands alone. */
static void print_links(struct rp_text *t, size_t idx, const struct sj_finding *f)
{
	if (f->nexplained_by) {
		rp_seg(t, "", " (because of ");
		for (size_t i = 0; i < f->nexplained_by; i++)
			rp_seg(t, "", "%s%zu", i == 0 ? "" : i + 1 == f->nexplained_by ? " and " : ", ",
			       f->explained_by[i] + 1);
		rp_seg(t, "", ")");
		return;
	}
	const struct sj_findings *fs = t->r->findings;
	for (size_t k = 0; k < fs->n; k++)
		for (size_t i = 0; i < fs->v[k].nexplained_by; i++)
			if (fs->v[k].explained_by[i] == idx) {
				rp_seg(t, t->c->bold, " (root cause)");
				return;
			}
}

/* One line per source location, with the number of the finding's threads
 * standing there: "at pool.py:576 in _handle_results (3 threads)". */
static void print_locations(struct rp_text *t, const struct sj_finding *f)
{
	for (size_t i = 0; i < f->nlocations; i++) {
		char loc[1024];
		rp_seg(t, "", "     at %s", sj_location_text(&f->locations[i], loc, sizeof loc));
		if (f->locations[i].count > 1)
			rp_seg(t, "", " (%u threads)", f->locations[i].count);
		rp_nl(t);
	}
}

/* The proof edge by edge with --verbose; otherwise how many there are. */
static void print_edges(struct rp_text *t, const struct sj_finding *f)
{
	if (!f->nedges)
		return;
	if (!t->r->verbose) {
		rp_seg(t, t->c->dim, "     (%zu wait-for edge%s: --verbose lists %s)", f->nedges,
		       f->nedges == 1 ? "" : "s", f->nedges == 1 ? "it" : "them");
		rp_nl(t);
		return;
	}
	for (size_t i = 0; i < f->nedges; i++) {
		const struct sj_edge *e = &f->edges[i];
		rp_seg(t, "", "     wait-for: ");
		print_who(t, e->from_pid, e->from_tid);
		rp_seg(t, "", " -> ");
		print_who(t, e->to_pid, e->to_tid);
		rp_seg(t, "", " via %s", e->via ? e->via : "?");
		rp_nl(t);
	}
}

static void print_finding(struct rp_text *t, size_t idx, const struct sj_finding *f)
{
	char num[32];
	int w = snprintf(num, sizeof num, "%zu. ", idx + 1);
	rp_prose(t, w > 0 ? (size_t)w : 0);
	rp_seg(t, t->c->bold, "%s", num);
	rp_seg(t, rp_sev_colour(t, f->severity), "%s %s", sj_severity_name(f->severity),
	    sj_finding_kind_name(f->kind));
	print_links(t, idx, f);
	rp_seg(t, "", ": %s", f->cause ? f->cause : sj_kind_info(f->kind)->short_desc);
	rp_nl(t);
	print_assumptions(t, f, 7);
	for (size_t i = 0; i < f->nevidence; i++) {
		rp_prose(t, 7);
		rp_seg(t, "", "     ");
		print_who(t, f->evidence[i].pid, f->evidence[i].tid);
		rp_seg(t, "", ": %s", f->evidence[i].text ? f->evidence[i].text : "");
		rp_nl(t);
	}
	print_edges(t, f);
	print_locations(t, f);
	if (f->advice) {
		rp_prose(t, 7);
		rp_seg(t, t->c->green, "     advice: ");
		rp_seg(t, "", "%s", f->advice);
		rp_nl(t);
	}
}

static void print_findings(struct rp_text *t)
{
	size_t n = rp_nfindings(t->r);
	rp_nl(t);
	rp_seg(t, t->c->bold, "FINDINGS");
	rp_nl(t);
	if (n == 0) {
		rp_seg(t, "", "  none: nothing is proved stuck");
		rp_nl(t);
		return;
	}
	for (size_t i = 0; i < n; i++)
		print_finding(t, i, &t->r->findings->v[i]);
}

/* ---- processes and threads ---- */

static void print_native_frame(struct rp_text *t, size_t i, const struct sj_frame *f)
{
	rp_seg(t, t->c->dim, "      #%-2zu ", i);
	if (f->func)
		rp_seg(t, "", "%s+0x%" PRIx64, f->func, f->func_off);
	else
		rp_seg(t, "", "0x%" PRIx64, f->pc);
	if (f->module && f->func)
		rp_seg(t, t->c->dim, " (%s)", sj_basename(f->module));
	else if (f->module)
		rp_seg(t, t->c->dim, " (%s+0x%" PRIx64 ")", sj_basename(f->module), f->module_off);
	if (f->file)
		rp_seg(t, t->c->dim, " %s:%d", sj_basename(f->file), f->line);
	rp_nl(t);
}

static void print_py_frame(struct rp_text *t, const struct sj_pyframe *f)
{
	rp_seg(t, "", "      File \"%s\", line %d, in %s", f->file ? f->file : "?", f->line,
	    f->func ? f->func : "?");
	rp_nl(t);
}

static void print_unwind_error(struct rp_text *t, const struct sj_thread *th)
{
	if (th->unwind_error) {
		rp_seg(t, t->c->dim, "      (native stack: %s)", th->unwind_error);
		rp_nl(t);
	}
}

/* Python frames in place of the interpreter's eval frames when the two
 * stacks line up; otherwise both lists, one after the other — never a
 * guessed merge (tracer/python/merge.c decides). */
static void print_stack(struct rp_text *t, const struct sj_thread *th)
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

static void print_thread(struct rp_text *t, const struct sj_process *p, const struct sj_thread *th)
{
	char w[512];
	rp_seg(t, "", "  thread %d ", (int)th->tid);
	rp_seg(t, t->c->bold, "%s", sj_thread_label(th));
	/* comm too, when it says something the process line did not */
	if (th->py_name && th->name && strcmp(th->py_name, th->name) != 0 &&
	    !(p->comm && strcmp(th->name, p->comm) == 0))
		rp_seg(t, "", " (%s)", th->name);
	rp_seg(t, "", "  %c  ", th->state ? th->state : '?');
	rp_seg(t, th->wait.kind == SJ_WAIT_NONE ? "" : t->c->yellow, "%s",
	    sj_report_wait_text(p, th, w, sizeof w));
	if (th->is_python && th->py_holds_gil)
		rp_seg(t, "", "  [holds the GIL]");
	rp_nl(t);
	rp_print_wait_facts(t, p, th);
	print_stack(t, th);
}

/* A process in a pid namespace of its own (a container) is known by
 * another pid inside it: show both. */
static void print_ns_pid(struct rp_text *t, const struct sj_process *p)
{
	if (p->ns_pid > 0)
		rp_seg(t, "", " (pid %d in its pid namespace)", (int)p->ns_pid);
}

static void print_process(struct rp_text *t, const struct sj_process *p)
{
	const struct sj_snapshot *s = t->r->snap;
	char st[64], d[32];
	int zombie = p->state == 'Z';

	rp_seg(t, zombie ? t->c->grey : t->c->bold, "pid %d %s", (int)p->pid, p->comm ? p->comm : "?");
	print_ns_pid(t, p);
	rp_seg(t, "", "  ppid %d, state %c", (int)p->ppid, p->state ? p->state : '?');
	if (p->is_target)
		rp_seg(t, "", ", target");
	if (zombie) {
		rp_seg(t, t->c->grey, ", zombie: %s", sj_wait_status_text(p->exit_status, st, sizeof st));
		if (p->zombie_since_ns && s->taken_mono_ns >= p->zombie_since_ns)
			rp_seg(t, t->c->grey, " for %s",
			    sj_duration_text((int64_t)(s->taken_mono_ns - p->zombie_since_ns), d, sizeof d));
	}
	rp_nl(t);
	if (p->argv && p->argv[0]) {
		rp_prose(t, 8);
		rp_seg(t, "", "  argv:");
		for (size_t i = 0; p->argv[i]; i++)
			rp_seg(t, "", " %s", p->argv[i]);
		rp_nl(t);
	}
	if (p->python_version || p->python_note) {
		rp_seg(t, "", "  python %s%s%s", p->python_version ? p->python_version : "",
		    p->python_version && p->python_note ? ": " : "", p->python_note ? p->python_note : "");
		rp_nl(t);
	}
	if (p->capture_error) {
		rp_seg(t, t->c->yellow, "  capture: %s", p->capture_error);
		rp_nl(t);
	}
	if (zombie)
		return;   /* a zombie's threads are gone; its leader line says all */
	rp_print_held_locks(t, p);
	for (size_t i = 0; i < p->nthreads; i++)
		print_thread(t, p, &p->threads[i]);
}

static void print_processes(struct rp_text *t)
{
	const struct sj_snapshot *s = t->r->snap;
	if (!s)
		return;
	rp_nl(t);
	rp_seg(t, t->c->bold, "PROCESSES");
	rp_nl(t);
	for (size_t i = 0; i < s->nprocs; i++)
		print_process(t, &s->procs[i]);
	for (size_t i = 0; i < s->nnotes; i++) {
		rp_seg(t, t->c->dim, "note: %s", s->notes[i]);
		rp_nl(t);
	}
}

/* ---- summary ---- */

static void print_summary(struct rp_text *t)
{
	char s[256];
	int worst = -1;
	for (size_t i = 0; i < rp_nfindings(t->r); i++)
		if ((int)t->r->findings->v[i].severity > worst)
			worst = t->r->findings->v[i].severity;
	rp_nl(t);
	rp_seg(t, worst < 0 ? t->c->green : rp_sev_colour(t, worst), "%s",
	    sj_report_summary(t->r->findings, s, sizeof s));
	rp_nl(t);
}

int sj_render_text(const struct sj_report *r, FILE *out, char *err, size_t errlen)
{
	struct rp_text t;
	rp_text_init(&t, out, r);
	print_verdicts(&t);
	print_header(&t);
	print_findings(&t);
	print_processes(&t);
	rp_print_journal(&t);
	print_summary(&t);
	return rp_check_stream(out, "text", err, errlen);
}
