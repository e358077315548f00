/* dot.c — the wait-for graph as Graphviz DOT, and SVG through `dot -Tsvg`.
 *
 * Processes are clusters ("pid N comm"), threads are nodes inside them
 * (tid, name, wait in words).  Edges go from a waiting thread to whoever
 * could wake it: first the findings' proof edges, then edges derived from
 * every thread's own wait (pipe ends held by other processes, children
 * waited for, processes sharing a futex's file, the holders of a
 * socket's peer, the holders of locks in a lock request's way).  Private futex waits get
 * no derived edge: their wakers are "any other thread of the process",
 * which would add n*(n-1) edges that say nothing; the node label names the
 * futex and analysis proves the edges that matter.  The deadlock knot is red
 * and bold; other finding edges orange; timed waits dashed; zombies grey;
 * a hollow arrowhead means "any thread of that process" (the edge ends on
 * its leader's node). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define KNOT_COLOUR "red3"
#define FINDING_COLOUR "darkorange2"
#define DERIVED_COLOUR "grey35"

/* A node is a thread ("t<tid>") or a whole process drawn as one node
 * ("p<pid>": zombies, processes not in the snapshot). */
struct nref {
	char kind;        /* 't' or 'p' */
	pid_t id;
	int any_thread;   /* stands for "any thread of its process" (drawn with a hollow arrow) */
};

struct dedge {
	struct nref from, to;
	char *label;
	int knot, finding, timed;
};

struct dctx {
	FILE *out;
	const struct sj_report *r;
	const struct sj_snapshot *s;
	struct dedge *e;
	size_t ne, cap;
	pid_t *extra;      /* pids drawn as standalone nodes (not in the snapshot) */
	size_t nextra;
	pid_t *xtids;      /* tids named by findings but not found */
	size_t nxtids;
	int oom;
};

/* ---- escaping ---- */

/* Inside a DOT double-quoted string only '"' and '\' are special; a
 * backslash before n/l/r is a line break, so a literal one must be
 * doubled.  Graphviz wants UTF-8: invalid bytes become U+FFFD. */
static const char *dot_escape(long cp, int unused)
{
	switch (cp) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case -1: return "\xef\xbf\xbd";
	}
	return cp < 0x20 || cp == 0x7f ? "?" : NULL;
}

static void dot_put(FILE *out, const char *s)
{
	rp_put_escaped(out, s, dot_escape, 0);
}

static void dot_str(FILE *out, const char *s)
{
	fputc('"', out);
	dot_put(out, s);
	fputc('"', out);
}

/* ---- lookups ---- */

static const struct sj_process *proc_of(const struct dctx *d, pid_t pid)
{
	return d->s ? sj_snapshot_proc(d->s, pid) : NULL;
}

static int is_zombie(const struct sj_process *p)
{
	return p->state == 'Z';
}

/* Does the process get thread nodes (a cluster with threads) or one node? */
static int has_thread_nodes(const struct sj_process *p)
{
	return p && !is_zombie(p) && p->nthreads > 0;
}

static int pid_in(const pid_t *v, size_t n, pid_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

static void remember_extra(struct dctx *d, pid_t **v, size_t *n, pid_t x)
{
	if (pid_in(*v, *n, x))
		return;
	pid_t *nv = realloc(*v, (*n + 1) * sizeof **v);
	if (!nv) {
		d->oom = 1;
		return;
	}
	nv[(*n)++] = x;
	*v = nv;
}

/* The node for "any thread of pid": its leader thread, or a standalone
 * process node.  Edges into a cluster border (lhead) were tried: with
 * small clusters Graphviz squeezes them into unreadable stubs. */
static struct nref proc_ref(struct dctx *d, pid_t pid)
{
	const struct sj_process *p = proc_of(d, pid);
	if (has_thread_nodes(p))
		return (struct nref){ 't', p->threads[0].tid, 1 };
	if (!p)
		remember_extra(d, &d->extra, &d->nextra, pid);
	return (struct nref){ 'p', pid, 0 };
}

static struct nref thread_ref(struct dctx *d, pid_t pid, pid_t tid)
{
	struct sj_process *owner = NULL;
	if (tid == 0)
		return proc_ref(d, pid);
	if (d->s && sj_snapshot_thread(d->s, tid, &owner) && has_thread_nodes(owner))
		return (struct nref){ 't', tid, 0 };
	if (d->s && owner)            /* a zombie's leader: the process node */
		return (struct nref){ 'p', owner->pid, 0 };
	remember_extra(d, &d->xtids, &d->nxtids, tid);
	return (struct nref){ 't', tid, 0 };
}

/* ---- edges ---- */

static int same_node(struct nref a, struct nref b)
{
	return a.kind == b.kind && a.id == b.id;
}

static struct dedge *find_edge(struct dctx *d, struct nref from, struct nref to, const char *label)
{
	for (size_t i = 0; i < d->ne; i++)
		if (same_node(d->e[i].from, from) && same_node(d->e[i].to, to) &&
		    (!label || strcmp(d->e[i].label, label) == 0))
			return &d->e[i];
	return NULL;
}

static void add_edge(struct dctx *d, struct nref from, struct nref to, const char *label,
		     int finding, int knot, int timed)
{
	struct dedge *old = find_edge(d, from, to, finding ? label : NULL);
	if (old) {
		/* a finding's proof edge wins over a derived one between the same nodes */
		if (!finding)
			return;
		old->knot |= knot;
		old->finding = 1;
		return;
	}
	if (d->ne == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct dedge *ne = realloc(d->e, cap * sizeof *ne);
		if (!ne) {
			d->oom = 1;
			return;
		}
		d->e = ne;
		d->cap = cap;
	}
	char *l = strdup(label ? label : "");
	if (!l) {
		d->oom = 1;
		return;
	}
	d->e[d->ne++] = (struct dedge){ from, to, l, knot, finding, timed };
}

static void finding_edges(struct dctx *d)
{
	for (size_t i = 0; i < rp_nfindings(d->r); i++) {
		const struct sj_finding *f = &d->r->findings->v[i];
		int knot = f->kind == SJ_FIND_DEADLOCK;
		for (size_t j = 0; j < f->nedges; j++) {
			const struct sj_edge *e = &f->edges[j];
			struct nref from = thread_ref(d, e->from_pid, e->from_tid);
			/* "any thread of my own process": a loop on the waiter,
			 * not an arrow to its leader, which may be innocent */
			struct nref to = e->to_tid == 0 && e->to_pid == e->from_pid && from.kind == 't'
				? from : thread_ref(d, e->to_pid, e->to_tid);
			add_edge(d, from, to, e->via, 1, knot, 0);
		}
		for (size_t j = 0; j < f->npids; j++)
			if (!proc_of(d, f->pids[j]))
				remember_extra(d, &d->extra, &d->nextra, f->pids[j]);
	}
}

static int can_access(int accmode, int want_write)
{
	int m = accmode & O_ACCMODE;
	return m == O_RDWR || (want_write ? m == O_WRONLY : m == O_RDONLY);
}

/* A pipe/FIFO wait: wake-up can come from any other process that holds
 * the opposite end (an OR-wait).  The own process holding it too is the
 * classic leak after fork; it shows as a loop on the waiting thread. */
static void pipe_edges(struct dctx *d, const struct sj_process *p, const struct sj_thread *t,
		       int fd, int want_write, const char *prefix)
{
	const struct sj_fd *f = sj_process_fd(p, fd);
	char label[256];
	if (!f || (f->kind != SJ_FDK_PIPE && f->kind != SJ_FDK_FIFO))
		return;
	snprintf(label, sizeof label, "%s%s%s", prefix, prefix[0] ? " " : "",
		 f->target ? f->target : "pipe");
	struct nref from = { 't', t->tid, 0 };
	for (size_t i = 0; i < d->s->nprocs; i++) {
		const struct sj_process *q = &d->s->procs[i];
		if (is_zombie(q))
			continue;      /* an exited process closed all its fds */
		for (size_t k = 0; k < q->nfds; k++) {
			const struct sj_fd *qf = &q->fds[k];
			if (qf->kind != f->kind || qf->inode != f->inode || !can_access(qf->accmode, want_write))
				continue;
			if (q == p && qf->fd == fd && (f->accmode & O_ACCMODE) == O_RDWR)
				continue;   /* its own O_RDWR fd is not another party */
			struct nref to = q == p ? from : proc_ref(d, q->pid);
			add_edge(d, from, to, label, 0, 0, t->wait.has_timeout);
			break;       /* one edge per holder process */
		}
	}
}

static void child_edges(struct dctx *d, const struct sj_process *p, const struct sj_thread *t)
{
	char label[128];
	struct nref from = { 't', t->tid, 0 };
	sj_report_wait_text(p, t, label, sizeof label);
	for (size_t i = 0; i < d->s->nprocs; i++) {
		const struct sj_process *q = &d->s->procs[i];
		pid_t w = t->wait.wait_pid;
		int match = w > 0 ? q->pid == w
			  : q->ppid == p->pid && (w == -1 || (w == 0 ? q->pgid == p->pgid : q->pgid == -w));
		if (match)
			add_edge(d, from, proc_ref(d, q->pid), label, 0, 0, t->wait.has_timeout);
	}
}

static const struct sj_map *map_of(const struct sj_process *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nmaps; i++)
		if (p->maps[i].start <= addr && addr < p->maps[i].end)
			return &p->maps[i];
	return NULL;
}

static int same_file(const struct sj_map *a, const struct sj_map *b)
{
	return a->inode && a->inode == b->inode && a->dev_major == b->dev_major &&
	       a->dev_minor == b->dev_minor;
}

/* A shared futex can be woken by any process mapping the same file
 * (a POSIX semaphore in /dev/shm, a mmap'd file). */
static void futex_edges(struct dctx *d, const struct sj_process *p, const struct sj_thread *t)
{
	const struct sj_map *m = map_of(p, t->wait.futex_addr);
	char label[256];
	if (!m || !m->inode)
		return;
	snprintf(label, sizeof label, "futex shared %s", m->path ? m->path : "(anonymous memory)");
	struct nref from = { 't', t->tid, 0 };
	for (size_t i = 0; i < d->s->nprocs; i++) {
		const struct sj_process *q = &d->s->procs[i];
		if (q == p || is_zombie(q))
			continue;
		for (size_t k = 0; k < q->nmaps; k++)
			if (same_file(m, &q->maps[k])) {
				add_edge(d, from, proc_ref(d, q->pid), label, 0, 0, t->wait.has_timeout);
				break;
			}
	}
}

/* A connected socket: only the processes holding its peer can send to it
 * or read what it sent (sock_diag named the peer). */
static void socket_edges(struct dctx *d, const struct sj_process *p, const struct sj_thread *t, int fd)
{
	const struct sj_fd *f = sj_process_fd(p, fd);
	char label[128];
	if (!f || f->kind != SJ_FDK_SOCKET || !f->sock.peer)
		return;
	snprintf(label, sizeof label, "socket:[%" PRIu64 "] -> socket:[%" PRIu64 "]", f->inode, f->sock.peer);
	struct nref from = { 't', t->tid, 0 };
	for (size_t i = 0; i < d->s->nprocs; i++) {
		const struct sj_process *q = &d->s->procs[i];
		if (rp_fd_on(q, SJ_FDK_SOCKET, f->sock.peer))
			add_edge(d, from, q == p ? from : proc_ref(d, q->pid), label, 0, 0, t->wait.has_timeout);
	}
}

/* A lock request: the processes holding a lock in its way release it. */
static void lock_edges(struct dctx *d, const struct sj_process *p, const struct sj_thread *t)
{
	const struct sj_fd *f = t->wait.nfds ? sj_process_fd(p, t->wait.fds[0].fd) : NULL;
	char label[256];
	snprintf(label, sizeof label, "lock %s", f && f->target ? f->target : "?");
	struct nref from = { 't', t->tid, 0 };
	for (size_t i = 0; i < d->s->nprocs; i++) {
		const struct sj_process *q = &d->s->procs[i];
		int holds = 0;
		for (size_t j = 0; j < q->nfds && !holds; j++)
			for (size_t k = 0; k < q->fds[j].nlocks && !holds; k++)
				holds = rp_lock_blocks(&q->fds[j].locks[k], q, q->fds[j].fd, p, t);
		if (holds)
			add_edge(d, from, q == p ? from : proc_ref(d, q->pid), label, 0, 0, 0);
	}
}

static void thread_edges(struct dctx *d, const struct sj_process *p, const struct sj_thread *t)
{
	const struct sj_wait *w = &t->wait;
	switch (w->kind) {
	case SJ_WAIT_READ:
	case SJ_WAIT_WRITE:
		if (w->nfds) {
			pipe_edges(d, p, t, w->fds[0].fd, w->kind == SJ_WAIT_READ, "");
			socket_edges(d, p, t, w->fds[0].fd);
		}
		break;
	case SJ_WAIT_POLL:
		for (size_t i = 0; i < w->nfds; i++) {
			if (w->fds[i].dir != 1)
				pipe_edges(d, p, t, w->fds[i].fd, 1, "poll");
			if (w->fds[i].dir != 0)
				pipe_edges(d, p, t, w->fds[i].fd, 0, "poll");
			socket_edges(d, p, t, w->fds[i].fd);
		}
		break;
	case SJ_WAIT_LOCK:
		lock_edges(d, p, t);
		break;
	case SJ_WAIT_CHILD:
		child_edges(d, p, t);
		break;
	case SJ_WAIT_FUTEX:
		if (!w->futex_private)
			futex_edges(d, p, t);
		break;
	default:
		break;
	}
}

static void derived_edges(struct dctx *d)
{
	if (!d->s)
		return;
	for (size_t i = 0; i < d->s->nprocs; i++) {
		const struct sj_process *p = &d->s->procs[i];
		if (!has_thread_nodes(p))
			continue;
		for (size_t j = 0; j < p->nthreads; j++)
			thread_edges(d, p, &p->threads[j]);
	}
}

/* ---- knot membership ---- */

static int in_knot_edge(const struct dctx *d, struct nref n)
{
	for (size_t i = 0; i < d->ne; i++)
		if (d->e[i].knot && (same_node(d->e[i].from, n) || same_node(d->e[i].to, n)))
			return 1;
	return 0;
}

static int pid_in_deadlock(const struct dctx *d, pid_t pid)
{
	for (size_t i = 0; i < rp_nfindings(d->r); i++) {
		const struct sj_finding *f = &d->r->findings->v[i];
		if (f->kind != SJ_FIND_DEADLOCK)
			continue;
		if (pid_in(f->pids, f->npids, pid))
			return 1;
		for (size_t j = 0; j < f->nedges; j++)
			if (f->edges[j].from_pid == pid || f->edges[j].to_pid == pid)
				return 1;
	}
	return 0;
}

/* ---- output ---- */

static void print_thread_node(struct dctx *d, const struct sj_process *p, const struct sj_thread *t)
{
	char w[512], label[1024];
	int knot = in_knot_edge(d, (struct nref){ 't', t->tid, 0 });
	const char *fill = knot ? "#ffe0e0" : t->wait.kind == SJ_WAIT_NONE ? "#e4f7e4" : "#fff6d5";

	snprintf(label, sizeof label, "%d %s\n%s", (int)t->tid, sj_thread_label(t),
		 sj_report_wait_text(p, t, w, sizeof w));
	fprintf(d->out, "    t%d [label=", (int)t->tid);
	dot_str(d->out, label);
	fprintf(d->out, ", fillcolor=\"%s\"", fill);
	if (knot)
		fputs(", color=" KNOT_COLOUR ", penwidth=2.5, fontcolor=" KNOT_COLOUR, d->out);
	fputs("];\n", d->out);
}

static void print_cluster(struct dctx *d, const struct sj_process *p)
{
	char label[256], st[64];
	int zombie = is_zombie(p), knot = pid_in_deadlock(d, p->pid);

	fprintf(d->out, "  subgraph cluster_p%d {\n", (int)p->pid);
	snprintf(label, sizeof label, "pid %d %s%s", (int)p->pid, p->comm ? p->comm : "?",
		 zombie ? " <defunct>" : "");
	fputs("    label=", d->out);
	dot_str(d->out, label);
	fputs(";\n", d->out);
	if (zombie)
		fputs("    style=\"rounded,filled\"; fillcolor=grey92; color=grey60; fontcolor=grey45;\n", d->out);
	else if (knot)
		fputs("    style=\"rounded,bold\"; color=" KNOT_COLOUR "; penwidth=2;\n", d->out);
	else
		fputs("    style=rounded; color=grey40;\n", d->out);
	if (has_thread_nodes(p)) {
		for (size_t i = 0; i < p->nthreads; i++)
			print_thread_node(d, p, &p->threads[i]);
	} else {
		snprintf(label, sizeof label, "%s", zombie
			 ? sj_wait_status_text(p->exit_status, st, sizeof st) : "no threads captured");
		fprintf(d->out, "    p%d [label=", (int)p->pid);
		dot_str(d->out, label);
		fputs(zombie ? ", style=\"filled,dashed\", fillcolor=grey85, color=grey55, fontcolor=grey40];\n"
			     : ", style=dashed];\n", d->out);
	}
	fputs("  }\n", d->out);
}

static void print_extras(struct dctx *d)
{
	char label[96];
	for (size_t i = 0; i < d->nextra; i++) {
		snprintf(label, sizeof label, "pid %d\n(not in the snapshot)", (int)d->extra[i]);
		fprintf(d->out, "  p%d [label=", (int)d->extra[i]);
		dot_str(d->out, label);
		fprintf(d->out, ", style=dashed%s];\n",
			pid_in_deadlock(d, d->extra[i]) ? ", color=" KNOT_COLOUR ", penwidth=2.5" : "");
	}
	for (size_t i = 0; i < d->nxtids; i++) {
		snprintf(label, sizeof label, "thread %d\n(not in the snapshot)", (int)d->xtids[i]);
		fprintf(d->out, "  t%d [label=", (int)d->xtids[i]);
		dot_str(d->out, label);
		fputs(", style=dashed];\n", d->out);
	}
}

static void print_edge(struct dctx *d, const struct dedge *e)
{
	const char *colour = e->knot ? KNOT_COLOUR : e->finding ? FINDING_COLOUR : DERIVED_COLOUR;
	fprintf(d->out, "  %c%d -> %c%d [label=", e->from.kind, (int)e->from.id, e->to.kind, (int)e->to.id);
	dot_str(d->out, e->label);
	fprintf(d->out, ", color=%s, fontcolor=%s", colour, colour);
	if (e->knot)
		fputs(", penwidth=2.5, style=bold", d->out);
	else if (e->finding)
		fputs(", penwidth=1.8", d->out);
	else if (e->timed)
		fputs(", style=dashed", d->out);
	if (e->to.any_thread && !same_node(e->from, e->to))
		fputs(", arrowhead=onormal", d->out);
	fputs("];\n", d->out);
}

static void print_graph(struct dctx *d)
{
	char summary[256];
	struct sj_tbuf b;
	char title[1024];

	sj_tbuf_init(&b, title, sizeof title);
	sj_tbuf_printf(&b, "sigjam wait-for graph");
	if (d->r->command)
		sj_tbuf_printf(&b, ": %s", d->r->command);
	sj_tbuf_printf(&b, "\n%s", sj_report_summary(d->r->findings, summary, sizeof summary));
	sj_tbuf_printf(&b, "\nred: deadlock knot; orange: other findings; grey: derived from each wait; "
		       "dashed: wait with a timeout; hollow arrow: any thread of that process");

	fputs("digraph sigjam {\n", d->out);
	fputs("  graph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label=", d->out);
	dot_str(d->out, title);
	fputs("];\n", d->out);
	fputs("  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", fontsize=10];\n", d->out);
	fputs("  edge [fontname=\"Helvetica\", fontsize=9];\n", d->out);
	for (size_t i = 0; d->s && i < d->s->nprocs; i++)
		print_cluster(d, &d->s->procs[i]);
	print_extras(d);
	for (size_t i = 0; i < d->ne; i++)
		print_edge(d, &d->e[i]);
	fputs("}\n", d->out);
}

static void dctx_free(struct dctx *d)
{
	for (size_t i = 0; i < d->ne; i++)
		free(d->e[i].label);
	free(d->e);
	free(d->extra);
	free(d->xtids);
}

int sj_render_dot(const struct sj_report *r, FILE *out, char *err, size_t errlen)
{
	struct dctx d = { .out = out, .r = r, .s = r->snap };
	finding_edges(&d);
	derived_edges(&d);
	if (d.oom) {
		dctx_free(&d);
		return rp_fail(err, errlen, "dot report: out of memory");
	}
	print_graph(&d);
	dctx_free(&d);
	return rp_check_stream(out, "dot", err, errlen);
}

/* ---- SVG through Graphviz ---- */

/* One run of dot: its stdin (a socket), stdout and stderr, seen from us. */
struct dotrun {
	int in_fd, out_fd, err_fd;
	char errtext[256];     /* dot's first complaint, for our one-line error */
	size_t errlen;
};

/* Feeds the DOT text to dot's stdin and copies its stdout to out, with
 * poll so that neither side can fill a pipe and stall the other.  dot's
 * stdin is a socket so that send(MSG_NOSIGNAL) reports a dot that died
 * early as EPIPE instead of raising SIGPIPE in the caller's process (a
 * library must not change or rely on the caller's signal dispositions). */
static int pump(struct dotrun *dr, const char *dot, size_t len, FILE *out, char *err, size_t errlen)
{
	size_t sent = 0;
	char buf[8192];
	int rc = 0;

	if (len == 0) {
		shutdown(dr->in_fd, SHUT_WR);
		dr->in_fd = -1;
	}
	while (dr->out_fd >= 0 || dr->err_fd >= 0) {
		struct pollfd p[3] = {
			{ dr->in_fd, POLLOUT, 0 }, { dr->out_fd, POLLIN, 0 }, { dr->err_fd, POLLIN, 0 },
		};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return rp_fail(err, errlen, "svg report: poll: %s", strerror(errno));
		}
		if (dr->in_fd >= 0 && (p[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = send(dr->in_fd, dot + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				rc = rp_fail(err, errlen, "svg report: graphviz dot stopped reading its input: %s",
					     strerror(errno));
				dr->in_fd = -1;
			} else if (n > 0 && (sent += (size_t)n) == len) {
				shutdown(dr->in_fd, SHUT_WR);    /* EOF: dot starts laying out */
				dr->in_fd = -1;
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(dr->out_fd, buf, sizeof buf);
			if (n > 0)
				fwrite(buf, 1, (size_t)n, out);
			else if (n == 0 || errno != EINTR)
				dr->out_fd = -1;
		}
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(dr->err_fd, buf, sizeof buf);
			if (n > 0) {
				size_t room = sizeof dr->errtext - 1 - dr->errlen;
				size_t take = (size_t)n < room ? (size_t)n : room;
				memcpy(dr->errtext + dr->errlen, buf, take);
				dr->errlen += take;
				dr->errtext[dr->errlen] = 0;
			} else if (n == 0 || errno != EINTR) {
				dr->err_fd = -1;
			}
		}
	}
	return rc;
}

static int wait_dot(pid_t pid, const char *complaint, char *err, size_t errlen)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return rp_fail(err, errlen, "svg report: waitpid(dot): %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return rp_fail(err, errlen, "svg report: Graphviz `dot` could not be run; install graphviz "
			       "or use --format dot");
	char st[64];
	int first = (int)strcspn(complaint, "\n");
	return rp_fail(err, errlen, "svg report: graphviz dot failed (%s)%s%.*s; check the DOT with --format dot",
		       sj_wait_status_text(status, st, sizeof st), first ? ": " : "", first, complaint);
}

static int spawn_dot(const int child_fds[3], pid_t *pid, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { "dot", "-Tsvg", NULL };
	extern char **environ;

	posix_spawn_file_actions_init(&fa);
	/* dup2 onto 0/1/2 clears close-on-exec on the copies; every other fd
	 * of ours is O_CLOEXEC and does not leak into dot. */
	for (int i = 0; i < 3; i++)
		posix_spawn_file_actions_adddup2(&fa, child_fds[i], i);
	int rc = posix_spawnp(pid, "dot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == ENOENT)
		return rp_fail(err, errlen, "svg report: Graphviz `dot` is not on PATH; install graphviz "
			       "(apt-get install graphviz) or use --format dot");
	if (rc != 0)
		return rp_fail(err, errlen, "svg report: cannot run dot: %s", strerror(rc));
	return 0;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

int sj_render_svg(const struct sj_report *r, FILE *out, char *err, size_t errlen)
{
	char *dot = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&dot, &len);
	/* ours[i] is our side of dot's fd i, theirs[i] the side dot gets */
	int ours[3] = { -1, -1, -1 }, theirs[3] = { -1, -1, -1 }, sv[2], po[2], pe[2], rc = -1;
	pid_t pid;

	if (!mem)
		return rp_fail(err, errlen, "svg report: out of memory");
	if (sj_render_dot(r, mem, err, errlen) != 0) {
		fclose(mem);
		free(dot);
		return -1;
	}
	fclose(mem);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		rp_fail(err, errlen, "svg report: cannot create a socket for dot: %s", strerror(errno));
		goto out;
	}
	ours[0] = sv[0], theirs[0] = sv[1];
	if (pipe2(po, O_CLOEXEC) != 0) {
		rp_fail(err, errlen, "svg report: cannot create pipes for dot: %s", strerror(errno));
		goto out;
	}
	ours[1] = po[0], theirs[1] = po[1];
	if (pipe2(pe, O_CLOEXEC) != 0) {
		rp_fail(err, errlen, "svg report: cannot create pipes for dot: %s", strerror(errno));
		goto out;
	}
	ours[2] = pe[0], theirs[2] = pe[1];
	if (spawn_dot(theirs, &pid, err, errlen) != 0)
		goto out;
	close_all(theirs, 3);   /* else our own copies keep dot's output open: no EOF */

	struct dotrun dr = { ours[0], ours[1], ours[2], "", 0 };
	rc = pump(&dr, dot, len, out, err, errlen);
	if (wait_dot(pid, dr.errtext, rc ? NULL : err, errlen) != 0)
		rc = -1;
	if (rc == 0)
		rc = rp_check_stream(out, "svg", err, errlen);
out:
	close_all(ours, 3);
	close_all(theirs, 3);
	free(dot);
	return rc;
}
