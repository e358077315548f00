/* sockdiag.h — every socket's endpoints, from the kernel, before any
 * thread is stopped.
 *
 * NETLINK_SOCK_DIAG dumps the Unix sockets with their peer's inode
 * (UDIAG_SHOW_PEER), name and bound file (UDIAG_SHOW_VFS: its device and
 * inode, which tracer/reach.c checks the path against), and the TCP and UDP sockets of IPv4 and
 * IPv6 with both endpoints; a TCP or UDP socket's peer on this host is the
 * socket whose endpoints are the same pair the other way round.  Where
 * netlink is refused (or for a process in another network namespace),
 * /proc/PID/net/unix gives type, state and name but no peer.  A socket
 * the dump does not know stays family 0: analysis treats it as a party
 * outside the tree. */
#ifndef SIGJAM_SOCKDIAG_H
#define SIGJAM_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

struct sj_diag_sock {
	uint64_t inode;
	struct sj_sock s;        /* what the fds get (strings owned here) */
	uint8_t src[16], dst[16]; /* inet: addresses (4 or 16 bytes used) */
	uint16_t sport, dport;    /* inet: ports, host order */
};

struct sj_diag {
	struct sj_diag_sock *v;  /* sorted by inode */
	size_t n, cap;
	uint64_t netns;          /* inode of the network namespace dumped, 0 none */
	int unix_ok, inet_ok;    /* the dumps that worked */
	int inet_tried;          /* the TCP/UDP dumps were made (they are made lazily) */
};

/* Dumps the Unix sockets of this process's network namespace.  0, or a
 * negative errno when the dump failed (then every socket stays unknown). */
int sj_diag_read(struct sj_diag *d);
/* Fills p's socket fds from d when p lives in d's network namespace, else
 * from /proc/PID/net/unix (no peers).  The first process with a socket
 * the Unix dump does not know makes d dump TCP and UDP too: call it
 * before p is stopped. */
void sj_diag_fill_process(struct sj_diag *d, struct sj_process *p);
void sj_diag_free(struct sj_diag *d);

/* Parsers, for tests: one /proc/net/unix line into s (0 or -EINVAL;
 * s->local malloc'd for a named socket). */
int sj_parse_net_unix_line(const char *line, uint64_t *inode, struct sj_sock *s);

#endif
