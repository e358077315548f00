/* render.c — the table of renderers (one row per output format) and what
 * every renderer does: count findings, summarize them, fail in one line. */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
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

size_t rp_nfindings(const struct sj_report *r)
{
	return r->findings ? r->findings->n : 0;
}

const char *sj_report_summary(const struct sj_findings *f, char *buf, size_t len)
{
	struct sj_tbuf b;
	size_t count[SJ_FIND_KIND_COUNT] = { 0 }, other = 0, n = f ? f->n : 0;

	sj_tbuf_init(&b, buf, len);
	if (n == 0) {
		sj_tbuf_printf(&b, "no findings");
		return buf;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)f->v[i].kind < SJ_FIND_KIND_COUNT)
			count[f->v[i].kind]++;
		else
			other++;
	}
	sj_tbuf_printf(&b, "%zu finding%s:", n, n == 1 ? "" : "s");
	const char *sep = " ";
	for (int k = 0; k < SJ_FIND_KIND_COUNT; k++) {
		if (!count[k])
			continue;
		sj_tbuf_printf(&b, "%s%zu %s", sep, count[k], sj_finding_kind_name(k));
		sep = ", ";
	}
	if (other)
		sj_tbuf_printf(&b, "%s%zu unknown", sep, other);
	return buf;
}

int rp_fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int rp_check_stream(FILE *out, const char *what, char *err, size_t errlen)
{
	if (fflush(out) != 0 || ferror(out))
		return rp_fail(err, errlen, "%s report: writing the output failed: %s", what,
			       strerror(errno ? errno : EIO));
	return 0;
}
