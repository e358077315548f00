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
 * socket sock_diag did not describe. */
#include "internal.h"

#include <netinet/tcp.h>
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

struct sja_fdres sja_socket_obj(const struct sj_graph *g, struct sj_gnode *n, const struct sj_fd *f,
				int dir)
{
	const struct sj_sock *k = &f->sock;
	if (!k->family)
		return peer_outside("a socket sock_diag did not describe");
	if (k->state == TCP_LISTEN)
		return peer_outside("connections from outside");
	/* A named datagram socket hears from anyone who knows the name. */
	if (dir != 1 && k->named && k->type == SOCK_DGRAM)
		return peer_outside("a datagram socket anyone may send to");
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
