/* watch.c — the progress fingerprint of a process tree (see watch.h). */
#include "watch.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sj_watch {
	pid_t root;
	pid_t parent;       /* sj_watch_new_children: roots are its children */
	pid_t *pids;
	size_t npids, cap;
	uint64_t fingerprint;
	int sampled;
};

struct sj_watch *sj_watch_new(pid_t root)
{
	struct sj_watch *w = calloc(1, sizeof *w);
	if (w)
		w->root = root;
	return w;
}

struct sj_watch *sj_watch_new_children(pid_t parent)
{
	struct sj_watch *w = calloc(1, sizeof *w);
	if (w)
		w->parent = parent;
	return w;
}

void sj_watch_free(struct sj_watch *w)
{
	if (!w)
		return;
	free(w->pids);
	free(w);
}

size_t sj_watch_pids(const struct sj_watch *w, const pid_t **pids)
{
	*pids = w->pids;
	return w->npids;
}

/* Reads a small /proc file into buf; length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, buf, n - 1);
	close(fd);
	if (r >= 0)
		buf[r] = '\0';
	return r;
}

static int add_pid(struct sj_watch *w, pid_t pid)
{
	for (size_t i = 0; i < w->npids; i++)
		if (w->pids[i] == pid)
			return 0;
	if (w->npids == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		pid_t *p = realloc(w->pids, cap * sizeof *p);
		if (!p)
			return -1;
		w->pids = p;
		w->cap = cap;
	}
	w->pids[w->npids++] = pid;
	return 0;
}

/* splitmix64 finaliser: spreads each thread's facts over 64 bits so that
 * the sum of all threads changes when any one of them does. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Calls fn for every child listed in /proc/PID/task/TID/children. */
static void each_child(pid_t pid, pid_t tid, void (*fn)(void *ctx, pid_t child), void *ctx)
{
	char path[96], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, tid);
	if (read_small(path, buf, sizeof buf) > 0) {
		char *p = buf, *end;
		for (long c; (c = strtol(p, &end, 10)) > 0; p = end)
			fn(ctx, (pid_t)c);
	}
}

static void add_child(void *ctx, pid_t child)
{
	add_pid(ctx, child);
}

/* Adds one thread's children to the pid list and returns its fingerprint. */
static uint64_t visit_thread(struct sj_watch *w, pid_t pid, pid_t tid)
{
	char path[96], buf[256];
	each_child(pid, tid, add_child, w);
	unsigned long long run_ns = 0, wait_ns = 0, slices = 0;
	snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", pid, tid);
	if (read_small(path, buf, sizeof buf) > 0)
		sscanf(buf, "%llu %llu %llu", &run_ns, &wait_ns, &slices);
	return mix((uint64_t)tid ^ mix(run_ns ^ mix(slices)));
}

/* Calls fn(ctx, pid, tid) for every thread of pid; 0 if pid is gone. */
static int each_task(pid_t pid, void (*fn)(void *ctx, pid_t pid, pid_t tid), void *ctx)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			fn(ctx, pid, (pid_t)atoi(de->d_name));
	closedir(d);
	return 1;
}

struct visit { struct sj_watch *w; uint64_t sum; };

static void visit_task(void *ctx, pid_t pid, pid_t tid)
{
	struct visit *v = ctx;
	v->sum += visit_thread(v->w, pid, tid);
}

static uint64_t visit_process(struct sj_watch *w, pid_t pid)
{
	struct visit v = { w, 0 };
	if (!each_task(pid, visit_task, &v))
		return mix((uint64_t)pid);  /* gone: still changes the sum */
	return v.sum;
}

struct kids { pid_t *out; size_t max, n; };

static void collect_kid(void *ctx, pid_t child)
{
	struct kids *k = ctx;
	if (k->n < k->max)
		k->out[k->n] = child;
	k->n++;
}

static void collect_task_kids(void *ctx, pid_t pid, pid_t tid)
{
	each_child(pid, tid, collect_kid, ctx);
}

size_t sj_children_of(pid_t pid, pid_t *out, size_t max)
{
	struct kids k = { out, max, 0 };
	each_task(pid, collect_task_kids, &k);
	return k.n < max ? k.n : max;
}

static void add_task_kids(void *ctx, pid_t pid, pid_t tid)
{
	each_child(pid, tid, add_child, ctx);
}

int sj_watch_sample(struct sj_watch *w)
{
	uint64_t sum = 0;
	w->npids = 0;
	if (w->parent)
		each_task(w->parent, add_task_kids, w);
	else
		add_pid(w, w->root);
	/* The list grows while we walk it: children are appended as found. */
	for (size_t i = 0; i < w->npids; i++)
		sum += visit_process(w, w->pids[i]);
	int progressed = !w->sampled || sum != w->fingerprint;
	w->fingerprint = sum;
	w->sampled = 1;
	return progressed;
}
