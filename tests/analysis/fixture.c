/* fixture.c — builders for hand-made snapshots and journals. */
#include "fixture.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#include "names.h"


static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fixture: %s\n", what);
		abort();
	}
}

void fx_init(struct sj_snapshot *s)
{
	memset(s, 0, sizeof *s);
	s->procs = xcalloc(FX_MAX_PROCS, sizeof *s->procs);
	s->clk_tck = 100;
	s->taken_mono_ns = 100000000000ull;
}

struct sj_process *fx_proc(struct sj_snapshot *s, pid_t pid, pid_t ppid)
{
	check(s->nprocs < FX_MAX_PROCS, "too many processes");
	struct sj_process *p = &s->procs[s->nprocs++];
	memset(p, 0, sizeof *p);
	p->pid = pid;
	p->ppid = ppid;
	p->pgid = pid;
	p->sid = pid;
	p->state = 'S';
	p->exit_status = -1;
	char comm[32];
	snprintf(comm, sizeof comm, "proc%d", (int)pid);
	p->comm = xstrdup(comm);
	p->threads = xcalloc(FX_MAX_THREADS, sizeof *p->threads);
	p->fds = xcalloc(FX_MAX_FDS, sizeof *p->fds);
	p->maps = xcalloc(FX_MAX_MAPS, sizeof *p->maps);
	return p;
}

struct sj_process *fx_zombie(struct sj_snapshot *s, pid_t pid, pid_t ppid, int status)
{
	struct sj_process *p = fx_proc(s, pid, ppid);
	p->state = 'Z';
	p->exit_status = status;
	return p;
}

struct sj_thread *fx_thread(struct sj_process *p, pid_t tid, const char *comm)
{
	check(p->nthreads < FX_MAX_THREADS, "too many threads");
	struct sj_thread *t = &p->threads[p->nthreads++];
	memset(t, 0, sizeof *t);
	t->tid = tid;
	t->name = xstrdup(comm ? comm : p->comm);
	t->state = 'S';
	t->syscall_nr = -1;
	t->wait.kind = SJ_WAIT_NONE;
	t->wait.timeout_ns = -1;
	return t;
}

void fx_pyname(struct sj_thread *t, const char *py_name)
{
	t->is_python = 1;
	free(t->py_name);
	t->py_name = xstrdup(py_name);
}

void fx_pyframe(struct sj_thread *t, const char *func, const char *file, int line)
{
	struct sj_pyframe *nv = realloc(t->pyframes, (t->npyframes + 1) * sizeof *nv);
	check(nv != NULL, "out of memory");
	t->pyframes = nv;
	t->is_python = 1;
	nv[t->npyframes++] = (struct sj_pyframe){ xstrdup(func), xstrdup(file), line, 0 };
}

void fx_frame(struct sj_thread *t, const char *func, const char *module, const char *file, int line)
{
	struct sj_frame *nv = realloc(t->frames, (t->nframes + 1) * sizeof *nv);
	check(nv != NULL, "out of memory");
	t->frames = nv;
	nv[t->nframes++] = (struct sj_frame){ .pc = 0x1000 + t->nframes, .func = xstrdup(func),
					       .module = xstrdup(module), .file = xstrdup(file),
					       .line = line };
}

static void set_wait(struct sj_thread *t, enum sj_wait_kind k, long nr)
{
	free(t->wait.fds);
	memset(&t->wait, 0, sizeof t->wait);
	t->wait.kind = k;
	t->wait.timeout_ns = -1;
	t->syscall_nr = nr;
	t->state = 'S';
}

static void set_fds(struct sj_thread *t, int n, const int *fds, const int *dirs, int dir)
{
	t->wait.fds = xcalloc((size_t)n, sizeof *t->wait.fds);
	t->wait.nfds = (size_t)n;
	for (int i = 0; i < n; i++)
		t->wait.fds[i] = (struct sj_waitfd){ fds[i], dirs ? dirs[i] : dir };
}

void fx_running(struct sj_thread *t)
{
	set_wait(t, SJ_WAIT_NONE, -1);
	t->state = 'R';
}

void fx_read(struct sj_thread *t, int fd)
{
	set_wait(t, SJ_WAIT_READ, 0);
	set_fds(t, 1, &fd, NULL, 0);
}

void fx_write(struct sj_thread *t, int fd)
{
	set_wait(t, SJ_WAIT_WRITE, 1);
	set_fds(t, 1, &fd, NULL, 1);
}

void fx_poll(struct sj_thread *t, int n, const int *fds, const int *dirs)
{
	set_wait(t, SJ_WAIT_POLL, 7);
	set_fds(t, n, fds, dirs, 0);
}

void fx_child(struct sj_thread *t, pid_t wait_pid)
{
	set_wait(t, SJ_WAIT_CHILD, 61);
	t->wait.wait_pid = wait_pid;
}

void fx_futex(struct sj_thread *t, uint64_t addr, int private_)
{
	set_wait(t, SJ_WAIT_FUTEX, 202);
	t->wait.futex_addr = addr;
	t->wait.futex_op = 0;
	t->wait.futex_private = private_;
}

void fx_sleep(struct sj_thread *t)
{
	set_wait(t, SJ_WAIT_SLEEP, 230);
	t->wait.has_timeout = 1;
	t->wait.timeout_ns = 1000000000;
}

void fx_accept(struct sj_thread *t, int fd)
{
	set_wait(t, SJ_WAIT_ACCEPT, 43);
	set_fds(t, 1, &fd, NULL, 0);
}

void fx_other(struct sj_thread *t, long nr)
{
	set_wait(t, SJ_WAIT_OTHER, nr);
}

void fx_timeout(struct sj_thread *t, int64_t ns)
{
	t->wait.has_timeout = 1;
	t->wait.timeout_ns = ns;
}

void fx_fd(struct sj_process *p, int fd, enum sj_fdkind kind, uint64_t inode, int accmode)
{
	check(p->nfds < FX_MAX_FDS, "too many fds");
	char target[64];
	snprintf(target, sizeof target, "%s:[%llu]", kind == SJ_FDK_SOCKET ? "socket" : "pipe",
		 (unsigned long long)inode);
	p->fds[p->nfds++] = (struct sj_fd){ .fd = fd, .kind = kind, .inode = inode,
					     .accmode = accmode, .flags = (unsigned)accmode,
					     .target = xstrdup(target) };
}

void fx_pipe(struct sj_process *p, int rfd, int wfd, uint64_t inode)
{
	if (rfd >= 0)
		fx_fd(p, rfd, SJ_FDK_PIPE, inode, O_RDONLY);
	if (wfd >= 0)
		fx_fd(p, wfd, SJ_FDK_PIPE, inode, O_WRONLY);
}

void fx_map(struct sj_process *p, uint64_t start, uint64_t end, uint64_t offset,
	    const char *perms, uint64_t inode, const char *path)
{
	check(p->nmaps < FX_MAX_MAPS, "too many maps");
	struct sj_map *m = &p->maps[p->nmaps++];
	memset(m, 0, sizeof *m);
	m->start = start;
	m->end = end;
	m->offset = offset;
	snprintf(m->perms, sizeof m->perms, "%s", perms);
	m->inode = inode;
	m->dev_major = 0;
	m->dev_minor = 26;
	m->path = xstrdup(path);
}

void fx_sock(struct sj_process *p, int fd, uint64_t inode, int family, int type, int state,
	     uint64_t peer, int named)
{
	fx_fd(p, fd, SJ_FDK_SOCKET, inode, O_RDWR);
	struct sj_sock *k = &p->fds[p->nfds - 1].sock;
	*k = (struct sj_sock){ .family = family, .type = type, .state = state, .peer = peer, .named = named };
}

void fx_bound(struct sj_process *p, int fd, uint64_t inode, int type, const char *path,
	      enum sj_reach reach)
{
	fx_sock(p, fd, inode, AF_UNIX, type, type == SOCK_DGRAM ? TCP_CLOSE : TCP_LISTEN, 0, 1);
	struct sj_sock *k = &p->fds[p->nfds - 1].sock;
	k->local = xstrdup(path);
	k->reach = reach;
	k->vfs_ino = inode + 1000;
	if (reach == SJ_REACH_OUTSIDE) {
		k->reach_outsiders = 3;
		k->reach_example = 77;
	}
}

void fx_argv(struct sj_process *p, const char *arg)
{
	p->argv = xcalloc(2, sizeof *p->argv);
	p->argv[0] = xstrdup(arg);
	p->argc = 1;
}

void fx_file(struct sj_process *p, int fd, uint64_t inode, const char *path)
{
	check(p->nfds < FX_MAX_FDS, "too many fds");
	p->fds[p->nfds++] = (struct sj_fd){ .fd = fd, .kind = SJ_FDK_FILE, .inode = inode, .dev_major = 8,
					     .dev_minor = 1, .accmode = O_RDWR, .flags = O_RDWR,
					     .target = xstrdup(path) };
}

void fx_held_lock(struct sj_process *p, int fd, enum sj_lock_flavor flavor, int write,
		  uint64_t start, uint64_t end)
{
	struct sj_fd *f = NULL;
	for (size_t i = 0; i < p->nfds; i++)
		if (p->fds[i].fd == fd)
			f = &p->fds[i];
	check(f != NULL, "fx_held_lock on a missing fd");
	struct sj_lock *nv = realloc(f->locks, (f->nlocks + 1) * sizeof *nv);
	check(nv != NULL, "out of memory");
	f->locks = nv;
	nv[f->nlocks++] = (struct sj_lock){ .flavor = flavor, .write = write,
					     .pid = flavor == SJ_LOCK_OFD ? -1 : p->pid, .dev_major = 8,
					     .dev_minor = 1, .inode = f->inode, .start = start, .end = end };
}

void fx_lock_wait(struct sj_thread *t, const struct sj_process *p, int fd, enum sj_lock_flavor flavor,
		  int write, uint64_t start, uint64_t end)
{
	const struct sj_fd *f = sj_process_fd(p, fd);
	check(f != NULL, "fx_lock_wait on a missing fd");
	set_wait(t, SJ_WAIT_LOCK, flavor == SJ_LOCK_FLOCK ? 73 : 72);
	set_fds(t, 1, &fd, NULL, 2);
	t->wait.lock = (struct sj_lock){ .flavor = flavor, .write = write, .dev_major = 8, .dev_minor = 1,
					 .inode = f->inode, .start = start, .end = end };
}

void fx_join(struct sj_thread *t, uint64_t addr, pid_t tid)
{
	fx_futex(t, addr, 0);
	t->syscall_args[0] = addr;
	t->syscall_args[2] = (uint64_t)tid;
}

/* ---- journal ---- */

/* The record through the journal reader itself (model/journal.c), with
 * what hand-written lines may leave out filled in: "v" and "tid" (the
 * writer's pid).  Backtrace frames may carry "func", "file" and "line", as
 * the CLI's symbolization would fill them. */
struct sj_jevent *fx_jrecord(struct sj_journal *j, const char *json)
{
	json_error_t jerr;
	json_t *o = json_loads(json, 0, &jerr);
	if (!o) {
		fprintf(stderr, "fixture: bad JSON %s: %s\n", json, jerr.text);
		abort();
	}
	if (!json_object_get(o, "v"))
		json_object_set_new(o, "v", json_integer(1));
	if (!json_object_get(o, "tid"))
		json_object_set(o, "tid", json_object_get(o, "pid"));
	char *line = json_dumps(o, JSON_COMPACT);
	char err[256] = "";
	struct sj_journal one;
	check(line && sj_journal_parse_text(line, strlen(line), &one, err, sizeof err) == 0 &&
	      one.n == 1, "record not read by the journal reader");
	free(line);

	struct sj_jevent *nv = realloc(j->ev, (j->n + 1) * sizeof *nv);
	check(nv != NULL, "out of memory");
	j->ev = nv;
	struct sj_jevent *e = &nv[j->n++];
	*e = one.ev[0];
	free(one.ev);
	json_t *bt = json_object_get(o, "bt");
	for (size_t i = 0; i < e->nbt && i < json_array_size(bt); i++) {
		json_t *f = json_array_get(bt, i);
		const char *func = json_string_value(json_object_get(f, "func"));
		const char *file = json_string_value(json_object_get(f, "file"));
		e->bt[i].func = func ? xstrdup(func) : NULL;
		e->bt[i].file = file ? xstrdup(file) : NULL;
		e->bt[i].line = (int)json_integer_value(json_object_get(f, "line"));
	}
	json_decref(o);
	return e;
}

/* ---- findings ---- */

size_t fx_count(const struct sj_findings *f, enum sj_finding_kind k)
{
	size_t c = 0;
	for (size_t i = 0; i < f->n; i++)
		c += f->v[i].kind == k;
	return c;
}

const struct sj_finding *fx_nth(const struct sj_findings *f, enum sj_finding_kind k, size_t n)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].kind == k && n-- == 0)
			return &f->v[i];
	return NULL;
}

int fx_has_pid(const struct sj_finding *f, pid_t pid)
{
	for (size_t i = 0; i < f->npids; i++)
		if (f->pids[i] == pid)
			return 1;
	return 0;
}

int fx_has_pipe(const struct sj_finding *f, uint64_t inode)
{
	for (size_t i = 0; i < f->npipes; i++)
		if (f->pipes[i] == inode)
			return 1;
	return 0;
}

int fx_has_edge(const struct sj_finding *f, pid_t from, pid_t to, const char *via)
{
	for (size_t i = 0; i < f->nedges; i++)
		if (f->edges[i].from_pid == from && f->edges[i].to_pid == to &&
		    (!via || strcmp(f->edges[i].via, via) == 0))
			return 1;
	return 0;
}

void fx_dump(const struct sj_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct sj_finding *x = &f->v[i];
		printf("  [%s] %s\n    advice: %s\n", sj_finding_kind_name(x->kind), x->cause, x->advice);
		for (size_t k = 0; k < x->nevidence; k++)
			printf("    evidence %d/%d: %s\n", (int)x->evidence[k].pid, (int)x->evidence[k].tid,
			       x->evidence[k].text);
		for (size_t k = 0; k < x->nedges; k++)
			printf("    edge %d/%d -> %d/%d via %s\n", (int)x->edges[k].from_pid,
			       (int)x->edges[k].from_tid, (int)x->edges[k].to_pid, (int)x->edges[k].to_tid,
			       x->edges[k].via);
	}
}
