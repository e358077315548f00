/* explain.c — which finding explains which, the order to tell them in, and
 * the journal records behind each.
 *
 * Findings are tied by facts of the model only — a pid both name, a pipe
 * both wait on, the thread a handler ran on — never by names a program
 * gave: a worker lost while its parent waits explains the knot that parent
 * is in; the knot explains a blocked read on one of its pipes and a zombie
 * its stuck parent cannot reap; an async-signal-unsafe call explains the
 * knot of the thread it ran on.  A root cause is a finding nothing else
 * explains.  The order is cause before consequence: each root, then what
 * it explains, depth first, a consequence once all its causes are told. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))
#define MAX_LINKED 2048   /* findings linked at most (n * n bytes twice) */

/* ---- facts ---- */

static int has_pid(const struct sj_finding *f, pid_t pid)
{
	for (size_t i = 0; i < f->npids; i++)
		if (f->pids[i] == pid)
			return 1;
	return 0;
}

static int has_pipe(const struct sj_finding *f, uint64_t inode)
{
	for (size_t i = 0; i < f->npipes; i++)
		if (f->pipes[i] == inode)
			return 1;
	return 0;
}

/* Finding b is about thread tid of pid: one of its evidence lines names
 * that thread or the whole process; or, when none names pid at all, b
 * involves pid as a whole (a quiescent tree lists only its unresolved
 * threads).  tid 0: any thread of pid. */
static int about_thread(const struct sj_finding *b, pid_t pid, pid_t tid)
{
	int named = 0;
	for (size_t i = 0; i < b->nevidence; i++) {
		const struct sj_evidence *e = &b->evidence[i];
		if (e->pid != pid)
			continue;
		named = 1;
		if (e->tid == tid || e->tid == 0 || tid == 0)
			return 1;
	}
	return !named && has_pid(b, pid);
}

struct ctx {
	const struct sj_snapshot *s;
	const struct sj_journal *j;
};

/* A process both name is alive: the parent a lost worker left waiting, or
 * the parent of a zombie, is one the other finding has stuck. */
static int tie_live_pid(const struct ctx *c, const struct sj_finding *a, const struct sj_finding *b)
{
	for (size_t i = 0; i < a->npids; i++)
		if (sja_pid_alive(c->s, a->pids[i]) && has_pid(b, a->pids[i]))
			return 1;
	return 0;
}

/* Both wait on one pipe in one live process: the blocked read is a strand
 * of the knot. */
static int tie_pipe(const struct ctx *c, const struct sj_finding *a, const struct sj_finding *b)
{
	for (size_t i = 0; i < b->npipes; i++)
		if (has_pipe(a, b->pipes[i]))
			return tie_live_pid(c, a, b);
	return 0;
}

/* The thread a handler ran on (its records say which), or the process that
 * inherited a disposition, is one b finds stuck or dead. */
static int tie_actor(const struct ctx *c, const struct sj_finding *a, const struct sj_finding *b)
{
	int recorded = 0;
	for (size_t i = 0; c->j && i < a->nrecords; i++) {
		if (a->records[i] >= c->j->n)
			continue;
		const struct sj_jevent *e = &c->j->ev[a->records[i]];
		recorded = 1;
		if (about_thread(b, e->pid, e->tid))
			return 1;
	}
	for (size_t i = 0; !recorded && i < a->nevidence; i++)
		if (a->evidence[i].pid > 0 && about_thread(b, a->evidence[i].pid, a->evidence[i].tid))
			return 1;
	return 0;
}

/* Which kind of finding may explain which, and the fact that must tie the
 * two.  Every row goes from an event (a handler, a death) towards the
 * state it left (a knot, a blocked read, a zombie), so the links never
 * form a cycle (tests/analysis/test_explain.c checks the table). */
static const struct rule {
	enum sj_finding_kind from, to;
	int (*tie)(const struct ctx *c, const struct sj_finding *a, const struct sj_finding *b);
} rules[] = {
	{ SJ_FIND_SIGNAL_UNSAFE, SJ_FIND_DEADLOCK, tie_actor },
	{ SJ_FIND_SIGNAL_UNSAFE, SJ_FIND_QUIESCENT, tie_actor },
	{ SJ_FIND_SIGNAL_UNSAFE, SJ_FIND_BLOCKED_PIPE_READ, tie_actor },
	{ SJ_FIND_ERRNO_CLOBBER, SJ_FIND_DEADLOCK, tie_actor },
	{ SJ_FIND_ERRNO_CLOBBER, SJ_FIND_QUIESCENT, tie_actor },
	{ SJ_FIND_ERRNO_CLOBBER, SJ_FIND_BLOCKED_PIPE_READ, tie_actor },
	{ SJ_FIND_NESTED_HANDLER, SJ_FIND_DEADLOCK, tie_actor },
	{ SJ_FIND_NESTED_HANDLER, SJ_FIND_QUIESCENT, tie_actor },
	{ SJ_FIND_NESTED_HANDLER, SJ_FIND_BLOCKED_PIPE_READ, tie_actor },
	{ SJ_FIND_INHERITED_HANDLER, SJ_FIND_DEADLOCK, tie_actor },
	{ SJ_FIND_INHERITED_HANDLER, SJ_FIND_QUIESCENT, tie_actor },
	{ SJ_FIND_INHERITED_HANDLER, SJ_FIND_BLOCKED_PIPE_READ, tie_actor },
	{ SJ_FIND_INHERITED_HANDLER, SJ_FIND_LOST_WORKER, tie_actor },
	{ SJ_FIND_LOST_WORKER, SJ_FIND_DEADLOCK, tie_live_pid },
	{ SJ_FIND_LOST_WORKER, SJ_FIND_QUIESCENT, tie_live_pid },
	{ SJ_FIND_LOST_WORKER, SJ_FIND_BLOCKED_PIPE_READ, tie_live_pid },
	{ SJ_FIND_LOST_WORKER, SJ_FIND_ZOMBIE, tie_live_pid },
	{ SJ_FIND_DEADLOCK, SJ_FIND_BLOCKED_PIPE_READ, tie_pipe },
	{ SJ_FIND_DEADLOCK, SJ_FIND_ZOMBIE, tie_live_pid },
	{ SJ_FIND_QUIESCENT, SJ_FIND_ZOMBIE, tie_live_pid },
};

int sj_explain_rule(size_t i, enum sj_finding_kind *from, enum sj_finding_kind *to)
{
	if (i >= NROWS(rules))
		return 0;
	*from = rules[i].from;
	*to = rules[i].to;
	return 1;
}

static int explains(const struct ctx *c, const struct sj_finding *a, const struct sj_finding *b)
{
	for (size_t i = 0; i < NROWS(rules); i++)
		if (rules[i].from == a->kind && rules[i].to == b->kind)
			return rules[i].tie(c, a, b);
	return 0;
}

/* ---- the journal records behind a finding ---- */

/* What was done to a process (an injection in it or aimed at it, a signal
 * sent to it) and how a process ended (an abnormal reap, its exit) explain
 * any finding that names it; the detectors already named the records they
 * read. */
static int record_about(const struct ctx *c, const struct sj_jevent *e, const struct sj_finding *f)
{
	if (!e->ev)
		return 0;
	if (!strcmp(e->ev, "inject"))
		return has_pid(f, e->pid) || (e->target_pid > 0 && has_pid(f, (pid_t)e->target_pid));
	if (!strcmp(e->ev, "kill"))
		return e->sig > 0 && e->target_pid > 0 && has_pid(f, (pid_t)e->target_pid);
	if (!strcmp(e->ev, "reap"))
		return (e->sig > 0 || e->code > 0) && has_pid(f, e->child);
	if (!strcmp(e->ev, "exit"))
		return has_pid(f, e->pid) && (e->code > 0 || (c->s && !sja_pid_alive(c->s, e->pid)));
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

static int add_records(const struct ctx *c, struct sj_finding *f)
{
	size_t extra = 0;
	for (size_t i = 0; i < c->j->n; i++)
		extra += record_about(c, &c->j->ev[i], f);
	if (!extra)
		return 0;
	size_t *v = realloc(f->records, (f->nrecords + extra) * sizeof *v);
	if (!v)
		return -1;
	f->records = v;
	size_t n = f->nrecords;
	for (size_t i = 0; i < c->j->n; i++) {
		if (!record_about(c, &c->j->ev[i], f))
			continue;
		size_t k = 0;
		while (k < f->nrecords && v[k] != i)
			k++;
		if (k == f->nrecords)
			v[n++] = i;
	}
	f->nrecords = n;
	qsort(v, n, sizeof *v, cmp_size);
	return 0;
}

/* ---- the graph of explanations (a DAG; n is small) ---- */

struct dag {
	size_t n;
	unsigned char *edge;   /* edge[a * n + b]: a explains b */
};

static int dag_has(const struct dag *d, size_t a, size_t b)
{
	return d->edge[a * d->n + b];
}

static size_t indegree(const struct dag *d, size_t b)
{
	size_t k = 0;
	for (size_t a = 0; a < d->n; a++)
		k += dag_has(d, a, b);
	return k;
}

/* Some topological order (Kahn's, lowest index first).  Should a cycle ever
 * appear, its lowest node loses its incoming links so the order exists. */
static void topo_order(struct dag *d, size_t *order, size_t *indeg, unsigned char *done)
{
	for (size_t b = 0; b < d->n; b++)
		indeg[b] = indegree(d, b);
	for (size_t k = 0; k < d->n; k++) {
		size_t v = d->n;
		for (size_t b = 0; b < d->n && v == d->n; b++)
			if (!done[b] && indeg[b] == 0)
				v = b;
		for (size_t b = 0; v == d->n && b < d->n; b++)
			if (!done[b]) {
				v = b;
				for (size_t a = 0; a < d->n; a++)
					d->edge[a * d->n + v] = 0;
			}
		done[v] = 1;
		order[k] = v;
		for (size_t b = 0; b < d->n; b++)
			if (dag_has(d, v, b))
				indeg[b]--;
	}
}

/* Drops a -> b when a also explains b through another finding: "the lost
 * worker explains the knot, the knot the blocked read" says it once. */
static int reduce(struct dag *d)
{
	size_t n = d->n;
	size_t *order = malloc(n * sizeof *order), *indeg = malloc(n * sizeof *indeg);
	unsigned char *done = calloc(n, 1), *reach = calloc(n * n, 1);
	int rc = order && indeg && done && reach ? 0 : -1;
	if (!rc) {
		topo_order(d, order, indeg, done);
		/* reach[v * n + w]: w is reachable from v by one link or more */
		for (size_t k = n; k-- > 0;) {
			size_t v = order[k];
			for (size_t c = 0; c < n; c++)
				if (dag_has(d, v, c)) {
					reach[v * n + c] = 1;
					for (size_t w = 0; w < n; w++)
						reach[v * n + w] |= reach[c * n + w];
				}
		}
		for (size_t a = 0; a < n; a++)
			for (size_t b = 0; b < n; b++)
				for (size_t c = 0; dag_has(d, a, b) && c < n; c++)
					if (c != b && dag_has(d, a, c) && reach[c * n + b])
						d->edge[a * n + b] = 0;
	}
	free(order);
	free(indeg);
	free(done);
	free(reach);
	return rc;
}

/* ---- the order ---- */

struct placer {
	const struct dag *d;
	const struct sj_findings *f;
	unsigned char *placed;
	size_t *order, k;
	size_t *indeg, *outdeg;   /* links into and out of each finding */
};

static int causes_told(const struct placer *p, size_t b)
{
	for (size_t a = 0; a < p->d->n; a++)
		if (dag_has(p->d, a, b) && !p->placed[a])
			return 0;
	return 1;
}

static void place(struct placer *p, size_t v)
{
	p->placed[v] = 1;
	p->order[p->k++] = v;
	for (size_t c = 0; c < p->d->n; c++)
		if (dag_has(p->d, v, c) && !p->placed[c] && causes_told(p, c))
			place(p, c);
}

/* Roots that led somewhere come first, then the more severe, then the
 * analysis's own stable order. */
static int root_before(const struct placer *p, size_t a, size_t b)
{
	int ea = p->outdeg[a] > 0, eb = p->outdeg[b] > 0;
	if (ea != eb)
		return ea > eb;
	enum sj_severity sa = p->f->v[a].severity, sb = p->f->v[b].severity;
	if (sa != sb)
		return sa > sb;
	return a < b;
}

static void order_findings(struct placer *p)
{
	size_t n = p->d->n;
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++)
			if (dag_has(p->d, a, b)) {
				p->outdeg[a]++;
				p->indeg[b]++;
			}
	for (;;) {
		size_t best = n;
		for (size_t v = 0; v < n; v++)
			if (!p->placed[v] && p->indeg[v] == 0 && (best == n || root_before(p, v, best)))
				best = v;
		if (best == n)
			break;
		place(p, best);
	}
	for (size_t v = 0; v < n; v++)   /* unreachable in a DAG; keeps every finding */
		if (!p->placed[v])
			place(p, v);
}

/* ---- putting it together ---- */

static void clear_links(struct sj_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct sj_finding *f = &fs->v[i];
		free(f->explained_by);
		free(f->verdict);
		f->explained_by = NULL;
		f->nexplained_by = 0;
		f->verdict = NULL;
	}
}

/* Puts fs in the new order, with explained_by in new indices. */
static int apply(struct sj_findings *fs, const struct dag *d, const size_t *order)
{
	size_t n = fs->n;
	size_t *newidx = malloc(n * sizeof *newidx);
	struct sj_finding *v = malloc(n * sizeof *v);
	if (!newidx || !v) {
		free(newidx);
		free(v);
		return -1;
	}
	for (size_t k = 0; k < n; k++)
		newidx[order[k]] = k;
	int rc = 0;
	for (size_t k = 0; k < n; k++) {
		size_t old = order[k];
		v[k] = fs->v[old];
		size_t m = indegree(d, old);
		if (!m || rc)
			continue;
		v[k].explained_by = malloc(m * sizeof *v[k].explained_by);
		if (!v[k].explained_by) {
			rc = -1;
			continue;
		}
		for (size_t a = 0; a < n; a++)
			if (dag_has(d, a, old))
				v[k].explained_by[v[k].nexplained_by++] = newidx[a];
		qsort(v[k].explained_by, m, sizeof *v[k].explained_by, cmp_size);
	}
	memcpy(fs->v, v, n * sizeof *v);   /* in place: fs may be a view into a longer array */
	free(v);
	free(newidx);
	return rc;
}

static int write_verdicts(struct sj_findings *fs, const struct ctx *c)
{
	for (size_t k = 0; k < fs->n; k++) {
		struct sj_finding *f = &fs->v[k];
		if (f->nexplained_by)
			continue;
		f->verdict = sja_verdict(fs, k, c->s, c->j);
		if (!f->verdict)
			return -1;
	}
	return 0;
}

int sj_explain(struct sj_findings *fs, const struct sj_snapshot *s, const struct sj_journal *j)
{
	struct ctx c = { s, j };
	size_t n = fs->n;
	clear_links(fs);
	if (!n)
		return 0;
	for (size_t i = 0; j && i < n; i++)
		if (add_records(&c, &fs->v[i]))
			return -1;
	/* The links cost n * n bytes: past MAX_LINKED findings each stands
	 * alone, in the analysis's order. */
	int link = n <= MAX_LINKED;
	struct dag d = { n, calloc(link ? n * n : 1, 1) };
	unsigned char *placed = calloc(n, 1);
	size_t *order = malloc(n * sizeof *order), *deg = calloc(2 * n, sizeof *deg);
	int rc = d.edge && placed && order && deg ? 0 : -1;
	for (size_t a = 0; !rc && link && a < n; a++)
		for (size_t b = 0; b < n; b++)
			d.edge[a * n + b] = a != b && explains(&c, &fs->v[a], &fs->v[b]);
	if (!rc && link)
		rc = reduce(&d);
	if (!rc && link) {
		struct placer p = { &d, fs, placed, order, 0, deg, deg + n };
		order_findings(&p);
		rc = apply(fs, &d, order);
	}
	if (!rc)
		rc = write_verdicts(fs, &c);
	if (rc)
		clear_links(fs);
	free(d.edge);
	free(placed);
	free(order);
	free(deg);
	return rc;
}
