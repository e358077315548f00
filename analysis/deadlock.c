/* deadlock.c — findings over the knots of the wait-for graph: one deadlock
 * per knot, one blocked-pipe-read per knot member stuck in a pipe read, and
 * the quiescent note when everything is blocked yet no knot is proved.
 *
 * The sentences name the knot by its edges, starting from the thread a user
 * is most likely staring at (the oldest process's pipe reader), then
 * following who could wake it, hop by hop. */
#include "internal.h"

#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PIDS 64   /* processes named in one clause; more are summarised */
#define MAX_HOPS 4    /* narrative hops before "... are blocked as well" */
#define MAX_OTHER_THREADS 4

/* Which of a process's threads leads its description: the wait a user
 * recognises first.  Lower is better. */
static int wait_rank(const struct sj_gnode *n)
{
	static const int rank[] = {
		[SJ_OBJ_PIPE_READ] = 0, [SJ_OBJ_SOCK_READ] = 0, [SJ_OBJ_PIPE_WRITE] = 1,
		[SJ_OBJ_SOCK_WRITE] = 1, [SJ_OBJ_CHILD] = 2, [SJ_OBJ_LOCK] = 2,
		[SJ_OBJ_FUTEX_SHARED] = 3, [SJ_OBJ_THREAD_EXIT] = 4, [SJ_OBJ_FUTEX_PRIVATE] = 5,
		[SJ_OBJ_CONNECT] = 4, [SJ_OBJ_CHILD_SIGNAL] = 6,
	};
	if (n->t->wait.kind == SJ_WAIT_POLL)
		return 4;
	return n->nobjs ? rank[n->objs[0].kind] : 6;
}

static int better_head(const struct sj_graph *g, const struct sj_gnode *a, const struct sj_gnode *b)
{
	int da = sja_graph_depth(g, a->p), db = sja_graph_depth(g, b->p);
	if (da != db)
		return da < db;
	if (a->p->pid != b->p->pid)
		return a->p->pid < b->p->pid;
	if (wait_rank(a) != wait_rank(b))
		return wait_rank(a) < wait_rank(b);
	return a->t->tid < b->t->tid;
}

/* The leading knot thread of process pi (or of the whole knot when pi is
 * (size_t)-1). */
static const struct sj_gnode *lead(const struct sj_graph *g, int knot, size_t pi)
{
	const struct sj_gnode *best = NULL;
	for (size_t k = 0; k < g->nn; k++) {
		const struct sj_gnode *n = &g->n[k];
		if (n->knot != knot || (pi != (size_t)-1 && n->pi != pi))
			continue;
		if (!best || better_head(g, n, best))
			best = n;
	}
	return best;
}

/* ---- small pid sets ---- */

struct pidset {
	pid_t v[MAX_PIDS];
	size_t n;
};

static int ps_has(const struct pidset *s, pid_t p)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == p)
			return 1;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

static void ps_add(struct pidset *s, pid_t p)
{
	if (ps_has(s, p) || s->n == MAX_PIDS)
		return;
	s->v[s->n++] = p;
	qsort(s->v, s->n, sizeof *s->v, cmp_pid);
}

static void ps_remove(struct pidset *s, pid_t p)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == p) {
			memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof *s->v);
			s->n--;
			return;
		}
}

static void ps_node_wakers(const struct sj_graph *g, const struct sj_gnode *n, struct pidset *s)
{
	for (size_t i = 0; i < n->nobjs; i++)
		for (size_t j = 0; j < n->objs[i].nwakers; j++)
			ps_add(s, g->n[n->objs[i].wakers[j]].p->pid);
}

/* ---- sentence parts ---- */

/* "reads pipe:[5]", "wait on the shared semaphore /dev/shm/sem.x": the wait
 * by its objects, without fd numbers, so processes that inherited the same
 * pipe under different fds still group together. */
static void sb_wait_objs(struct sj_sb *b, const struct sj_graph *g, const struct sj_gnode *n, int plural)
{
	if (!n->nobjs) {
		sja_sb_wait(b, g->s, n->p, n->t, plural);
		return;
	}
	static const char *const verbs[][2] = {
		[SJ_OBJ_PIPE_READ] = { "reads", "read" },
		[SJ_OBJ_PIPE_WRITE] = { "writes to", "write to" },
		[SJ_OBJ_CHILD] = { "waits for", "wait for" },
		[SJ_OBJ_FUTEX_PRIVATE] = { "waits on", "wait on" },
		[SJ_OBJ_FUTEX_SHARED] = { "waits on", "wait on" },
		[SJ_OBJ_SOCK_READ] = { "reads", "read" },
		[SJ_OBJ_SOCK_WRITE] = { "writes to", "write to" },
		[SJ_OBJ_LOCK] = { "waits for", "wait for" },
		[SJ_OBJ_THREAD_EXIT] = { "joins", "join" },
		[SJ_OBJ_CONNECT] = { "waits for", "wait for" },
		[SJ_OBJ_CHILD_SIGNAL] = { "waits for", "wait for" },
	};
	if (n->t->wait.kind == SJ_WAIT_POLL)
		sja_sb_puts(b, plural ? "poll" : "polls");
	else
		sja_sb_puts(b, verbs[n->objs[0].kind][plural ? 1 : 0]);
	/* A caught SIGCHLD is how a wait ends, not what it waits on. */
	for (size_t i = 0, shown = 0; i < n->nobjs; i++) {
		if (n->objs[i].kind == SJ_OBJ_CHILD_SIGNAL)
			continue;
		sja_sb_puts(b, shown++ ? ", " : " ");
		sja_sb_obj(b, &n->objs[i]);
	}
}

/* "its writers are pid 12 itself and pids 13 and 14" */
static void sb_holders(struct sj_sb *b, pid_t self, const struct pidset *w, const char *role)
{
	struct pidset others = *w;
	int has_self = ps_has(w, self);
	ps_remove(&others, self);
	if (has_self && others.n == 0) {
		sja_sb_printf(b, "its only %s is pid %d itself", role, (int)self);
		return;
	}
	if (!has_self && others.n == 1) {
		sja_sb_printf(b, "its only %s is pid %d", role, (int)others.v[0]);
		return;
	}
	sja_sb_printf(b, "its %ss are ", role);
	if (has_self)
		sja_sb_printf(b, "pid %d itself and ", (int)self);
	sja_sb_pids(b, others.v, others.n, 1);
}

static void sb_head_wakers(struct sj_sb *b, const struct sj_graph *g, const struct sj_gnode *h)
{
	struct pidset w = { .n = 0 };
	ps_node_wakers(g, h, &w);
	enum sj_obj_kind ok = h->nobjs ? h->objs[0].kind : SJ_OBJ_PIPE_READ;
	if (ok == SJ_OBJ_SOCK_READ || ok == SJ_OBJ_SOCK_WRITE || ok == SJ_OBJ_LOCK) {
		sja_sb_puts(b, "; ");
		sb_holders(b, h->p->pid, &w, ok == SJ_OBJ_LOCK ? "holder" : "peer");
		return;
	}
	switch (h->t->wait.kind) {
	case SJ_WAIT_READ:
		sja_sb_puts(b, "; ");
		sb_holders(b, h->p->pid, &w, "writer");
		break;
	case SJ_WAIT_WRITE:
		sja_sb_puts(b, "; ");
		sb_holders(b, h->p->pid, &w, "reader");
		break;
	case SJ_WAIT_POLL:
		sja_sb_puts(b, "; ");
		sb_holders(b, h->p->pid, &w, "other-end holder");
		break;
	case SJ_WAIT_FUTEX:
		if (ok == SJ_OBJ_THREAD_EXIT) {
			sja_sb_printf(b, "; only the exit of tid %d would end it", (int)h->objs[0].tid);
		} else if (h->nobjs && h->objs[0].kind == SJ_OBJ_FUTEX_SHARED) {
			sja_sb_puts(b, "; it is mapped by ");
			sja_sb_pids(b, w.v, w.n, 1);
		} else if (h->p->nthreads > 1) {
			sja_sb_printf(b, "; only the other threads of pid %d could release it", (int)h->p->pid);
		}
		break;
	default:
		break;
	}
}

static int same_obj(const struct sj_gobj *a, const struct sj_gobj *b)
{
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case SJ_OBJ_PIPE_READ:
	case SJ_OBJ_PIPE_WRITE:
		return a->inode == b->inode && a->fdkind == b->fdkind;
	case SJ_OBJ_CHILD:
		return a->child == b->child;
	case SJ_OBJ_FUTEX_PRIVATE:
		return a->addr == b->addr;
	case SJ_OBJ_FUTEX_SHARED:
		return a->map->inode == b->map->inode && a->map->dev_major == b->map->dev_major &&
		       a->map->dev_minor == b->map->dev_minor && a->file_off == b->file_off &&
		       (a->map->inode != 0 || a->addr == b->addr);
	case SJ_OBJ_SOCK_READ:
	case SJ_OBJ_SOCK_WRITE:
		return a->inode == b->inode;
	case SJ_OBJ_LOCK:
		return a->req->inode == b->req->inode && a->req->dev_major == b->req->dev_major &&
		       a->req->dev_minor == b->req->dev_minor;
	case SJ_OBJ_THREAD_EXIT:
		return a->tid == b->tid;
	case SJ_OBJ_CONNECT:
		return a->inode == b->inode;
	case SJ_OBJ_CHILD_SIGNAL:
		return 1;
	}
	return 0;
}

/* Every knot thread of pid waits on o and nothing else: that process cannot
 * be the one to end the wait. */
static int only_waits_on(const struct sj_graph *g, int knot, pid_t pid, const struct sj_gobj *o)
{
	const struct sj_process *p = sj_snapshot_proc(g->s, pid);
	size_t pi = (size_t)(p - g->s->procs);
	for (size_t k = g->proc_first[pi]; k < g->proc_first[pi + 1]; k++) {
		const struct sj_gnode *n = &g->n[k];
		if (n->cls == SJ_NODE_DEAD)
			continue;
		if (n->knot != knot || n->nobjs != 1 || !same_obj(&n->objs[0], o))
			return 0;
	}
	return 1;
}

/* One hop of the narrative: the processes in `pending`, grouped by what
 * their leading threads wait on, each group followed by who alone could
 * end that wait.  Fills `next` with the wakers not yet described. */
static void sb_hop(struct sj_sb *b, const struct sj_graph *g, int knot, struct pidset *pending,
		   struct pidset *described, struct pidset *next)
{
	char done[MAX_PIDS] = { 0 };
	for (size_t i = 0; i < pending->n; i++) {
		if (done[i])
			continue;
		const struct sj_gnode *li = lead(g, knot, sj_snapshot_proc(g->s, pending->v[i]) - g->s->procs);
		struct sj_sb key = { 0 }, other = { 0 };
		sb_wait_objs(&key, g, li, 1);
		struct pidset grp = { .n = 0 };
		struct pidset wk = { .n = 0 };
		for (size_t j = i; j < pending->n; j++) {
			if (done[j])
				continue;
			const struct sj_gnode *lj = lead(g, knot, sj_snapshot_proc(g->s, pending->v[j]) - g->s->procs);
			other.len = 0;
			sb_wait_objs(&other, g, lj, 1);
			if (key.s && other.s && strcmp(key.s, other.s) == 0) {
				done[j] = 1;
				ps_add(&grp, pending->v[j]);
				ps_node_wakers(g, lj, &wk);
			}
		}
		sja_sb_free(&other);
		sja_sb_puts(b, "; ");
		sja_sb_pids(b, grp.v, grp.n, 1);
		sja_sb_puts(b, " ");
		sb_wait_objs(b, g, li, grp.n > 1);
		sja_sb_free(&key);
		for (size_t j = 0; j < grp.n; j++)
			ps_add(described, grp.v[j]);
		/* Who alone could end this wait: its wakers minus the processes
		 * that do nothing but wait on it too. */
		struct pidset posters = { .n = 0 };
		for (size_t j = 0; li->nobjs == 1 && j < wk.n; j++)
			if (!ps_has(&grp, wk.v[j]) && !only_waits_on(g, knot, wk.v[j], &li->objs[0]))
				ps_add(&posters, wk.v[j]);
		if (li->nobjs == 1 && li->objs[0].kind == SJ_OBJ_FUTEX_PRIVATE) {
			sja_sb_puts(b, li->p->nthreads > 1 ? ", which only its other threads could release" :
				   ", and it is its process's only thread");
		} else if (li->nobjs == 1 && li->objs[0].kind != SJ_OBJ_CHILD) {
			const char *verb = sja_obj_waker_verb(&li->objs[0]);
			if (posters.n) {
				sja_sb_puts(b, ", which only ");
				sja_sb_pids(b, posters.v, posters.n, 1);
				sja_sb_printf(b, " would %s", verb);
			} else {
				sja_sb_printf(b, ", which no other process could %s", verb);
			}
		}
		for (size_t j = 0; j < wk.n; j++)
			if (!ps_has(described, wk.v[j]) && !ps_has(pending, wk.v[j]))
				ps_add(next, wk.v[j]);
	}
}

static void sb_other_threads(struct sj_sb *b, const struct sj_graph *g, const struct sj_gnode *h)
{
	size_t count = 0, shown = 0;
	for (size_t k = g->proc_first[h->pi]; k < g->proc_first[h->pi + 1]; k++)
		count += g->n[k].knot == h->knot && &g->n[k] != h;
	if (!count)
		return;
	sja_sb_printf(b, "; pid %d's other threads are blocked too: ", (int)h->p->pid);
	for (size_t k = g->proc_first[h->pi]; k < g->proc_first[h->pi + 1]; k++) {
		const struct sj_gnode *n = &g->n[k];
		if (n->knot != h->knot || n == h)
			continue;
		if (shown == MAX_OTHER_THREADS) {
			sja_sb_printf(b, "; and %zu more", count - shown);
			break;
		}
		char name[128];
		const char *nm = sja_thread_short_name(n->t, name, sizeof name);
		if (shown)
			sja_sb_puts(b, "; ");
		if (nm)
			sja_sb_printf(b, "%s (tid %d) ", nm, (int)n->t->tid);
		else
			sja_sb_printf(b, "tid %d ", (int)n->t->tid);
		sb_wait_objs(b, g, n, 0);
		shown++;
	}
}

static int is_fork_lock(const struct sj_graph *g, const struct sj_gnode *h, size_t members)
{
	return members == 1 && h->nobjs == 1 && h->objs[0].kind == SJ_OBJ_FUTEX_PRIVATE &&
	       sja_graph_live_threads(g, h->pi) == 1;
}

static void knot_cause(struct sj_sb *b, const struct sj_graph *g, int knot, size_t members,
		       const struct pidset *procs)
{
	const struct sj_gnode *h = lead(g, knot, (size_t)-1);
	if (is_fork_lock(g, h, members)) {
		sja_sb_thread(b, h->p, h->t);
		sja_sb_printf(b, " waits on private futex 0x%llx with no timeout and is the only thread "
			     "of its process, so nothing can ever wake it: the lock was most likely held "
			     "by another thread when the process forked, and that thread does not exist "
			     "in the child.", (unsigned long long)h->objs[0].addr);
		return;
	}
	sja_sb_printf(b, "Deadlock of %zu thread%s in ", members, members == 1 ? "" : "s");
	sja_sb_pids(b, procs->v, procs->n, 1);
	sja_sb_puts(b, ": ");
	sja_sb_thread(b, h->p, h->t);
	sja_sb_puts(b, " ");
	sb_wait_objs(b, g, h, 0);
	sb_head_wakers(b, g, h);

	struct pidset described = { .n = 0 }, pending = { .n = 0 };
	ps_add(&described, h->p->pid);
	ps_node_wakers(g, h, &pending);
	ps_remove(&pending, h->p->pid);
	for (int hop = 0; hop < MAX_HOPS && pending.n; hop++) {
		struct pidset next = { .n = 0 };
		sb_hop(b, g, knot, &pending, &described, &next);
		pending = next;
	}
	sb_other_threads(b, g, h);
	struct pidset rest = { .n = 0 };
	for (size_t i = 0; i < procs->n; i++)
		if (!ps_has(&described, procs->v[i]))
			ps_add(&rest, procs->v[i]);
	if (rest.n) {
		sja_sb_puts(b, "; ");
		sja_sb_pids(b, rest.v, rest.n, 1);
		sja_sb_puts(b, rest.n > 1 ? " are blocked as well" : " is blocked as well");
	}
	sja_sb_puts(b, "; none of them can run, so none will ever be woken.");
}

static const char advice_fork_lock[] =
	"Do not fork() a multi-threaded process and keep running without exec(): the child inherits "
	"locks held by threads that do not exist in it. Use posix_spawn()/exec, the 'spawn' or "
	"'forkserver' multiprocessing start method, or pthread_atfork() handlers that reset the lock.";
static const char advice_deadlock[] =
	"Break the cycle: close the pipe ends a process does not use right after fork() so that EOF "
	"can arrive, give one of these waits a timeout, or release the lock before blocking.";
static const char advice_deadlock_py[] =
	"Break the cycle: close the pipe ends a process does not use right after fork(), or give one "
	"of these waits a timeout. A multiprocessing.Pool whose worker died never notices (bpo-22393): "
	"use concurrent.futures.ProcessPoolExecutor, which raises BrokenProcessPool, or "
	"AsyncResult.get(timeout=...).";

static const char advice_lock[] =
	"Take file locks in one order everywhere, or take the later ones with LOCK_NB / F_SETLK and "
	"back off when they are busy; never hold a lock while waiting for another process.";
static const char advice_socket[] =
	"Both ends wait to receive: make the protocol say who speaks next (a complete request, a "
	"length prefix, a newline), or give the receive a timeout (SO_RCVTIMEO, poll with a timeout).";
static const char advice_join[] =
	"Join threads in one direction only (a thread never joins one that joins it, directly or round "
	"a ring), or detach them and wait on a condition with a timeout.";

/* The advice for a knot led by h, by what it waits on. */
static const char *knot_advice(const struct sj_graph *g, const struct sj_gnode *h, size_t members,
			       int python)
{
	enum sj_obj_kind k = h->nobjs ? h->objs[0].kind : SJ_OBJ_PIPE_READ;
	if (k == SJ_OBJ_LOCK)
		return advice_lock;
	if (k == SJ_OBJ_SOCK_READ || k == SJ_OBJ_SOCK_WRITE)
		return advice_socket;
	if (k == SJ_OBJ_THREAD_EXIT)
		return advice_join;
	if (is_fork_lock(g, h, members))
		return advice_fork_lock;
	return python ? advice_deadlock_py : advice_deadlock;
}

/* "_handle_results: reads pipe:[5] (fd 5) in Connection._recv (...)", with
 * an optional prefix before the wait and suffix after the location. */
static void thread_evidence(struct sj_fb *fb, const struct sj_graph *g, const struct sj_gnode *n,
			    const char *prefix, const char *extra)
{
	struct sj_sb e = { 0 };
	char name[128];
	const char *nm = n->p->nthreads > 1 ? sja_thread_short_name(n->t, name, sizeof name) : NULL;
	if (nm)
		sja_sb_printf(&e, "%s: ", nm);
	if (prefix)
		sja_sb_puts(&e, prefix);
	sja_sb_wait(&e, g->s, n->p, n->t, 0);
	sja_sb_where(&e, n->t);
	if (extra)
		sja_sb_puts(&e, extra);
	sja_fb_evidence(fb, n->p->pid, n->t->tid, sja_sb_take(&e));
}

/* Edges of one knot member: to each waker process (to each thread for a
 * private futex, where the waker must be a specific sibling). */
static void node_edges(struct sj_fb *fb, const struct sj_graph *g, const struct sj_gnode *n)
{
	for (size_t i = 0; i < n->nobjs; i++) {
		const struct sj_gobj *o = &n->objs[i];
		struct sj_sb via = { 0 };
		sja_sb_via(&via, o);
		for (size_t j = 0; j < o->nwakers && via.s; j++) {
			const struct sj_gnode *w = &g->n[o->wakers[j]];
			if (o->kind == SJ_OBJ_FUTEX_PRIVATE || o->kind == SJ_OBJ_THREAD_EXIT) {
				sja_fb_edge(fb, n->p->pid, n->t->tid, w->p->pid, w->t->tid, via.s);
				continue;
			}
			/* A lone thread cannot wake itself through shared memory;
			 * holding a pipe end, though, is the very cause. */
			if (w->p == n->p && o->kind == SJ_OBJ_FUTEX_SHARED &&
			    sja_graph_live_threads(g, n->pi) == 1)
				continue;
			sja_fb_edge(fb, n->p->pid, n->t->tid, w->p->pid, 0, via.s);
		}
		if (via.oom)
			fb->oom = 1;
		sja_sb_free(&via);
		if (o->kind == SJ_OBJ_PIPE_READ || o->kind == SJ_OBJ_PIPE_WRITE)
			sja_fb_pipe(fb, o->inode);
	}
}

static const char advice_conditional[] =
	"If nothing outside the tree is meant to connect there, the tree is stuck for good: see the "
	"waits below. Run it in a mount namespace of its own (a container), where no other process can "
	"reach the address and sigjam proves the deadlock; give the waits a timeout.";

/* The conditional look's opening: "Pids 1, 2 and 3 are deadlocked unless a
 * process outside the tree connects to /tmp/x, which 3 processes outside
 * it could (e.g. pid 12); the knot: " */
static void conditional_opening(struct sj_sb *b, const struct sj_graph *g, int knot,
				const struct pidset *procs)
{
	const struct sj_sock *k = NULL;
	for (size_t i = 0; i < g->nn && !k; i++)
		for (size_t j = 0; g->n[i].knot == knot && j < g->n[i].nobjs && !k; j++)
			if (g->n[i].objs[j].kind == SJ_OBJ_CONNECT &&
			    g->n[i].objs[j].bound->reach == SJ_REACH_OUTSIDE)
				k = g->n[i].objs[j].bound;
	if (!k)
		return;
	int listen = k->state == TCP_LISTEN;
	sja_sb_puts(b, procs->n == 1 ? "Pid " : "Pids ");
	sja_sb_pids(b, procs->v, procs->n, 0);
	sja_sb_printf(b, " %s deadlocked unless a process outside the tree %s %s, which %u process%s outside "
		     "it could (e.g. pid %d); the knot: ", procs->n == 1 ? "is" : "are", listen ? "connects to" : "sends to",
		     k->local, k->reach_outsiders, k->reach_outsiders == 1 ? "" : "es", (int)k->reach_example);
}

/* One finding per knot: a deadlock, or (conditional: a knot of the
 * trusting look) the note that it is one unless an outsider connects. */
static int report_knot(const struct sj_graph *g, int knot, struct sj_findings *out, int conditional)
{
	struct sj_fb fb;
	struct pidset procs = { .n = 0 };
	size_t members = 0;
	int python = 0;
	sja_fb_init(&fb, conditional ? SJ_FIND_QUIESCENT : SJ_FIND_DEADLOCK);
	for (size_t k = 0; k < g->nn; k++)
		if (g->n[k].knot == knot)
			ps_add(&procs, g->n[k].p->pid);
	/* First one line per helper process of the knot: what it is for. */
	for (size_t i = 0; i < procs.n; i++) {
		struct sj_sb role = { 0 };
		if (sja_sb_role(&role, g, sj_snapshot_proc(g->s, procs.v[i])))
			sja_fb_evidence(&fb, procs.v[i], 0, sja_sb_take(&role));
		sja_sb_free(&role);
	}
	for (size_t k = 0; k < g->nn; k++) {
		const struct sj_gnode *n = &g->n[k];
		if (n->knot != knot)
			continue;
		members++;
		python |= n->t->is_python;
		sja_fb_pid(&fb, n->p->pid);
		thread_evidence(&fb, g, n, NULL, NULL);
		node_edges(&fb, g, n);
		sja_fb_thread_locations(&fb, n->t);
		for (size_t i = 0; !conditional && i < n->nobjs; i++) {
			char clause[600];
			if (sja_obj_assumption(&n->objs[i], clause, sizeof clause))
				sja_fb_assume(&fb, clause);
		}
	}
	struct sj_sb cause = { 0 };
	if (conditional)
		conditional_opening(&cause, g, knot, &procs);
	knot_cause(&cause, g, knot, members, &procs);
	sja_fb_cause(&fb, &cause);
	const struct sj_gnode *h = lead(g, knot, (size_t)-1);
	sja_fb_advice(&fb, conditional ? advice_conditional : knot_advice(g, h, members, python));
	return sja_fb_commit(&fb, out);
}

int sja_detect_deadlocks(const struct sj_graph *g, struct sj_findings *out)
{
	for (int k = 0; k < g->nknots; k++)
		if (report_knot(g, k, out, 0))
			return -1;
	return 0;
}

static int has_outside_rendezvous(const struct sj_snapshot *s)
{
	for (size_t i = 0; i < s->nprocs; i++)
		for (size_t j = 0; j < s->procs[i].nfds; j++)
			if (s->procs[i].fds[j].kind == SJ_FDK_SOCKET &&
			    s->procs[i].fds[j].sock.reach == SJ_REACH_OUTSIDE)
				return 1;
	return 0;
}

int sja_detect_conditional(const struct sj_graph *g, struct sj_findings *out)
{
	if (g->nknots || !has_outside_rendezvous(g->s))
		return 0;
	struct sj_graph t;
	if (sja_graph_build_trusting(g->s, &t))
		return -1;
	int rc = 0;
	for (int k = 0; k < t.nknots && !rc; k++)
		rc = report_knot(&t, k, out, 1);
	sja_graph_free(&t);
	return rc;
}

/* ---- blocked-pipe-read ---- */

static const char advice_pipe[] =
	"Close the write end in every process that does not write to this pipe (right after fork(), "
	"in the parent and in each child), so the reader sees EOF when the real writers are gone, "
	"and make sure some writer is not itself waiting for the reader.";
static const char advice_pipe_py[] =
	"A multiprocessing.Pool parent keeps the result pipe's write end open itself, so a lost "
	"result is never noticed (bpo-22393): use concurrent.futures.ProcessPoolExecutor, which "
	"raises BrokenProcessPool, or AsyncResult.get(timeout=...); in your own code close unused "
	"pipe ends after fork().";

static int report_pipe_read(const struct sj_graph *g, const struct sj_gnode *r, const struct sj_gobj *o,
			    struct sj_findings *out)
{
	struct sj_fb fb;
	struct sj_sb b = { 0 };
	struct pidset w = { .n = 0 };
	sja_fb_init(&fb, SJ_FIND_BLOCKED_PIPE_READ);
	for (size_t j = 0; j < o->nwakers; j++)
		ps_add(&w, g->n[o->wakers[j]].p->pid);
	int has_self = ps_has(&w, r->p->pid);

	sja_sb_thread(&b, r->p, r->t);
	sja_sb_puts(&b, " is blocked reading ");
	sja_sb_obj(&b, o);
	sja_sb_printf(&b, " (fd %d), and every process holding its write end is blocked for good: ", o->fd);
	struct pidset others = w;
	ps_remove(&others, r->p->pid);
	if (has_self)
		sja_sb_printf(&b, "pid %d itself%s", (int)r->p->pid, others.n ? " and " : "");
	if (others.n)
		sja_sb_pids(&b, others.v, others.n, 1);
	if (has_self && others.n == 0)
		sja_sb_puts(&b, "; the reader's own process is the only writer, so the read can never "
			   "see EOF");
	else if (has_self)
		sja_sb_printf(&b, "; the reader's own process keeps a write end open, so the read would "
			     "never see EOF even if every other writer exited%s",
			     r->t->is_python ? " (the multiprocessing.Pool result pipe case: the parent "
			     "itself keeps the write end open)" : "");
	sja_sb_puts(&b, ".");
	sja_fb_cause(&fb, &b);
	/* The Pool's story is that of a reader whose own process writes too. */
	sja_fb_advice(&fb, r->t->is_python && has_self ? advice_pipe_py : advice_pipe);

	thread_evidence(&fb, g, r, NULL, NULL);
	sja_fb_pid(&fb, r->p->pid);
	sja_fb_pipe(&fb, o->inode);
	sja_fb_thread_locations(&fb, r->t);
	for (size_t i = 0; i < w.n; i++) {
		sja_fb_pid(&fb, w.v[i]);
		sja_sb_via(&b, o);
		char *via = sja_sb_take(&b);
		if (via)
			sja_fb_edge(&fb, r->p->pid, r->t->tid, w.v[i], 0, via);
		else
			fb.oom = 1;
		free(via);
	}
	/* Each writer thread's own wait, so the proof can be read off. */
	for (size_t j = 0; j < o->nwakers; j++) {
		const struct sj_gnode *wn = &g->n[o->wakers[j]];
		if (wn != r)
			thread_evidence(&fb, g, wn, "holds a write end; ", NULL);
	}
	return sja_fb_commit(&fb, out);
}

int sja_detect_blocked_pipe_reads(const struct sj_graph *g, struct sj_findings *out)
{
	/* Only knot members: a reader whose writers are all blocked but one of
	 * them waits on something that can still move (a running process, a
	 * socket) is a pipeline waiting for input, not a hang. */
	for (size_t k = 0; k < g->nn; k++) {
		const struct sj_gnode *n = &g->n[k];
		if (n->knot < 0 || n->t->wait.kind != SJ_WAIT_READ)
			continue;
		for (size_t i = 0; i < n->nobjs; i++)
			if (n->objs[i].kind == SJ_OBJ_PIPE_READ && report_pipe_read(g, n, &n->objs[i], out))
				return -1;
	}
	return 0;
}

/* ---- quiescent ---- */

static const char advice_quiescent[] =
	"Nothing in the tree is running or will time out, but some wait leads outside what sigjam "
	"can see: capture again with the rest of the process tree (children, the other ends of "
	"pipes), or check the unresolved waits listed here.";

int sja_detect_quiescent(const struct sj_graph *g, struct sj_findings *out)
{
	size_t live = 0, unknown = 0;
	if (g->nknots)
		return 0;
	/* Anything running, timing out, ready or waiting for an outside peer
	 * (an idle server, a terminal) means the tree is not stuck by itself. */
	for (size_t k = 0; k < g->nn; k++) {
		enum sj_node_class c = g->n[k].cls;
		if (c == SJ_NODE_DEAD)
			continue;
		if (c == SJ_NODE_PROGRESS || c == SJ_NODE_READY || c == SJ_NODE_PEER)
			return 0;
		live++;
		unknown += c == SJ_NODE_UNKNOWN;
	}
	if (!live || !unknown)
		return 0;
	struct sj_fb fb;
	struct sj_sb b = { 0 };
	struct pidset procs = { .n = 0 };
	sja_fb_init(&fb, SJ_FIND_QUIESCENT);
	for (size_t k = 0; k < g->nn; k++) {
		const struct sj_gnode *n = &g->n[k];
		if (n->cls == SJ_NODE_DEAD)
			continue;
		ps_add(&procs, n->p->pid);
		sja_fb_pid(&fb, n->p->pid);
		if (n->cls == SJ_NODE_UNKNOWN) {
			struct sj_sb why = { 0 };
			sja_sb_printf(&why, " (unresolved: %s)", n->why);
			char *w = sja_sb_take(&why);
			thread_evidence(&fb, g, n, NULL, w ? w : "");
			free(w);
		}
	}
	if (live == 1) {
		sja_sb_printf(&b, "The only thread of pid %d is blocked with no timeout", (int)procs.v[0]);
	} else {
		sja_sb_printf(&b, "All %zu threads of ", live);
		sja_sb_pids(&b, procs.v, procs.n, 1);
		sja_sb_puts(&b, " are blocked with no timeout and none is running");
	}
	sja_sb_puts(&b, ", yet no deadlock can be proved: ");
	size_t shown = 0;
	for (size_t k = 0; k < g->nn && shown < MAX_OTHER_THREADS; k++) {
		const struct sj_gnode *n = &g->n[k];
		if (n->cls != SJ_NODE_UNKNOWN)
			continue;
		if (shown++)
			sja_sb_puts(&b, "; ");
		sja_sb_thread(&b, n->p, n->t);
		sja_sb_puts(&b, " ");
		sja_sb_wait(&b, g->s, n->p, n->t, 0);
		sja_sb_printf(&b, " (unresolved: %s)", n->why);
	}
	if (unknown > shown)
		sja_sb_printf(&b, "; and %zu more", unknown - shown);
	sja_sb_puts(&b, ".");
	sja_fb_cause(&fb, &b);
	sja_fb_advice(&fb, advice_quiescent);
	return sja_fb_commit(&fb, out);
}
