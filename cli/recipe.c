/* recipe.c — loading scenario recipes and checking runs against them. */
#include "recipe.h"

#include "cli.h"
#include "names.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static int64_t duration_field(json_t *obj, const char *key, int64_t dflt, int *bad)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return dflt;
	int64_t ns = json_is_string(v) ? sj_parse_duration(json_string_value(v)) : -1;
	if (ns <= 0)
		*bad = 1;
	return ns;
}

static int load_variant_obj(json_t *o, const char *label, struct variant *v, char *err, size_t errlen,
			    const char *path)
{
	int bad = 0;
	v->label = label;
	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: \"%s\" must be an object", path, label);
		return -1;
	}
	v->argv = json_object_get(o, "argv");
	v->inject = json_object_get(o, "inject");
	v->expect = json_object_get(o, "expect");
	v->hang_after_ns = duration_field(o, "hang_after", 0, &bad);
	v->time_limit_ns = duration_field(o, "time_limit", 60000000000LL, &bad);
	if (!json_is_array(v->argv) || json_array_size(v->argv) == 0 ||
	    (v->inject && !json_is_array(v->inject)) || !json_is_object(v->expect) || bad) {
		snprintf(err, errlen, "%s: \"%s\" needs argv (non-empty array), expect (object), "
			 "inject (array) and durations like \"2s\"", path, label);
		return -1;
	}
	return 0;
}

static int load_variant(json_t *root, const char *label, struct variant *v, char *err, size_t errlen,
			const char *path)
{
	return load_variant_obj(json_object_get(root, label), label, v, err, errlen, path);
}

static int in_list(json_t *list, const char *s)
{
	size_t i;
	json_t *e;
	if (!list)
		return 1; /* no condition on it */
	json_array_foreach(list, i, e)
		if (s && json_string_value(e) && !strcmp(json_string_value(e), s))
			return 1;
	return 0;
}

/* The first premise whose "when" holds for (minor, start), or NULL. */
static json_t *premise_for(const struct recipe *r, const char *minor, const char *start)
{
	size_t i;
	json_t *pm;
	json_array_foreach(r->premises, i, pm) {
		json_t *when = json_object_get(pm, "when");
		if (in_list(json_object_get(when, "python"), minor) && in_list(json_object_get(when, "start"), start))
			return pm;
	}
	return NULL;
}

int recipe_resolve(const struct recipe *r, const char *label, const char *minor, const char *start,
		   struct variant *out, const char **says, char *err, size_t errlen)
{
	json_t *pm = premise_for(r, minor, start);
	json_t *merged = json_deep_copy(json_object_get(r->root, label));
	*says = pm ? json_string_value(json_object_get(pm, "says")) : NULL;
	memset(out, 0, sizeof *out);
	if (!merged || (pm && json_object_get(pm, label) &&
			json_object_update(merged, json_object_get(pm, label)) != 0)) {
		json_decref(merged);
		snprintf(err, errlen, "%s: out of memory resolving \"%s\"", r->name, label);
		return -1;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/scenario.json", r->dir);
	if (load_variant_obj(merged, label, out, err, errlen, path) != 0) {
		json_decref(merged);
		return -1;
	}
	out->owned = merged;
	return 0;
}

void variant_free(struct variant *v)
{
	json_decref(v->owned);
	memset(v, 0, sizeof *v);
}

/* "premises": [{ "when": {"python": [...], "start": [...]}, "says": "...",
 * "bug": {...}, "twin": {...} }]: every one well formed, and every variant
 * it makes loads. */
static int check_premises(struct recipe *r, const char *path, char *err, size_t errlen)
{
	static const char *const methods[] = { "fork", "spawn", "forkserver" };
	size_t i, k;
	json_t *pm, *s;
	if (!r->premises)
		return 0;
	if (!json_is_array(r->premises))
		goto bad;
	json_array_foreach(r->premises, i, pm) {
		json_t *when = json_object_get(pm, "when");
		if (!json_is_object(when) || !json_is_string(json_object_get(pm, "says")))
			goto bad;
		json_array_foreach(json_object_get(when, "start"), k, s) {
			int known = 0;
			for (size_t m = 0; m < 3; m++)
				known |= json_string_value(s) && !strcmp(json_string_value(s), methods[m]);
			if (!known)
				goto bad;
		}
		for (int v = 0; v < 2; v++) {
			const char *label = v ? "twin" : "bug";
			json_t *o = json_object_get(pm, label);
			if (o && !json_is_object(o))
				goto bad;
		}
	}
	return 0;
bad:
	snprintf(err, errlen, "%s: \"premises\" must be an array of {\"when\": {\"python\": [...], "
		 "\"start\": [fork|spawn|forkserver...]}, \"says\": TEXT, \"bug\"/\"twin\": {...}}", path);
	return -1;
}

int recipe_load(const char *dir, struct recipe *r, char *err, size_t errlen)
{
	char path[4096];
	json_error_t je;
	memset(r, 0, sizeof *r);
	snprintf(path, sizeof path, "%s/scenario.json", dir);
	r->root = json_load_file(path, 0, &je);
	if (!r->root) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -1;
	}
	r->dir = strdup(dir);
	r->name = json_string_value(json_object_get(r->root, "name"));
	r->story = json_string_value(json_object_get(r->root, "story"));
	r->source = json_string_value(json_object_get(r->root, "source"));
	r->proves = json_string_value(json_object_get(r->root, "proves"));
	r->number = (int)json_integer_value(json_object_get(r->root, "number"));
	r->python = json_is_true(json_object_get(r->root, "python"));
	r->start_matters = json_is_true(json_object_get(r->root, "start_methods_matter"));
	r->premises = json_object_get(r->root, "premises");
	if (!r->name || !r->story) {
		snprintf(err, errlen, "%s: \"name\" and \"story\" are required strings", path);
		recipe_free(r);
		return -1;
	}
	if (load_variant(r->root, "bug", &r->bug, err, errlen, path) ||
	    load_variant(r->root, "twin", &r->twin, err, errlen, path) ||
	    check_premises(r, path, err, errlen)) {
		recipe_free(r);
		return -1;
	}
	return 0;
}

void recipe_free(struct recipe *r)
{
	json_decref(r->root);
	free(r->dir);
	memset(r, 0, sizeof *r);
}

/* ---- the check ---- */

struct msgbuf { char *p; size_t len, used; int fails; };

static void fail(struct msgbuf *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct msgbuf *m, const char *fmt, ...)
{
	va_list ap;
	m->fails++;
	if (m->used + 1 >= m->len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(m->p + m->used, m->len - m->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->used = m->used + (size_t)n < m->len ? m->used + (size_t)n : m->len - 1;
	if (m->used + 1 < m->len)
		m->p[m->used++] = '\n', m->p[m->used] = '\0';
}

static int has_pid(const struct sj_finding *f, pid_t pid)
{
	for (size_t i = 0; i < f->npids; i++)
		if (f->pids[i] == pid)
			return 1;
	return 0;
}

static int has_other_pid(const struct sj_finding *f, pid_t root)
{
	for (size_t i = 0; i < f->npids; i++)
		if (f->pids[i] != root)
			return 1;
	return 0;
}

/* Does finding f satisfy matcher m (kind already equal)? */
static int finding_matches(const struct sj_finding *f, json_t *m, pid_t root)
{
	json_t *sig = json_object_get(m, "signal");
	if (sig && f->sig != sj_signal_from_name(json_string_value(sig) ? json_string_value(sig) : ""))
		return 0;
	if (json_is_true(json_object_get(m, "involves_root")) && !has_pid(f, root))
		return 0;
	if (json_is_true(json_object_get(m, "involves_child")) && !has_other_pid(f, root))
		return 0;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(m, "cause_contains"), i, s)
		if (!f->cause || !strstr(f->cause, json_string_value(s) ? json_string_value(s) : ""))
			return 0;
	return 1;
}

static void check_findings(json_t *expect, const struct run_result *res, struct msgbuf *m)
{
	const struct sj_findings *fs = &res->lo->findings;
	json_t *list = json_object_get(expect, "findings"), *mt;
	size_t i;
	json_array_foreach(list, i, mt) {
		const char *kind = json_string_value(json_object_get(mt, "kind"));
		json_t *count = json_object_get(mt, "count");
		size_t n = 0;
		for (size_t k = 0; k < fs->n; k++)
			if (kind && !strcmp(sj_finding_kind_name(fs->v[k].kind), kind) &&
			    finding_matches(&fs->v[k], mt, res->root))
				n++;
		if (count && n != (size_t)json_integer_value(count))
			fail(m, "expected %lld %s finding(s) matching the recipe, got %zu",
			     (long long)json_integer_value(count), kind ? kind : "?", n);
		else if (!count && n == 0 && !json_is_true(json_object_get(mt, "optional")))
			fail(m, "expected a %s finding matching the recipe, got none", kind ? kind : "?");
	}
	if (!json_is_true(json_object_get(expect, "only_listed")))
		return;
	for (size_t k = 0; k < fs->n; k++) {
		const char *name = sj_finding_kind_name(fs->v[k].kind);
		int listed = 0;
		json_array_foreach(list, i, mt) {
			const char *kind = json_string_value(json_object_get(mt, "kind"));
			listed |= kind && !strcmp(kind, name);
		}
		if (!listed)
			fail(m, "unexpected %s finding: %s", name, fs->v[k].cause ? fs->v[k].cause : "");
	}
}

static void check_outcome(json_t *expect, const struct run_result *res, struct msgbuf *m)
{
	const char *outcome = json_string_value(json_object_get(expect, "outcome"));
	int st = res->lo->exit_status;
	char got[96];
	if (res->lo->timed_out)
		snprintf(got, sizeof got, "no end within the time limit (killed)");
	else if (res->lo->hung)
		snprintf(got, sizeof got, "a hang");
	else
		sj_wait_status_text(st, got, sizeof got);

	if (!outcome || !strcmp(outcome, "hang")) {
		if (!res->lo->hung)
			fail(m, "expected a hang, got %s", got);
		return;
	}
	if (res->lo->hung || res->lo->timed_out) {
		fail(m, "expected outcome %s, got %s", outcome, got);
		return;
	}
	if (!strcmp(outcome, "exit")) {
		int code = (int)json_integer_value(json_object_get(expect, "code"));
		if (!WIFEXITED(st) || WEXITSTATUS(st) != code)
			fail(m, "expected exit %d, got %s", code, got);
	} else if (!strcmp(outcome, "signal")) {
		const char *sig = json_string_value(json_object_get(expect, "signal"));
		if (!WIFSIGNALED(st) || !sig || WTERMSIG(st) != sj_signal_from_name(sig))
			fail(m, "expected death by %s, got %s", sig ? sig : "?", got);
	} else {
		fail(m, "unknown outcome \"%s\" in the recipe (hang, exit or signal)", outcome);
	}
}

static void check_output(json_t *expect, const struct run_result *res, struct msgbuf *m)
{
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(expect, "output_contains"), i, s) {
		const char *want = json_string_value(s);
		if (want && (!res->output || !strstr(res->output, want)))
			fail(m, "the program's output lacks \"%s\"", want);
	}
}

/* A journal record with every field of `want` equal (strings and numbers),
 * compared on the record as the journal reader parsed it: a recipe may name
 * any field. */
static int record_matches(const struct sj_jevent *e, json_t *want)
{
	const char *key;
	json_t *val;
	int ok = e->record != NULL;
	json_object_foreach(want, key, val) {
		if (!ok)
			break;
		ok = json_equal(json_object_get(e->record, key), val);
	}
	return ok;
}

static void check_journal(json_t *expect, const struct run_result *res, struct msgbuf *m)
{
	const struct sj_journal *j = &res->lo->journal_data;
	size_t i;
	json_t *want;
	json_array_foreach(json_object_get(expect, "journal_contains"), i, want) {
		int found = 0;
		for (size_t k = 0; k < j->n && !found; k++)
			found = record_matches(&j->ev[k], want);
		if (!found) {
			char *text = json_dumps(want, JSON_COMPACT);
			fail(m, "the journal has no record like %s", text ? text : "?");
			free(text);
		}
	}
}

int recipe_check(const struct variant *v, const struct run_result *res, char *msgs, size_t len)
{
	struct msgbuf m = { msgs, len, 0, 0 };
	msgs[0] = '\0';
	check_outcome(v->expect, res, &m);
	check_findings(v->expect, res, &m);
	check_output(v->expect, res, &m);
	check_journal(v->expect, res, &m);
	return m.fails;
}
