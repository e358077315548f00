/* pipes.c — who holds which end of every pipe and FIFO in a snapshot.
 *
 * The access mode from fdinfo tells the ends apart: pipe(2) gives an
 * O_RDONLY read end and an O_WRONLY write end.  An O_RDWR descriptor (a FIFO
 * opened read-write, or /proc/PID/fd/N reopened) is both: it keeps a writer
 * alive, so a reader on that pipe never sees EOF while it is open. */
#include "internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

static int is_pipe_kind(enum sj_fdkind k)
{
	return k == SJ_FDK_PIPE || k == SJ_FDK_FIFO;
}

static int cmp_pipe(const void *a, const void *b)
{
	const struct sj_pipe *x = a, *y = b;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return (x->kind > y->kind) - (x->kind < y->kind);
}

static struct sj_pipe *find_mut(struct sj_pipe_table *t, enum sj_fdkind kind, uint64_t inode)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].inode == inode && t->v[i].kind == kind)
			return &t->v[i];
	return NULL;
}

static int add_end(struct sj_pipe_end **v, size_t *n, pid_t pid, int fd)
{
	struct sj_pipe_end *nv = realloc(*v, (*n + 1) * sizeof **v);
	if (!nv)
		return -1;
	nv[*n] = (struct sj_pipe_end){ pid, fd };
	*v = nv;
	(*n)++;
	return 0;
}

static int add_fd(struct sj_pipe_table *t, size_t *cap, pid_t pid, const struct sj_fd *fd)
{
	struct sj_pipe *p = find_mut(t, fd->kind, fd->inode);
	if (!p) {
		if (sja_grow((void **)&t->v, cap, t->n, sizeof *t->v))
			return -1;
		p = &t->v[t->n++];
		memset(p, 0, sizeof *p);
		p->inode = fd->inode;
		p->kind = fd->kind;
	}
	int mode = fd->accmode & O_ACCMODE;
	if ((mode == O_RDONLY || mode == O_RDWR) &&
	    add_end(&p->readers, &p->nreaders, pid, fd->fd))
		return -1;
	if ((mode == O_WRONLY || mode == O_RDWR) &&
	    add_end(&p->writers, &p->nwriters, pid, fd->fd))
		return -1;
	return 0;
}

int sj_pipe_table_build(const struct sj_snapshot *s, struct sj_pipe_table *out)
{
	size_t cap = 0;
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct sj_process *p = &s->procs[i];
		for (size_t j = 0; j < p->nfds; j++) {
			if (!is_pipe_kind(p->fds[j].kind))
				continue;
			if (add_fd(out, &cap, p->pid, &p->fds[j])) {
				sj_pipe_table_free(out);
				return -1;
			}
		}
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, cmp_pipe);
	return 0;
}

const struct sj_pipe *sj_pipe_table_find_kind(const struct sj_pipe_table *t,
					      enum sj_fdkind kind, uint64_t inode)
{
	struct sj_pipe key = { .inode = inode, .kind = kind };
	if (!t->n)
		return NULL;
	return bsearch(&key, t->v, t->n, sizeof *t->v, cmp_pipe);
}

const struct sj_pipe *sj_pipe_table_find(const struct sj_pipe_table *t, uint64_t inode)
{
	const struct sj_pipe *p = sj_pipe_table_find_kind(t, SJ_FDK_PIPE, inode);
	return p ? p : sj_pipe_table_find_kind(t, SJ_FDK_FIFO, inode);
}

void sj_pipe_table_free(struct sj_pipe_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].readers);
		free(t->v[i].writers);
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}
