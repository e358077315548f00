/* verdict.c — one sentence per root cause, for the first lines of a report:
 * "worker pid 6057 was killed by SIGKILL (injected at its 3rd pipe read);
 * its parent pid 6050 waits for its result for ever; pids 6050, 6058 and
 * 6059 are deadlocked."
 *
 * A lost worker gets a sentence of its own, built from its records (the
 * injection or the kill that ended it); every other kind says the head of
 * its cause, cut at a clause break.  When the root cause led to a hang
 * (a deadlock, a quiescent tree) the hang is named after it. */
#include "internal.h"

#include <string.h>

#define MAX_LISTED 3   /* pids named in a verdict before "and N more" */

int sja_pid_alive(const struct sj_snapshot *s, pid_t pid)
{
	const struct sj_process *p = s ? sj_snapshot_proc(s, pid) : NULL;
	return p && p->state != 'Z';
}

/* Characters (UTF-8 code points) in s[0..len). */
static size_t chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* Clause breaks, strongest first: a verdict cut at "; " reads as a whole
 * sentence, one cut at a bare space as a fragment. */
static const char *const breaks[] = { "; ", ": ", ", ", " " };

/* The length of the longest head of text that fits in max characters and
 * ends at the strongest clause break that leaves one (never inside
 * parentheses); the whole text when it fits; a cut at max characters when
 * it has no break at all.  A final "." is not counted. */
static size_t clause_cut(const char *text, size_t max)
{
	size_t len = strlen(text);
	if (len && text[len - 1] == '.')
		len--;
	if (chars(text, len) <= max)
		return len;
	for (size_t k = 0; k < sizeof breaks / sizeof breaks[0]; k++) {
		size_t best = 0, blen = strlen(breaks[k]), n = 0;
		int depth = 0;
		for (size_t i = 0; i < len && n <= max; i++) {
			depth += text[i] == '(' ? 1 : text[i] == ')' && depth > 0 ? -1 : 0;
			if (depth == 0 && i > 0 && strncmp(text + i, breaks[k], blen) == 0)
				best = i;
			n += ((unsigned char)text[i] & 0xc0) != 0x80;
		}
		if (best)
			return best;
	}
	size_t i = 0;
	for (size_t n = 0; i < len && n < max; i++)
		n += ((unsigned char)text[i] & 0xc0) != 0x80;
	while (i < len && ((unsigned char)text[i] & 0xc0) == 0x80)
		i++;
	return i > 0 && chars(text, i) > max ? i - 1 : i;
}

/* "pid 12", "pids 12 and 13", "pids 12, 13, 14 and 2 more". */
static void sb_pid_list(struct sj_sb *b, const pid_t *v, size_t n)
{
	if (n <= MAX_LISTED) {
		sja_sb_pids(b, v, n, 1);
		return;
	}
	sja_sb_puts(b, "pids ");
	for (size_t i = 0; i < MAX_LISTED; i++)
		sja_sb_printf(b, "%s%d", i ? ", " : "", (int)v[i]);
	sja_sb_printf(b, " and %zu more", n - MAX_LISTED);
}

/* ---- root clauses ---- */

static const struct sj_jevent *record(const struct sj_journal *j, size_t idx)
{
	return j && idx < j->n ? &j->ev[idx] : NULL;
}

static int is_ev(const struct sj_jevent *e, const char *ev)
{
	return e && e->ev && strcmp(e->ev, ev) == 0;
}

/* The injection could have ended the process: it crashed or exited it, or
 * sent the signal the process died of (a delay or an error did not). */
static int ends_it(const struct sj_jevent *e, int sig)
{
	if (e->action && (strstr(e->action, "crash") || strstr(e->action, "exit")))
		return 1;
	return sig > 0 && e->sig == sig;
}

/* "worker pid V was killed by SIGKILL (injected at its 3rd pipe read); its
 * parent pid P waits for its result for ever".  0 when the finding does
 * not name one dead and one live process (then the cause speaks). */
static int sb_lost_worker(struct sj_sb *b, const struct sj_finding *f, const struct sj_snapshot *s,
			  const struct sj_journal *j)
{
	pid_t victim = 0, alive[2] = { 0, 0 };
	size_t nalive = 0;
	for (size_t i = 0; i < f->npids; i++) {
		if (!sja_pid_alive(s, f->pids[i]))
			victim = victim ? victim : f->pids[i];
		else if (nalive < 2)
			alive[nalive++] = f->pids[i];
	}
	if (!victim || !nalive)
		return 0;
	const struct sj_jevent *inj = NULL, *kill = NULL, *reap = NULL;
	for (size_t i = 0; i < f->nrecords; i++) {
		const struct sj_jevent *e = record(j, f->records[i]);
		if (is_ev(e, "inject") && (e->pid == victim || e->target_pid == victim) && ends_it(e, f->sig))
			inj = e;
		else if (is_ev(e, "kill") && e->target_pid == victim && e->sig > 0)
			kill = e;
		else if (is_ev(e, "reap") && e->child == victim)
			reap = e;
	}
	/* Two live processes: a fork server that reaped the worker, and the
	 * process it reports to, which waits. */
	pid_t parent = alive[0], waiter = alive[0];
	if (nalive == 2 && reap)
		waiter = reap->pid == alive[0] ? alive[1] : alive[0], parent = reap->pid;
	char sig[24];
	sja_sb_printf(b, "worker pid %d ", (int)victim);
	if (inj && inj->action && strstr(inj->action, "crash"))
		sja_sb_printf(b, "crashed with %s", sj_signal_text(f->sig, sig, sizeof sig));
	else if (f->sig > 0)
		sja_sb_printf(b, "was killed by %s", sj_signal_text(f->sig, sig, sizeof sig));
	else
		sja_sb_puts(b, inj ? "was made to exit" : "exited");
	if (inj) {
		sja_sb_puts(b, " (injected");
		if (inj->n > 0 && inj->hook) {
			sja_sb_puts(b, " at its ");
			sja_sb_ordinal(b, inj->n);
			sja_sb_printf(b, " %s%s%s", inj->fdkind ? inj->fdkind : "", inj->fdkind ? " " : "",
				     inj->hook);
		}
		sja_sb_puts(b, ")");
	} else if (kill) {
		sja_sb_printf(b, " (sent by pid %d)", (int)kill->pid);
	}
	if (waiter != parent)
		sja_sb_printf(b, "; pid %d waits for its result for ever (pid %d, its parent, reaped it)",
			     (int)waiter, (int)parent);
	else
		sja_sb_printf(b, "; its parent pid %d waits for its result for ever", (int)parent);
	return 1;
}

/* ---- what the root cause led to ---- */

/* "pids 12, 13 and 14 are deadlocked" (or "are blocked for good"). */
static void sb_consequence(struct sj_sb *b, const struct sj_finding *c)
{
	sb_pid_list(b, c->pids, c->npids);
	if (c->kind == SJ_FIND_DEADLOCK)
		sja_sb_puts(b, c->npids == 1 ? " is deadlocked" : " are deadlocked");
	else
		sja_sb_puts(b, c->npids == 1 ? " is blocked for good" : " are blocked for good");
}

/* The first hang finding `root` explains, in report order; NULL if none. */
static const struct sj_finding *hang_of(const struct sj_findings *fs, size_t root)
{
	for (size_t k = 0; k < fs->n; k++) {
		const struct sj_finding *c = &fs->v[k];
		if (c->kind != SJ_FIND_DEADLOCK && c->kind != SJ_FIND_QUIESCENT)
			continue;
		for (size_t i = 0; i < c->nexplained_by; i++)
			if (c->explained_by[i] == root)
				return c;
	}
	return NULL;
}

char *sja_verdict(const struct sj_findings *fs, size_t root, const struct sj_snapshot *s,
		  const struct sj_journal *j)
{
	const struct sj_finding *f = &fs->v[root];
	const struct sj_finding *cons = hang_of(fs, root);
	struct sj_sb head = { 0 }, tail = { 0 }, out = { 0 };
	if (cons && f->kind != SJ_FIND_DEADLOCK && f->kind != SJ_FIND_QUIESCENT)
		sb_consequence(&tail, cons);
	if (f->kind != SJ_FIND_LOST_WORKER || !sb_lost_worker(&head, f, s, j))
		sja_sb_puts(&head, f->cause ? f->cause : sj_kind_info(f->kind)->short_desc);
	/* "; " + tail + "." must fit as well. */
	size_t room = SJ_VERDICT_MAX - 1 - (tail.len ? chars(tail.s, tail.len) + 2 : 0);
	if (head.s && !head.oom && !tail.oom) {
		sja_sb_printf(&out, "%.*s", (int)clause_cut(head.s, room), head.s);
		if (tail.len)
			sja_sb_printf(&out, "; %s", tail.s);
		sja_sb_puts(&out, ".");
	} else {
		out.oom = 1;
	}
	sja_sb_free(&head);
	sja_sb_free(&tail);
	return sja_sb_take(&out);
}
