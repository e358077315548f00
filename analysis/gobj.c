/* gobj.c — what a blocked thread waits on and who could end it: the
 * objects of a graph node and their wakers, shared by the wait rules of
 * graph.c, sockets.c and locks.c. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct sj_gobj *sja_new_obj(struct sj_gnode *n, enum sj_obj_kind kind)
{
	struct sj_gobj *nv = realloc(n->objs, (n->nobjs + 1) * sizeof *nv);
	if (!nv)
		return NULL;
	n->objs = nv;
	struct sj_gobj *o = &nv[n->nobjs++];
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->fd = -1;
	return o;
}

int sja_add_waker(struct sj_gobj *o, size_t node)
{
	for (size_t i = 0; i < o->nwakers; i++)
		if (o->wakers[i] == node)
			return 0;
	size_t *nv = realloc(o->wakers, (o->nwakers + 1) * sizeof *nv);
	if (!nv)
		return -1;
	nv[o->nwakers++] = node;
	o->wakers = nv;
	return 0;
}

int sja_add_proc_wakers(const struct sj_graph *g, struct sj_gobj *o, size_t pi, size_t skip)
{
	for (size_t k = g->proc_first[pi]; k < g->proc_first[pi + 1]; k++) {
		if (k == skip || g->n[k].cls == SJ_NODE_DEAD)
			continue;
		if (sja_add_waker(o, k))
			return -1;
	}
	return 0;
}

int sja_add_pid_wakers(const struct sj_graph *g, struct sj_gobj *o, pid_t pid)
{
	for (size_t pi = 0; pi < g->s->nprocs; pi++)
		if (g->s->procs[pi].pid == pid)
			return sja_add_proc_wakers(g, o, pi, (size_t)-1);
	return 0;
}
