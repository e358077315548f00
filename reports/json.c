/* json.c — the whole report as JSON (schema "sigjam-report/1",
 * docs/report-schema.json).  Every snapshot field is kept; native and
 * Python frames stay in separate arrays; journal records are the shim's own
 * objects, parsed back from their lines.  Values that may exceed 2^53
 * (addresses, stack pointers, syscall arguments) are hex strings. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <stdio.h>

#include "internal.h"

/* Counters and times are below 2^63 in practice; jansson integers are
 * signed 64-bit. */
static json_t *ju(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *jchar(char c)
{
	char s[2] = { c ? c : '?', 0 };
	return rp_json_str(s);
}

static const char *accmode_name(int m)
{
	switch (m & O_ACCMODE) {
	case O_RDONLY: return "read";
	case O_WRONLY: return "write";
	default: return "read-write";
	}
}

static const char *dir_name(int dir)
{
	static const char *const names[] = { "read", "write", "both" };
	return (unsigned)dir < 3 ? names[dir] : "both";
}

/* "08:01", as /proc/PID/maps and /proc/locks write a device. */
static json_t *dev_json(unsigned major, unsigned minor)
{
	char dev[32];
	snprintf(dev, sizeof dev, "%02x:%02x", major, minor);
	return json_string(dev);
}

/* A held lock or a lock request; file: the locked file's path when an fd
 * of the snapshot names it. */
static json_t *lock_json(const struct sj_lock *l, const char *file, int *bad)
{
	json_t *o = json_object();
	rp_jset(o, "flavor", json_string(sj_lock_flavor_name(l->flavor)), bad);
	rp_jset(o, "access", json_string(l->write ? "write" : "read"), bad);
	rp_jset(o, "pid", l->pid > 0 ? json_integer(l->pid) : json_null(), bad);
	rp_jset(o, "dev", dev_json(l->dev_major, l->dev_minor), bad);
	rp_jset(o, "inode", ju(l->inode), bad);
	rp_jset(o, "start", ju(l->start), bad);
	rp_jset(o, "end", l->end == UINT64_MAX ? json_null() : ju(l->end), bad);
	rp_jset(o, "blocked", json_boolean(l->blocked), bad);
	rp_jset(o, "file", rp_json_str(file), bad);
	return o;
}

static json_t *locks_json(const struct sj_lock *v, size_t n, const char *file, int *bad)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		rp_jappend(a, lock_json(&v[i], file, bad), bad);
	return a;
}

/* The lock a thread asks for, on its file; capture leaves the pid to the
 * process that asks (POSIX and flock requests are its; OFD ones none). */
static json_t *request_json(const struct sj_process *p, const struct sj_wait *w, int *bad)
{
	struct sj_lock req = w->lock;
	const struct sj_fd *f = w->nfds ? sj_process_fd(p, w->fds[0].fd) : NULL;
	if (req.pid <= 0 && req.flavor != SJ_LOCK_OFD)
		req.pid = p->pid;
	return lock_json(&req, f ? f->target : NULL, bad);
}

static json_t *wait_json(const struct sj_process *p, const struct sj_thread *t, int *bad)
{
	const struct sj_wait *w = &t->wait;
	json_t *o = json_object(), *fds = json_array();
	char text[512];

	rp_jset(o, "kind", json_string(sj_wait_kind_name(w->kind)), bad);
	rp_jset(o, "text", rp_json_str(sj_report_wait_text(p, t, text, sizeof text)), bad);
	for (size_t i = 0; i < w->nfds; i++) {
		json_t *f = json_object();
		const struct sj_fd *pf = sj_process_fd(p, w->fds[i].fd);
		rp_jset(f, "fd", json_integer(w->fds[i].fd), bad);
		rp_jset(f, "dir", json_string(dir_name(w->fds[i].dir)), bad);
		rp_jset(f, "target", rp_json_str(pf ? pf->target : NULL), bad);
		rp_jappend(fds, f, bad);
	}
	rp_jset(o, "fds", fds, bad);
	rp_jset(o, "has_timeout", json_boolean(w->has_timeout), bad);
	rp_jset(o, "timeout_ns", w->timeout_ns >= 0 ? json_integer(w->timeout_ns) : json_null(), bad);
	rp_jset(o, "wait_pid", json_integer(w->wait_pid), bad);
	rp_jset(o, "futex_addr", rp_json_hex(w->futex_addr), bad);
	rp_jset(o, "futex_op", json_integer(w->futex_op), bad);
	rp_jset(o, "futex_private", json_boolean(w->futex_private), bad);
	rp_jset(o, "lock", w->kind == SJ_WAIT_LOCK ? request_json(p, w, bad) : json_null(), bad);
	return o;
}

static json_t *frames_json(const struct sj_thread *t, int *bad)
{
	json_t *a = json_array();
	for (size_t i = 0; i < t->nframes; i++) {
		const struct sj_frame *f = &t->frames[i];
		json_t *o = json_object();
		rp_jset(o, "pc", rp_json_hex(f->pc), bad);
		rp_jset(o, "is_activation", json_boolean(f->is_activation), bad);
		rp_jset(o, "func", rp_json_str(f->func), bad);
		rp_jset(o, "func_off", ju(f->func_off), bad);
		rp_jset(o, "module", rp_json_str(f->module), bad);
		rp_jset(o, "module_off", rp_json_hex(f->module_off), bad);
		rp_jset(o, "file", rp_json_str(f->file), bad);
		rp_jset(o, "line", json_integer(f->line), bad);
		rp_jappend(a, o, bad);
	}
	return a;
}

static json_t *python_json(const struct sj_thread *t, int *bad)
{
	if (!t->is_python)
		return json_null();
	json_t *o = json_object(), *a = json_array();
	rp_jset(o, "name", rp_json_str(t->py_name), bad);
	rp_jset(o, "holds_gil", json_boolean(t->py_holds_gil), bad);
	for (size_t i = 0; i < t->npyframes; i++) {
		const struct sj_pyframe *f = &t->pyframes[i];
		json_t *fo = json_object();
		rp_jset(fo, "func", rp_json_str(f->func), bad);
		rp_jset(fo, "file", rp_json_str(f->file), bad);
		rp_jset(fo, "line", json_integer(f->line), bad);
		rp_jset(fo, "is_entry", json_boolean(f->is_entry), bad);
		rp_jappend(a, fo, bad);
	}
	rp_jset(o, "frames", a, bad);
	return o;
}

/* An id in the target's own pid namespace (a container's): null when it
 * shares this tracer's namespace. */
static json_t *ns_id_json(pid_t id)
{
	return id > 0 ? json_integer(id) : json_null();
}

static json_t *thread_json(const struct sj_process *p, const struct sj_thread *t, int *bad)
{
	json_t *o = json_object(), *args = json_array();
	rp_jset(o, "tid", json_integer(t->tid), bad);
	rp_jset(o, "ns_tid", ns_id_json(t->ns_tid), bad);
	rp_jset(o, "name", rp_json_str(t->name), bad);
	rp_jset(o, "state", jchar(t->state), bad);
	rp_jset(o, "wchan", rp_json_str(t->wchan), bad);
	rp_jset(o, "syscall_nr", json_integer(t->syscall_nr), bad);
	for (int i = 0; i < 6; i++)
		rp_jappend(args, rp_json_hex(t->syscall_args[i]), bad);
	rp_jset(o, "syscall_args", args, bad);
	rp_jset(o, "sp", rp_json_hex(t->sp), bad);
	rp_jset(o, "pc", rp_json_hex(t->pc), bad);
	rp_jset(o, "wait", wait_json(p, t, bad), bad);
	rp_jset(o, "utime", ju(t->utime), bad);
	rp_jset(o, "stime", ju(t->stime), bad);
	rp_jset(o, "vcsw", ju(t->vcsw), bad);
	rp_jset(o, "nvcsw", ju(t->nvcsw), bad);
	rp_jset(o, "frames", frames_json(t, bad), bad);
	rp_jset(o, "unwind_error", rp_json_str(t->unwind_error), bad);
	rp_jset(o, "python", python_json(t, bad), bad);
	return o;
}

/* Every process of the snapshot holding the socket `inode`, with its fd:
 * who is at the other end. */
static json_t *holders_json(const struct sj_snapshot *s, uint64_t inode, int *bad)
{
	json_t *a = json_array();
	for (size_t i = 0; inode && i < s->nprocs; i++) {
		const struct sj_fd *f = rp_fd_on(&s->procs[i], SJ_FDK_SOCKET, inode);
		if (!f)
			continue;
		json_t *h = json_object();
		rp_jset(h, "pid", json_integer(s->procs[i].pid), bad);
		rp_jset(h, "fd", json_integer(f->fd), bad);
		rp_jappend(a, h, bad);
	}
	return a;
}

/* A socket's endpoints as sock_diag gave them; null when it did not. */
static json_t *socket_json(const struct sj_snapshot *s, const struct sj_fd *f, int *bad)
{
	const struct sj_sock *k = &f->sock;
	if (f->kind != SJ_FDK_SOCKET || !k->family)
		return json_null();
	json_t *o = json_object();
	rp_jset(o, "family", json_string(sj_sock_family_name(k->family)), bad);
	rp_jset(o, "type", json_string(sj_sock_type_name(k->type)), bad);
	rp_jset(o, "protocol", rp_json_str(sj_sock_protocol_name(k->protocol)), bad);
	rp_jset(o, "state", json_string(sj_sock_state_name(k->state)), bad);
	rp_jset(o, "named", json_boolean(k->named), bad);
	rp_jset(o, "local", rp_json_str(k->local), bad);
	rp_jset(o, "remote", rp_json_str(k->remote), bad);
	rp_jset(o, "peer_inode", k->peer ? ju(k->peer) : json_null(), bad);
	rp_jset(o, "peer_holders", holders_json(s, k->peer, bad), bad);
	rp_jset(o, "rqueue", ju(k->rqueue), bad);
	rp_jset(o, "wqueue", ju(k->wqueue), bad);
	json_t *vfs = json_null();
	if (k->vfs_ino) {
		vfs = json_object();
		rp_jset(vfs, "dev", dev_json(k->vfs_major, k->vfs_minor), bad);
		rp_jset(vfs, "inode", ju(k->vfs_ino), bad);
	}
	rp_jset(o, "vfs", vfs, bad);
	rp_jset(o, "reach", json_string(sj_reach_name(k->reach)), bad);
	int outside = k->reach == SJ_REACH_OUTSIDE;
	rp_jset(o, "reach_outsiders", outside ? json_integer(k->reach_outsiders) : json_null(), bad);
	rp_jset(o, "reach_example", outside && k->reach_example > 0 ? json_integer(k->reach_example)
		: json_null(), bad);
	return o;
}

/* Bytes queued in a pipe a thread waits on; null when capture did not read them. */
static json_t *pipe_json(const struct sj_fd *f, int *bad)
{
	if (!f->pipe_size)
		return json_null();
	json_t *o = json_object();
	rp_jset(o, "queued", ju(f->pipe_queued), bad);
	rp_jset(o, "size", ju(f->pipe_size), bad);
	return o;
}

static json_t *fd_json(const struct sj_snapshot *s, const struct sj_fd *f, int *bad)
{
	json_t *o = json_object(), *tfds = json_array();
	rp_jset(o, "fd", json_integer(f->fd), bad);
	rp_jset(o, "kind", json_string(sj_fdkind_name(f->kind)), bad);
	rp_jset(o, "inode", ju(f->inode), bad);
	rp_jset(o, "access", json_string(accmode_name(f->accmode)), bad);
	rp_jset(o, "flags", json_integer(f->flags), bad);
	rp_jset(o, "target", rp_json_str(f->target), bad);
	for (size_t i = 0; i < f->n_epoll_tfds; i++)
		rp_jappend(tfds, json_integer(f->epoll_tfds[i]), bad);
	rp_jset(o, "epoll_tfds", tfds, bad);
	rp_jset(o, "dev", dev_json(f->dev_major, f->dev_minor), bad);
	rp_jset(o, "pos", ju(f->pos), bad);
	rp_jset(o, "socket", socket_json(s, f, bad), bad);
	rp_jset(o, "pipe", pipe_json(f, bad), bad);
	rp_jset(o, "locks", locks_json(f->locks, f->nlocks, f->target, bad), bad);
	return o;
}

static json_t *map_json(const struct sj_map *m, int *bad)
{
	json_t *o = json_object();
	rp_jset(o, "start", rp_json_hex(m->start), bad);
	rp_jset(o, "end", rp_json_hex(m->end), bad);
	rp_jset(o, "offset", rp_json_hex(m->offset), bad);
	rp_jset(o, "perms", rp_json_str(m->perms), bad);
	rp_jset(o, "dev", dev_json(m->dev_major, m->dev_minor), bad);
	rp_jset(o, "inode", ju(m->inode), bad);
	rp_jset(o, "path", rp_json_str(m->path), bad);
	return o;
}

static json_t *strings_json(char *const *v, size_t n, int *bad)
{
	json_t *a = json_array();
	for (size_t i = 0; v && i < n && v[i]; i++)
		rp_jappend(a, rp_json_str(v[i]), bad);
	return a;
}

static json_t *process_json(const struct sj_snapshot *s, const struct sj_process *p, int *bad)
{
	json_t *o = json_object(), *a;
	char st[64];
	size_t argc = 0;

	while (p->argv && p->argv[argc])
		argc++;
	rp_jset(o, "pid", json_integer(p->pid), bad);
	rp_jset(o, "ns_pid", ns_id_json(p->ns_pid), bad);
	rp_jset(o, "ppid", json_integer(p->ppid), bad);
	rp_jset(o, "pgid", json_integer(p->pgid), bad);
	rp_jset(o, "sid", json_integer(p->sid), bad);
	rp_jset(o, "state", jchar(p->state), bad);
	rp_jset(o, "comm", rp_json_str(p->comm), bad);
	rp_jset(o, "argv", strings_json(p->argv, argc, bad), bad);
	rp_jset(o, "exe", rp_json_str(p->exe), bad);
	rp_jset(o, "start_ticks", ju(p->start_ticks), bad);
	rp_jset(o, "exit_status", p->exit_status >= 0 ? json_integer(p->exit_status) : json_null(), bad);
	rp_jset(o, "exit", p->exit_status >= 0
		? json_string(sj_wait_status_text(p->exit_status, st, sizeof st)) : json_null(), bad);
	rp_jset(o, "zombie_since_ns", p->zombie_since_ns ? ju(p->zombie_since_ns) : json_null(), bad);
	rp_jset(o, "is_target", json_boolean(p->is_target), bad);
	rp_jset(o, "python_version", rp_json_str(p->python_version), bad);
	rp_jset(o, "python_note", rp_json_str(p->python_note), bad);
	rp_jset(o, "capture_error", rp_json_str(p->capture_error), bad);
	a = json_array();
	for (size_t i = 0; i < p->nthreads; i++)
		rp_jappend(a, thread_json(p, &p->threads[i], bad), bad);
	rp_jset(o, "threads", a, bad);
	a = json_array();
	for (size_t i = 0; i < p->nfds; i++)
		rp_jappend(a, fd_json(s, &p->fds[i], bad), bad);
	rp_jset(o, "fds", a, bad);
	a = json_array();
	for (size_t i = 0; i < p->nmaps; i++)
		rp_jappend(a, map_json(&p->maps[i], bad), bad);
	rp_jset(o, "maps", a, bad);
	return o;
}

static json_t *utc_json(int64_t real_s)
{
	char buf[32];
	struct tm tm;
	time_t t = (time_t)real_s;
	if (real_s <= 0 || !gmtime_r(&t, &tm))
		return json_null();
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* The path of a /proc/locks entry's file, from any fd of the snapshot
 * on it (NULL when none is). */
static const char *locked_file(const struct sj_snapshot *s, const struct sj_lock *l)
{
	for (size_t i = 0; i < s->nprocs; i++)
		for (size_t j = 0; j < s->procs[i].nfds; j++) {
			const struct sj_fd *f = &s->procs[i].fds[j];
			if (f->kind == SJ_FDK_FILE && f->inode == l->inode && f->dev_major == l->dev_major &&
			    f->dev_minor == l->dev_minor && f->target)
				return f->target;
		}
	return NULL;
}

static json_t *snapshot_json(const struct sj_snapshot *s, int *bad)
{
	if (!s)
		return json_null();
	json_t *o = json_object(), *cap = json_object(), *procs = json_array();
	rp_jset(o, "taken_mono_ns", ju(s->taken_mono_ns), bad);
	rp_jset(o, "taken_real_s", json_integer(s->taken_real_s), bad);
	rp_jset(o, "taken_utc", utc_json(s->taken_real_s), bad);
	rp_jset(o, "boot_mono_offset", ju(s->boot_mono_offset), bad);
	rp_jset(o, "clk_tck", json_integer(s->clk_tck), bad);
	rp_jset(cap, "max_stop_ns", ju(s->max_stop_ns), bad);
	rp_jset(cap, "total_stop_ns", ju(s->total_stop_ns), bad);
	rp_jset(cap, "capture_ns", ju(s->capture_ns), bad);
	rp_jset(o, "capture", cap, bad);
	rp_jset(o, "notes", strings_json(s->notes, s->nnotes, bad), bad);
	for (size_t i = 0; i < s->nprocs; i++)
		rp_jappend(procs, process_json(s, &s->procs[i], bad), bad);
	rp_jset(o, "processes", procs, bad);
	json_t *locks = json_array();
	for (size_t i = 0; i < s->nlocks; i++)
		rp_jappend(locks, lock_json(&s->locks[i], locked_file(s, &s->locks[i]), bad), bad);
	rp_jset(o, "locks", locks, bad);
	return o;
}

static json_t *indices_json(const size_t *v, size_t n, int *bad)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		rp_jappend(a, ju(v[i]), bad);
	return a;
}

static json_t *finding_json(const struct sj_finding *f, int *bad)
{
	json_t *o = json_object(), *a;

	rp_jset(o, "kind", json_string(sj_finding_kind_name(f->kind)), bad);
	rp_jset(o, "severity", json_string(sj_severity_name(f->severity)), bad);
	rp_jset(o, "title", json_string(sj_kind_info(f->kind)->title), bad);
	rp_jset(o, "cause", rp_json_str(f->cause), bad);
	rp_jset(o, "advice", rp_json_str(f->advice), bad);
	rp_jset(o, "sig", f->sig > 0 ? json_integer(f->sig) : json_null(), bad);
	a = json_array();
	for (size_t i = 0; i < f->nevidence; i++) {
		json_t *e = json_object();
		rp_jset(e, "pid", json_integer(f->evidence[i].pid), bad);
		rp_jset(e, "tid", json_integer(f->evidence[i].tid), bad);
		rp_jset(e, "text", rp_json_str(f->evidence[i].text), bad);
		rp_jappend(a, e, bad);
	}
	rp_jset(o, "evidence", a, bad);
	a = json_array();
	for (size_t i = 0; i < f->nedges; i++) {
		const struct sj_edge *ed = &f->edges[i];
		json_t *e = json_object();
		rp_jset(e, "from_pid", json_integer(ed->from_pid), bad);
		rp_jset(e, "from_tid", json_integer(ed->from_tid), bad);
		rp_jset(e, "to_pid", json_integer(ed->to_pid), bad);
		rp_jset(e, "to_tid", json_integer(ed->to_tid), bad);
		rp_jset(e, "via", rp_json_str(ed->via), bad);
		rp_jappend(a, e, bad);
	}
	rp_jset(o, "edges", a, bad);
	a = json_array();
	for (size_t i = 0; i < f->nlocations; i++) {
		json_t *e = json_object();
		rp_jset(e, "file", rp_json_str(f->locations[i].file), bad);
		rp_jset(e, "line", json_integer(f->locations[i].line), bad);
		rp_jset(e, "func", rp_json_str(f->locations[i].func), bad);
		rp_jset(e, "threads", json_integer(f->locations[i].count ? f->locations[i].count : 1), bad);
		rp_jappend(a, e, bad);
	}
	rp_jset(o, "locations", a, bad);
	a = json_array();
	for (size_t i = 0; i < f->npids; i++)
		rp_jappend(a, json_integer(f->pids[i]), bad);
	rp_jset(o, "pids", a, bad);
	a = json_array();
	for (size_t i = 0; i < f->npipes; i++)
		rp_jappend(a, ju(f->pipes[i]), bad);
	rp_jset(o, "pipes", a, bad);
	rp_jset(o, "explained_by", indices_json(f->explained_by, f->nexplained_by, bad), bad);
	rp_jset(o, "verdict", rp_json_str(f->verdict), bad);
	if (f->nassumptions)
		rp_jset(o, "assumptions", strings_json(f->assumptions, f->nassumptions, bad), bad);
	rp_jset(o, "journal_records", indices_json(f->records, f->nrecords, bad), bad);
	return o;
}

/* An event built by hand (no record as read) is rebuilt from its fields. */
static json_t *event_from_fields(const struct sj_jevent *e, int *bad)
{
	json_t *o = json_object();
	rp_jset(o, "v", json_integer(1), bad);
	rp_jset(o, "t", json_integer(e->t_ns), bad);
	rp_jset(o, "pid", json_integer(e->pid), bad);
	rp_jset(o, "ppid", json_integer(e->ppid), bad);
	rp_jset(o, "tid", json_integer(e->tid), bad);
	rp_jset(o, "ev", rp_json_str(e->ev ? e->ev : "?"), bad);
	if (e->comm)
		rp_jset(o, "comm", rp_json_str(e->comm), bad);
	return o;
}

static json_t *journal_json(const struct sj_journal *j, int *bad)
{
	if (!j)
		return json_null();
	json_t *o = json_object(), *a = json_array();
	rp_jset(o, "bad_lines", ju(j->bad_lines), bad);
	for (size_t i = 0; i < j->n; i++) {
		/* The record as the shim wrote it, fields a newer shim added
		 * included (the journal reader parsed it once). */
		json_t *rec = j->ev[i].record;
		rp_jappend(a, rec ? json_incref(rec) : event_from_fields(&j->ev[i], bad), bad);
	}
	rp_jset(o, "events", a, bad);
	return o;
}

static json_t *counts_json(const struct sj_findings *f, int *bad)
{
	json_t *o = json_object();
	for (size_t i = 0; f && i < f->n; i++) {
		const char *k = sj_finding_kind_name(f->v[i].kind);
		json_int_t n = json_integer_value(json_object_get(o, k));
		rp_jset(o, k, json_integer(n + 1), bad);
	}
	return o;
}

json_t *sj_report_json(const struct sj_report *r, char *err, size_t errlen)
{
	json_t *root = json_object(), *gen = json_object(), *fa = json_array();
	char summary[256];
	int bad = 0;

	if (!root || !gen || !fa) {
		json_decref(root);
		json_decref(gen);
		json_decref(fa);
		rp_fail(err, errlen, "json report: out of memory");
		return NULL;
	}
	rp_jset(root, "schema", json_string(SJ_REPORT_SCHEMA), &bad);
	rp_jset(gen, "name", json_string("sigjam"), &bad);
	rp_jset(gen, "version", json_string(SIGJAM_VERSION), &bad);
	rp_jset(root, "generator", gen, &bad);
	rp_jset(root, "command", rp_json_str(r->command), &bad);
	rp_jset(root, "summary", json_string(sj_report_summary(r->findings, summary, sizeof summary)), &bad);
	rp_jset(root, "finding_counts", counts_json(r->findings, &bad), &bad);
	for (size_t i = 0; i < rp_nfindings(r); i++)
		rp_jappend(fa, finding_json(&r->findings->v[i], &bad), &bad);
	rp_jset(root, "findings", fa, &bad);
	rp_jset(root, "snapshot", snapshot_json(r->snap, &bad), &bad);
	rp_jset(root, "journal", journal_json(r->journal, &bad), &bad);
	if (bad) {
		json_decref(root);
		rp_fail(err, errlen, "json report: out of memory while building the document");
		return NULL;
	}
	return root;
}

int sj_render_json(const struct sj_report *r, FILE *out, char *err, size_t errlen)
{
	json_t *root = sj_report_json(r, err, errlen);
	if (!root)
		return -1;
	int rc = json_dumpf(root, out, JSON_INDENT(2));
	json_decref(root);
	if (rc != 0)
		return rp_fail(err, errlen, "json report: writing the output failed");
	fputc('\n', out);
	return rp_check_stream(out, "json", err, errlen);
}
