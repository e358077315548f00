/* describe.c — the words findings use for threads, waits, objects, exit
 * statuses and source locations.  Python names and frames appear here only:
 * they explain a finding, they never decide one. */
#include "internal.h"

#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))
#define MAX_ACTIVITY_THREADS 4

const char *sja_map_name(const struct sj_map *m, char *buf, size_t n)
{
	static const char deleted[] = " (deleted)";
	if (!m || !m->path)
		return NULL;
	size_t len = strlen(m->path), dl = sizeof deleted - 1;
	if (len > dl && strcmp(m->path + len - dl, deleted) == 0)
		len -= dl;
	snprintf(buf, n, "%.*s", (int)len, m->path);
	return buf;
}

const char *sja_thread_short_name(const struct sj_thread *t, char *buf, size_t n)
{
	/* threading names since 3.10 are "Thread-N (target)": the target says
	 * what the thread does. */
	const char *py = t->py_name;
	if (py && *py) {
		size_t len = strlen(py);
		const char *open = strrchr(py, '(');
		if (open && len > 2 && py[len - 1] == ')' && open[1] != ')') {
			snprintf(buf, n, "%.*s", (int)(py + len - 1 - open - 1), open + 1);
			return buf;
		}
		snprintf(buf, n, "%s", py);
		return buf;
	}
	if (t->name && *t->name) {
		snprintf(buf, n, "%s", t->name);
		return buf;
	}
	return NULL;
}

void sja_sb_thread(struct sj_sb *b, const struct sj_process *p, const struct sj_thread *t)
{
	char name[128];
	if (p->nthreads <= 1) {
		sja_sb_printf(b, "pid %d", (int)p->pid);
		return;
	}
	const char *nm = sja_thread_short_name(t, name, sizeof name);
	if (nm)
		sja_sb_printf(b, "pid %d thread %s (tid %d)", (int)p->pid, nm, (int)t->tid);
	else
		sja_sb_printf(b, "pid %d tid %d", (int)p->pid, (int)t->tid);
}

/* ---- fds, objects ---- */

static void sb_fd(struct sj_sb *b, const struct sj_process *p, int fd)
{
	const struct sj_fd *f = sj_process_fd(p, fd);
	if (!f)
		sja_sb_printf(b, "fd %d", fd);
	else if (f->kind == SJ_FDK_PIPE)
		sja_sb_printf(b, "pipe:[%llu] (fd %d)", (unsigned long long)f->inode, fd);
	else if (f->kind == SJ_FDK_SOCKET && f->sock.family == AF_UNIX && f->sock.local)
		sja_sb_printf(b, "socket:[%llu] %s %s (fd %d)", (unsigned long long)f->inode,
			     f->sock.state == TCP_LISTEN ? "listening at" : "bound to", f->sock.local, fd);
	else if (f->target)
		sja_sb_printf(b, "%s (fd %d)", f->target, fd);
	else
		sja_sb_printf(b, "%s fd %d", sj_fdkind_name(f->kind), fd);
}

static int is_semaphore(const char *path)
{
	/* glibc's sem_open() creates /dev/shm/sem.NAME (Python: sem.mp-XXXX). */
	return path && strncmp(path, "/dev/shm/sem.", 13) == 0;
}

static void sb_shared_futex(struct sj_sb *b, const struct sj_map *m, uint64_t addr, uint64_t off)
{
	char name[512];
	const char *path = sja_map_name(m, name, sizeof name);
	if (is_semaphore(path))
		sja_sb_printf(b, "the shared semaphore %s", path);
	else if (path && path[0] == '/' && m->inode && strncmp(path, "/dev/zero", 9) != 0)
		sja_sb_printf(b, "a shared futex in %s at offset 0x%llx", path, (unsigned long long)off);
	else
		sja_sb_printf(b, "a shared futex at 0x%llx in anonymous shared memory",
			     (unsigned long long)addr);
}

/* "the write flock on /tmp/x/lock-a (fd 4)", "the read record lock on
 * bytes 0-99 of /var/db (fd 3)". */
static void sb_lock(struct sj_sb *b, const struct sj_lock *l, const struct sj_fd *f)
{
	char what[96];
	sja_sb_printf(b, "the %s", sj_lock_text(l, what, sizeof what));
	if (f && f->target)
		sja_sb_printf(b, " on %s (fd %d)", f->target, f->fd);
	else
		sja_sb_printf(b, " on inode %llu", (unsigned long long)l->inode);
}

void sja_sb_obj(struct sj_sb *b, const struct sj_gobj *o)
{
	switch (o->kind) {
	case SJ_OBJ_PIPE_READ:
	case SJ_OBJ_PIPE_WRITE:
		sja_sb_printf(b, "%s:[%llu]", o->fdkind == SJ_FDK_FIFO ? "fifo" : "pipe",
			     (unsigned long long)o->inode);
		break;
	case SJ_OBJ_CHILD:
		sja_sb_printf(b, "child pid %d", (int)o->child);
		break;
	case SJ_OBJ_FUTEX_PRIVATE:
		sja_sb_printf(b, "private futex 0x%llx", (unsigned long long)o->addr);
		break;
	case SJ_OBJ_FUTEX_SHARED:
		sb_shared_futex(b, o->map, o->addr, o->file_off);
		break;
	case SJ_OBJ_SOCK_READ:
	case SJ_OBJ_SOCK_WRITE:
		sja_sb_printf(b, "socket:[%llu]", (unsigned long long)o->inode);
		break;
	case SJ_OBJ_LOCK:
		sb_lock(b, o->req, o->file);
		break;
	case SJ_OBJ_THREAD_EXIT:
		sja_sb_printf(b, "thread tid %d", (int)o->tid);
		break;
	case SJ_OBJ_CONNECT:
		sja_sb_printf(b, "%s %s", o->bound->state == TCP_LISTEN ? "connections to" : "datagrams to",
			     o->bound->local);
		break;
	case SJ_OBJ_CHILD_SIGNAL:
		sja_sb_puts(b, "SIGCHLD from its children");
		break;
	}
}

void sja_sb_via(struct sj_sb *b, const struct sj_gobj *o)
{
	char name[512];
	switch (o->kind) {
	case SJ_OBJ_PIPE_READ:
	case SJ_OBJ_PIPE_WRITE:
		sja_sb_obj(b, o);
		break;
	case SJ_OBJ_CHILD:
		sja_sb_printf(b, "wait4(%d)", (int)o->child);
		break;
	case SJ_OBJ_FUTEX_PRIVATE:
		sja_sb_printf(b, "futex 0x%llx (private)", (unsigned long long)o->addr);
		break;
	case SJ_OBJ_SOCK_READ:
	case SJ_OBJ_SOCK_WRITE:
		sja_sb_printf(b, "socket:[%llu] -> socket:[%llu]", (unsigned long long)o->inode,
			     (unsigned long long)o->peer);
		break;
	case SJ_OBJ_LOCK:
		/* the file by name when the waiter's fd names it (DOT labels edges with this) */
		if (o->file && o->file->target)
			sja_sb_printf(b, "%s lock %s", sj_lock_flavor_word(o->req->flavor), o->file->target);
		else
			sja_sb_printf(b, "%s lock %x:%x:%llu", sj_lock_flavor_word(o->req->flavor),
				     o->req->dev_major, o->req->dev_minor, (unsigned long long)o->req->inode);
		break;
	case SJ_OBJ_THREAD_EXIT:
		sja_sb_printf(b, "pthread_join(tid %d)", (int)o->tid);
		break;
	case SJ_OBJ_CONNECT:
		sja_sb_printf(b, "%s %s", o->bound->state == TCP_LISTEN ? "connect" : "sendto", o->bound->local);
		break;
	case SJ_OBJ_CHILD_SIGNAL:
		sja_sb_puts(b, "SIGCHLD");
		break;
	case SJ_OBJ_FUTEX_SHARED: {
		const char *path = sja_map_name(o->map, name, sizeof name);
		if (path && path[0] == '/' && strncmp(path, "/dev/zero", 9) != 0)
			sja_sb_puts(b, path);
		else
			sja_sb_printf(b, "futex 0x%llx (shared anonymous memory)",
				     (unsigned long long)o->addr);
		break;
	}
	}
}

const char *sja_obj_waker_verb(const struct sj_gobj *o)
{
	char name[512];
	switch (o->kind) {
	case SJ_OBJ_PIPE_READ:
		return "write to";
	case SJ_OBJ_PIPE_WRITE:
		return "read from";
	case SJ_OBJ_CHILD:
		return "end";
	case SJ_OBJ_FUTEX_PRIVATE:
		return "release";
	case SJ_OBJ_FUTEX_SHARED:
		return is_semaphore(sja_map_name(o->map, name, sizeof name)) ? "post" : "wake";
	case SJ_OBJ_SOCK_READ:
		return "send to";
	case SJ_OBJ_SOCK_WRITE:
		return "read from";
	case SJ_OBJ_LOCK:
		return "release";
	case SJ_OBJ_THREAD_EXIT:
		return "end";
	case SJ_OBJ_CONNECT:
		return o->bound->state == TCP_LISTEN ? "connect to" : "send to";
	case SJ_OBJ_CHILD_SIGNAL:
		return "exit";
	}
	return "wake";
}

/* ---- waits ---- */

/* Singular and plural verb of each wait kind ("pid 12 reads", "pids 12
 * and 13 read"). */
static const struct {
	const char *sg, *pl;
} wait_verbs[] = {
	[SJ_WAIT_NONE] = { "is not blocked in a syscall", "are not blocked in a syscall" },
	[SJ_WAIT_READ] = { "reads", "read" },
	[SJ_WAIT_WRITE] = { "writes to", "write to" },
	[SJ_WAIT_POLL] = { "polls", "poll" },
	[SJ_WAIT_CHILD] = { "waits for", "wait for" },
	[SJ_WAIT_FUTEX] = { "waits on", "wait on" },
	[SJ_WAIT_SLEEP] = { "sleeps", "sleep" },
	[SJ_WAIT_ACCEPT] = { "accepts on", "accept on" },
	[SJ_WAIT_SIGNAL] = { "waits for a signal", "wait for a signal" },
	[SJ_WAIT_STOPPED] = { "is stopped", "are stopped" },
	[SJ_WAIT_OTHER] = { "is blocked in syscall", "are blocked in syscall" },
	[SJ_WAIT_LOCK] = { "waits for", "wait for" },
};

static void sb_child_arg(struct sj_sb *b, pid_t arg)
{
	if (arg > 0)
		sja_sb_printf(b, " child pid %d", (int)arg);
	else if (arg == -1)
		sja_sb_puts(b, " any child");
	else if (arg == 0)
		sja_sb_puts(b, " a child in its process group");
	else
		sja_sb_printf(b, " a child in process group %d", (int)-arg);
}

static void sb_futex(struct sj_sb *b, const struct sj_process *p, const struct sj_wait *w)
{
	const struct sj_map *m = w->futex_private ? NULL : sj_process_map(p, w->futex_addr);
	if (w->futex_private || !m || (m->perms[3] != 's' && m->inode == 0))
		sja_sb_printf(b, " %sfutex 0x%llx", w->futex_private ? "private " : "",
			     (unsigned long long)w->futex_addr);
	else {
		sja_sb_puts(b, " ");
		sb_shared_futex(b, m, w->futex_addr, m->offset + (w->futex_addr - m->start));
	}
}

static void sb_timeout(struct sj_sb *b, const struct sj_wait *w)
{
	if (!w->has_timeout) {
		if (w->kind == SJ_WAIT_POLL)
			sja_sb_puts(b, " with no timeout");
		return;
	}
	if (w->kind == SJ_WAIT_SLEEP)
		return;
	sja_sb_puts(b, " with a timeout");
	if (w->timeout_ns >= 0) {
		sja_sb_puts(b, " of ");
		sja_sb_seconds(b, (double)w->timeout_ns / 1e9);
	}
}

void sja_sb_wait(struct sj_sb *b, const struct sj_snapshot *s, const struct sj_process *p,
		const struct sj_thread *t, int plural)
{
	(void)s;
	const struct sj_wait *w = &t->wait;
	enum sj_wait_kind k = (unsigned)w->kind < NROWS(wait_verbs) ? w->kind : SJ_WAIT_OTHER;
	if (p->state == 'Z' || t->state == 'Z' || t->state == 'X') {
		sja_sb_puts(b, plural ? "have exited" : "has exited");
		return;
	}
	if (t->state == 'R' || (k == SJ_WAIT_NONE && t->syscall_nr == -1)) {
		sja_sb_puts(b, plural ? "are running" : "is running");
		return;
	}
	if ((t->state == 'T' || t->state == 't') && k != SJ_WAIT_STOPPED)
		k = SJ_WAIT_STOPPED;
	sja_sb_puts(b, plural ? wait_verbs[k].pl : wait_verbs[k].sg);
	switch (k) {
	case SJ_WAIT_READ:
	case SJ_WAIT_WRITE:
	case SJ_WAIT_ACCEPT:
		sja_sb_puts(b, " ");
		if (w->nfds)
			sb_fd(b, p, w->fds[0].fd);
		else
			sja_sb_puts(b, "an unknown fd");
		if (k == SJ_WAIT_WRITE && w->nfds) {
			const struct sj_fd *f = sj_process_fd(p, w->fds[0].fd);
			if (f && (f->kind == SJ_FDK_PIPE || f->kind == SJ_FDK_FIFO))
				sja_sb_puts(b, ", which is full");
			if (f && f->pipe_size)
				sja_sb_printf(b, " (%u of %u bytes queued)", f->pipe_queued, f->pipe_size);
		}
		break;
	case SJ_WAIT_POLL:
		if (w->nfds == 0)
			sja_sb_puts(b, " no fd");
		for (size_t i = 0; i < w->nfds; i++) {
			if (i == 6) {
				sja_sb_printf(b, " and %zu more", w->nfds - i);
				break;
			}
			sja_sb_puts(b, i ? ", " : " ");
			sb_fd(b, p, w->fds[i].fd);
		}
		break;
	case SJ_WAIT_CHILD:
		sb_child_arg(b, w->wait_pid);
		break;
	case SJ_WAIT_FUTEX:
		sb_futex(b, p, w);
		break;
	case SJ_WAIT_LOCK:
		sja_sb_puts(b, " ");
		sb_lock(b, &w->lock, w->nfds ? sj_process_fd(p, w->fds[0].fd) : NULL);
		break;
	case SJ_WAIT_OTHER:
		sja_sb_printf(b, " %ld", t->syscall_nr);
		break;
	default:
		break;
	}
	sb_timeout(b, w);
}

size_t sj_wait_describe(const struct sj_snapshot *s, const struct sj_process *p,
			const struct sj_thread *t, char *buf, size_t n)
{
	struct sj_sb b = { 0 };
	sja_sb_wait(&b, s, p, t, 0);
	size_t len = b.len;
	if (b.oom || !b.s) {
		len = 0;
		if (n)
			buf[0] = '\0';
	} else if (n) {
		snprintf(buf, n, "%s", b.s);
	}
	sja_sb_free(&b);
	return len;
}

/* ---- exit statuses ---- */

void sja_sb_status(struct sj_sb *b, int status)
{
	char buf[64];
	if (status < 0)
		sja_sb_puts(b, "exit status unknown");
	else
		sja_sb_puts(b, sj_wait_status_text(status, buf, sizeof buf));
}

/* ---- frames ---- */

/* Frames in these modules are plumbing (the syscall wrapper, the shim),
 * not the place a user should look. */
static const char *const plumbing_modules[] = {
	"libc.so", "libc-", "libpthread", "ld-linux", "libsigjam",
};

static int is_plumbing(const char *module)
{
	if (!module)
		return 0;
	const char *base = strrchr(module, '/');
	base = base ? base + 1 : module;
	for (size_t i = 0; i < NROWS(plumbing_modules); i++)
		if (strncmp(base, plumbing_modules[i], strlen(plumbing_modules[i])) == 0)
			return 1;
	return 0;
}

static const struct sj_frame *meaningful_frame(const struct sj_thread *t)
{
	for (size_t i = 0; i < t->nframes; i++)
		if (t->frames[i].func && !is_plumbing(t->frames[i].module))
			return &t->frames[i];
	return NULL;
}

void sja_sb_where(struct sj_sb *b, const struct sj_thread *t)
{
	if (t->npyframes && t->pyframes[0].file) {
		const struct sj_pyframe *f = &t->pyframes[0];
		sja_sb_printf(b, " in %s (%s:%d)", f->func ? f->func : "?", sj_basename(f->file), f->line);
		return;
	}
	const struct sj_frame *f = meaningful_frame(t);
	if (!f)
		return;
	if (f->file && f->line > 0)
		sja_sb_printf(b, " in %s (%s:%d)", f->func, sj_basename(f->file), f->line);
	else
		sja_sb_printf(b, " in %s", f->func);
}

void sja_fb_thread_locations(struct sj_fb *fb, const struct sj_thread *t)
{
	if (t->npyframes && t->pyframes[0].file)
		sja_fb_location(fb, t->pyframes[0].file, t->pyframes[0].line, t->pyframes[0].func);
	const struct sj_frame *f = meaningful_frame(t);
	if (f && f->file && f->line > 0)
		sja_fb_location(fb, f->file, f->line, f->func);
}

/* ---- what a process is doing ---- */

void sja_sb_proc_activity(struct sj_sb *b, const struct sj_graph *g, const struct sj_process *p)
{
	size_t pi = (size_t)(p - g->s->procs);
	size_t live = sja_graph_live_threads(g, pi), shown = 0;
	if (live == 0) {
		sja_sb_printf(b, "pid %d has exited", (int)p->pid);
		return;
	}
	if (live == 1) {
		for (size_t k = g->proc_first[pi]; k < g->proc_first[pi + 1]; k++)
			if (g->n[k].cls != SJ_NODE_DEAD) {
				sja_sb_printf(b, "pid %d ", (int)p->pid);
				sja_sb_wait(b, g->s, p, g->n[k].t, 0);
			}
		return;
	}
	sja_sb_printf(b, "pid %d's threads: ", (int)p->pid);
	for (size_t k = g->proc_first[pi]; k < g->proc_first[pi + 1]; k++) {
		const struct sj_gnode *n = &g->n[k];
		if (n->cls == SJ_NODE_DEAD)
			continue;
		if (shown == MAX_ACTIVITY_THREADS) {
			sja_sb_printf(b, "; and %zu more", live - shown);
			break;
		}
		char name[128];
		const char *nm = sja_thread_short_name(n->t, name, sizeof name);
		if (shown++)
			sja_sb_puts(b, "; ");
		if (nm)
			sja_sb_printf(b, "%s (tid %d) ", nm, (int)n->t->tid);
		else
			sja_sb_printf(b, "tid %d ", (int)n->t->tid);
		sja_sb_wait(b, g->s, p, n->t, 0);
	}
}
