/* roles.c — what a helper process of the tree is for, read off kernel
 * facts, so that a report can say it in one line:
 *
 * - a fork server: its parent is in the tree, it has children, and it
 *   alone writes pipes its parent reads (none of its children holds them):
 *   it forks workers for its parent, reaps them (it is their parent, so
 *   their exit reaches it alone), and reports their exits over those pipes.
 *   multiprocessing's forkserver writes a worker's pid and exit status to
 *   the worker's sentinel pipe, which the Pool or executor polls.
 * - a watcher: its parent is in the tree and its only wait is a read of a
 *   pipe it does not write, written by its parent and others: it ends when
 *   the last of them has gone (multiprocessing's resource tracker).
 *
 * argv only names the role ("multiprocessing's forkserver"); it never
 * decides it. */
#include "internal.h"

#include <fcntl.h>
#include <string.h>

#define MAX_LISTED 8

/* argv mentions `word` (python -c '... from multiprocessing.forkserver import main ...'). */
static int argv_mentions(const struct sj_process *p, const char *word)
{
	for (size_t i = 0; p->argv && p->argv[i]; i++)
		if (strstr(p->argv[i], word))
			return 1;
	return 0;
}

static const struct sj_process *parent_of(const struct sj_snapshot *s, const struct sj_process *p)
{
	return p->ppid != p->pid ? sj_snapshot_proc(s, p->ppid) : NULL;
}

static int holds_pipe(const struct sj_pipe_end *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].pid == pid)
			return 1;
	return 0;
}

static int child_holds(const struct sj_snapshot *s, pid_t parent, const struct sj_pipe *pp)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].ppid == parent && s->procs[i].pid != parent &&
		    (holds_pipe(pp->readers, pp->nreaders, s->procs[i].pid) ||
		     holds_pipe(pp->writers, pp->nwriters, s->procs[i].pid)))
			return 1;
	return 0;
}

/* The pipes p alone writes and its parent reads, none of its children
 * holding them: its report pipes.  Returns how many (up to max in v). */
static size_t report_pipes(const struct sj_graph *g, const struct sj_process *p,
			   const struct sj_process *m, uint64_t *v, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nfds; i++) {
		const struct sj_fd *f = &p->fds[i];
		if (f->kind != SJ_FDK_PIPE || (f->accmode & O_ACCMODE) == O_RDONLY)
			continue;
		const struct sj_pipe *pp = sj_pipe_table_find_kind(&g->pipes, SJ_FDK_PIPE, f->inode);
		int only_p = pp && pp->nwriters > 0;
		for (size_t k = 0; only_p && k < pp->nwriters; k++)
			only_p = pp->writers[k].pid == p->pid;
		if (!only_p || !holds_pipe(pp->readers, pp->nreaders, m->pid) ||
		    child_holds(g->s, p->pid, pp))
			continue;
		int dup = 0;
		for (size_t k = 0; k < n && !dup; k++)
			dup = v[k] == f->inode;
		if (!dup && n < max)
			v[n++] = f->inode;
	}
	return n;
}

static size_t children(const struct sj_snapshot *s, pid_t pid, pid_t *v, size_t max, size_t *total)
{
	size_t n = 0;
	*total = 0;
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].ppid == pid && s->procs[i].pid != pid) {
			(*total)++;
			if (n < max)
				v[n++] = s->procs[i].pid;
		}
	return n;
}

static void sb_inodes(struct sj_sb *b, const uint64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sja_sb_printf(b, "%spipe:[%llu]", i == 0 ? "" : i + 1 == n ? " and " : ", ",
			     (unsigned long long)v[i]);
}

/* "multiprocessing's forkserver: it forked and reaps pids 41 and 42 and
 * reports their exit to pid 40 over pipe:[1] and pipe:[2] (only it writes
 * them)" */
static int fork_server(struct sj_sb *b, const struct sj_graph *g, const struct sj_process *p)
{
	const struct sj_process *m = parent_of(g->s, p);
	pid_t kids[MAX_LISTED];
	uint64_t pipes[MAX_LISTED];
	size_t total, nk = m ? children(g->s, p->pid, kids, MAX_LISTED, &total) : 0;
	size_t np = nk ? report_pipes(g, p, m, pipes, MAX_LISTED) : 0;
	if (!np)
		return 0;
	if (b) {
		sja_sb_puts(b, argv_mentions(p, "multiprocessing.forkserver") ?
			   "multiprocessing's forkserver" : "a fork server");
		sja_sb_puts(b, ": it forked and reaps ");
		sja_sb_pids(b, kids, nk, 1);
		if (total > nk)
			sja_sb_printf(b, " (of %zu children)", total);
		sja_sb_printf(b, " and reports their exit to pid %d over ", (int)m->pid);
		sb_inodes(b, pipes, np);
		sja_sb_puts(b, np > 1 ? " (only it writes them)" : " (only it writes it)");
	}
	return 1;
}

/* "multiprocessing's resource tracker: it reads pipe:[3] until every
 * holder of its write end (pids 40, 41 and 42) has closed it" */
static int watcher(struct sj_sb *b, const struct sj_graph *g, const struct sj_process *p)
{
	const struct sj_process *m = parent_of(g->s, p);
	size_t pi = (size_t)(p - g->s->procs);
	const struct sj_gobj *o = NULL;
	for (size_t k = g->proc_first[pi]; m && k < g->proc_first[pi + 1]; k++) {
		const struct sj_gnode *n = &g->n[k];
		if (n->cls == SJ_NODE_DEAD)
			continue;
		if (n->t->wait.kind != SJ_WAIT_READ || n->nobjs != 1 || n->objs[0].kind != SJ_OBJ_PIPE_READ ||
		    (o && o->inode != n->objs[0].inode))
			return 0;
		o = &n->objs[0];
	}
	const struct sj_pipe *pp = o ? sj_pipe_table_find_kind(&g->pipes, o->fdkind, o->inode) : NULL;
	if (!pp || holds_pipe(pp->writers, pp->nwriters, p->pid) ||
	    !holds_pipe(pp->writers, pp->nwriters, m->pid) || pp->nwriters < 2)
		return 0;
	if (b) {
		pid_t w[MAX_LISTED];
		size_t nw = 0;
		for (size_t i = 0; i < pp->nwriters && nw < MAX_LISTED; i++) {
			int dup = 0;
			for (size_t k = 0; k < nw && !dup; k++)
				dup = w[k] == pp->writers[i].pid;
			if (!dup)
				w[nw++] = pp->writers[i].pid;
		}
		sja_sb_puts(b, argv_mentions(p, "multiprocessing.resource_tracker") ?
			   "multiprocessing's resource tracker" : "a watcher");
		sja_sb_printf(b, ": it reads pipe:[%llu] until every holder of its write end (",
			     (unsigned long long)o->inode);
		sja_sb_pids(b, w, nw, 1);
		sja_sb_puts(b, ") has closed it");
	}
	return 1;
}

int sja_sb_role(struct sj_sb *b, const struct sj_graph *g, const struct sj_process *p)
{
	return fork_server(b, g, p) || watcher(b, g, p);
}

const char *sja_role_name(const struct sj_graph *g, const struct sj_process *p)
{
	if (fork_server(NULL, g, p))
		return argv_mentions(p, "multiprocessing.forkserver") ? "multiprocessing's forkserver" :
		       "a fork server";
	return NULL;
}
