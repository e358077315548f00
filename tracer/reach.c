/* reach.c — who could connect to a Unix socket bound to a path (reach.h). */
#include "reach.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "procfs.h"

#define MAX_STEPS 64

/* The steps of one path to the socket file. */
struct chain {
	struct sj_reach_step v[MAX_STEPS];
	size_t n;
};

/* One socket address to judge. */
struct target {
	uint64_t inode;               /* the socket's inode (socket:[N]) */
	const struct sj_sock *sock;   /* one fd's copy of its endpoints */
	pid_t holder;
	struct chain own;             /* the holder's path: its steps */
	char fsrel[PATH_MAX];         /* the socket file's path inside its file system */
	enum sj_reach reach;
	unsigned outsiders;
	pid_t example;
};

/* What one mount namespace with one root directory sees of each target:
 * the steps of every path that reaches the socket file there. */
#define MAX_VIEWS 64
#define MAX_PATHS 4
struct view {
	uint64_t mntns, root_dev, root_ino;
	int unknown;                  /* unreadable: its processes may reach anything */
	struct chain *paths;          /* per target: up to MAX_PATHS chains */
	size_t *npaths;
};

/* ---- credentials and permission bits ---------------------------------------- */

int sj_reach_parse_cred(const char *text, struct sj_cred *c)
{
	memset(c, 0, sizeof *c);
	if (!strstr(text, "\nVmSize:"))
		return -1;
	const char *u = strstr(text, "\nUid:"), *g = strstr(text, "\nGid:");
	unsigned long v[4];
	if (!u || sscanf(u + 5, "%lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3]) != 4)
		return -1;
	c->fsuid = (uid_t)v[3];
	if (!g || sscanf(g + 5, "%lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3]) != 4)
		return -1;
	c->fsgid = (gid_t)v[3];
	const char *gr = strstr(text, "\nGroups:");
	if (gr) {
		const char *q = gr + 8;
		char *end;
		for (;;) {
			unsigned long x = strtoul(q, &end, 10);
			if (end == q || c->ngroups == sizeof c->groups / sizeof c->groups[0])
				break;
			c->groups[c->ngroups++] = (gid_t)x;
			q = end;
		}
	}
	return 0;
}

static int in_group(const struct sj_cred *c, gid_t g)
{
	if (c->fsgid == g)
		return 1;
	for (size_t i = 0; i < c->ngroups; i++)
		if (c->groups[i] == g)
			return 1;
	return 0;
}

int sj_reach_may_pass(const struct sj_reach_step *steps, size_t n, const struct sj_cred *c)
{
	for (size_t i = 0; i < n; i++) {
		const struct sj_reach_step *s = &steps[i];
		if (s->acl)
			continue;
		unsigned need = s->write ? 2 : 1;
		unsigned bits = c->fsuid == s->uid ? s->mode >> 6 : in_group(c, s->gid) ? s->mode >> 3 : s->mode;
		if (!(bits & need))
			return 0;
	}
	return 1;
}

/* ---- paths, mounts, views ------------------------------------------------------ */

static int has_acl(const char *path)
{
	return lgetxattr(path, "system.posix_acl_access", NULL, 0) > 0;
}

static int add_step(struct chain *c, const struct stat *st, const char *path, int write)
{
	if (c->n == MAX_STEPS)
		return -1;
	c->v[c->n++] = (struct sj_reach_step){ .mode = st->st_mode & 07777, .uid = st->st_uid,
		.gid = st->st_gid, .acl = has_acl(path), .write = write };
	return 0;
}

static int same_file(const struct stat *st, const struct sj_sock *k)
{
	return S_ISSOCK(st->st_mode) && (uint64_t)st->st_ino == k->vfs_ino &&
	       major(st->st_dev) == k->vfs_major && minor(st->st_dev) == k->vfs_minor;
}

/* Walks `name` under /proc/PID/root, one lstat per component, into the
 * steps a connecting process must pass.  1: the path names the socket
 * file; 0: it names nothing or another file; -1: it cannot be judged (a
 * symbolic link or ".." on the way, a refused look). */
static int walk(pid_t pid, const char *name, const struct sj_sock *k, struct chain *c)
{
	char path[PATH_MAX + 64];
	int base = snprintf(path, sizeof path, "/proc/%d/root/", (int)pid);
	struct stat st;
	c->n = 0;
	if (name[0] != '/' || stat(path, &st) != 0 || add_step(c, &st, path, 0) != 0)
		return -1;
	size_t len = (size_t)base - 1;
	for (const char *p = name; *p;) {
		while (*p == '/')
			p++;
		size_t clen = strcspn(p, "/");
		if (!clen)
			break;
		if ((clen == 1 && p[0] == '.') || (clen == 2 && p[0] == '.' && p[1] == '.') ||
		    len + clen + 2 > sizeof path)
			return -1;
		path[len++] = '/';
		memcpy(path + len, p, clen);
		len += clen;
		path[len] = '\0';
		p += clen;
		int last = strspn(p, "/") == strlen(p);
		if (lstat(path, &st) != 0)
			return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
		if (S_ISLNK(st.st_mode))
			return -1;
		if (last)
			return same_file(&st, k) && add_step(c, &st, path, 1) == 0;
		if (!S_ISDIR(st.st_mode))
			return 0;
		if (add_step(c, &st, path, 0) != 0)
			return -1;
	}
	return -1;
}

/* mountinfo fields 4 and 5 (root, mount point) undo octal escapes. */
static void unescape(char *s)
{
	char *o = s;
	for (char *i = s; *i; i++) {
		if (i[0] == '\\' && i[1] >= '0' && i[1] <= '3' && i[2] && i[3]) {
			*o++ = (char)((i[1] - '0') * 64 + (i[2] - '0') * 8 + (i[3] - '0'));
			i += 3;
		} else {
			*o++ = *i;
		}
	}
	*o = '\0';
}

struct mount {
	unsigned major, minor;
	char root[PATH_MAX], point[PATH_MAX];
};

/* Calls fn for every mount of /proc/PID/mountinfo; -1 if unreadable. */
static int each_mount(pid_t pid, void (*fn)(const struct mount *m, void *arg), void *arg)
{
	char path[64], *text;
	snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)pid);
	if (sj_procfs_slurp(path, &text) < 0)
		return -1;
	struct mount *m = malloc(sizeof *m);
	for (char *l = text; m && l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char fmt[64];
		snprintf(fmt, sizeof fmt, "%%*u %%*u %%u:%%u %%%ds %%%ds", PATH_MAX - 1, PATH_MAX - 1);
		if (sscanf(l, fmt, &m->major, &m->minor, m->root, m->point) != 4)
			continue;
		unescape(m->root);
		unescape(m->point);
		fn(m, arg);
	}
	free(m);
	free(text);
	return 0;
}

/* Is `prefix` a leading path of `path` ("/" leads everything)?  Returns
 * the rest of path ("" or "/x..."), or NULL. */
static const char *under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	if (n == 1 && prefix[0] == '/')
		return path;
	if (strncmp(path, prefix, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return NULL;
	return path + n;
}

/* The holder's mount that holds its path (the last of the longest mount
 * points above it): the socket's path inside its file system. */
struct fsrel_arg {
	const char *path;
	const struct sj_sock *k;
	size_t best;
	char *out;
	int found;
};

static void fsrel_of_mount(const struct mount *m, void *arg)
{
	struct fsrel_arg *a = arg;
	const char *rest = under(a->path, m->point);
	size_t n = strlen(m->point);
	if (!rest || n < a->best)
		return;
	a->best = n;
	a->found = m->major == a->k->vfs_major && m->minor == a->k->vfs_minor;
	snprintf(a->out, PATH_MAX, "%s%s", strcmp(m->root, "/") ? m->root : "", rest);
}

/* The paths under which one view sees the file at fsrel: each mount of
 * its file system whose root leads fsrel. */
struct paths_arg {
	const struct target *t;
	char (*out)[PATH_MAX];
	size_t n;
};

static void paths_of_mount(const struct mount *m, void *arg)
{
	struct paths_arg *a = arg;
	const char *rest = m->major == a->t->sock->vfs_major && m->minor == a->t->sock->vfs_minor ?
		under(a->t->fsrel, m->root) : NULL;
	if (!rest || a->n == MAX_PATHS)
		return;
	snprintf(a->out[a->n++], PATH_MAX, "%s%s", strcmp(m->point, "/") ? m->point : "",
		 *rest ? rest : "");
}

/* The chains by which process pid (and every process of its view) could
 * reach target t. */
static void view_paths(struct view *w, size_t ti, const struct target *t, pid_t pid)
{
	char found[MAX_PATHS][PATH_MAX];
	struct paths_arg a = { .t = t, .out = found, .n = 0 };
	w->npaths[ti] = 0;
	if (each_mount(pid, paths_of_mount, &a) != 0) {
		w->unknown = 1;
		return;
	}
	for (size_t i = 0; i < a.n; i++) {
		struct chain *c = &w->paths[ti * MAX_PATHS + w->npaths[ti]];
		int r = walk(pid, found[i][0] ? found[i] : "/", t->sock, c);
		if (r < 0)
			w->unknown = 1;
		else if (r > 0)
			w->npaths[ti]++;
	}
}

/* ---- the processes outside the snapshot ------------------------------------------ */

struct views {
	struct view v[MAX_VIEWS];
	size_t n;
	struct view scratch;          /* the view of one process without a readable key */
	struct target *t;
	size_t nt;
};

static int view_key(pid_t pid, uint64_t key[3])
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)pid);
	if (stat(path, &st) != 0)
		return -1;
	key[0] = st.st_ino;
	snprintf(path, sizeof path, "/proc/%d/root/", (int)pid);
	if (stat(path, &st) != 0)
		return -1;
	key[1] = st.st_dev;
	key[2] = st.st_ino;
	return 0;
}

static int view_alloc(struct view *w, size_t nt)
{
	w->paths = malloc(nt * MAX_PATHS * sizeof *w->paths);
	w->npaths = calloc(nt, sizeof *w->npaths);
	return w->paths && w->npaths ? 0 : -1;
}

static void view_fill(struct views *vs, struct view *w, pid_t pid)
{
	for (size_t i = 0; i < vs->nt && !w->unknown; i++)
		if (vs->t[i].reach == SJ_REACH_TREE || vs->t[i].reach == SJ_REACH_OUTSIDE)
			view_paths(w, i, &vs->t[i], pid);
}

/* The view of pid, read the first time one of its processes is met.  A
 * process whose namespace or root we may not look at (a pid 1 of another
 * user namespace) gets a view of its own from its mountinfo alone.  NULL
 * when even that cannot be read: then pid may reach anything. */
static struct view *view_of(struct views *vs, pid_t pid)
{
	uint64_t key[3];
	if (view_key(pid, key) != 0) {
		struct view *w = &vs->scratch;
		free(w->paths);
		free(w->npaths);
		*w = (struct view){ .mntns = 0 };
		if (view_alloc(w, vs->nt) != 0)
			return NULL;
		view_fill(vs, w, pid);
		return w->unknown ? NULL : w;
	}
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i].mntns == key[0] && vs->v[i].root_dev == key[1] && vs->v[i].root_ino == key[2])
			return vs->v[i].unknown ? NULL : &vs->v[i];
	if (vs->n == MAX_VIEWS)
		return NULL;
	struct view *w = &vs->v[vs->n];
	*w = (struct view){ .mntns = key[0], .root_dev = key[1], .root_ino = key[2] };
	if (view_alloc(w, vs->nt) != 0) {
		free(w->paths);
		free(w->npaths);
		return NULL;
	}
	vs->n++;
	view_fill(vs, w, pid);
	return w->unknown ? NULL : w;
}

static void judge_outsider(struct views *vs, pid_t pid, const struct sj_cred *c)
{
	struct view *w = NULL;
	int looked = 0;
	for (size_t i = 0; i < vs->nt; i++) {
		struct target *t = &vs->t[i];
		if (t->reach != SJ_REACH_TREE && t->reach != SJ_REACH_OUTSIDE)
			continue;
		/* The socket file is the same in every view: its own bits first. */
		if (!sj_reach_may_pass(&t->own.v[t->own.n - 1], 1, c))
			continue;
		if (!looked) {
			w = view_of(vs, pid);
			looked = 1;
		}
		int may = !w;
		for (size_t k = 0; w && !may && k < w->npaths[i]; k++)
			may = sj_reach_may_pass(w->paths[i * MAX_PATHS + k].v, w->paths[i * MAX_PATHS + k].n, c);
		if (!may)
			continue;
		t->reach = SJ_REACH_OUTSIDE;
		if (!t->outsiders++ || pid < t->example)
			t->example = pid;
	}
}

static void scan_outsiders(const struct sj_snapshot *s, struct target *t, size_t nt)
{
	struct views *vs = calloc(1, sizeof *vs);
	DIR *d = vs ? opendir("/proc") : NULL;
	if (!d) {
		for (size_t i = 0; i < nt; i++)
			if (t[i].reach == SJ_REACH_TREE)
				t[i].reach = SJ_REACH_UNCHECKED;
		free(vs);
		return;
	}
	vs->t = t;
	vs->nt = nt;
	pid_t self = getpid();
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid == self || sj_snapshot_proc(s, (pid_t)pid))
			continue;
		char path[64], *text;
		struct sj_cred c;
		snprintf(path, sizeof path, "/proc/%ld/status", pid);
		if (sj_procfs_slurp(path, &text) < 0)
			continue;
		int ok = sj_reach_parse_cred(text, &c) == 0;
		free(text);
		if (ok)
			judge_outsider(vs, (pid_t)pid, &c);
	}
	closedir(d);
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].paths);
		free(vs->v[i].npaths);
	}
	free(vs->scratch.paths);
	free(vs->scratch.npaths);
	free(vs);
}

/* The holder's own look: TREE (to be checked against the outsiders),
 * GONE when its file system no longer has the file at that path, or
 * UNCHECKED. */
static enum sj_reach judge_holder(struct target *t)
{
	const struct sj_sock *k = t->sock;
	if (!k->local || k->local[0] != '/' || !k->vfs_ino)
		return SJ_REACH_UNCHECKED;
	struct fsrel_arg a = { .path = k->local, .k = k, .out = t->fsrel };
	if (each_mount(t->holder, fsrel_of_mount, &a) != 0 || !a.found)
		return SJ_REACH_UNCHECKED;
	int r = walk(t->holder, k->local, k, &t->own);
	return r > 0 ? SJ_REACH_TREE : r == 0 ? SJ_REACH_GONE : SJ_REACH_UNCHECKED;
}

/* ---- which sockets ------------------------------------------------------------- */

static const struct sj_fd *path_socket(const struct sj_process *p, int fd)
{
	const struct sj_fd *f = sj_process_fd(p, fd);
	if (!f || f->kind != SJ_FDK_SOCKET || f->sock.family != AF_UNIX || !f->sock.local ||
	    f->sock.local[0] != '/')
		return NULL;
	return f->sock.state == TCP_LISTEN || f->sock.type == SOCK_DGRAM ? f : NULL;
}

/* The Unix path sockets some thread waits on, each once. */
static size_t collect(const struct sj_snapshot *s, struct target **out)
{
	struct target *v = NULL;
	size_t n = 0;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct sj_process *p = &s->procs[i];
		for (size_t j = 0; j < p->nthreads; j++)
			for (size_t k = 0; k < p->threads[j].wait.nfds; k++) {
				const struct sj_fd *f = path_socket(p, p->threads[j].wait.fds[k].fd);
				size_t m = 0;
				while (f && m < n && v[m].inode != f->inode)
					m++;
				if (!f || m < n)
					continue;
				struct target *nv = realloc(v, (n + 1) * sizeof *v);
				if (!nv)
					goto done;
				v = nv;
				v[n++] = (struct target){ .inode = f->inode, .sock = &f->sock, .holder = p->pid };
			}
	}
done:
	*out = v;
	return n;
}

void sj_reach_fill(struct sj_snapshot *s)
{
	struct target *v;
	size_t n = collect(s, &v);
	if (!n) {
		free(v);
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i].reach = judge_holder(&v[i]);
	scan_outsiders(s, v, n);
	for (size_t i = 0; i < s->nprocs; i++)
		for (size_t j = 0; j < s->procs[i].nfds; j++) {
			struct sj_fd *f = &s->procs[i].fds[j];
			for (size_t m = 0; f->kind == SJ_FDK_SOCKET && m < n; m++)
				if (v[m].inode == f->inode) {
					f->sock.reach = v[m].reach;
					f->sock.reach_outsiders = v[m].outsiders;
					f->sock.reach_example = v[m].example;
				}
		}
	free(v);
}
