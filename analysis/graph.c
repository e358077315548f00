/* graph.c — the wait-for graph: one node per thread, its class, what it
 * waits on and which threads could end that wait; then the knots.
 *
 * A knot is the greatest set of blocked threads in which every member's
 * possible wakers are all members.  Pipe waits are OR-waits (any writer can
 * wake a reader), so a plain cycle search would be wrong: a reader with one
 * running writer among three is not stuck.  We therefore start from every
 * thread blocked forever on something inside the snapshot, drop any thread
 * with a waker outside the set, and repeat to a fixpoint (docs/analysis.md). */
#include "internal.h"

#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* What a wait on an fd of each kind means when its other end cannot be
 * resolved through the pipe table. */
enum fd_rule { FD_PIPE, FD_SOCKET, FD_PEER, FD_UNKNOWN };

static const struct {
	enum fd_rule rule;
	const char *why;
} fd_rules[] = {
	[SJ_FDK_UNKNOWN] = { FD_UNKNOWN, "an fd of unknown kind" },
	[SJ_FDK_PIPE] = { FD_PIPE, NULL },
	[SJ_FDK_FIFO] = { FD_PIPE, NULL },
	[SJ_FDK_SOCKET] = { FD_SOCKET, NULL },
	[SJ_FDK_FILE] = { FD_PEER, "a file, which its file system serves" },
	[SJ_FDK_TTY] = { FD_PEER, "a terminal, whose user is outside" },
	[SJ_FDK_CHR] = { FD_PEER, "a device" },
	/* Every anon_inode fd shows the same inode, so /proc cannot say which
	 * processes share one eventfd: who could write it is unknown. */
	[SJ_FDK_EVENTFD] = { FD_UNKNOWN, "an eventfd, whose sharers /proc cannot tell apart" },
	[SJ_FDK_EPOLL] = { FD_UNKNOWN, "a nested epoll fd" },
	[SJ_FDK_SIGNALFD] = { FD_PEER, "a signalfd: any process may send the signal" },
	[SJ_FDK_TIMERFD] = { FD_PEER, "a timerfd, which time may fire" },
	[SJ_FDK_PIDFD] = { FD_UNKNOWN, "a pidfd" },
	[SJ_FDK_ANON] = { FD_UNKNOWN, "an anonymous-inode fd" },
};

/* Waits whose class follows from the kind alone. */
static const struct {
	enum sj_node_class cls;
	const char *why;
} plain_waits[] = {
	[SJ_WAIT_NONE] = { SJ_NODE_PROGRESS, "it runs" },
	[SJ_WAIT_SLEEP] = { SJ_NODE_PROGRESS, "a sleep, which ends by itself" },
	[SJ_WAIT_SIGNAL] = { SJ_NODE_PEER, "a signal, which any process may send" },
	[SJ_WAIT_STOPPED] = { SJ_NODE_PEER, "SIGCONT: it is stopped" },
	[SJ_WAIT_OTHER] = { SJ_NODE_UNKNOWN, "a syscall the model does not decode" },
};

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))
/* A pipe buffer page: a writer blocks until a page frees (fs/pipe.c). */
#define PIPE_PAGE 4096u

static int is_zombie_proc(const struct sj_process *p)
{
	return p->state == 'Z' || p->state == 'X';
}

static int is_dead_thread(const struct sj_process *p, const struct sj_thread *t)
{
	return is_zombie_proc(p) || t->state == 'Z' || t->state == 'X';
}

/* ---- pipe waits ---- */

static struct sja_fdres fd_obj(const struct sj_graph *g, struct sj_gnode *n, int fd, int dir)
{
	const struct sj_fd *f = sj_process_fd(n->p, fd);
	if (!f)
		return (struct sja_fdres){ .cls = SJ_NODE_UNKNOWN, .why = "an fd missing from its fd table" };
	unsigned k = (unsigned)f->kind < NROWS(fd_rules) ? (unsigned)f->kind : SJ_FDK_UNKNOWN;
	if (fd_rules[k].rule == FD_SOCKET)
		return sja_socket_obj(g, n, f, dir);
	if (fd_rules[k].rule != FD_PIPE)
		return (struct sja_fdres){ .cls = fd_rules[k].rule == FD_PEER ? SJ_NODE_PEER : SJ_NODE_UNKNOWN,
				       .why = fd_rules[k].why };
	const struct sj_pipe *pp = sj_pipe_table_find_kind(&g->pipes, f->kind, f->inode);
	/* dir 0: data or EOF comes from writers; 1: room comes from readers. */
	for (int d = 0; d < 2; d++) {
		if (!(dir == 2 || dir == d))
			continue;
		/* What the kernel held before the stop: data to read, or a page
		 * of room to write into, means the call is being woken. */
		if (f->pipe_size && (d == 0 ? f->pipe_queued > 0 : f->pipe_size - f->pipe_queued >= PIPE_PAGE))
			return (struct sja_fdres){ .cls = SJ_NODE_PROGRESS, .why = d == 0 ?
				"data already in the pipe" : "room already in the pipe" };
		const struct sj_pipe_end *ends = pp ? (d == 0 ? pp->writers : pp->readers) : NULL;
		size_t nends = pp ? (d == 0 ? pp->nwriters : pp->nreaders) : 0;
		/* A read with no writer left returns EOF at once, a write with no
		 * reader EPIPE: a thread blocked there has a peer we do not see. */
		if (nends == 0)
			return (struct sja_fdres){ .cls = SJ_NODE_PEER, .why = d == 0 ?
				"a pipe whose write end is held outside the snapshot" :
				"a pipe whose read end is held outside the snapshot" };
		struct sj_gobj *o = sja_new_obj(n, d == 0 ? SJ_OBJ_PIPE_READ : SJ_OBJ_PIPE_WRITE);
		if (!o)
			return (struct sja_fdres){ .oom = 1 };
		o->fd = fd;
		o->inode = f->inode;
		o->fdkind = f->kind;
		for (size_t e = 0; e < nends; e++)
			if (sja_add_pid_wakers(g, o, ends[e].pid))
				return (struct sja_fdres){ .oom = 1 };
	}
	return (struct sja_fdres){ .cls = SJ_NODE_INSIDE };
}

/* A wait over several fds (poll) is an OR-wait: any fd may end it, so one
 * outside party is enough to take the thread out of every knot.  PEER wins
 * over UNKNOWN: a loop polling a socket is an idle server, not a mystery. */
static int merge_fdres(struct sj_gnode *n, struct sja_fdres r)
{
	if (r.oom)
		return -1;
	if (n->cls == SJ_NODE_PROGRESS)
		return 0; /* one ready fd ends the whole wait */
	if (r.cls == SJ_NODE_PROGRESS) {
		n->cls = SJ_NODE_PROGRESS;
		n->why = r.why;
	} else if (r.cls == SJ_NODE_PEER && n->cls != SJ_NODE_PEER) {
		n->cls = SJ_NODE_PEER;
		n->why = r.why;
	} else if (r.cls == SJ_NODE_UNKNOWN && n->cls == SJ_NODE_INSIDE) {
		n->cls = SJ_NODE_UNKNOWN;
		n->why = r.why;
	}
	return 0;
}

static int classify_fds(const struct sj_graph *g, struct sj_gnode *n, int force_dir)
{
	const struct sj_wait *w = &n->t->wait;
	n->cls = SJ_NODE_INSIDE;
	if (w->nfds == 0) {
		n->cls = w->kind == SJ_WAIT_POLL ? SJ_NODE_PEER : SJ_NODE_UNKNOWN;
		n->why = w->kind == SJ_WAIT_POLL ? "a signal: it polls no fd" :
			"an fd the capture could not name";
		return 0;
	}
	size_t nfds = w->kind == SJ_WAIT_POLL ? w->nfds : 1;
	for (size_t i = 0; i < nfds; i++) {
		int dir = force_dir >= 0 ? force_dir : w->fds[i].dir;
		if (merge_fdres(n, fd_obj(g, n, w->fds[i].fd, dir)))
			return -1;
	}
	return 0;
}

/* ---- child waits ---- */

/* Which children a wait4/waitid pid argument selects (wait4(2)). */
static int child_matches(const struct sj_process *waiter, const struct sj_process *c, pid_t arg)
{
	if (c->ppid != waiter->pid)
		return 0;
	if (arg > 0)
		return c->pid == arg;
	if (arg == -1)
		return 1;
	if (arg == 0)
		return c->pgid == waiter->pgid;
	return c->pgid == -arg;
}

static int classify_child(const struct sj_graph *g, struct sj_gnode *n)
{
	const struct sj_snapshot *s = g->s;
	size_t nmatch = 0;
	/* An unreaped matching zombie means the wait is already satisfied:
	 * the thread just has not run yet. */
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct sj_process *c = &s->procs[i];
		if (!child_matches(n->p, c, n->t->wait.wait_pid))
			continue;
		nmatch++;
		if (is_zombie_proc(c)) {
			n->cls = SJ_NODE_READY;
			n->why = "a child that has already exited";
			return 0;
		}
	}
	/* wait4 with no matching child fails with ECHILD at once; blocked
	 * means the child exists but the snapshot lacks it. */
	if (nmatch == 0) {
		n->cls = SJ_NODE_UNKNOWN;
		n->why = "a child that is not in the snapshot";
		return 0;
	}
	n->cls = SJ_NODE_INSIDE;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct sj_process *c = &s->procs[i];
		if (!child_matches(n->p, c, n->t->wait.wait_pid))
			continue;
		struct sj_gobj *o = sja_new_obj(n, SJ_OBJ_CHILD);
		if (!o)
			return -1;
		o->child = c->pid;
		if (sja_add_proc_wakers(g, o, i, (size_t)-1))
			return -1;
	}
	return 0;
}

/* ---- futex waits ---- */

static int map_shared(const struct sj_map *m)
{
	return m->perms[3] == 's';
}

/* Does mapping m of another process cover the same futex word as `key`
 * (the waiter's mapping) at file offset off?  The kernel keys a shared
 * futex by the backing object: inode + page offset for files and shmem.
 * A MAP_SHARED anonymous region is shmem too and /proc shows its inode
 * ("/dev/zero (deleted)"); if a capture reports inode 0 anyway, we accept
 * the same address range, which fork preserves — a superset of sharers. */
static int map_covers(const struct sj_map *m, const struct sj_map *key, uint64_t off, uint64_t addr)
{
	if (key->inode == 0)
		return m->inode == 0 && map_shared(m) && m->start == key->start && m->end == key->end &&
		       addr >= m->start && addr < m->end;
	return m->inode == key->inode && m->dev_major == key->dev_major &&
	       m->dev_minor == key->dev_minor && off >= m->offset &&
	       off < m->offset + (m->end - m->start);
}

/* pthread_join waits on the joined thread's tid word (in its descriptor,
 * at the top of its stack mapping) comparing it with that tid, for as long
 * as the thread lives; the kernel clears the word and wakes the waiter when
 * the thread exits (CLONE_CHILD_CLEARTID).  So a futex wait whose compared
 * value is the tid of another live thread of the process, on a word in the
 * private mapping that holds that thread's stack pointer, is ended by that
 * thread's exit alone.  NULL when the wait is not such a join (or the
 * joined thread's stack pointer is unknown: it runs). */
static const struct sj_gnode *joined_node(const struct sj_graph *g, const struct sj_gnode *n)
{
	const struct sj_wait *w = &n->t->wait;
	if (w->futex_op != FUTEX_WAIT && w->futex_op != FUTEX_WAIT_BITSET)
		return NULL;
	pid_t tid = (pid_t)(uint32_t)n->t->syscall_args[2];
	const struct sj_map *m = sj_process_map(n->p, w->futex_addr);
	if (!m || map_shared(m) || m->inode != 0)
		return NULL;
	for (size_t k = g->proc_first[n->pi]; k < g->proc_first[n->pi + 1]; k++) {
		const struct sj_gnode *j = &g->n[k];
		if (j == n || j->t->tid != tid || j->cls == SJ_NODE_DEAD)
			continue;
		return j->t->sp >= m->start && j->t->sp < m->end ? j : NULL;
	}
	return NULL;
}

static int classify_futex(const struct sj_graph *g, struct sj_gnode *n, size_t self)
{
	const struct sj_wait *w = &n->t->wait;
	const struct sj_gnode *joined = joined_node(g, n);
	if (joined) {
		struct sj_gobj *o = sja_new_obj(n, SJ_OBJ_THREAD_EXIT);
		if (!o)
			return -1;
		o->addr = w->futex_addr;
		o->tid = joined->t->tid;
		n->cls = SJ_NODE_INSIDE;
		return sja_add_waker(o, (size_t)(joined - g->n));
	}
	const struct sj_map *m = w->futex_private ? NULL : sj_process_map(n->p, w->futex_addr);
	/* FUTEX_PRIVATE_FLAG keys the futex by this mm, and so does a shared
	 * futex on private anonymous memory: only this process's threads. */
	if (w->futex_private || (m && !map_shared(m) && m->inode == 0)) {
		struct sj_gobj *o = sja_new_obj(n, SJ_OBJ_FUTEX_PRIVATE);
		if (!o)
			return -1;
		o->addr = w->futex_addr;
		n->cls = SJ_NODE_INSIDE;
		return sja_add_proc_wakers(g, o, n->pi, self);
	}
	if (!m) {
		n->cls = SJ_NODE_UNKNOWN;
		n->why = "a shared futex outside every mapping";
		return 0;
	}
	struct sj_gobj *o = sja_new_obj(n, SJ_OBJ_FUTEX_SHARED);
	if (!o)
		return -1;
	o->addr = w->futex_addr;
	o->map = m;
	o->file_off = m->offset + (w->futex_addr - m->start);
	n->cls = SJ_NODE_INSIDE;
	/* A private file mapping may still share the page until it is written
	 * (the kernel then keys by inode): treating it like a shared one only
	 * adds wakers, which can never invent a deadlock. */
	for (size_t i = 0; i < g->s->nprocs; i++) {
		const struct sj_process *q = &g->s->procs[i];
		for (size_t j = 0; j < q->nmaps; j++) {
			if (!map_covers(&q->maps[j], m, o->file_off, w->futex_addr))
				continue;
			if (sja_add_proc_wakers(g, o, i, (size_t)-1))
				return -1;
			break;
		}
	}
	return 0;
}

/* ---- one node ---- */

static int classify(struct sj_graph *g, size_t k)
{
	struct sj_gnode *n = &g->n[k];
	const struct sj_wait *w = &n->t->wait;
	if (is_dead_thread(n->p, n->t)) {
		n->cls = SJ_NODE_DEAD;
		return 0;
	}
	/* A thread in state R is making progress whatever syscall it was in. */
	if (n->t->state == 'R') {
		n->cls = SJ_NODE_PROGRESS;
		n->why = "it runs";
		return 0;
	}
	if (n->t->state == 'T' || n->t->state == 't') {
		n->cls = plain_waits[SJ_WAIT_STOPPED].cls;
		n->why = plain_waits[SJ_WAIT_STOPPED].why;
		return 0;
	}
	/* Anything with a finite timeout ends by itself: never in a knot. */
	if (w->has_timeout) {
		n->cls = SJ_NODE_PROGRESS;
		n->why = "a timeout";
		return 0;
	}
	switch (w->kind) {
	case SJ_WAIT_READ:
	case SJ_WAIT_ACCEPT:
		return classify_fds(g, n, 0);
	case SJ_WAIT_WRITE:
		return classify_fds(g, n, 1);
	case SJ_WAIT_POLL:
		return classify_fds(g, n, -1);
	case SJ_WAIT_CHILD:
		return classify_child(g, n);
	case SJ_WAIT_FUTEX:
		return classify_futex(g, n, k);
	case SJ_WAIT_LOCK:
		return sja_classify_lock(g, n);
	default:
		break;
	}
	unsigned wk = (unsigned)w->kind < NROWS(plain_waits) && plain_waits[w->kind].why ?
		(unsigned)w->kind : SJ_WAIT_OTHER;
	n->cls = plain_waits[wk].cls;
	n->why = plain_waits[wk].why;
	return 0;
}

/* ---- SIGCHLD ---- */

/* A child's exit sends its parent SIGCHLD; a process that catches it runs
 * its handler on one of its threads, and the handler may write to any fd
 * the process holds (the self-pipe of a fork server: the forkserver of
 * multiprocessing wakes that way when it must reap a worker).  So the
 * live threads of such a process's children wake each of its blocked
 * threads too.  Other signals stay out of the model (anyone may send
 * one); this one comes from a process of the tree doing what it does. */
static int add_sigchld_wakers(struct sj_graph *g)
{
	const struct sj_snapshot *s = g->s;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct sj_process *p = &s->procs[i];
		if (!(p->sig_caught & (1ULL << (SIGCHLD - 1))))
			continue;
		for (size_t k = g->proc_first[i]; k < g->proc_first[i + 1]; k++) {
			struct sj_gnode *n = &g->n[k];
			if (n->cls != SJ_NODE_INSIDE)
				continue;
			struct sj_gobj *o = NULL;
			for (size_t c = 0; c < s->nprocs; c++) {
				if (s->procs[c].ppid != p->pid || c == i || !sja_graph_live_threads(g, c))
					continue;
				if (!o && !(o = sja_new_obj(n, SJ_OBJ_CHILD_SIGNAL)))
					return -1;
				o->child = -1;
				if (sja_add_proc_wakers(g, o, c, (size_t)-1))
					return -1;
			}
		}
	}
	return 0;
}

/* ---- knots ---- */

static int has_waker_outside(const struct sj_gnode *n, const char *in)
{
	for (size_t i = 0; i < n->nobjs; i++)
		for (size_t j = 0; j < n->objs[i].nwakers; j++)
			if (!in[n->objs[i].wakers[j]])
				return 1;
	return 0;
}

static size_t uf_find(size_t *parent, size_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

static int find_knots(struct sj_graph *g)
{
	char *in = calloc(g->nn ? g->nn : 1, 1);
	size_t *parent = malloc((g->nn ? g->nn : 1) * sizeof *parent);
	int *id = malloc((g->nn ? g->nn : 1) * sizeof *id);
	if (!in || !parent || !id) {
		free(in);
		free(parent);
		free(id);
		return -1;
	}
	for (size_t k = 0; k < g->nn; k++)
		in[k] = g->n[k].cls == SJ_NODE_INSIDE;
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t k = 0; k < g->nn; k++)
			if (in[k] && has_waker_outside(&g->n[k], in)) {
				in[k] = 0;
				changed = 1;
			}
	}
	/* What is left is closed under "is a waker of"; its connected parts
	 * (ignoring edge direction) are the separate knots. */
	for (size_t k = 0; k < g->nn; k++)
		parent[k] = k;
	for (size_t k = 0; k < g->nn; k++) {
		if (!in[k])
			continue;
		for (size_t i = 0; i < g->n[k].nobjs; i++)
			for (size_t j = 0; j < g->n[k].objs[i].nwakers; j++) {
				size_t a = uf_find(parent, k), b = uf_find(parent, g->n[k].objs[i].wakers[j]);
				if (a != b)
					parent[a < b ? b : a] = a < b ? a : b;
			}
	}
	for (size_t k = 0; k < g->nn; k++)
		id[k] = -1;
	g->nknots = 0;
	for (size_t k = 0; k < g->nn; k++) {
		if (!in[k]) {
			g->n[k].knot = -1;
			continue;
		}
		size_t r = uf_find(parent, k);
		if (id[r] < 0)
			id[r] = g->nknots++;
		g->n[k].knot = id[r];
	}
	free(in);
	free(parent);
	free(id);
	return 0;
}

/* ---- public to the other analysis files ---- */

void sja_graph_free(struct sj_graph *g)
{
	for (size_t k = 0; k < g->nn; k++) {
		for (size_t i = 0; i < g->n[k].nobjs; i++)
			free(g->n[k].objs[i].wakers);
		free(g->n[k].objs);
	}
	free(g->n);
	free(g->proc_first);
	sj_pipe_table_free(&g->pipes);
	memset(g, 0, sizeof *g);
}

static int build(const struct sj_snapshot *s, struct sj_graph *g, int trust_outside)
{
	memset(g, 0, sizeof *g);
	g->s = s;
	g->trust_outside = trust_outside;
	size_t nn = 0;
	for (size_t i = 0; i < s->nprocs; i++)
		nn += s->procs[i].nthreads;
	g->n = calloc(nn ? nn : 1, sizeof *g->n);
	g->proc_first = calloc(s->nprocs + 1, sizeof *g->proc_first);
	if (!g->n || !g->proc_first || sj_pipe_table_build(s, &g->pipes))
		goto fail;
	for (size_t i = 0; i < s->nprocs; i++) {
		g->proc_first[i] = g->nn;
		for (size_t j = 0; j < s->procs[i].nthreads; j++) {
			struct sj_gnode *n = &g->n[g->nn++];
			n->p = &s->procs[i];
			n->t = &s->procs[i].threads[j];
			n->pi = i;
			n->knot = -1;
			/* Dead-ness first: wakers are collected from live threads only. */
			n->cls = is_dead_thread(n->p, n->t) ? SJ_NODE_DEAD : SJ_NODE_PROGRESS;
		}
	}
	g->proc_first[s->nprocs] = g->nn;
	for (size_t k = 0; k < g->nn; k++)
		if (classify(g, k))
			goto fail;
	if (add_sigchld_wakers(g) || find_knots(g))
		goto fail;
	return 0;
fail:
	sja_graph_free(g);
	return -1;
}

int sja_graph_build(const struct sj_snapshot *s, struct sj_graph *g)
{
	return build(s, g, 0);
}

int sja_graph_build_trusting(const struct sj_snapshot *s, struct sj_graph *g)
{
	return build(s, g, 1);
}

int sja_graph_depth(const struct sj_graph *g, const struct sj_process *p)
{
	int d = 0;
	/* Bounded walk: a corrupt snapshot with a ppid cycle must not hang us. */
	for (const struct sj_process *q = p; d <= (int)g->s->nprocs; d++) {
		q = q->ppid > 0 && q->ppid != q->pid ? sj_snapshot_proc(g->s, q->ppid) : NULL;
		if (!q)
			break;
	}
	return d;
}

size_t sja_graph_live_threads(const struct sj_graph *g, size_t pi)
{
	size_t c = 0;
	for (size_t k = g->proc_first[pi]; k < g->proc_first[pi + 1]; k++)
		c += g->n[k].cls != SJ_NODE_DEAD;
	return c;
}
