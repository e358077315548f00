/* output.c — reports to files and streams through the renderer table;
 * colour only for a terminal. */
#include "output.h"

#include "cli.h"

#include "render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void sj_outputs_init(struct sj_outputs *o)
{
	memset(o, 0, sizeof *o);
}

void sj_outputs_free(struct sj_outputs *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i].format);
		free(o->v[i].path);
	}
	o->n = 0;
}

int sj_format_known(const char *format)
{
	return sj_renderer_find(format) != NULL;
}

/* "text, json, junit, sarif, dot, svg" for error messages. */
static const char *format_list(char *buf, size_t n)
{
	size_t count, len = 0;
	const struct sj_renderer *t = sj_renderers(&count);
	buf[0] = '\0';
	for (size_t i = 0; i < count && len < n; i++)
		len += snprintf(buf + len, n - len, "%s%s", i ? ", " : "", t[i].name);
	return buf;
}

int sj_outputs_add(struct sj_outputs *o, const char *arg, char *err, size_t errlen)
{
	char names[128];
	const char *colon = strchr(arg, ':');
	if (!colon || colon == arg || !colon[1]) {
		snprintf(err, errlen, "wants FORMAT:FILE (e.g. junit:sigjam.xml), got \"%s\"", arg);
		return -1;
	}
	char *format = strndup(arg, (size_t)(colon - arg));
	if (!format || !sj_format_known(format)) {
		snprintf(err, errlen, "unknown format \"%.*s\": expected one of %s", (int)(colon - arg), arg,
			 format_list(names, sizeof names));
		free(format);
		return -1;
	}
	if (o->n == SJ_MAX_OUTPUTS) {
		snprintf(err, errlen, "at most %d reports per run", SJ_MAX_OUTPUTS);
		free(format);
		return -1;
	}
	o->v[o->n].format = format;
	o->v[o->n].path = strdup(colon + 1);
	o->n++;
	return 0;
}

int sj_render_to(const char *format, const struct sj_report *r, FILE *f, char *err, size_t errlen)
{
	char names[128];
	const struct sj_renderer *rd = sj_renderer_find(format);
	if (!rd) {
		snprintf(err, errlen, "unknown format \"%s\": expected one of %s", format,
			 format_list(names, sizeof names));
		return -1;
	}
	return rd->render(r, f, err, errlen);
}

int sj_outputs_check(const struct sj_outputs *o, char *err, size_t errlen)
{
	for (size_t i = 0; i < o->n; i++) {
		FILE *f = fopen(o->v[i].path, "w");
		if (!f) {
			snprintf(err, errlen, "cannot write %s: %s", o->v[i].path, strerror(errno));
			return -1;
		}
		fclose(f);
	}
	return 0;
}

int sj_outputs_write(const struct sj_outputs *o, const struct sj_report *r, char *err, size_t errlen)
{
	for (size_t i = 0; i < o->n; i++) {
		FILE *f = fopen(o->v[i].path, "w");
		if (!f) {
			snprintf(err, errlen, "cannot write %s: %s", o->v[i].path, strerror(errno));
			return -1;
		}
		struct sj_report copy = *r;
		copy.color = 0;  /* files never get terminal escapes */
		int rc = sj_render_to(o->v[i].format, &copy, f, err, errlen);
		if (fclose(f) != 0 && rc == 0) {
			snprintf(err, errlen, "cannot write %s: %s", o->v[i].path, strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

int sj_want_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return 0;
	return isatty(fileno(f));
}
