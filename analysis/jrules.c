/* jrules.c — findings from the shim's journal alone: signal-unsafe calls,
 * errno clobbering, nested handlers, and signal handlers inherited by
 * forked workers (failure catalogue P6).  Records are grouped so that a
 * handler firing a thousand times gives one finding with a count. */
#include "internal.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

/* ---- journal helpers ---- */

static int journal_has_pid(const struct sj_journal *j, pid_t pid)
{
	for (size_t i = 0; i < j->n; i++)
		if (j->ev[i].pid == pid)
			return 1;
	return 0;
}

double sja_jtime(const struct sj_journal *j, const struct sj_jevent *e)
{
	/* The root is the first writer whose parent never wrote: the program
	 * sigjam started.  Its first record (the shim's "start") is t=0. */
	int64_t t0 = j->n ? j->ev[0].t_ns : e->t_ns;
	for (size_t i = 0; i < j->n; i++)
		if (!journal_has_pid(j, j->ev[i].ppid)) {
			t0 = j->ev[i].t_ns;
			break;
		}
	return (double)(e->t_ns - t0) / 1e9;
}

static void sb_signame(struct sj_sb *b, int sig)
{
	char buf[24];
	sja_sb_puts(b, sj_signal_text(sig, buf, sizeof buf));
}

/* An errno value of an "errno" record ("EINTR", or its number). */
static void sb_errno(struct sj_sb *b, int64_t err)
{
	char buf[24];
	sja_sb_puts(b, sj_errno_text((int)err, buf, sizeof buf));
}

/* ---- grouping ---- */

/* One group of like records: the key is a string built per record kind. */
struct group {
	char *key;
	const struct sj_jevent *first;
	size_t count;
	int depth;               /* nested: deepest seen */
	pid_t pids[16];
	size_t npids;
	size_t more_pids;        /* pids beyond the array */
};

struct groups {
	struct group *v;
	size_t n, cap;
};

static void groups_free(struct groups *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i].key);
	free(g->v);
	memset(g, 0, sizeof *g);
}

static void group_pid(struct group *gr, pid_t pid)
{
	for (size_t i = 0; i < gr->npids; i++)
		if (gr->pids[i] == pid)
			return;
	if (gr->npids < NROWS(gr->pids))
		gr->pids[gr->npids++] = pid;
	else
		gr->more_pids++;
}

/* Adds e under key (taken); returns the group or NULL on allocation failure. */
static struct group *group_add(struct groups *g, char *key, const struct sj_jevent *e)
{
	if (!key)
		return NULL;
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->v[i].key, key) == 0) {
			free(key);
			g->v[i].count++;
			group_pid(&g->v[i], e->pid);
			return &g->v[i];
		}
	if (sja_grow((void **)&g->v, &g->cap, g->n, sizeof *g->v)) {
		free(key);
		return NULL;
	}
	struct group *gr = &g->v[g->n++];
	memset(gr, 0, sizeof *gr);
	gr->key = key;
	gr->first = e;
	gr->count = 1;
	group_pid(gr, e->pid);
	return gr;
}

static int cmp_group(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->key, ((const struct group *)b)->key);
}

static void group_evidence(struct sj_fb *fb, const struct group *gr, const char *what)
{
	for (size_t i = 0; i < gr->npids; i++) {
		struct sj_sb b = { 0 };
		sja_sb_printf(&b, "%s in pid %d", what, (int)gr->pids[i]);
		sja_fb_evidence(fb, gr->pids[i], 0, sja_sb_take(&b));
		sja_fb_pid(fb, gr->pids[i]);
	}
	if (gr->more_pids) {
		struct sj_sb b = { 0 };
		sja_sb_printf(&b, "and %zu more processes", gr->more_pids);
		sja_fb_evidence(fb, 0, 0, sja_sb_take(&b));
	}
}

static void sb_times(struct sj_sb *b, size_t n)
{
	if (n == 1)
		sja_sb_puts(b, "once");
	else
		sja_sb_printf(b, "%zu times", n);
}

/* ---- signal-unsafe calls ---- */

static int is_shim_module(const char *m)
{
	return m && strstr(m, "libsigjam") != NULL;
}

/* The innermost frame outside the shim: the code that made the call. */
static const struct sj_btframe *caller_frame(const struct sj_jevent *e)
{
	for (size_t i = 0; i < e->nbt; i++)
		if (!is_shim_module(e->bt[i].module))
			return &e->bt[i];
	return NULL;
}

static void sb_btframe(struct sj_sb *b, const struct sj_btframe *f)
{
	if (!f) {
		sja_sb_puts(b, "an unknown place");
	} else if (f->func && f->file && f->line > 0) {
		sja_sb_printf(b, "%s (%s:%d)", f->func, sj_basename(f->file), f->line);
	} else if (f->func) {
		sja_sb_printf(b, "%s", f->func);
	} else {
		sja_sb_printf(b, "%s+0x%llx", f->module ? sj_basename(f->module) : "?",
			     (unsigned long long)f->off);
	}
}

static const char advice_unsafe[] =
	"In a signal handler call only async-signal-safe functions (signal-safety(7)): set a "
	"volatile sig_atomic_t flag or write() one byte to a self-pipe, and do the real work in the "
	"main loop.";

static int report_unsafe(const struct group *gr, struct sj_findings *out)
{
	const struct sj_jevent *e = gr->first;
	const struct sj_btframe *f = caller_frame(e);
	const char *call = e->call ? e->call : "an unsafe function";
	struct sj_fb fb;
	struct sj_sb b = { 0 };
	sja_fb_init(&fb, SJ_FIND_SIGNAL_UNSAFE);
	fb.f.sig = e->sig;
	sja_sb_printf(&b, "%s() was called ", call);
	sb_times(&b, gr->count);
	sja_sb_puts(&b, " inside the ");
	sb_signame(&b, e->sig);
	sja_sb_puts(&b, " handler, at ");
	sb_btframe(&b, f);
	sja_sb_printf(&b, ": %s is not async-signal-safe, so if the signal arrives while the "
		     "interrupted code is inside it (or holds its lock) the process can deadlock or "
		     "corrupt memory.", call);
	sja_fb_cause(&fb, &b);
	sja_fb_advice(&fb, advice_unsafe);
	if (f && f->file)
		sja_fb_location(&fb, f->file, f->line, f->func);
	sja_sb_printf(&b, "%s() from the ", call);
	sb_signame(&b, e->sig);
	sja_sb_puts(&b, " handler");
	char *what = sja_sb_take(&b);
	group_evidence(&fb, gr, what ? what : "call");
	free(what);
	return sja_fb_commit(&fb, out);
}

static char *unsafe_key(const struct sj_jevent *e)
{
	struct sj_sb b = { 0 };
	const struct sj_btframe *f = caller_frame(e);
	sja_sb_printf(&b, "%04d|%s|", e->sig, e->call ? e->call : "");
	if (f && f->func)
		sja_sb_printf(&b, "%s", f->func);
	else if (f)
		sja_sb_printf(&b, "%s+%llx", f->module ? f->module : "", (unsigned long long)f->off);
	return sja_sb_take(&b);
}

/* ---- errno clobbering ---- */

static char *errno_key(const struct sj_jevent *e)
{
	struct sj_sb b = { 0 };
	sja_sb_printf(&b, "%04d|%s|", e->sig, e->module ? e->module : "");
	if (e->off.set)
		sja_sb_printf(&b, "0x%" PRIx64, (uint64_t)e->off.v);
	return sja_sb_take(&b);
}

static const char advice_errno[] =
	"Save errno when the handler starts and restore it before it returns (int saved = errno; "
	"... errno = saved;): the interrupted code may be about to read errno.";

static int report_errno(const struct group *gr, struct sj_findings *out)
{
	const struct sj_jevent *e = gr->first;
	struct sj_fb fb;
	struct sj_sb b = { 0 };
	sja_fb_init(&fb, SJ_FIND_ERRNO_CLOBBER);
	fb.f.sig = e->sig;
	sja_sb_puts(&b, "The ");
	sb_signame(&b, e->sig);
	sja_sb_puts(&b, " handler");
	if (e->module && e->off.set)
		sja_sb_printf(&b, " at %s+0x%" PRIx64, sj_basename(e->module), (uint64_t)e->off.v);
	sja_sb_puts(&b, " returned with errno changed");
	if (e->before.set && e->after.set) {
		sja_sb_puts(&b, " (");
		sb_errno(&b, e->before.v);
		sja_sb_puts(&b, " before, ");
		sb_errno(&b, e->after.v);
		sja_sb_puts(&b, " after)");
	}
	sja_sb_puts(&b, " ");
	sb_times(&b, gr->count);
	sja_sb_puts(&b, ": the code it interrupted can see a wrong errno and take the wrong path.");
	sja_fb_cause(&fb, &b);
	sja_fb_advice(&fb, advice_errno);
	group_evidence(&fb, gr, "errno changed by the handler");
	return sja_fb_commit(&fb, out);
}

/* ---- nested handlers ---- */

static char *nested_key(const struct sj_jevent *e)
{
	char outer[24];
	struct sj_sb b = { 0 };
	sja_sb_printf(&b, "%04d|%s", e->sig, e->outer ? sj_signal_text(e->outer, outer, sizeof outer) : "");
	return sja_sb_take(&b);
}

static const char advice_nested[] =
	"Block the other signals while a handler runs (sa_mask in sigaction(2)), avoid SA_NODEFER, "
	"and keep handlers to setting a flag so that they share no state.";

static int report_nested(const struct group *gr, struct sj_findings *out)
{
	const struct sj_jevent *e = gr->first;
	char outer[24];
	struct sj_fb fb;
	struct sj_sb b = { 0 };
	sja_fb_init(&fb, SJ_FIND_NESTED_HANDLER);
	fb.f.sig = e->sig;
	sja_sb_puts(&b, "The ");
	sb_signame(&b, e->sig);
	sja_sb_printf(&b, " handler started while the %s handler was running on the same thread ",
		     e->outer ? sj_signal_text(e->outer, outer, sizeof outer) : "another");
	sb_times(&b, gr->count);
	if (gr->depth > 1)
		sja_sb_printf(&b, " (nesting depth up to %d)", gr->depth);
	sja_sb_puts(&b, ": handlers that share state or locks can corrupt or deadlock each other.");
	sja_fb_cause(&fb, &b);
	sja_fb_advice(&fb, advice_nested);
	group_evidence(&fb, gr, "nested handler");
	return sja_fb_commit(&fb, out);
}

/* ---- handlers inherited across fork (catalogue P6) ---- */

/* What an inherited disposition does to a pool worker, per signal. */
static const struct inherit_rule {
	int sig;
	const char *disp;      /* "handler" (Python-level only) or "ignore" */
	const char *what;      /* the clause after "inherited ..." */
	const char *harm;
} inherit_rules[] = {
	{ SIGTERM, "handler", "the parent's Python-level SIGTERM handler",
	  "Pool.terminate() sends SIGTERM, the worker runs the handler instead of dying, and the "
	  "parent then waits forever in join() (bpo-38227)" },
	{ SIGTERM, "ignore", "SIG_IGN for SIGTERM",
	  "Pool.terminate() cannot stop such a worker, and the parent then waits forever in join()" },
	/* SIGINT is not listed.  Every CPython process has a Python-level
	 * SIGINT handler from startup (default_int_handler), so every forked
	 * worker inherits one: flagging it would flag every multiprocessing
	 * program, healthy or not, and the journal cannot tell the default
	 * from a user's handler (both go through the same C trampoline).
	 * SIG_IGN for SIGINT is the documented remedy (pebble's default). */
};

static const char advice_inherit[] =
	"Reset signal dispositions in each worker: pass an initializer that calls "
	"signal.signal(signal.SIGINT, signal.SIG_IGN) (only the parent handles Ctrl-C) and "
	"signal.signal(signal.SIGTERM, signal.SIG_DFL) (so terminate() can kill workers); in C, "
	"restore the defaults in the child right after fork().";

static const struct inherit_rule *inherit_match(int sig, const char *disp, int python)
{
	for (size_t i = 0; i < NROWS(inherit_rules); i++) {
		const struct inherit_rule *r = &inherit_rules[i];
		if (r->sig != sig || strcmp(r->disp, disp) != 0)
			continue;
		if (strcmp(disp, "handler") == 0 && !python)
			continue;
		return r;
	}
	return NULL;
}

/* The child set its own disposition for sig after the fork: whatever it
 * inherited no longer applies (the fixed twin of a P6 scenario). */
static int reset_later(const struct sj_journal *j, const struct sj_jevent *e, int sig)
{
	for (size_t i = 0; i < j->n; i++) {
		const struct sj_jevent *h = &j->ev[i];
		if (h->pid == e->pid && h->t_ns >= e->t_ns && h != e && h->ev &&
		    strcmp(h->ev, "handler") == 0 && h->sig == sig)
			return 1;
	}
	return 0;
}

static int collect_inherited(const struct sj_journal *j, const struct sj_jevent *e, struct groups *g)
{
	for (size_t i = 0; i < e->ndisps; i++) {
		const struct sj_jdisp *d = &e->disps[i];
		const struct inherit_rule *r = d->disp ? inherit_match(d->sig, d->disp, d->python) : NULL;
		if (!r || reset_later(j, e, d->sig))
			continue;
		struct sj_sb k = { 0 };
		sja_sb_printf(&k, "%010d|%04d|%s", (int)e->ppid, d->sig, d->disp);
		if (!group_add(g, sja_sb_take(&k), e))
			return -1;
	}
	return 0;
}

static int report_inherited(const struct group *gr, struct sj_findings *out)
{
	const struct sj_jevent *e = gr->first;
	int sig = 0;
	char disp[16] = "";
	/* The key is "ppid|sig|disp" (collect_inherited). */
	if (sscanf(gr->key, "%*d|%d|%15s", &sig, disp) != 2)
		return 0;
	const struct inherit_rule *r = inherit_match(sig, disp, 1);
	if (!r)
		return 0;
	struct sj_fb fb;
	struct sj_sb b = { 0 };
	sja_fb_init(&fb, SJ_FIND_INHERITED_HANDLER);
	fb.f.sig = sig;
	size_t n = gr->npids + gr->more_pids;
	sja_sb_printf(&b, "%zu worker%s forked by pid %d (", n, n == 1 ? "" : "s", (int)e->ppid);
	sja_sb_pids(&b, gr->pids, gr->npids, 1);
	if (gr->more_pids)
		sja_sb_printf(&b, " and %zu more", gr->more_pids);
	sja_sb_printf(&b, ") inherited %s: %s.", r->what, r->harm);
	sja_fb_cause(&fb, &b);
	sja_fb_advice(&fb, advice_inherit);
	sja_fb_pid(&fb, e->ppid);
	char name[24];
	sja_sb_printf(&b, "at fork: %s %s", sj_signal_text(sig, name, sizeof name),
		     strcmp(disp, "ignore") == 0 ? "ignored" : "handled by Python code");
	char *what = sja_sb_take(&b);
	group_evidence(&fb, gr, what ? what : "inherited");
	free(what);
	return sja_fb_commit(&fb, out);
}

/* ---- driver ---- */

/* One record kind handled by grouping. */
static const struct jrule {
	const char *ev;
	char *(*key)(const struct sj_jevent *e);
	int (*report)(const struct group *gr, struct sj_findings *out);
} jrules[] = {
	{ "unsafe", unsafe_key, report_unsafe },
	{ "errno", errno_key, report_errno },
	{ "nested", nested_key, report_nested },
};

static int run_groups(struct groups *g, int (*report)(const struct group *, struct sj_findings *),
		      struct sj_findings *out)
{
	int rc = 0;
	if (g->n > 1)
		qsort(g->v, g->n, sizeof *g->v, cmp_group);
	for (size_t i = 0; i < g->n && rc == 0; i++)
		rc = report(&g->v[i], out);
	groups_free(g);
	return rc;
}

int sja_detect_journal(const struct sj_journal *j, struct sj_findings *out)
{
	for (size_t r = 0; r < NROWS(jrules); r++) {
		struct groups g = { 0 };
		for (size_t i = 0; i < j->n; i++) {
			const struct sj_jevent *e = &j->ev[i];
			if (!e->ev || strcmp(e->ev, jrules[r].ev) != 0)
				continue;
			struct group *gr = group_add(&g, jrules[r].key(e), e);
			if (!gr) {
				groups_free(&g);
				return -1;
			}
			if (e->depth > gr->depth)
				gr->depth = e->depth;
		}
		if (run_groups(&g, jrules[r].report, out))
			return -1;
	}
	struct groups g = { 0 };
	for (size_t i = 0; i < j->n; i++) {
		const struct sj_jevent *e = &j->ev[i];
		if (e->ev && strcmp(e->ev, "dispositions") == 0 && e->at && strcmp(e->at, "fork") == 0 &&
		    collect_inherited(j, e, &g)) {
			groups_free(&g);
			return -1;
		}
	}
	return run_groups(&g, report_inherited, out);
}
