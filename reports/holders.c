/* holders.c — who in the snapshot holds the other end of a socket or
 * pipe, and whose lock stands in a lock request's way: the lookups the
 * JSON and text renderers share (the conflict rules are model's,
 * sj_lock_conflicts). */
#include "internal.h"

const struct sj_fd *rp_fd_on(const struct sj_process *p, enum sj_fdkind k, uint64_t inode)
{
	if (p->state == 'Z')
		return NULL;
	for (size_t i = 0; i < p->nfds; i++)
		if (p->fds[i].kind == k && p->fds[i].inode == inode)
			return &p->fds[i];
	return NULL;
}

const struct sj_lock *rp_lock_request(const struct sj_thread *t)
{
	return t->wait.kind == SJ_WAIT_LOCK ? &t->wait.lock : NULL;
}

int rp_lock_blocks(const struct sj_lock *held, const struct sj_process *q, int qfd,
		   const struct sj_process *p, const struct sj_thread *t)
{
	const struct sj_lock *req = rp_lock_request(t);
	int pfd = t->wait.nfds ? t->wait.fds[0].fd : -1;
	return req && sj_lock_conflicts(held, q->pid, qfd, req, p->pid, pfd);
}
