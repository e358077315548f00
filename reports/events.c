/* events.c — journal records in words, for the text renderer:
 * "read fd 5 (pipe), call 3: signal SIGKILL to self [rule 0: ...]".  One
 * describer per record kind, all reading the typed record. */
#include "internal.h"

#include <inttypes.h>
#include <string.h>

#include "names.h"

/* The signal a field names; "?" when absent (kill's existence probe is 0). */
static const char *sig_text(int sig, char *buf, size_t len)
{
	return sig > 0 ? sj_signal_text(sig, buf, len) : "?";
}

/* An errno value as the record named it: "EINTR", or its number. */
static const char *errno_text(struct sj_jnum err, char *buf, size_t len)
{
	return err.set ? sj_errno_text((int)err.v, buf, len) : "?";
}

static void ev_start(struct sj_tbuf *b, const struct sj_jevent *e)
{
	sj_tbuf_printf(b, "shim loaded in %s", e->exe ? e->exe : e->comm ? e->comm : "?");
	if (e->role)
		sj_tbuf_printf(b, " (%s", e->role);
	else
		sj_tbuf_printf(b, " (");
	if (e->rules.set)
		sj_tbuf_printf(b, "%s%" PRId64 " rule%s", e->role ? ", " : "", e->rules.v,
			       e->rules.v == 1 ? "" : "s");
	sj_tbuf_printf(b, ")");
}

static void ev_inject_action(struct sj_tbuf *b, const struct sj_jevent *e)
{
	const char *a = e->action ? e->action : "?";
	char num[24], d[32];

	if (strcmp(a, "signal") == 0 || strcmp(a, "during") == 0) {
		sj_tbuf_printf(b, "signal %s", sig_text(e->sig, num, sizeof num));
		if (e->target)
			sj_tbuf_printf(b, " to %s", e->target);
		if (e->target_pid)
			sj_tbuf_printf(b, " (%ld)", e->target_pid);
		if (strcmp(a, "during") == 0 && e->ns.set)
			sj_tbuf_printf(b, " during %s", sj_duration_text(e->ns.v, d, sizeof d));
	} else if (strcmp(a, "error") == 0) {
		const char *en = e->err >= 0 ? sj_errno_name(e->err) : NULL;
		sj_tbuf_printf(b, "fail with %s", en ? en : "?");
	} else if (strcmp(a, "retval") == 0 && e->retval.set) {
		sj_tbuf_printf(b, "return %" PRId64, e->retval.v);
	} else if (strcmp(a, "short") == 0 && e->short_len.set) {
		sj_tbuf_printf(b, "short transfer of %" PRId64 " bytes", e->short_len.v);
	} else if (strcmp(a, "delay") == 0 && e->ns.set) {
		sj_tbuf_printf(b, "delay %s", sj_duration_text(e->ns.v, d, sizeof d));
	} else if (strcmp(a, "exit") == 0) {
		sj_tbuf_printf(b, "exit");
		if (e->code >= 0)
			sj_tbuf_printf(b, " %d", e->code);
		else if (e->retval.set)
			sj_tbuf_printf(b, " %" PRId64, e->retval.v);
	} else {
		sj_tbuf_printf(b, "%s", a);
	}
}

static void ev_inject(struct sj_tbuf *b, const struct sj_jevent *e)
{
	sj_tbuf_printf(b, "%s", e->func ? e->func : e->hook ? e->hook : "?");
	if (e->fd >= 0)
		sj_tbuf_printf(b, " fd %d", e->fd);
	if (e->fdkind)
		sj_tbuf_printf(b, " (%s)", e->fdkind);
	if (e->n)
		sj_tbuf_printf(b, ", call %ld", e->n);
	sj_tbuf_printf(b, ": ");
	ev_inject_action(b, e);
	if (e->rule.set)
		sj_tbuf_printf(b, " [rule %" PRId64 "%s%s]", e->rule.v, e->spec ? ": " : "",
			       e->spec ? e->spec : "");
}

static void ev_fork(struct sj_tbuf *b, const struct sj_jevent *e)
{
	sj_tbuf_printf(b, "%s -> child %d", e->func ? e->func : "fork", (int)e->child);
	if (e->cmd)
		sj_tbuf_printf(b, " (%s)", e->cmd);
}

static void ev_dispositions(struct sj_tbuf *b, const struct sj_jevent *e)
{
	char num[24];
	sj_tbuf_printf(b, "at %s:", e->at ? e->at : "?");
	if (!e->ndisps) {
		sj_tbuf_printf(b, " all default");
		return;
	}
	for (size_t i = 0; i < e->ndisps; i++) {
		const struct sj_jdisp *d = &e->disps[i];
		sj_tbuf_printf(b, "%s %s %s%s", i ? "," : "", sig_text(d->sig, num, sizeof num),
			       d->disp ? d->disp : "?", d->python ? " (python)" : "");
	}
}

static void ev_handler(struct sj_tbuf *b, const struct sj_jevent *e)
{
	char num[24];
	sj_tbuf_printf(b, "%s(%s) -> %s", e->func ? e->func : "sigaction",
		       sig_text(e->sig, num, sizeof num), e->disp ? e->disp : "?");
	if (e->module) {
		sj_tbuf_printf(b, " in %s", sj_basename(e->module));
		if (e->off.set)
			sj_tbuf_printf(b, "+0x%" PRIx64, (uint64_t)e->off.v);
	}
	if (e->python)
		sj_tbuf_printf(b, " (python)");
	if (e->flags && e->flags[0])
		sj_tbuf_printf(b, " [%s]", e->flags);
}

static void ev_deliver(struct sj_tbuf *b, const struct sj_jevent *e)
{
	char num[24];
	sj_tbuf_printf(b, "%s delivered", sig_text(e->sig, num, sizeof num));
	if (e->si_code)
		sj_tbuf_printf(b, " (%s", e->si_code);
	if (e->from.set)
		sj_tbuf_printf(b, "%sfrom %" PRId64, e->si_code ? ", " : " (", e->from.v);
	if (e->si_code || e->from.set)
		sj_tbuf_printf(b, ")");
	if (e->depth > 1)
		sj_tbuf_printf(b, ", nesting depth %d", e->depth);
}

static void ev_unsafe(struct sj_tbuf *b, const struct sj_jevent *e)
{
	char num[24];
	sj_tbuf_printf(b, "%s() called in a %s handler", e->call ? e->call : "?",
		       sig_text(e->sig, num, sizeof num));
}

static void ev_errno(struct sj_tbuf *b, const struct sj_jevent *e)
{
	char num[24], before[24], after[24];
	sj_tbuf_printf(b, "%s handler changed errno %s -> %s", sig_text(e->sig, num, sizeof num),
		       errno_text(e->before, before, sizeof before),
		       errno_text(e->after, after, sizeof after));
}

static void ev_nested(struct sj_tbuf *b, const struct sj_jevent *e)
{
	char num[24], onum[24];
	sj_tbuf_printf(b, "%s handler started inside the %s handler",
		       sig_text(e->sig, num, sizeof num), sig_text(e->outer, onum, sizeof onum));
	if (e->depth)
		sj_tbuf_printf(b, " (depth %d)", e->depth);
}

static void ev_reap(struct sj_tbuf *b, const struct sj_jevent *e)
{
	sj_tbuf_printf(b, "%s reaped child %d: %s", e->func ? e->func : "wait", (int)e->child,
		       e->status ? e->status : "?");
}

static void ev_kill(struct sj_tbuf *b, const struct sj_jevent *e)
{
	char num[24];
	const char *t = e->target;
	char tbuf[24];
	if (!t && e->target_pid) {
		snprintf(tbuf, sizeof tbuf, "%ld", e->target_pid);
		t = tbuf;
	}
	sj_tbuf_printf(b, "%s(%s, %s)", e->func ? e->func : "kill", t ? t : "?",
		       sig_text(e->sig, num, sizeof num));
}

static void ev_exit(struct sj_tbuf *b, const struct sj_jevent *e)
{
	sj_tbuf_printf(b, "%s(%d)", e->func ? e->func : "exit", e->code);
}

static const struct {
	const char *ev;
	void (*describe)(struct sj_tbuf *, const struct sj_jevent *);
} ev_table[] = {
	{ "start", ev_start }, { "inject", ev_inject }, { "fork", ev_fork },
	{ "spawn", ev_fork }, { "dispositions", ev_dispositions }, { "handler", ev_handler },
	{ "deliver", ev_deliver }, { "unsafe", ev_unsafe }, { "errno", ev_errno },
	{ "nested", ev_nested }, { "reap", ev_reap }, { "kill", ev_kill }, { "exit", ev_exit },
};

const char *rp_jevent_describe(const struct sj_jevent *e, char *buf, size_t len)
{
	struct sj_tbuf b;
	sj_tbuf_init(&b, buf, len);
	for (size_t i = 0; i < sizeof ev_table / sizeof ev_table[0]; i++)
		if (e->ev && strcmp(e->ev, ev_table[i].ev) == 0) {
			ev_table[i].describe(&b, e);
			return buf;
		}
	sj_tbuf_printf(&b, "(unknown record kind)");
	return buf;
}
