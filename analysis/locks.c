/* locks.c — who could end a wait for a file lock.
 *
 * A thread blocked in flock() or fcntl(F_SETLKW / F_OFD_SETLKW) waits
 * until no held lock conflicts with its request; the kernel grants it when
 * the holders release (unlock, close, exit).  Holders come from the
 * "lock:" lines of /proc/PID/fdinfo, which list each lock under the open
 * file that holds it: every process with an fd on that open file could
 * release it.  Conflicts follow fs/locks.c (sj_lock_conflicts, in the model
 * so the reports list the same holders): flock locks conflict only with
 * flock locks, record (POSIX) and OFD locks with each other; two read
 * locks never conflict; a POSIX lock never conflicts with its own
 * process's, an OFD or flock lock never with its own open file (held
 * through the same fd of the same process here: another fd sharing the
 * open file is counted as a conflict, which can only add wakers).  A
 * request /proc/locks does not show waiting is being granted; one whose
 * holders are all outside the snapshot waits for the outside world. */
#include "internal.h"

#include <stdint.h>

/* /proc/locks lists the request as waiting: POSIX and flock requests by
 * the waiter's pid, OFD requests as pid -1.  With no /proc/locks at all
 * (nothing locked anywhere, or unreadable) this says yes. */
static int queued(const struct sj_snapshot *s, const struct sj_lock *req, pid_t p)
{
	if (!s->nlocks)
		return 1;
	for (size_t i = 0; i < s->nlocks; i++) {
		const struct sj_lock *l = &s->locks[i];
		if (l->blocked && l->flavor == req->flavor && sj_lock_same_file(l, req) &&
		    l->pid == (req->flavor == SJ_LOCK_OFD ? -1 : p))
			return 1;
	}
	return 0;
}

int sja_classify_lock(const struct sj_graph *g, struct sj_gnode *n)
{
	const struct sj_wait *w = &n->t->wait;
	const struct sj_lock *req = &w->lock;
	int pfd = w->nfds ? w->fds[0].fd : -1;
	if (!req->inode) {
		n->cls = SJ_NODE_UNKNOWN;
		n->why = "a lock on a file the capture could not name";
		return 0;
	}
	if (!queued(g->s, req, n->p->pid)) {
		n->cls = SJ_NODE_PROGRESS;
		n->why = "a lock request the kernel is granting";
		return 0;
	}
	struct sj_gobj *o = sja_new_obj(n, SJ_OBJ_LOCK);
	if (!o)
		return -1;
	o->fd = pfd;
	o->inode = req->inode;
	o->file = sj_process_fd(n->p, pfd);
	o->req = req;
	for (size_t i = 0; i < g->s->nprocs; i++) {
		const struct sj_process *q = &g->s->procs[i];
		int holds = 0;
		for (size_t j = 0; j < q->nfds && !holds; j++)
			for (size_t k = 0; k < q->fds[j].nlocks && !holds; k++)
				holds = sj_lock_conflicts(&q->fds[j].locks[k], q->pid, q->fds[j].fd, req, n->p->pid, pfd);
		if (holds && sja_add_pid_wakers(g, o, q->pid))
			return -1;
	}
	if (!o->nwakers) {
		n->cls = SJ_NODE_PEER;
		n->why = "a lock held outside the snapshot";
		return 0;
	}
	n->cls = SJ_NODE_INSIDE;
	return 0;
}
