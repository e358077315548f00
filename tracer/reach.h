/* reach.h — who could reach a Unix socket bound to a path.
 *
 * A Unix listener (or a bound datagram socket) is reached by its name:
 * connect() and sendto() resolve the path, which takes search permission on
 * every directory on the way and write permission on the socket file
 * (path_resolution(7), unix(7)).  sj_reach_fill decides, for every such
 * socket a thread of the snapshot waits on, whether any process outside
 * the snapshot passes those checks with its own credentials and sees the
 * same socket file at that path through its own root:
 *
 *   SJ_REACH_TREE     none does: only the snapshot's processes, and
 *                     privileged ones (CAP_DAC_OVERRIDE), could connect;
 *   SJ_REACH_OUTSIDE  some does (reach_outsiders, reach_example);
 *   SJ_REACH_GONE     the path no longer names the socket (unlinked or
 *                     replaced): nobody can connect by name;
 *   SJ_REACH_UNCHECKED  a relative or abstract name, a symbolic link or a
 *                     ".." on the way, no sock_diag file identity: anyone.
 *
 * It reads the file system and /proc of every process this tracer can see
 * (not the processes of a pid namespace above its own), after the capture,
 * while every thread runs. */
#ifndef SIGJAM_REACH_H
#define SIGJAM_REACH_H

#include <stddef.h>
#include <sys/types.h>

#include "snapshot.h"

void sj_reach_fill(struct sj_snapshot *s);

/* The parts, for tests. */

/* One step of a path: a directory to search or the socket file to write. */
struct sj_reach_step {
	unsigned mode;   /* st_mode permission bits */
	uid_t uid;
	gid_t gid;
	int acl;         /* has a POSIX ACL: counted as open to everyone */
	int write;       /* 1: the socket file (needs w), 0: a directory (needs x) */
};

struct sj_cred {
	uid_t fsuid;
	gid_t fsgid;
	gid_t groups[64];
	size_t ngroups;
};

/* The credentials of a /proc/PID/status text (Uid/Gid fs fields, Groups);
 * -1 for a kernel thread or a zombie (no VmSize line: it connects nowhere). */
int sj_reach_parse_cred(const char *status_text, struct sj_cred *c);
/* Would c pass every step (owner, then group, then other bits, as the
 * kernel's generic_permission() does without capabilities)? */
int sj_reach_may_pass(const struct sj_reach_step *steps, size_t n, const struct sj_cred *c);

#endif
