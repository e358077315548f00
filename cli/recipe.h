/* recipe.h — a scenario's recipe (scenarios/<name>/scenario.json, format in
 * docs/scenarios.md), loaded with jansson, and the check of a finished run
 * against what the recipe expects. */
#ifndef SIGJAM_RECIPE_H
#define SIGJAM_RECIPE_H

#include <jansson.h>
#include <stddef.h>

#include "launch.h"

struct variant {
	const char *label;       /* "bug" or "twin" */
	json_t *argv;            /* array of strings with {python} and {dir} */
	json_t *inject;          /* array of specs */
	int64_t hang_after_ns;
	int64_t time_limit_ns;
	json_t *expect;
	json_t *owned;           /* a resolved variant's merged object (recipe_resolve) */
};

struct recipe {
	json_t *root;            /* owns everything below */
	char *dir;
	const char *name, *story, *source, *proves;
	int number;
	int python;
	int start_matters;       /* "start_methods_matter": run fork and spawn too */
	json_t *premises;        /* "premises": where a version or start method changes the story */
	struct variant bug, twin;
};

/* 0, or -1 with a one-line err naming the file and the problem. */
int recipe_load(const char *dir, struct recipe *r, char *err, size_t errlen);
void recipe_free(struct recipe *r);

/* The variant ("bug" or "twin") to run with Python minor (e.g. "3.14")
 * and start method: the recipe's, with the keys of the first premise
 * whose "when" holds put over it; *says is that premise's words (NULL:
 * the recipe's own story holds).  0, or -1 with a one-line err.  Free the
 * result with variant_free. */
int recipe_resolve(const struct recipe *r, const char *label, const char *minor, const char *start,
		   struct variant *out, const char **says, char *err, size_t errlen);
void variant_free(struct variant *v);

/* What a run produced, for the check. */
struct run_result {
	struct sj_launch *lo;
	const char *output;      /* the program's stdout+stderr */
	pid_t root;
};

/* Appends one line per failed expectation to msgs (NUL-separated is not
 * needed: lines end in '\n'); returns the number of failures. */
int recipe_check(const struct variant *v, const struct run_result *res, char *msgs, size_t len);

#endif
