/* output.h — where reports go: `--format`/`-o` and repeated `--report FMT:FILE`. */
#ifndef SIGJAM_OUTPUT_H
#define SIGJAM_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

#define SJ_MAX_OUTPUTS 16

struct sj_output {
	char *format;   /* text json junit sarif dot svg */
	char *path;
};

struct sj_outputs {
	struct sj_output v[SJ_MAX_OUTPUTS];
	size_t n;
};

void sj_outputs_init(struct sj_outputs *o);
void sj_outputs_free(struct sj_outputs *o);
/* "FMT:FILE"; -1 with err on a malformed argument or unknown format. */
int sj_outputs_add(struct sj_outputs *o, const char *arg, char *err, size_t errlen);
/* Creates (truncates) every output file now, so that a bad path is an error
 * before anything is done to a target; -1 with err at the first failure. */
int sj_outputs_check(const struct sj_outputs *o, char *err, size_t errlen);
/* Writes every output; -1 with err at the first failure. */
int sj_outputs_write(const struct sj_outputs *o, const struct sj_report *r, char *err, size_t errlen);
/* Renders one format to a stream; -1 with err. */
int sj_render_to(const char *format, const struct sj_report *r, FILE *f, char *err, size_t errlen);
/* 1 if format names a renderer. */
int sj_format_known(const char *format);

#endif
