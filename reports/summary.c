/* summary.c — the findings of a report counted: "2 findings: 1 deadlock,
 * 1 blocked-pipe-read". */
#include "internal.h"

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
