/* sarif.c — SARIF 2.1.0: one run of tool "sigjam", one rule per finding
 * kind (ruleIndex = the kind's enum value, so indexes are stable across
 * reports), one result per finding.  A finding with source locations gets
 * physicalLocations (artifact URI + startLine); one without (a zombie, a
 * journal finding without a backtrace) gets logicalLocations naming the
 * processes involved, because code-scanning UIs need some location. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SARIF_SCHEMA_URI "https://json.schemastore.org/sarif-2.1.0.json"

static json_t *message(const char *text)
{
	json_t *m = json_object();
	if (m && json_object_set_new(m, "text", rp_json_str(text)) != 0) {
		json_decref(m);
		return NULL;
	}
	return m;
}

static json_t *rules_json(int *bad)
{
	json_t *rules = json_array();
	for (int k = 0; k < SJ_FIND_KIND_COUNT; k++) {
		const struct sj_kind_info *ki = sj_kind_info(k);
		json_t *r = json_object(), *cfg = json_object();
		rp_jset(r, "id", json_string(sj_finding_kind_name(k)), bad);
		rp_jset(r, "name", json_string(ki->title), bad);
		rp_jset(r, "shortDescription", message(ki->short_desc), bad);
		rp_jset(r, "fullDescription", message(ki->full_desc), bad);
		rp_jset(r, "help", message(ki->help), bad);
		rp_jset(cfg, "level", json_string(sj_severity_name(ki->severity)), bad);
		rp_jset(r, "defaultConfiguration", cfg, bad);
		rp_jappend(rules, r, bad);
	}
	return rules;
}

/* RFC 3986: an absolute path becomes a file:// URI, a relative one stays a
 * relative reference (resolved against the checkout by viewers); every
 * byte outside the unreserved set and '/' is percent-encoded. */
static json_t *path_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *buf = malloc(n * 3 + 8), *o = buf;
	if (!buf)
		return NULL;
	if (path[0] == '/')
		o = stpcpy(o, "file://");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = 0;
	json_t *j = json_string(buf);
	free(buf);
	return j;
}

static json_t *function_logical(const char *func, int *bad)
{
	json_t *ll = json_array(), *l = json_object();
	rp_jset(l, "name", rp_json_str(func), bad);
	rp_jset(l, "kind", json_string("function"), bad);
	rp_jappend(ll, l, bad);
	return ll;
}

static json_t *physical_location(const struct sj_location *loc, int *bad)
{
	json_t *l = json_object(), *phys = json_object(), *art = json_object();
	rp_jset(art, "uri", path_uri(loc->file), bad);
	rp_jset(phys, "artifactLocation", art, bad);
	if (loc->line > 0) {
		json_t *region = json_object();
		rp_jset(region, "startLine", json_integer(loc->line), bad);
		rp_jset(phys, "region", region, bad);
	}
	rp_jset(l, "physicalLocation", phys, bad);
	if (loc->func)
		rp_jset(l, "logicalLocations", function_logical(loc->func, bad), bad);
	return l;
}

/* The processes of a finding, from pids[] or else from its evidence. */
static json_t *process_logicals(const struct sj_report *r, const struct sj_finding *f, int *bad)
{
	json_t *ll = json_array();
	pid_t seen[64];
	size_t nseen = 0;
	size_t n = f->npids ? f->npids : f->nevidence;

	for (size_t i = 0; i < n && nseen < 64; i++) {
		pid_t pid = f->npids ? f->pids[i] : f->evidence[i].pid;
		int dup = 0;
		for (size_t j = 0; j < nseen; j++)
			dup |= seen[j] == pid;
		if (dup)
			continue;
		seen[nseen++] = pid;
		const struct sj_process *p = r->snap ? sj_snapshot_proc(r->snap, pid) : NULL;
		char name[96];
		snprintf(name, sizeof name, "pid %d%s%s", (int)pid, p && p->comm ? " " : "",
			 p && p->comm ? p->comm : "");
		/* No "kind": none of SARIF's logical-location kinds means
		 * "process", and a wrong one misleads viewers. */
		json_t *l = json_object();
		rp_jset(l, "name", rp_json_str(name), bad);
		rp_jset(l, "fullyQualifiedName", rp_json_str(name), bad);
		rp_jappend(ll, l, bad);
	}
	return ll;
}

static json_t *locations_json(const struct sj_report *r, const struct sj_finding *f, int *bad)
{
	json_t *locs = json_array();
	for (size_t i = 0; i < f->nlocations; i++) {
		const struct sj_location *loc = &f->locations[i];
		json_t *l;
		if (loc->file) {
			l = physical_location(loc, bad);
		} else if (loc->func) {
			l = json_object();
			rp_jset(l, "logicalLocations", function_logical(loc->func, bad), bad);
		} else {
			continue;
		}
		rp_jappend(locs, l, bad);
	}
	if (json_array_size(locs) == 0) {
		json_t *ll = process_logicals(r, f, bad);
		if (json_array_size(ll)) {
			json_t *l = json_object();
			rp_jset(l, "logicalLocations", ll, bad);
			rp_jappend(locs, l, bad);
		} else {
			json_decref(ll);
		}
	}
	return locs;
}

/* The evidence and edges as a text; the message keeps the one-sentence
 * cause, viewers show the markdown-free "text" only. */
static json_t *result_properties(const struct sj_finding *f, int *bad)
{
	json_t *p = json_object(), *ev = json_array(), *edges = json_array(), *pids = json_array();
	char line[1024];
	for (size_t i = 0; i < f->nevidence; i++) {
		const struct sj_evidence *e = &f->evidence[i];
		if (e->tid)
			snprintf(line, sizeof line, "pid %d thread %d: %s", (int)e->pid, (int)e->tid,
				 e->text ? e->text : "");
		else
			snprintf(line, sizeof line, "pid %d: %s", (int)e->pid, e->text ? e->text : "");
		rp_jappend(ev, rp_json_str(line), bad);
	}
	for (size_t i = 0; i < f->nedges; i++) {
		const struct sj_edge *e = &f->edges[i];
		/* pid/tid; a tid of 0 means any thread of that process */
		snprintf(line, sizeof line, "%d/%d -> %d/%d via %s", (int)e->from_pid, (int)e->from_tid,
			 (int)e->to_pid, (int)e->to_tid, e->via ? e->via : "?");
		rp_jappend(edges, rp_json_str(line), bad);
	}
	for (size_t i = 0; i < f->npids; i++)
		rp_jappend(pids, json_integer(f->pids[i]), bad);
	rp_jset(p, "evidence", ev, bad);
	rp_jset(p, "waitFor", edges, bad);
	rp_jset(p, "pids", pids, bad);
	if (f->advice)
		rp_jset(p, "advice", rp_json_str(f->advice), bad);
	/* Results keep the findings' order, cause before consequence, so a
	 * finding's index is its result's index. */
	json_t *by = json_array();
	for (size_t i = 0; i < f->nexplained_by; i++)
		rp_jappend(by, json_integer((json_int_t)f->explained_by[i]), bad);
	rp_jset(p, "explainedBy", by, bad);
	if (f->verdict)
		rp_jset(p, "verdict", rp_json_str(f->verdict), bad);
	if (f->nassumptions) {
		json_t *as = json_array();
		for (size_t i = 0; i < f->nassumptions; i++)
			rp_jappend(as, rp_json_str(f->assumptions[i]), bad);
		rp_jset(p, "assumptions", as, bad);
	}
	return p;
}

static json_t *result_json(const struct sj_report *r, const struct sj_finding *f, int *bad)
{
	json_t *res = json_object();
	const char *cause = f->cause ? f->cause : sj_kind_info(f->kind)->short_desc;
	int idx = (unsigned)f->kind < SJ_FIND_KIND_COUNT ? (int)f->kind : -1;

	rp_jset(res, "ruleId", json_string(sj_finding_kind_name(f->kind)), bad);
	if (idx >= 0)
		rp_jset(res, "ruleIndex", json_integer(idx), bad);
	rp_jset(res, "level", json_string(sj_severity_name(f->severity)), bad);
	rp_jset(res, "message", message(cause), bad);
	rp_jset(res, "locations", locations_json(r, f, bad), bad);
	rp_jset(res, "properties", result_properties(f, bad), bad);
	return res;
}

static json_t *invocation_json(const struct sj_report *r, int *bad)
{
	json_t *invs = json_array(), *inv = json_object();
	/* The analysis itself succeeded; findings are results, not failures. */
	rp_jset(inv, "executionSuccessful", json_true(), bad);
	if (r->command)
		rp_jset(inv, "commandLine", rp_json_str(r->command), bad);
	rp_jappend(invs, inv, bad);
	return invs;
}

int sj_render_sarif(const struct sj_report *r, FILE *out, char *err, size_t errlen)
{
	json_t *root = json_object(), *runs = json_array(), *run = json_object();
	json_t *tool = json_object(), *driver = json_object(), *results = json_array();
	int bad = !root || !runs || !run || !tool || !driver || !results;

	rp_jset(driver, "name", json_string("sigjam"), &bad);
	rp_jset(driver, "version", json_string(SIGJAM_VERSION), &bad);
	rp_jset(driver, "semanticVersion", json_string(SIGJAM_VERSION), &bad);
	rp_jset(driver, "rules", rules_json(&bad), &bad);
	rp_jset(tool, "driver", driver, &bad);
	rp_jset(run, "tool", tool, &bad);
	rp_jset(run, "invocations", invocation_json(r, &bad), &bad);
	for (size_t i = 0; i < rp_nfindings(r); i++)
		rp_jappend(results, result_json(r, &r->findings->v[i], &bad), &bad);
	rp_jset(run, "results", results, &bad);
	rp_jset(root, "$schema", json_string(SARIF_SCHEMA_URI), &bad);
	rp_jset(root, "version", json_string("2.1.0"), &bad);
	rp_jappend(runs, run, &bad);
	rp_jset(root, "runs", runs, &bad);
	if (bad) {
		json_decref(root);
		return rp_fail(err, errlen, "sarif report: out of memory while building the document");
	}
	int rc = json_dumpf(root, out, JSON_INDENT(2));
	json_decref(root);
	if (rc != 0)
		return rp_fail(err, errlen, "sarif report: writing the output failed");
	fputc('\n', out);
	return rp_check_stream(out, "sarif", err, errlen);
}
