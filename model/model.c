/* model.c — releasing report-model data and naming its enums. */
#include "model.h"

#include <stdlib.h>

const char *sj_finding_kind_name(enum sj_finding_kind k)
{
	static const char *const names[SJ_FIND_KIND_COUNT] = {
		[SJ_FIND_DEADLOCK] = "deadlock",
		[SJ_FIND_BLOCKED_PIPE_READ] = "blocked-pipe-read",
		[SJ_FIND_ZOMBIE] = "zombie",
		[SJ_FIND_LOST_WORKER] = "lost-worker",
		[SJ_FIND_SIGNAL_UNSAFE] = "signal-unsafe-call",
		[SJ_FIND_ERRNO_CLOBBER] = "errno-clobber",
		[SJ_FIND_NESTED_HANDLER] = "nested-handler",
		[SJ_FIND_INHERITED_HANDLER] = "inherited-handler",
		[SJ_FIND_QUIESCENT] = "quiescent",
	};
	return (unsigned)k < SJ_FIND_KIND_COUNT ? names[k] : "unknown";
}

void sj_finding_free(struct sj_finding *f)
{
	free(f->cause);
	free(f->advice);
	for (size_t i = 0; i < f->nevidence; i++)
		free(f->evidence[i].text);
	free(f->evidence);
	for (size_t i = 0; i < f->nedges; i++)
		free(f->edges[i].via);
	free(f->edges);
	for (size_t i = 0; i < f->nlocations; i++) {
		free(f->locations[i].file);
		free(f->locations[i].func);
	}
	free(f->locations);
	free(f->pids);
	free(f->pipes);
}

void sj_findings_free(struct sj_findings *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		sj_finding_free(&f->v[i]);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

static void free_event(struct sj_jevent *e)
{
	free(e->ev);
	free(e->comm);
	free(e->hook);
	free(e->func);
	free(e->action);
	free(e->fdkind);
	free(e->status);
	free(e->call);
	free(e->at);
	free(e->target);
	for (size_t i = 0; i < e->nbt; i++) {
		free(e->bt[i].module);
		free(e->bt[i].func);
		free(e->bt[i].file);
	}
	free(e->bt);
	free(e->line);
}

void sj_journal_free(struct sj_journal *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		free_event(&j->ev[i]);
	free(j->ev);
	j->ev = NULL;
	j->n = 0;
}
