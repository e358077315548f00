/* render.h — the renderers over one report model (model/model.h).
 *
 * Every renderer is one function of the same shape, chosen by name from one
 * table (sj_renderer_find), in the spirit of py-spy's capture/render split:
 * capture and analysis produce plain data, a renderer only reads it and
 * writes to a FILE.  Renderers cope with r->snap == NULL (journal-only),
 * r->journal == NULL, r->findings == NULL or empty.  Output is
 * deterministic: it depends on the model only (no heap addresses, no clock),
 * so it can be compared with golden files.
 *
 * Errors: return 0 on success, -1 with one line in err (if err != NULL).
 * A renderer never prints anything but its output and never exits. */
#ifndef SIGJAM_RENDER_H
#define SIGJAM_RENDER_H

#include <stdio.h>

#include <jansson.h>

#include "model.h"

/* The JSON report's schema name; docs/report-schema.json describes it. */
#define SJ_REPORT_SCHEMA "sigjam-report/1"

typedef int (*sj_render_fn)(const struct sj_report *r, FILE *out, char *err, size_t errlen);

struct sj_renderer {
	const char *name;        /* "text", "json", "junit", "sarif", "dot", "svg" */
	sj_render_fn render;
	const char *ext;         /* file extension without the dot: "txt", "json", "xml", ... */
	const char *summary;     /* one line for `sigjam --help` */
};

/* NULL when no renderer has that name (case-sensitive). */
const struct sj_renderer *sj_renderer_find(const char *name);
/* The whole table, in a stable order; *n receives its length. */
const struct sj_renderer *sj_renderers(size_t *n);

int sj_render_text(const struct sj_report *r, FILE *out, char *err, size_t errlen);
int sj_render_json(const struct sj_report *r, FILE *out, char *err, size_t errlen);
int sj_render_junit(const struct sj_report *r, FILE *out, char *err, size_t errlen);
int sj_render_sarif(const struct sj_report *r, FILE *out, char *err, size_t errlen);
int sj_render_dot(const struct sj_report *r, FILE *out, char *err, size_t errlen);
/* DOT piped through Graphviz `dot -Tsvg` (found on PATH).  Fails with a
 * one-line error when Graphviz is not installed or dot rejects the graph. */
int sj_render_svg(const struct sj_report *r, FILE *out, char *err, size_t errlen);

/* The JSON report as a jansson value (what sj_render_json prints), for
 * callers that check or merge it.  NULL with err set on failure. */
json_t *sj_report_json(const struct sj_report *r, char *err, size_t errlen);

/* Helpers the CLI and other parts may reuse. */

/* "2 findings: 1 deadlock, 1 blocked-pipe-read", "1 finding: 1 zombie",
 * "no findings".  f may be NULL.  Returns buf. */
const char *sj_report_summary(const struct sj_findings *f, char *buf, size_t len);

/* What thread t of process p waits for, in words:
 * "read(fd 5 = pipe:[8493])", "futex 0x7f.. private, no timeout",
 * "poll(4 fds, no timeout)", "wait4(41)", "running".  Returns buf. */
const char *sj_report_wait_text(const struct sj_process *p, const struct sj_thread *t,
			     char *buf, size_t len);

#endif
