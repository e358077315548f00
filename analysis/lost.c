/* lost.c — lost-worker: the journal shows a child died (killed by a signal,
 * crashed, or made to exit by an injection) and the snapshot shows its
 * parent still waiting, blocked with no timeout.  This is the
 * multiprocessing.Pool hang of bpo-22393: the pool replaces the worker, the
 * task it held is gone, and the parent waits for its result forever.
 *
 * Both halves are needed: a death alone is what the CLI lists as deaths; a
 * waiting parent alone is what the deadlock detector judges. */
#include "internal.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>


#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

/* Signals whose default action does not end the process (signal(7)). */
static const int nonfatal_signals[] = {
	SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU,
};

static int fatal_by_default(int sig)
{
	if (sig <= 0)
		return 0;
	for (size_t i = 0; i < NROWS(nonfatal_signals); i++)
		if (nonfatal_signals[i] == sig)
			return 0;
	return 1;
}

struct death {
	pid_t victim, parent;
	int sig;                       /* 0: it exited */
	const struct sj_jevent *inj;   /* the injection that killed it, if any */
	const struct sj_jevent *reap;  /* the parent's reap record, if any */
};

struct deaths {
	struct death *v;
	size_t n, cap;
};

static int has_action(const struct sj_jevent *e, const char *want)
{
	/* "action" is one word, but tolerate "delay+signal" style lists. */
	size_t n = strlen(want);
	for (const char *a = e->action; a && (a = strstr(a, want)); a += n) {
		int start = a == e->action || a[-1] == '+' || a[-1] == ',' || a[-1] == '|';
		int end = a[n] == '\0' || a[n] == '+' || a[n] == ',' || a[n] == '|';
		if (start && end)
			return 1;
	}
	return 0;
}

static int later_activity(const struct sj_journal *j, const struct sj_jevent *e, pid_t pid)
{
	for (size_t i = 0; i < j->n; i++)
		if (j->ev[i].pid == pid && j->ev[i].t_ns > e->t_ns)
			return 1;
	return 0;
}

/* Who an injection killed, and by which signal (0 for exit=N); 0 if it
 * killed nobody we can name. */
static pid_t inject_victim(const struct sj_jevent *e, int *sig)
{
	if (has_action(e, "crash")) {
		*sig = SIGSEGV;
		return e->pid;
	}
	if (has_action(e, "exit")) {
		*sig = 0;
		return e->pid;
	}
	if (!has_action(e, "signal") || !fatal_by_default(e->sig))
		return 0;
	*sig = e->sig;
	/* A fatal signal sent to one thread still ends the whole process. */
	if (!e->target || strcmp(e->target, "self") == 0 || strcmp(e->target, "thread") == 0)
		return e->pid;
	if (strcmp(e->target, "parent") == 0 && e->target_pid > 0)
		return (pid_t)e->target_pid;
	return 0;   /* group/children: which pids received it is not recorded */
}

static struct death *find_death(struct deaths *d, pid_t victim)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].victim == victim)
			return &d->v[i];
	return NULL;
}

static struct death *add_death(struct deaths *d, pid_t victim)
{
	struct death *x = find_death(d, victim);
	if (x)
		return x;
	if (sja_grow((void **)&d->v, &d->cap, d->n, sizeof *d->v))
		return NULL;
	x = &d->v[d->n++];
	memset(x, 0, sizeof *x);
	x->victim = victim;
	return x;
}

static pid_t parent_of(const struct sj_journal *j, pid_t victim)
{
	for (size_t i = 0; i < j->n; i++) {
		const struct sj_jevent *e = &j->ev[i];
		if (e->ev && strcmp(e->ev, "fork") == 0 && e->child == victim)
			return e->pid;
	}
	for (size_t i = 0; i < j->n; i++)
		if (j->ev[i].pid == victim && j->ev[i].ppid > 0)
			return j->ev[i].ppid;
	return 0;
}

static int collect(const struct sj_journal *j, struct deaths *d)
{
	for (size_t i = 0; i < j->n; i++) {
		const struct sj_jevent *e = &j->ev[i];
		if (!e->ev)
			continue;
		if (strcmp(e->ev, "reap") == 0 && e->child > 0 && e->sig > 0) {
			struct death *x = add_death(d, e->child);
			if (!x)
				return -1;
			x->reap = e;
			x->parent = e->pid;
			if (!x->inj)
				x->sig = e->sig;
		} else if (strcmp(e->ev, "inject") == 0) {
			int sig = 0;
			pid_t v = inject_victim(e, &sig);
			if (!v || later_activity(j, e, v))
				continue;
			struct death *x = add_death(d, v);
			if (!x)
				return -1;
			x->inj = e;
			x->sig = sig;
		}
	}
	/* An injected exit=N is reaped as a plain exit: attach that record too,
	 * for its code and to know the parent for sure. */
	for (size_t i = 0; i < j->n; i++) {
		const struct sj_jevent *e = &j->ev[i];
		struct death *x = e->ev && strcmp(e->ev, "reap") == 0 ? find_death(d, e->child) : NULL;
		if (x && !x->reap) {
			x->reap = e;
			x->parent = e->pid;
		}
	}
	for (size_t i = 0; i < d->n; i++)
		if (!d->v[i].parent)
			d->v[i].parent = parent_of(j, d->v[i].victim);
	return 0;
}

/* Who waits for a worker's results: its parent, or the process a fork
 * server parent reports its exit to (multiprocessing's forkserver reaps the
 * worker; the Pool in its parent waits). */
static const struct sj_process *waiter_of(const struct sj_graph *g, const struct sj_process *p)
{
	const struct sj_process *m = sja_role_name(g, p) ? sj_snapshot_proc(g->s, p->ppid) : NULL;
	return m && m->state != 'Z' ? m : p;
}

/* The snapshot side: the victim is gone (or a zombie) and every live
 * thread of whoever waits for its results is blocked with no timeout. */
static const struct sj_process *waiting_parent(const struct sj_graph *g, const struct death *x)
{
	const struct sj_process *v = sj_snapshot_proc(g->s, x->victim);
	const struct sj_process *p = sj_snapshot_proc(g->s, x->parent);
	if ((v && v->state != 'Z') || !p || p->state == 'Z')
		return NULL;
	p = waiter_of(g, p);
	size_t pi = (size_t)(p - g->s->procs), live = 0;
	for (size_t k = g->proc_first[pi]; k < g->proc_first[pi + 1]; k++) {
		enum sj_node_class c = g->n[k].cls;
		if (c == SJ_NODE_PROGRESS || c == SJ_NODE_READY)
			return NULL;
		live += c != SJ_NODE_DEAD;
	}
	return live ? p : NULL;
}

static void sb_death(struct sj_sb *b, const struct sj_journal *j, const struct death *x)
{
	const struct sj_jevent *when = x->inj ? x->inj : x->reap;
	if (x->inj && has_action(x->inj, "crash")) {
		sja_sb_puts(b, "crashed with SIGSEGV");
	} else if (x->sig) {
		char name[24];
		sja_sb_printf(b, "was killed by %s", sj_signal_text(x->sig, name, sizeof name));
	} else {
		sja_sb_puts(b, "was made to exit");
		if (x->reap && x->reap->code >= 0)
			sja_sb_printf(b, " with code %d", x->reap->code);
	}
	if (x->reap && x->reap->core > 0)
		sja_sb_puts(b, " (core dumped)");
	sja_sb_puts(b, " at t=");
	sja_sb_seconds(b, sja_jtime(j, when));
	if (x->inj) {
		/* "(3rd pipe read, injected)" */
		sja_sb_puts(b, " (");
		if (x->inj->n > 0 && x->inj->hook) {
			sja_sb_ordinal(b, x->inj->n);
			sja_sb_puts(b, " ");
			if (x->inj->fdkind)
				sja_sb_printf(b, "%s ", x->inj->fdkind);
			sja_sb_printf(b, "%s, ", x->inj->hook);
		}
		sja_sb_puts(b, "injected)");
	} else {
		sja_sb_printf(b, " (reaped by pid %d)", (int)x->reap->pid);
	}
}

static const char advice_lost[] =
	"The parent never learns that this worker died: have it watch every worker's exit (waitpid, "
	"a pidfd or a sentinel pipe) together with the result pipe, and fail or re-dispatch the task.";
static const char advice_lost_py[] =
	"multiprocessing.Pool silently replaces a dead worker and loses its task (bpo-22393): use "
	"concurrent.futures.ProcessPoolExecutor, which raises BrokenProcessPool, or "
	"AsyncResult.get(timeout=...).";

static int report(const struct sj_graph *g, const struct sj_journal *j, const struct death *x,
		  const struct sj_process *p, struct sj_findings *out)
{
	struct sj_fb fb;
	struct sj_sb b = { 0 };
	int python = 0;
	size_t pi = (size_t)(p - g->s->procs);
	sja_fb_init(&fb, SJ_FIND_LOST_WORKER);
	fb.f.sig = x->sig;

	const struct sj_process *fs = p->pid != x->parent ? sj_snapshot_proc(g->s, x->parent) : NULL;
	sja_sb_printf(&b, "worker pid %d ", (int)x->victim);
	sb_death(&b, j, x);
	if (fs)
		sja_sb_printf(&b, " while pid %d, to which its parent pid %d (%s) reports its exit, still "
			     "waits for results: ", (int)p->pid, (int)fs->pid, sja_role_name(g, fs));
	else
		sja_sb_printf(&b, " while its parent pid %d still waits for results: ", (int)p->pid);
	sja_sb_proc_activity(&b, g, p);
	sja_sb_puts(&b, ".");
	sja_fb_cause(&fb, &b);

	sja_sb_puts(&b, "worker ");
	sb_death(&b, j, x);
	if (x->inj && x->inj->spec)
		sja_sb_printf(&b, " by rule %s", x->inj->spec);
	sja_fb_evidence(&fb, x->victim, 0, sja_sb_take(&b));
	if (x->inj)
		sja_fb_record(&fb, (size_t)(x->inj - j->ev));
	if (x->reap)
		sja_fb_record(&fb, (size_t)(x->reap - j->ev));
	sja_fb_pid(&fb, x->victim);
	sja_fb_pid(&fb, p->pid);
	if (fs) {
		sja_fb_pid(&fb, fs->pid);
		if (sja_sb_role(&b, g, fs))
			sja_fb_evidence(&fb, fs->pid, 0, sja_sb_take(&b));
		sja_sb_free(&b);
	}
	for (size_t k = g->proc_first[pi]; k < g->proc_first[pi + 1]; k++) {
		const struct sj_gnode *n = &g->n[k];
		if (n->cls == SJ_NODE_DEAD)
			continue;
		python |= n->t->is_python;
		sja_sb_puts(&b, "still waits: ");
		sja_sb_wait(&b, g->s, p, n->t, 0);
		sja_sb_where(&b, n->t);
		sja_fb_evidence(&fb, p->pid, n->t->tid, sja_sb_take(&b));
		sja_fb_thread_locations(&fb, n->t);
	}
	sja_fb_advice(&fb, python ? advice_lost_py : advice_lost);
	return sja_fb_commit(&fb, out);
}

int sja_detect_lost_workers(const struct sj_graph *g, const struct sj_journal *j, struct sj_findings *out)
{
	struct deaths d = { 0 };
	int rc = collect(j, &d);
	for (size_t i = 0; i < d.n && rc == 0; i++) {
		const struct sj_process *p = waiting_parent(g, &d.v[i]);
		if (p)
			rc = report(g, j, &d.v[i], p, out);
	}
	free(d.v);
	return rc;
}
