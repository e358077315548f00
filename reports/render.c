/* render.c — the table of renderers: one row per output format. */
#include "internal.h"

#include <string.h>

static const struct sj_renderer renderers[] = {
	{ "text",  sj_render_text,  "txt",   "for people: findings, processes, threads, stacks, journal" },
	{ "json",  sj_render_json,  "json",  "everything, versioned (schema " SJ_REPORT_SCHEMA ")" },
	{ "junit", sj_render_junit, "xml",   "JUnit XML: one failing testcase per finding, for CI" },
	{ "sarif", sj_render_sarif, "sarif", "SARIF 2.1.0 for code-scanning dashboards" },
	{ "dot",   sj_render_dot,   "dot",   "the wait-for graph as Graphviz DOT" },
	{ "svg",   sj_render_svg,   "svg",   "the wait-for graph drawn by Graphviz (needs `dot`)" },
};

const struct sj_renderer *sj_renderers(size_t *n)
{
	*n = sizeof renderers / sizeof renderers[0];
	return renderers;
}

const struct sj_renderer *sj_renderer_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof renderers / sizeof renderers[0]; i++)
		if (strcmp(renderers[i].name, name) == 0)
			return &renderers[i];
	return NULL;
}
