/* junit.c — JUnit XML (the Ant/Jenkins shape that GitHub, GitLab and
 * Jenkins read): one <testcase> per finding, classname "sigjam.<kind>";
 * errors and warnings fail with the evidence as the <failure> body, notes
 * pass with their text in <system-out>.  No findings: one passing
 * "sigjam.no-findings" testcase, so CI shows that sigjam ran. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* Writes s escaped for XML.  XML 1.0 cannot carry most control characters
 * at all (not even as &#N;), so they and invalid UTF-8 become U+FFFD.  In
 * attribute values (attr) tab and newlines are written as character
 * references because attribute-value normalisation would turn them into
 * spaces; in element text they stay as they are. */
static const char *xml_escape(long cp, int attr)
{
	switch (cp) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&apos;";
	case '\t': return attr ? "&#9;" : NULL;
	case '\n': return attr ? "&#10;" : NULL;
	case '\r': return "&#13;";
	}
	return cp < 0x20 || cp == 0xfffe || cp == 0xffff ? "\xef\xbf\xbd" : NULL;
}

static void xml_esc(FILE *out, const char *s, int attr)
{
	rp_put_escaped(out, s, xml_escape, attr);
}

static void xml_attr(FILE *out, const char *s)
{
	xml_esc(out, s, 1);
}

/* printf into a temporary string, then escape it as element text.  Only
 * for text: markup must be written with fputs/fprintf. */
__attribute__((format(printf, 2, 3)))
static void xml_text(FILE *out, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n >= 0)
		xml_esc(out, s, 0);
	free(s);
}

/* A testcase name: the cause up to its first clause break, at most
 * NAME_MAX_BYTES, cut at a space and never inside a UTF-8 sequence. */
#define NAME_MAX_BYTES 100
static void short_cause(const char *cause, char *buf, size_t len)
{
	size_t n = strcspn(cause, ";\n");
	const char *dot = strstr(cause, ". ");
	if (dot && (size_t)(dot - cause) < n)
		n = (size_t)(dot - cause);
	if (n > NAME_MAX_BYTES) {
		size_t cut = NAME_MAX_BYTES;
		while (cut > 0 && cause[cut] != ' ')
			cut--;
		if (cut == 0) {   /* one long word: back off to a character start */
			cut = NAME_MAX_BYTES;
			while (cut > 0 && ((unsigned char)cause[cut] & 0xc0) == 0x80)
				cut--;
		}
		snprintf(buf, len, "%.*s...", (int)cut, cause);
		return;
	}
	snprintf(buf, len, "%.*s", (int)n, cause);
}

static void who(FILE *out, pid_t pid, pid_t tid)
{
	if (tid && tid != pid)
		xml_text(out, "pid %d thread %d", (int)pid, (int)tid);
	else
		xml_text(out, "pid %d", (int)pid);
}

static void finding_body(FILE *out, const struct sj_finding *f)
{
	xml_text(out, "%s\n", f->cause ? f->cause : sj_kind_info(f->kind)->short_desc);
	for (size_t i = 0; i < f->nassumptions; i++)
		xml_text(out, "  assuming %s\n", f->assumptions[i]);
	for (size_t i = 0; i < f->nevidence; i++) {
		fputs("  ", out);
		who(out, f->evidence[i].pid, f->evidence[i].tid);
		xml_text(out, ": %s\n", f->evidence[i].text ? f->evidence[i].text : "");
	}
	for (size_t i = 0; i < f->nedges; i++) {
		const struct sj_edge *e = &f->edges[i];
		fputs("  wait-for: ", out);
		who(out, e->from_pid, e->from_tid);
		fputs(" -&gt; ", out);
		who(out, e->to_pid, e->to_tid);
		xml_text(out, " via %s\n", e->via ? e->via : "?");
	}
	for (size_t i = 0; i < f->nlocations; i++) {
		char loc[1024];
		xml_text(out, "  at %s\n", sj_location_text(&f->locations[i], loc, sizeof loc));
	}
	if (f->advice)
		xml_text(out, "advice: %s\n", f->advice);
}

static void testcase(FILE *out, const struct sj_finding *f)
{
	char name[NAME_MAX_BYTES + 8];
	const char *cause = f->cause ? f->cause : sj_kind_info(f->kind)->short_desc;
	const char *kind = sj_finding_kind_name(f->kind);

	short_cause(cause, name, sizeof name);
	fprintf(out, "    <testcase classname=\"sigjam.%s\" name=\"", kind);
	xml_attr(out, name);
	fputs("\" time=\"0\">\n", out);
	if (f->severity == SJ_SEV_NOTE) {
		fputs("      <system-out>", out);
		finding_body(out, f);
		fputs("</system-out>\n", out);
	} else {
		fprintf(out, "      <failure type=\"%s\" message=\"%s: ", kind, sj_severity_name(f->severity));
		xml_attr(out, cause);
		fputs("\">", out);
		finding_body(out, f);
		fputs("</failure>\n", out);
	}
	fputs("    </testcase>\n", out);
}

/* ISO 8601 without a zone, as the Ant schema's timestamp pattern wants. */
static int timestamp(const struct sj_report *r, char *buf, size_t len)
{
	struct tm tm;
	time_t t;
	if (!r->snap || r->snap->taken_real_s <= 0)
		return 0;
	t = (time_t)r->snap->taken_real_s;
	return gmtime_r(&t, &tm) && strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm) > 0;
}

static size_t count_failures(const struct sj_report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < rp_nfindings(r); i++)
		n += r->findings->v[i].severity != SJ_SEV_NOTE;
	return n;
}

int sj_render_junit(const struct sj_report *r, FILE *out, char *err, size_t errlen)
{
	size_t nf = rp_nfindings(r), failures = count_failures(r), tests = nf ? nf : 1;
	char ts[32], summary[256];
	uint64_t ns = r->snap ? r->snap->capture_ns : 0;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites name=\"sigjam\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n",
		tests, failures, ns / 1e9);
	fprintf(out, "  <testsuite name=\"sigjam\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"%.3f\"",
		tests, failures, ns / 1e9);
	if (timestamp(r, ts, sizeof ts))
		fprintf(out, " timestamp=\"%s\"", ts);
	fputs(">\n", out);
	fputs("    <properties>\n", out);
	fputs("      <property name=\"sigjam.version\" value=\"" SIGJAM_VERSION "\"/>\n", out);
	if (r->command) {
		fputs("      <property name=\"sigjam.command\" value=\"", out);
		xml_attr(out, r->command);
		fputs("\"/>\n", out);
	}
	fputs("    </properties>\n", out);
	for (size_t i = 0; i < nf; i++)
		testcase(out, &r->findings->v[i]);
	if (nf == 0)
		fputs("    <testcase classname=\"sigjam.no-findings\" name=\"no hang, deadlock or "
		      "signal-safety problem found\" time=\"0\"/>\n", out);
	fputs("    <system-out>", out);
	xml_text(out, "%s", sj_report_summary(r->findings, summary, sizeof summary));
	fputs("</system-out>\n", out);
	fputs("  </testsuite>\n</testsuites>\n", out);
	return rp_check_stream(out, "junit", err, errlen);
}
