/* analyse.c — the public entry points: build the graph, run every
 * detector, and put the findings in a stable order (kind, then pid, then
 * tid, then text) so that reports and golden files do not depend on the
 * order /proc listed things in; then cause before consequence (explain.c). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static pid_t first_pid(const struct sj_finding *f)
{
	return f->npids ? f->pids[0] : 0;
}

static pid_t first_tid(const struct sj_finding *f)
{
	return f->nevidence ? f->evidence[0].tid : 0;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct sj_finding *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (first_pid(x) != first_pid(y))
		return first_pid(x) < first_pid(y) ? -1 : 1;
	if (first_tid(x) != first_tid(y))
		return first_tid(x) < first_tid(y) ? -1 : 1;
	return strcmp(x->cause ? x->cause : "", y->cause ? y->cause : "");
}

/* Sorts only what this call appended: out may hold earlier findings. */
static void sort_from(struct sj_findings *out, size_t from)
{
	if (out->n - from > 1)
		qsort(out->v + from, out->n - from, sizeof *out->v, cmp_finding);
}

/* On failure, drop what this call appended so the caller sees out as it was. */
static int fail_from(struct sj_findings *out, size_t from)
{
	struct sj_findings tail = { .v = NULL, .n = 0 };
	if (out->n > from) {
		tail.v = malloc((out->n - from) * sizeof *tail.v);
		if (tail.v) {
			memcpy(tail.v, out->v + from, (out->n - from) * sizeof *tail.v);
			tail.n = out->n - from;
			sj_findings_free(&tail);
		}
		out->n = from;
	}
	return -1;
}

/* Cause before consequence among what this call appended (explain.c); the
 * links of earlier findings stay as they were. */
static int explain_from(struct sj_findings *out, size_t from, const struct sj_snapshot *s,
			const struct sj_journal *journal)
{
	struct sj_findings tail = { out->v + from, out->n - from };
	int rc = sj_explain(&tail, s, journal);
	for (size_t k = 0; k < tail.n; k++)
		for (size_t i = 0; i < tail.v[k].nexplained_by; i++)
			tail.v[k].explained_by[i] += from;
	return rc;
}

int sj_analyse(const struct sj_snapshot *s, const struct sj_journal *journal,
	       struct sj_findings *out)
{
	struct sj_graph g;
	size_t from = out->n;
	if (sja_graph_build(s, &g))
		return -1;
	int rc = sja_detect_deadlocks(&g, out);
	if (!rc)
		rc = sja_detect_blocked_pipe_reads(&g, out);
	if (!rc)
		rc = sja_detect_zombies(&g, out);
	if (!rc)
		rc = sja_detect_quiescent(&g, out);
	if (!rc)
		rc = sja_detect_conditional(&g, out);
	if (!rc && journal)
		rc = sja_detect_lost_workers(&g, journal, out);
	if (!rc && journal)
		rc = sja_detect_journal(journal, out);
	sja_graph_free(&g);
	if (rc)
		return fail_from(out, from);
	sort_from(out, from);
	return explain_from(out, from, s, journal);
}

int sj_analyse_journal(const struct sj_journal *journal, struct sj_findings *out)
{
	size_t from = out->n;
	if (!journal)
		return 0;
	if (sja_detect_journal(journal, out))
		return fail_from(out, from);
	sort_from(out, from);
	return explain_from(out, from, NULL, journal);
}
