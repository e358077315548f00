/* model.c — the finding kinds (kinds.def) and releasing findings. */
#include "model.h"

#include <stdlib.h>

static const struct sj_kind_info kinds[SJ_FIND_KIND_COUNT] = {
#define SJ_KIND(e, name, sev, title, short_desc, full_desc, help) \
	[SJ_FIND_##e] = { name, sev, title, short_desc, full_desc, help },
#include "kinds.def"
#undef SJ_KIND
};

const struct sj_kind_info *sj_kind_info(enum sj_finding_kind k)
{
	static const struct sj_kind_info unknown = {
		"unknown", SJ_SEV_WARNING, "Unknown finding",
		"A finding of a kind this version does not know.",
		"A finding of a kind this version does not know.", "Upgrade sigjam.",
	};
	return (unsigned)k < SJ_FIND_KIND_COUNT ? &kinds[k] : &unknown;
}

const char *sj_finding_kind_name(enum sj_finding_kind k)
{
	return sj_kind_info(k)->name;
}

const char *sj_severity_name(enum sj_severity s)
{
	static const char *const names[] = {
		[SJ_SEV_NOTE] = "note", [SJ_SEV_WARNING] = "warning", [SJ_SEV_ERROR] = "error",
	};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "warning";
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
	free(f->records);
	free(f->explained_by);
	free(f->verdict);
	for (size_t i = 0; i < f->nassumptions; i++)
		free(f->assumptions[i]);
	free(f->assumptions);
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

