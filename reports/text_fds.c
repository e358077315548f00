/* text_fds.c — the kernel facts behind the waits in the PROCESSES part of
 * the text report, one short line each: under a thread, for the fds it
 * waits on, who holds a socket's other end, how full a pipe is, who holds
 * the lock it asks for; under a process, the locks it holds and who waits
 * for them.  Every other fd stays out (the JSON report has them all). */
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "internal.h"
#include "textout.h"

#define MAX_FACT_FDS 4   /* a poll set: facts for this many fds, the rest counted */
#define MAX_NAMED 3      /* holders or waiters named; the rest counted */

static void tb_who(struct sj_tbuf *b, const struct sj_process *p, const struct sj_thread *t)
{
	if (t && t->tid != p->pid)
		sj_tbuf_printf(b, "pid %d thread %d", (int)p->pid, (int)t->tid);
	else
		sj_tbuf_printf(b, "pid %d", (int)p->pid);
}

/* ", and 2 more" after MAX_NAMED names. */
static int tb_next_name(struct sj_tbuf *b, size_t *named, size_t total)
{
	if (*named == MAX_NAMED) {
		sj_tbuf_printf(b, " and %zu more", total - MAX_NAMED);
		(*named)++;
		return 0;
	}
	if (*named > MAX_NAMED)
		return 0;
	sj_tbuf_printf(b, "%s", (*named)++ ? ", " : "");
	return 1;
}

/* "peer socket:[9002] in pid 4201 (fd 4)"; the holders are every process
 * of the snapshot with an fd on the peer socket. */
static void tb_peer(struct sj_tbuf *b, const struct sj_snapshot *s, const struct sj_sock *k)
{
	if (!k->peer) {
		if (k->remote && k->family != AF_UNIX)
			sj_tbuf_printf(b, ", peer %s not in the snapshot", k->remote);
		return;
	}
	size_t total = 0, named = 0;
	for (size_t i = 0; i < s->nprocs; i++)
		total += rp_fd_on(&s->procs[i], SJ_FDK_SOCKET, k->peer) != NULL;
	sj_tbuf_printf(b, ", peer socket:[%llu] ", (unsigned long long)k->peer);
	if (!total) {
		sj_tbuf_printf(b, "held by no process of the snapshot");
		return;
	}
	sj_tbuf_printf(b, "in ");
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct sj_fd *f = rp_fd_on(&s->procs[i], SJ_FDK_SOCKET, k->peer);
		if (f && tb_next_name(b, &named, total))
			sj_tbuf_printf(b, "pid %d (fd %d)", (int)s->procs[i].pid, f->fd);
	}
}

/* "unix stream, peer socket:[9002] in pid 4201 (fd 4), 11 bytes sent and
 * not yet read"; "unix stream listening at /run/x.sock, 2 connections
 * waiting, only the snapshot's processes can reach it". */
static void tb_socket(struct sj_tbuf *b, const struct sj_snapshot *s, const struct sj_sock *k)
{
	const char *proto = sj_sock_protocol_name(k->protocol);
	if (!k->family) {
		sj_tbuf_printf(b, "socket sock_diag did not describe");
		return;
	}
	sj_tbuf_printf(b, "%s %s", sj_sock_family_name(k->family),
		       k->family != AF_UNIX && proto ? proto : sj_sock_type_name(k->type));
	if (k->state == TCP_LISTEN)
		sj_tbuf_printf(b, " listening");
	else if (k->state != TCP_ESTABLISHED && k->state != TCP_CLOSE)
		sj_tbuf_printf(b, " %s", sj_sock_state_name(k->state));
	if (k->local)
		sj_tbuf_printf(b, " %s %s", k->family == AF_UNIX ? "at" : "on", k->local);
	if (k->remote && k->family != AF_UNIX && k->peer)
		sj_tbuf_printf(b, " -> %s", k->remote);
	tb_peer(b, s, k);
	if (k->state == TCP_LISTEN && k->rqueue)
		sj_tbuf_printf(b, ", %u connection%s waiting", k->rqueue, k->rqueue == 1 ? "" : "s");
	else if (k->rqueue)
		sj_tbuf_printf(b, ", %u bytes to read", k->rqueue);
	if (k->state != TCP_LISTEN && k->wqueue)
		sj_tbuf_printf(b, ", %u bytes sent and not yet read", k->wqueue);
	if (k->reach == SJ_REACH_TREE)
		sj_tbuf_printf(b, ", only the snapshot's processes can reach it");
	else if (k->reach == SJ_REACH_GONE)
		sj_tbuf_printf(b, ", its path no longer names it");
	else if (k->reach == SJ_REACH_OUTSIDE)
		sj_tbuf_printf(b, ", %u process%s outside the snapshot can reach it (pid %d)",
			       k->reach_outsiders, k->reach_outsiders == 1 ? "" : "es", (int)k->reach_example);
}

/* "held by pid 4300 (fd 3, write flock)": the processes whose locks stand
 * in the way of thread th's request. */
static void tb_lock_holders(struct sj_tbuf *b, const struct sj_snapshot *s, const struct sj_process *p,
			    const struct sj_thread *th)
{
	size_t total = 0, named = 0;
	char what[96];
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < s->nprocs; i++) {
			const struct sj_process *q = &s->procs[i];
			for (size_t j = 0; j < q->nfds; j++)
				for (size_t k = 0; k < q->fds[j].nlocks; k++) {
					const struct sj_lock *l = &q->fds[j].locks[k];
					if (!rp_lock_blocks(l, q, q->fds[j].fd, p, th))
						continue;
					if (!pass) {
						total++;
					} else if (tb_next_name(b, &named, total)) {
						sj_tbuf_printf(b, "%spid %d (fd %d, %s)", named == 1 ? "held by " : "",
							       (int)q->pid, q->fds[j].fd, sj_lock_text(l, what, sizeof what));
					}
				}
		}
	if (!total)
		sj_tbuf_printf(b, "held by no process of the snapshot");
}

/* The facts line of one fd a thread waits on; nothing for an fd without any. */
static int fd_facts(struct sj_tbuf *b, const struct sj_snapshot *s, const struct sj_process *p,
		    const struct sj_thread *th, int fd)
{
	const struct sj_fd *f = sj_process_fd(p, fd);
	if (th->wait.kind == SJ_WAIT_LOCK)
		tb_lock_holders(b, s, p, th);
	else if (f && f->kind == SJ_FDK_SOCKET)
		tb_socket(b, s, &f->sock);
	else if (f && (f->kind == SJ_FDK_PIPE || f->kind == SJ_FDK_FIFO) && f->pipe_size)
		sj_tbuf_printf(b, "%u of %u bytes queued", f->pipe_queued, f->pipe_size);
	else
		return 0;
	return 1;
}

void rp_print_wait_facts(struct rp_text *t, const struct sj_process *p, const struct sj_thread *th)
{
	const struct sj_wait *w = &th->wait;
	size_t shown = 0, with = 0;
	char line[1024];
	struct sj_tbuf b;

	if (!t->r->snap || w->kind == SJ_WAIT_NONE || w->kind == SJ_WAIT_CHILD || w->kind == SJ_WAIT_FUTEX)
		return;
	for (size_t i = 0; i < w->nfds; i++) {
		sj_tbuf_init(&b, line, sizeof line);
		if (!fd_facts(&b, t->r->snap, p, th, w->fds[i].fd))
			continue;
		if (with++ >= MAX_FACT_FDS)
			continue;
		rp_seg(t, t->c->dim, "    fd %d:", w->fds[i].fd);
		rp_seg(t, "", " %s", line);
		rp_nl(t);
		shown++;
	}
	if (with > shown) {
		rp_seg(t, t->c->dim, "    and %zu more fds", with - shown);
		rp_nl(t);
	}
}

/* "; pid 4301 waits for it": the snapshot's threads whose lock requests
 * lock l (of p's fd) stands in the way of. */
static void tb_lock_waiters(struct sj_tbuf *b, const struct sj_snapshot *s, const struct sj_process *p,
			    int fd, const struct sj_lock *l)
{
	size_t total = 0, named = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < s->nprocs; i++)
			for (size_t j = 0; j < s->procs[i].nthreads; j++) {
				const struct sj_thread *th = &s->procs[i].threads[j];
				if (!rp_lock_blocks(l, p, fd, &s->procs[i], th))
					continue;
				if (!pass)
					total++;
				else if (tb_next_name(b, &named, total))
					tb_who(b, &s->procs[i], th);
			}
	if (total)
		sj_tbuf_printf(b, " wait%s for it", total == 1 ? "s" : "");
}

void rp_print_held_locks(struct rp_text *t, const struct sj_process *p)
{
	char line[1024], what[96];
	struct sj_tbuf b;

	for (size_t i = 0; i < p->nfds; i++) {
		const struct sj_fd *f = &p->fds[i];
		for (size_t k = 0; k < f->nlocks; k++) {
			sj_tbuf_init(&b, line, sizeof line);
			sj_tbuf_printf(&b, "  holds a %s on fd %d", sj_lock_text(&f->locks[k], what, sizeof what), f->fd);
			if (f->target)
				sj_tbuf_printf(&b, " = %s", f->target);
			size_t before = b.used;
			sj_tbuf_printf(&b, "; ");
			tb_lock_waiters(&b, t->r->snap, p, f->fd, &f->locks[k]);
			if (b.used == before + 2)
				line[before] = '\0';   /* nobody waits */
			rp_seg(t, "", "%s", line);
			rp_nl(t);
		}
	}
}
