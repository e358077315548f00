/* sockets.c — who could end a wait on a socket.
 *
 * Data on a connected socket comes only from the socket at its other end,
 * and room in its queue only when that end reads: the wakers are the live
 * threads of every process holding the peer socket (capture read the peer
 * from sock_diag: a Unix socket's peer inode, or the TCP/UDP socket on
 * this host with the same endpoints the other way round).  Anything else
 * may be woken from outside the snapshot and is never part of a deadlock:
 * a listening socket, a socket bound to a name anyone may send to (a Unix
 * datagram socket with a path or abstract name, an unconnected UDP
 * socket), a peer on another host or held by no process we captured, a
 * socket sock_diag did not describe.
 *
 * Except a private rendezvous: a Unix listener or datagram socket bound to
 * a path that no process outside the snapshot could reach (capture checked
 * the permissions on the way and every other process, tracer/reach.c) and
 * that no top of the tree holds (a server the user started, waiting for
 * its clients, is a front door, not a rendezvous).  Its callers can only
 * be the tree's own processes — privileged ones aside, which is what a
 * proof through it assumes (docs/analysis.md). */
#include "internal.h"

#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>

static struct sja_fdres peer_outside(const char *why)
{
	return (struct sja_fdres){ .cls = SJ_NODE_PEER, .why = why };
}

/* Every process of the snapshot holding socket inode `inode`: their live
 * threads wake o.  Returns how many processes hold it, -1 on oom. */
static int add_holders(const struct sj_graph *g, struct sj_gobj *o, uint64_t inode)
{
	int holders = 0;
	for (size_t i = 0; i < g->s->nprocs; i++) {
		const struct sj_process *q = &g->s->procs[i];
		for (size_t j = 0; j < q->nfds; j++) {
			if (q->fds[j].kind != SJ_FDK_SOCKET || q->fds[j].inode != inode)
				continue;
			if (sja_add_pid_wakers(g, o, q->pid))
				return -1;
			holders++;
			break;
		}
	}
	return holders;
}

int sja_socket_held_by_top(const struct sj_graph *g, uint64_t inode)
{
	for (size_t i = 0; i < g->s->nprocs; i++) {
		const struct sj_process *q = &g->s->procs[i];
		if (sj_snapshot_proc(g->s, q->ppid) && q->ppid != q->pid)
			continue;
		for (size_t j = 0; j < q->nfds; j++)
			if (q->fds[j].kind == SJ_FDK_SOCKET && q->fds[j].inode == inode)
				return 1;
	}
	return 0;
}

const char *sja_obj_assumption(const struct sj_gobj *o, char *buf, size_t n)
{
	const struct sj_sock *k = o->kind == SJ_OBJ_CONNECT ? o->bound : NULL;
	if (!k || k->reach == SJ_REACH_GONE)
		return NULL;
	snprintf(buf, n, "no process outside the tree %s %s", k->state == TCP_LISTEN ? "connects to" :
		 "sends to", k->local);
	return buf;
}

/* A wait for callers at a Unix address (accept or poll on a listener, a
 * receive on a bound datagram socket): PEER unless it is a private
 * rendezvous, whose callers are the snapshot's live threads (nobody at
 * all once the path no longer names it). */
static struct sja_fdres rendezvous(const struct sj_graph *g, struct sj_gnode *n, const struct sj_fd *f)
{
	const struct sj_sock *k = &f->sock;
	int private = k->reach == SJ_REACH_TREE || k->reach == SJ_REACH_GONE ||
		(g->trust_outside && k->reach == SJ_REACH_OUTSIDE);
	if (k->family != AF_UNIX || !private)
		return peer_outside(k->state == TCP_LISTEN ? "connections from outside" :
				    "a datagram socket anyone may send to");
	if (sja_socket_held_by_top(g, f->inode))
		return peer_outside("the clients of a server the tree's top runs");
	struct sj_gobj *o = sja_new_obj(n, SJ_OBJ_CONNECT);
	if (!o)
		return (struct sja_fdres){ .oom = 1 };
	o->fd = f->fd;
	o->inode = f->inode;
	o->fdkind = SJ_FDK_SOCKET;
	o->bound = k;
	for (size_t i = 0; k->reach != SJ_REACH_GONE && i < g->s->nprocs; i++)
		if (sja_add_proc_wakers(g, o, i, (size_t)-1))
			return (struct sja_fdres){ .oom = 1 };
	return (struct sja_fdres){ .cls = SJ_NODE_INSIDE };
}

struct sja_fdres sja_socket_obj(const struct sj_graph *g, struct sj_gnode *n, const struct sj_fd *f,
				int dir)
{
	const struct sj_sock *k = &f->sock;
	if (!k->family)
		return peer_outside("a socket sock_diag did not describe");
	if (k->state == TCP_LISTEN)
		return dir == 1 ? peer_outside("a listening socket") : rendezvous(g, n, f);
	/* A named datagram socket hears from anyone who knows the name. */
	if (dir != 1 && k->named && k->type == SOCK_DGRAM)
		return rendezvous(g, n, f);
	if (!k->peer)
		return peer_outside("a socket whose peer is outside the snapshot");
	for (int d = 0; d < 2; d++) {
		if (!(dir == 2 || dir == d))
			continue;
		struct sj_gobj *o = sja_new_obj(n, d == 0 ? SJ_OBJ_SOCK_READ : SJ_OBJ_SOCK_WRITE);
		if (!o)
			return (struct sja_fdres){ .oom = 1 };
		o->fd = f->fd;
		o->inode = f->inode;
		o->fdkind = SJ_FDK_SOCKET;
		o->peer = k->peer;
		int holders = add_holders(g, o, k->peer);
		if (holders < 0)
			return (struct sja_fdres){ .oom = 1 };
		if (holders == 0)
			return peer_outside("a socket whose peer is outside the snapshot");
	}
	return (struct sja_fdres){ .cls = SJ_NODE_INSIDE };
}
