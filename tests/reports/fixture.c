/* fixture.c — the report models behind the golden files.  Facts are rows
 * in tables; small builders turn them into heap data. */
#include "fixture.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include <sys/socket.h>
#include <sys/syscall.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))


/* ---- snapshot builders ---- */

struct frow { uint64_t pc; const char *func; uint64_t off; const char *module; uint64_t moff; const char *file; int line; };
struct pyrow { const char *func, *file; int line, entry; };
struct fdrow { int fd; enum sj_fdkind kind; uint64_t inode; int acc; const char *target; };
struct maprow { uint64_t start, end; const char *perms; uint64_t inode; unsigned maj, min; const char *path; };

static void set_frames(struct sj_thread *t, const struct frow *r, size_t n)
{
	t->frames = xcalloc(n, sizeof *t->frames);
	t->nframes = n;
	for (size_t i = 0; i < n; i++)
		t->frames[i] = (struct sj_frame){ r[i].pc, i == 0, xstrdup(r[i].func), r[i].off,
						  xstrdup(r[i].module), r[i].moff, xstrdup(r[i].file), r[i].line };
}

static void set_pyframes(struct sj_thread *t, const char *py_name, const struct pyrow *r, size_t n)
{
	t->is_python = 1;
	t->py_name = xstrdup(py_name);
	t->pyframes = xcalloc(n, sizeof *t->pyframes);
	t->npyframes = n;
	for (size_t i = 0; i < n; i++)
		t->pyframes[i] = (struct sj_pyframe){ xstrdup(r[i].func), xstrdup(r[i].file), r[i].line, r[i].entry };
}

static void set_fds(struct sj_process *p, const struct fdrow *r, size_t n)
{
	p->fds = xcalloc(n, sizeof *p->fds);
	p->nfds = n;
	for (size_t i = 0; i < n; i++)
		p->fds[i] = (struct sj_fd){ .fd = r[i].fd, .kind = r[i].kind, .inode = r[i].inode,
					    .accmode = r[i].acc, .flags = (unsigned)r[i].acc | O_CLOEXEC,
					    .target = xstrdup(r[i].target) };
}

static void set_maps(struct sj_process *p, const struct maprow *r, size_t n)
{
	p->maps = xcalloc(n, sizeof *p->maps);
	p->nmaps = n;
	for (size_t i = 0; i < n; i++) {
		struct sj_map *m = &p->maps[i];
		*m = (struct sj_map){ .start = r[i].start, .end = r[i].end, .inode = r[i].inode,
				      .dev_major = r[i].maj, .dev_minor = r[i].min, .path = xstrdup(r[i].path) };
		memcpy(m->perms, r[i].perms, 4);
	}
}

static void set_argv(struct sj_process *p, const char *const *v, size_t n)
{
	p->argv = xcalloc(n + 1, sizeof *p->argv);
	p->argc = n;
	for (size_t i = 0; i < n; i++)
		p->argv[i] = xstrdup(v[i]);
}

static void proc_init(struct sj_process *p, pid_t pid, pid_t ppid, char state, const char *comm, size_t nthreads)
{
	p->pid = pid;
	p->ppid = ppid;
	p->pgid = 4100;
	p->sid = 4000;
	p->state = state;
	p->comm = xstrdup(comm);
	p->exit_status = -1;
	p->start_ticks = 1000000 + (uint64_t)pid;
	p->threads = xcalloc(nthreads, sizeof *p->threads);
	p->nthreads = nthreads;
}

static struct sj_thread *thread_init(struct sj_process *p, size_t i, pid_t tid, char state, long nr)
{
	struct sj_thread *t = &p->threads[i];
	t->tid = tid;
	t->name = xstrdup(p->comm);
	t->state = state;
	t->wchan = xstrdup(state == 'R' ? "0" : "do_wait");
	t->syscall_nr = nr;
	t->sp = 0x7ffd5a3c1e80 - 0x1000 * i;
	t->pc = 0x7f3a2d0e8b7d;
	t->wait.timeout_ns = -1;
	t->utime = 12 + i;
	t->stime = 3;
	t->vcsw = 40 + i;
	t->nvcsw = 2;
	return t;
}

static void wait_fd(struct sj_thread *t, enum sj_wait_kind k, int fd, int dir)
{
	t->wait.kind = k;
	t->wait.fds = xcalloc(1, sizeof *t->wait.fds);
	t->wait.fds[0] = (struct sj_waitfd){ fd, dir };
	t->wait.nfds = 1;
	t->syscall_args[0] = (uint64_t)fd;
}

/* ---- the deadlock tree ---- */

#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define LIBPY "/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0"
#define MP "/root/.pyenv/versions/3.11.7/lib/python3.11/multiprocessing/"
#define SEM "/dev/shm/sem.mp-q1x7"

static const struct maprow common_maps[] = {
	{ 0x7f3a2cfd0000, 0x7f3a2d1a5000, "r-xp", 1835102, 8, 1, LIBC },
	{ 0x7f3a2e000000, 0x7f3a2e001000, "rw-s", 77, 0, 25, SEM },
	{ 0x7f3a2c000000, 0x7f3a2c021000, "rw-p", 0, 0, 0, NULL },
};

static void parent_process(struct sj_process *p)
{
	static const char *const argv[] = { "python3", "repro.py", "--workers", "2" };
	static const struct fdrow fds[] = {
		{ 0, SJ_FDK_TTY, 3, O_RDWR, "/dev/pts/0" }, { 1, SJ_FDK_TTY, 3, O_RDWR, "/dev/pts/0" },
		{ 2, SJ_FDK_TTY, 3, O_RDWR, "/dev/pts/0" }, { 3, SJ_FDK_PIPE, 8494, O_RDONLY, "pipe:[8494]" },
		{ 5, SJ_FDK_PIPE, 8493, O_RDONLY, "pipe:[8493]" }, { 6, SJ_FDK_PIPE, 8493, O_WRONLY, "pipe:[8493]" },
		{ 7, SJ_FDK_PIPE, 8495, O_RDONLY, "pipe:[8495]" },
	};
	static const struct frow main_frames[] = {
		{ 0x7f3a2d0e8b7d, "__GI___wait4", 0x7d, LIBC, 0xe8b7d, "../sysdeps/unix/sysv/linux/wait4.c", 30 },
		{ 0x7f3a2e45c1d0, "os_waitpid_impl", 0x60, LIBPY, 0x25c1d0, "./Modules/posixmodule.c", 9001 },
		{ 0x7f3a2e3b2e11, "_PyEval_EvalFrameDefault", 0x1a31, LIBPY, 0x1b2e11, "Python/ceval.c", 5192 },
	};
	static const struct pyrow main_py[] = {
		{ "Popen._try_wait", MP "popen_fork.py", 27, 0 }, { "Popen.wait", MP "popen_fork.py", 43, 0 },
		{ "BaseProcess.join", MP "process.py", 149, 0 }, { "main", "repro.py", 21, 0 },
		{ "<module>", "repro.py", 30, 1 },
	};
	static const struct frow reader_frames[] = {
		{ 0x7f3a2d0f27ac, "__GI___libc_read", 0x4c, LIBC, 0xf27ac, "../sysdeps/unix/sysv/linux/read.c", 26 },
		{ 0x7f3a2e4a0f1f, "_Py_read", 0x5f, LIBPY, 0x2a0f1f, "Python/fileutils.c", 1800 },
	};
	static const struct pyrow reader_py[] = {
		{ "Connection._recv", MP "connection.py", 395, 0 },
		{ "Connection._recv_bytes", MP "connection.py", 413, 0 },
		{ "_ConnectionBase.recv", MP "connection.py", 249, 0 },
		{ "_handle_results", MP "pool.py", 576, 0 },
		{ "Thread.run", "/root/.pyenv/versions/3.11.7/lib/python3.11/threading.py", 975, 1 },
	};
	static const struct pyrow tasks_py[] = {
		{ "SimpleQueue.get", "/root/.pyenv/versions/3.11.7/lib/python3.11/queue.py", 171, 0 },
		{ "Pool._handle_tasks", MP "pool.py", 528, 1 },
	};
	static const struct pyrow workers_py[] = {
		{ "wait", MP "connection.py", 947, 0 }, { "Pool._wait_for_updates", MP "pool.py", 502, 0 },
		{ "Pool._handle_workers", MP "pool.py", 522, 1 },
	};
	struct sj_thread *t;

	proc_init(p, 4100, 4000, 'S', "python3", 4);
	set_argv(p, argv, N(argv));
	p->exe = xstrdup("/root/.pyenv/versions/3.11.7/bin/python3.11");
	p->is_target = 1;
	p->python_version = xstrdup("3.11.7");
	set_fds(p, fds, N(fds));
	set_maps(p, common_maps, N(common_maps));

	t = thread_init(p, 0, 4100, 'S', SYS_wait4);
	t->wait.kind = SJ_WAIT_CHILD;
	t->wait.wait_pid = 4101;
	set_frames(t, main_frames, N(main_frames));
	set_pyframes(t, "MainThread", main_py, N(main_py));

	t = thread_init(p, 1, 4102, 'S', SYS_read);
	wait_fd(t, SJ_WAIT_READ, 5, 0);
	set_frames(t, reader_frames, N(reader_frames));
	set_pyframes(t, "Thread-3 (_handle_results)", reader_py, N(reader_py));

	t = thread_init(p, 2, 4103, 'S', SYS_futex);
	t->wait.kind = SJ_WAIT_FUTEX;
	t->wait.futex_addr = 0x7f3a2c0016a0;
	t->wait.futex_private = 1;
	t->unwind_error = xstrdup("no unwind info for 0x7f3a2d0a1234");
	set_pyframes(t, "Thread-2 (_handle_tasks)", tasks_py, N(tasks_py));

	t = thread_init(p, 3, 4104, 'S', SYS_poll);
	wait_fd(t, SJ_WAIT_POLL, 7, 0);
	t->wait.has_timeout = 1;
	t->wait.timeout_ns = 100000000;
	set_pyframes(t, "Thread-1 (_handle_workers)", workers_py, N(workers_py));
}

static void writer_process(struct sj_process *p)
{
	/* An argv with a terminal escape and a byte that is not UTF-8: every
	 * renderer must neutralise them. */
	static const char *const argv[] = { "python3", "repro.py", "--tag=\x1b[2Jx\xff" };
	static const struct fdrow fds[] = {
		{ 4, SJ_FDK_PIPE, 8494, O_WRONLY, "pipe:[8494]" }, { 6, SJ_FDK_PIPE, 8493, O_WRONLY, "pipe:[8493]" },
		{ 8, SJ_FDK_PIPE, 8495, O_WRONLY, "pipe:[8495]" },
	};
	static const struct frow frames[] = {
		{ 0x7f3a2d0f284c, "__GI___libc_write", 0x4c, LIBC, 0xf284c, "../sysdeps/unix/sysv/linux/write.c", 26 },
	};
	static const struct pyrow py[] = {
		{ "Connection._send", MP "connection.py", 373, 0 },
		{ "_ConnectionBase.send_bytes", MP "connection.py", 205, 0 },
		{ "worker", MP "pool.py", 131, 1 },
	};
	proc_init(p, 4101, 4100, 'S', "python3", 1);
	set_argv(p, argv, N(argv));
	p->exe = xstrdup("/root/.pyenv/versions/3.11.7/bin/python3.11");
	p->python_version = xstrdup("3.11.7");
	set_fds(p, fds, N(fds));
	set_maps(p, common_maps, N(common_maps));
	/* the pipe it writes is full: capture read the fill of a pipe a thread waits on */
	p->fds[0].pipe_queued = p->fds[0].pipe_size = 65536;
	struct sj_thread *t = thread_init(p, 0, 4101, 'S', SYS_write);
	wait_fd(t, SJ_WAIT_WRITE, 4, 1);
	set_frames(t, frames, N(frames));
	set_pyframes(t, "MainThread", py, N(py));
}

static void zombie_process(struct sj_process *p, uint64_t taken)
{
	proc_init(p, 4105, 4100, 'Z', "python3", 1);
	p->exit_status = SIGKILL;            /* raw wait status: killed by signal 9 */
	p->zombie_since_ns = taken - 12500000000ULL;
	p->capture_error = xstrdup("zombie: no threads to stop");
	struct sj_thread *t = thread_init(p, 0, 4105, 'Z', -1);
	free(t->wchan);
	t->wchan = xstrdup("0");
}

static void sem_process(struct sj_process *p)
{
	static const char *const argv[] = { "python3", "repro.py", "--workers", "2" };
	proc_init(p, 4106, 4100, 'S', "python3", 1);
	set_argv(p, argv, N(argv));
	p->python_note = xstrdup("no Python frames: _PyRuntime not found");
	set_maps(p, common_maps, N(common_maps));
	struct sj_thread *t = thread_init(p, 0, 4106, 'S', SYS_futex);
	t->wait.kind = SJ_WAIT_FUTEX;
	t->wait.futex_addr = 0x7f3a2e000010;
	t->is_python = 1;
	/* A threading name with an OSC escape and a BEL. */
	t->py_name = xstrdup("Worker-\x1b]0;pwn\x07");
	t->unwind_error = xstrdup("process exited during unwind");
}

/* A snapshot of nprocs empty processes taken at 2026-01-01T00:00:00Z,
 * with the capture's times. */
static struct sj_snapshot *snapshot_new(uint64_t taken_mono, uint64_t max_stop, uint64_t total_stop,
					uint64_t capture, size_t nprocs)
{
	struct sj_snapshot *s = xcalloc(1, sizeof *s);
	s->taken_mono_ns = taken_mono;
	s->taken_real_s = 1767225600;
	s->clk_tck = 100;
	s->max_stop_ns = max_stop;
	s->total_stop_ns = total_stop;
	s->capture_ns = capture;
	s->nprocs = nprocs;
	s->procs = xcalloc(nprocs, sizeof *s->procs);
	return s;
}

static struct sj_snapshot *deadlock_snapshot(void)
{
	struct sj_snapshot *s = snapshot_new(5000000000000ULL, 1250000, 3400000, 48000000, 4);
	parent_process(&s->procs[0]);
	writer_process(&s->procs[1]);
	zombie_process(&s->procs[2], s->taken_mono_ns);
	sem_process(&s->procs[3]);
	s->nnotes = 1;
	s->notes = xcalloc(1, sizeof *s->notes);
	s->notes[0] = xstrdup("pid 4107 exited before it could be attached");
	return s;
}

/* ---- findings ---- */

struct evrow { pid_t pid, tid; const char *text; };
struct edrow { pid_t fp, ft, tp, tt; const char *via; };
struct locrow { const char *file; int line; const char *func; unsigned count; };

/* The links analysis/explain.c makes, written out by hand: the findings
 * that explain this one, its verdict when it is a root cause, and the
 * journal records behind it (indices into the fixture's journal). */
struct linkrow {
	size_t by[4]; size_t nby;
	const char *verdict;
	size_t rec[4]; size_t nrec;
};

struct frow_finding {
	enum sj_finding_kind kind;
	enum sj_severity sev;
	const char *cause, *advice;
	int sig;
	const struct evrow *ev; size_t nev;
	const struct edrow *ed; size_t ned;
	const struct locrow *loc; size_t nloc;
	const pid_t *pids; size_t npids;
	const uint64_t *pipes; size_t npipes;
	struct linkrow links;
};

static void build_finding(struct sj_finding *f, const struct frow_finding *r)
{
	f->kind = r->kind;
	f->severity = r->sev;
	f->cause = xstrdup(r->cause);
	f->advice = xstrdup(r->advice);
	f->sig = r->sig;
	f->evidence = xcalloc(r->nev, sizeof *f->evidence);
	f->nevidence = r->nev;
	for (size_t i = 0; i < r->nev; i++)
		f->evidence[i] = (struct sj_evidence){ r->ev[i].pid, r->ev[i].tid, xstrdup(r->ev[i].text) };
	f->edges = xcalloc(r->ned, sizeof *f->edges);
	f->nedges = r->ned;
	for (size_t i = 0; i < r->ned; i++)
		f->edges[i] = (struct sj_edge){ r->ed[i].fp, r->ed[i].ft, r->ed[i].tp, r->ed[i].tt, xstrdup(r->ed[i].via) };
	f->locations = xcalloc(r->nloc, sizeof *f->locations);
	f->nlocations = r->nloc;
	for (size_t i = 0; i < r->nloc; i++)
		f->locations[i] = (struct sj_location){ xstrdup(r->loc[i].file), r->loc[i].line,
							xstrdup(r->loc[i].func), r->loc[i].count ? r->loc[i].count : 1 };
	f->pids = xcalloc(r->npids, sizeof *f->pids);
	f->npids = r->npids;
	if (r->npids)   /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(f->pids, r->pids, r->npids * sizeof *f->pids);
	f->pipes = xcalloc(r->npipes, sizeof *f->pipes);
	f->npipes = r->npipes;
	if (r->npipes)
		memcpy(f->pipes, r->pipes, r->npipes * sizeof *f->pipes);
	const struct linkrow *l = &r->links;
	f->explained_by = xcalloc(l->nby, sizeof *f->explained_by);
	f->nexplained_by = l->nby;
	if (l->nby)
		memcpy(f->explained_by, l->by, l->nby * sizeof *f->explained_by);
	f->verdict = xstrdup(l->verdict);
	f->records = xcalloc(l->nrec, sizeof *f->records);
	f->nrecords = l->nrec;
	if (l->nrec)
		memcpy(f->records, l->rec, l->nrec * sizeof *f->records);
}

static struct sj_findings *build_findings(const struct frow_finding *rows, size_t n)
{
	struct sj_findings *f = xcalloc(1, sizeof *f);
	f->v = xcalloc(n, sizeof *f->v);
	f->n = n;
	for (size_t i = 0; i < n; i++)
		build_finding(&f->v[i], &rows[i]);
	return f;
}

#define ROWS(a) a, N(a)

static const struct evrow dl_ev[] = {
	{ 4100, 4100, "wait4(4101): waits for child 4101 to exit" },
	{ 4101, 4101, "write(fd 4 = pipe:[8494]): the pipe is full; only pid 4100 holds its read end (fd 3)" },
	{ 4100, 4102, "read(fd 5 = pipe:[8493]): its writers are pid 4101 (fd 6) and pid 4100 itself (fd 6)" },
};
static const struct edrow dl_ed[] = {
	{ 4100, 4100, 4101, 0, "wait4(4101)" },
	{ 4101, 4101, 4100, 0, "pipe:[8494]" },
	{ 4100, 4102, 4101, 0, "pipe:[8493]" },
};
static const struct locrow dl_loc[] = {
	{ "repro.py", 21, "main", 1 },
	{ MP "pool.py", 576, "_handle_results", 1 },
};
static const pid_t dl_pids[] = { 4100, 4101 };
static const uint64_t dl_pipes[] = { 8493, 8494 };

static const struct evrow bp_ev[] = {
	{ 4100, 4102, "read(fd 5 = pipe:[8493]) with no timeout; the write end fd 6 of its own process stays open" },
};
static const struct edrow bp_ed[] = { { 4100, 4102, 4100, 0, "pipe:[8493] (own write end, fd 6)" } };
static const struct locrow bp_loc[] = { { MP "pool.py", 576, "_handle_results", 1 } };
static const pid_t bp_pids[] = { 4100 };
static const uint64_t bp_pipes[] = { 8493 };

static const struct evrow zb_ev[] = {
	{ 4105, 0, "state Z, killed by SIGKILL, 12.5 s ago" },
	{ 4100, 4100, "the parent is blocked in wait4(4101), not waiting for 4105" },
};
static const pid_t zb_pids[] = { 4105, 4100 };

static const struct evrow us_ev[] = { { 4101, 4101, "malloc() called in the SIGTERM handler on_term" } };
static const struct locrow us_loc[] = { { "/src/app/handlers.c", 42, "on_term", 1 } };
static const pid_t us_pids[] = { 4101 };

static const struct evrow nh_ev[] = { { 4101, 4101, "depth 2: SIGUSR1 inside SIGTERM" } };
static const pid_t nh_pids[] = { 4101 };

/* Cause before consequence, as analysis orders them: the handler's unsafe
 * call and its nested handler ran on pid 4101's knot thread and explain
 * the knot; the knot explains the blocked read on its pipe and the zombie
 * its stuck parent does not reap. */
static const struct frow_finding deadlock_rows[] = {
	{ SJ_FIND_SIGNAL_UNSAFE, SJ_SEV_WARNING,
	  "the SIGTERM handler of pid 4101 called malloc(), which is not async-signal-safe",
	  "Set a flag in the handler and do the work outside it.",
	  SIGTERM, ROWS(us_ev), NULL, 0, ROWS(us_loc), ROWS(us_pids), NULL, 0,
	  { .verdict = "the SIGTERM handler of pid 4101 called malloc(), which is not async-signal-safe; "
		       "pids 4100 and 4101 are deadlocked.", .rec = { 5, 7 }, .nrec = 2 } },
	{ SJ_FIND_NESTED_HANDLER, SJ_SEV_NOTE,
	  "SIGUSR1 handler started inside the SIGTERM handler of pid 4101 \xe2\x80\x94 <not> re-entrant & \"unsafe\"",
	  NULL, SIGUSR1, ROWS(nh_ev), NULL, 0, NULL, 0, ROWS(nh_pids), NULL, 0,
	  { .verdict = "SIGUSR1 handler started inside the SIGTERM handler of pid 4101 \xe2\x80\x94 <not> "
		       "re-entrant & \"unsafe\"; pids 4100 and 4101 are deadlocked.", .rec = { 5, 8 }, .nrec = 2 } },
	{ SJ_FIND_DEADLOCK, SJ_SEV_ERROR,
	  "pid 4100 waits for child 4101 to exit, but 4101 is blocked writing pipe:[8494], which only pid 4100 reads; "
	  "thread 4102 (_handle_results) reads pipe:[8493], whose writers are 4101 and 4100 itself",
	  "Drain the result pipe before joining the worker, and close the parent's copy of the write end after fork.",
	  0, ROWS(dl_ev), ROWS(dl_ed), ROWS(dl_loc), ROWS(dl_pids), ROWS(dl_pipes),
	  { .by = { 0, 1 }, .nby = 2, .rec = { 5 }, .nrec = 1 } },
	{ SJ_FIND_BLOCKED_PIPE_READ, SJ_SEV_ERROR,
	  "thread 4102 (Thread-3 (_handle_results)) of pid 4100 reads pipe:[8493]; its own process holds the write end (fd 6)",
	  "Close the write end in the reading process right after fork so that the reader sees EOF when the writers die.",
	  0, ROWS(bp_ev), ROWS(bp_ed), ROWS(bp_loc), ROWS(bp_pids), ROWS(bp_pipes), { .by = { 2 }, .nby = 1 } },
	{ SJ_FIND_ZOMBIE, SJ_SEV_WARNING,
	  "pid 4105 was killed by SIGKILL 12.5 s ago and its parent 4100 has not reaped it",
	  "Reap children as they exit; pid 4100 is stuck elsewhere (see the deadlock).",
	  SIGKILL, ROWS(zb_ev), NULL, 0, NULL, 0, ROWS(zb_pids), NULL, 0,
	  { .by = { 2 }, .nby = 1, .rec = { 4 }, .nrec = 1 } },
};

/* ---- journal ---- */

/* Records as the shim writes them, read by the journal reader itself. */
struct jrow {
	const char *line;
};

#define T0 4990000000000LL

static const struct jrow deadlock_journal[] = {
	{ "{\"v\":1,\"t\":4990000000000,\"pid\":4100,\"ppid\":4000,\"tid\":4100,\"ev\":\"start\",\"comm\":\"python3\","
		  "\"exe\":\"/root/.pyenv/versions/3.11.7/bin/python3.11\",\"role\":\"parent\",\"rules\":1,\"seed\":7,\"check\":true}" },
	{ "{\"v\":1,\"t\":4990001000000,\"pid\":4100,\"ppid\":4000,\"tid\":4100,\"ev\":\"fork\",\"func\":\"fork\",\"child\":4101}" },
	{ "{\"v\":1,\"t\":4990001200000,\"pid\":4101,\"ppid\":4100,\"tid\":4101,\"ev\":\"dispositions\",\"at\":\"fork\","
		  "\"list\":[{\"sig\":\"SIGTERM\",\"disp\":\"handler\",\"addr\":\"0x7f3a2e4c0a10\",\"module\":\"" LIBPY "\","
		  "\"off\":\"0x2c0a10\",\"python\":true},{\"sig\":\"SIGINT\",\"disp\":\"ignore\"}]}" },
	{ "{\"v\":1,\"t\":4990001500000,\"pid\":4101,\"ppid\":4100,\"tid\":4101,\"ev\":\"handler\",\"func\":\"sigaction\","
		  "\"sig\":\"SIGTERM\",\"disp\":\"handler\",\"addr\":\"0x55d0c0a01139\",\"module\":\"/src/app/worker\","
		  "\"off\":\"0x1139\",\"flags\":\"SA_RESTART\",\"python\":false}" },
	{ "{\"v\":1,\"t\":4990250000000,\"pid\":4105,\"ppid\":4100,\"tid\":4105,\"ev\":\"inject\",\"rule\":0,"
		  "\"spec\":\"read:fd=pipe:when=3:signal=KILL@self\",\"hook\":\"read\",\"func\":\"read\",\"n\":3,\"fd\":5,"
		  "\"fdkind\":\"pipe\",\"action\":\"signal\",\"sig\":\"SIGKILL\",\"target\":\"self\"}" },
	{ "{\"v\":1,\"t\":4990300000000,\"pid\":4100,\"ppid\":4000,\"tid\":4100,\"ev\":\"kill\",\"func\":\"kill\","
		  "\"target\":4101,\"sig\":\"SIGTERM\"}" },
	{ "{\"v\":1,\"t\":4990300100000,\"pid\":4101,\"ppid\":4100,\"tid\":4101,\"ev\":\"deliver\",\"sig\":\"SIGTERM\","
		  "\"code\":\"SI_USER\",\"from\":4100,\"depth\":1}" },
	{ "{\"v\":1,\"t\":4990300200000,\"pid\":4101,\"ppid\":4100,\"tid\":4101,\"ev\":\"unsafe\",\"sig\":\"SIGTERM\","
		  "\"call\":\"malloc\",\"bt\":[{\"m\":\"" LIBC "\",\"o\":\"0x9a0f4\"},{\"m\":\"/src/app/worker\",\"o\":\"0x1180\"}]}" },
	{ "{\"v\":1,\"t\":4990300300000,\"pid\":4101,\"ppid\":4100,\"tid\":4101,\"ev\":\"nested\",\"sig\":\"SIGUSR1\","
		  "\"outer\":\"SIGTERM\",\"depth\":2}" },
	{ "{\"v\":1,\"t\":4990300400000,\"pid\":4101,\"ppid\":4100,\"tid\":4101,\"ev\":\"errno\",\"sig\":\"SIGCHLD\","
		  "\"before\":\"EINTR\",\"after\":\"ECHILD\",\"addr\":\"0x55d0c0a011a0\",\"module\":\"/src/app/worker\",\"off\":\"0x11a0\"}" },
	{ "{\"v\":1,\"t\":4990400000000,\"pid\":4107,\"ppid\":4100,\"tid\":4107,\"ev\":\"exit\",\"func\":\"_exit\",\"code\":3}" },
	{ "{\"v\":1,\"t\":4990400500000,\"pid\":4100,\"ppid\":4000,\"tid\":4100,\"ev\":\"reap\",\"func\":\"waitpid\","
		  "\"child\":4107,\"status\":\"exited 3\",\"code\":3,\"sig\":null,\"core\":false}" },
	{ "{\"v\":1,\"t\":4990500000000,\"pid\":4100,\"ppid\":4000,\"tid\":4100,\"ev\":\"reap\",\"func\":\"waitpid\","
		  "\"child\":4108,\"status\":\"killed by SIGSEGV (core dumped)\",\"code\":null,\"sig\":\"SIGSEGV\",\"core\":true}" },
};

/* An event built by hand, with no record as read: the JSON renderer
 * rebuilds it from its fields. */
static void add_hand_made_spawn(struct sj_journal *j)
{
	j->ev = realloc(j->ev, (j->n + 1) * sizeof *j->ev);
	if (!j->ev)
		abort();
	j->ev[j->n++] = (struct sj_jevent){
		.t_ns = T0 + 600000000, .pid = 4100, .ppid = 4000, .tid = 4100, .ev = xstrdup("spawn"),
		.comm = xstrdup("python3"), .func = xstrdup("posix_spawn"), .fd = -1, .err = -1,
		.child = 4109, .code = -1, .check = -1,
	};
}

static struct sj_journal *build_journal(const struct jrow *r, size_t n, size_t bad)
{
	struct sj_journal *j = xcalloc(1, sizeof *j);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	for (size_t i = 0; f && i < n; i++)
		fprintf(f, "%s\n", r[i].line);
	if (!f || fclose(f) != 0 || sj_journal_parse_text(text, len, j, NULL, 0) != 0 || j->n != n)
		abort();
	free(text);
	j->bad_lines = bad;
	return j;
}

/* The unsafe record's backtrace, partly symbolized (as the CLI would). */
static void symbolize_unsafe(struct sj_journal *j)
{
	for (size_t i = 0; i < j->n; i++) {
		struct sj_jevent *e = &j->ev[i];
		if (strcmp(e->ev, "unsafe") != 0)
			continue;
		for (size_t k = 0; k < e->nbt; k++)
			free(e->bt[k].module);
		free(e->bt);
		e->bt = xcalloc(2, sizeof *e->bt);
		e->nbt = 2;
		e->bt[0] = (struct sj_btframe){ xstrdup(LIBC), 0x9a0f4, xstrdup("malloc"), xstrdup("./malloc/malloc.c"), 3287 };
		e->bt[1] = (struct sj_btframe){ xstrdup("/src/app/worker"), 0x1180, NULL, NULL, 0 };
	}
}

static struct fixture *fixture_new(const char *name)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	f->name = name;
	return f;
}

static void link_report(struct fixture *f, const char *command)
{
	f->report = (struct sj_report){ .snap = f->snap, .findings = f->findings, .journal = f->journal,
					.command = command };
}

struct fixture *fixture_deadlock(void)
{
	struct fixture *f = fixture_new("deadlock");
	f->snap = deadlock_snapshot();
	f->findings = build_findings(deadlock_rows, N(deadlock_rows));
	f->journal = build_journal(deadlock_journal, N(deadlock_journal), 1);
	add_hand_made_spawn(f->journal);
	symbolize_unsafe(f->journal);
	link_report(f, "sigjam run -i 'read:fd=pipe:when=3:signal=KILL@self' -- python3 repro.py --workers 2");
	return f;
}

/* ---- journal only ---- */

static const struct jrow lost_journal[] = {
	{ "{\"v\":1,\"t\":4990000000000,\"pid\":4100,\"ppid\":4000,\"tid\":4100,\"ev\":\"start\",\"comm\":\"python3\","
		  "\"exe\":\"/usr/bin/python3.11\",\"role\":\"parent\",\"rules\":1,\"seed\":1,\"check\":false}" },
	{ "{\"v\":1,\"t\":4990020000000,\"pid\":4101,\"ppid\":4100,\"tid\":4101,\"ev\":\"inject\",\"rule\":0,"
		  "\"spec\":\"write:fd=pipe:in=child:signal=KILL\",\"hook\":\"write\",\"func\":\"write\",\"n\":1,\"fd\":4,"
		  "\"fdkind\":\"pipe\",\"action\":\"signal\",\"sig\":\"SIGKILL\",\"target\":\"self\"}" },
	{ "{\"v\":1,\"t\":4990025000000,\"pid\":4100,\"ppid\":4000,\"tid\":4102,\"ev\":\"reap\",\"func\":\"waitpid\","
		  "\"child\":4101,\"status\":\"killed by SIGKILL\",\"code\":null,\"sig\":\"SIGKILL\",\"core\":false}" },
	{ "{\"v\":1,\"t\":4990030000000,\"pid\":4100,\"ppid\":4000,\"tid\":4100,\"ev\":\"inject\",\"rule\":1,"
		  "\"spec\":\"read:fd=pipe:when=2:error=EINTR\",\"hook\":\"read\",\"func\":\"read\",\"n\":2,\"fd\":5,"
		  "\"fdkind\":\"pipe\",\"action\":\"error\",\"errno\":\"EINTR\"}" },
	{ "{\"v\":1,\"t\":4990040000000,\"pid\":4100,\"ppid\":4000,\"tid\":4100,\"ev\":\"unsafe\",\"sig\":\"SIGINT\","
		  "\"call\":\"printf\",\"bt\":[]}" },
};

static const struct evrow lw_ev[] = {
	{ 4101, 0, "killed by SIGKILL (injected by rule 0 in write on a pipe)" },
	{ 4100, 4102, "reaped 4101 and started no replacement for its task" },
};
static const pid_t lw_pids[] = { 4100, 4101 };
static const struct evrow ju_ev[] = { { 4100, 4100, "printf() in the SIGINT handler" } };
static const struct locrow ju_loc[] = { { NULL, 0, "on_interrupt", 1 } };
static const pid_t ju_pids[] = { 4100 };

static const struct frow_finding lost_rows[] = {
	{ SJ_FIND_LOST_WORKER, SJ_SEV_ERROR,
	  "worker pid 4101 was killed by SIGKILL while pid 4100 still waited for its result",
	  "Use concurrent.futures.ProcessPoolExecutor, which raises BrokenProcessPool, or wait with a timeout.",
	  SIGKILL, ROWS(lw_ev), NULL, 0, NULL, 0, ROWS(lw_pids), NULL, 0,
	  { .verdict = "worker pid 4101 was killed by SIGKILL while pid 4100 still waited for its result.",
	    .rec = { 1, 2, 3 }, .nrec = 3 } },
	{ SJ_FIND_SIGNAL_UNSAFE, SJ_SEV_WARNING,
	  "the SIGINT handler of pid 4100 called printf(), which is not async-signal-safe",
	  "Write with write(2) or set a flag.", SIGINT, ROWS(ju_ev), NULL, 0, ROWS(ju_loc), ROWS(ju_pids), NULL, 0,
	  { .verdict = "the SIGINT handler of pid 4100 called printf(), which is not async-signal-safe.",
	    .rec = { 3, 4 }, .nrec = 2 } },
};

struct fixture *fixture_journal_only(void)
{
	struct fixture *f = fixture_new("journal-only");
	f->findings = build_findings(lost_rows, N(lost_rows));
	f->journal = build_journal(lost_journal, N(lost_journal), 0);
	link_report(f, "sigjam run -i 'write:fd=pipe:in=child:signal=KILL' -- python3 pool_map.py");
	return f;
}

/* ---- sockets and file locks ---- */

/* What sock_diag gives a socket fd (strings are copied). */
struct sockrow {
	int fd, family, type, protocol, state, named;
	uint64_t peer;
	uint32_t rq, wq;
	const char *local, *remote;
	enum sj_reach reach;
};

static void set_socks(struct sj_process *p, const struct sockrow *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sj_fd *f = (struct sj_fd *)sj_process_fd(p, r[i].fd);
		f->sock = (struct sj_sock){ .family = r[i].family, .type = r[i].type, .protocol = r[i].protocol,
					    .state = r[i].state, .named = r[i].named, .peer = r[i].peer,
					    .rqueue = r[i].rq, .wqueue = r[i].wq, .local = xstrdup(r[i].local),
					    .remote = xstrdup(r[i].remote), .reach = r[i].reach };
		if (r[i].reach == SJ_REACH_TREE) {
			f->sock.vfs_ino = 7001;
			f->sock.vfs_major = 8;
			f->sock.vfs_minor = 1;
		}
	}
}

#define LOCK_A "/tmp/sj/lock-a"
#define LOCK_B "/tmp/sj/lock-b"
#define TO_EOF UINT64_MAX

/* A lock as fdinfo or /proc/locks shows it, on device 08:01. */
static struct sj_lock lock_on(enum sj_lock_flavor fl, int write, pid_t pid, uint64_t inode,
			      uint64_t start, uint64_t end, int blocked)
{
	return (struct sj_lock){ .flavor = fl, .write = write, .pid = pid, .dev_major = 8, .dev_minor = 1,
				 .inode = inode, .start = start, .end = end, .blocked = blocked };
}

static void hold_lock(struct sj_process *p, int fd, struct sj_lock l)
{
	struct sj_fd *f = (struct sj_fd *)sj_process_fd(p, fd);
	f->locks = xcalloc(1, sizeof *f->locks);
	f->locks[0] = l;
	f->nlocks = 1;
	f->dev_major = 8;
	f->dev_minor = 1;
}

static void wait_lock(struct sj_process *p, int fd, struct sj_lock req)
{
	struct sj_thread *t = thread_init(p, 0, p->pid, 'S', req.flavor == SJ_LOCK_FLOCK ? SYS_flock : SYS_fcntl);
	wait_fd(t, SJ_WAIT_LOCK, fd, 2);
	t->wait.lock = req;
	struct sj_fd *f = (struct sj_fd *)sj_process_fd(p, fd);
	f->dev_major = 8;
	f->dev_minor = 1;
}

/* Request/response over a socketpair: the client (4200) waits for the
 * answer, the server (4201) polls its end and a listener for the rest of
 * the request.  The client also has a TCP connection to the server. */
static void socket_processes(struct sj_process *client, struct sj_process *server)
{
	static const struct fdrow cfds[] = {
		{ 3, SJ_FDK_SOCKET, 9001, O_RDWR, "socket:[9001]" }, { 6, SJ_FDK_SOCKET, 9101, O_RDWR, "socket:[9101]" },
	};
	static const struct sockrow csock[] = {
		{ 3, AF_UNIX, SOCK_STREAM, 0, TCP_ESTABLISHED, 0, 9002, 0, 11, NULL, NULL, SJ_REACH_UNCHECKED },
		{ 6, AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_ESTABLISHED, 0, 9102, 0, 0, "127.0.0.1:40000",
		  "127.0.0.1:5000", SJ_REACH_UNCHECKED },
	};
	static const struct fdrow sfds[] = {
		{ 4, SJ_FDK_SOCKET, 9002, O_RDWR, "socket:[9002]" }, { 5, SJ_FDK_SOCKET, 9003, O_RDWR, "socket:[9003]" },
		{ 7, SJ_FDK_SOCKET, 9102, O_RDWR, "socket:[9102]" },
	};
	static const struct sockrow ssock[] = {
		{ 4, AF_UNIX, SOCK_STREAM, 0, TCP_ESTABLISHED, 0, 9001, 0, 0, NULL, NULL, SJ_REACH_UNCHECKED },
		{ 5, AF_UNIX, SOCK_STREAM, 0, TCP_LISTEN, 1, 0, 1, 0, "/tmp/sj/srv.sock", NULL, SJ_REACH_TREE },
		{ 7, AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_ESTABLISHED, 0, 9101, 0, 0, "127.0.0.1:5000",
		  "127.0.0.1:40000", SJ_REACH_UNCHECKED },
	};
	proc_init(client, 4200, 4000, 'S', "client", 1);
	client->is_target = 1;
	set_fds(client, cfds, N(cfds));
	set_socks(client, csock, N(csock));
	struct sj_thread *t = thread_init(client, 0, 4200, 'S', SYS_recvfrom);
	wait_fd(t, SJ_WAIT_READ, 3, 0);

	proc_init(server, 4201, 4200, 'S', "server", 1);
	set_fds(server, sfds, N(sfds));
	set_socks(server, ssock, N(ssock));
	t = thread_init(server, 0, 4201, 'S', SYS_poll);
	t->wait.kind = SJ_WAIT_POLL;
	t->wait.fds = xcalloc(2, sizeof *t->wait.fds);
	t->wait.fds[0] = (struct sj_waitfd){ 4, 0 };
	t->wait.fds[1] = (struct sj_waitfd){ 5, 0 };
	t->wait.nfds = 2;
}

/* A lock-order inversion with flock(2): 4202 holds lock-a and asks for
 * lock-b, 4203 holds lock-b (and a record lock on bytes 0-99 of a
 * database nobody waits for) and asks for lock-a. */
static void lock_processes(struct sj_snapshot *s, struct sj_process *a, struct sj_process *b)
{
	static const struct fdrow afds[] = {
		{ 3, SJ_FDK_FILE, 5001, O_RDWR, LOCK_A }, { 4, SJ_FDK_FILE, 5002, O_RDWR, LOCK_B },
	};
	static const struct fdrow bfds[] = {
		{ 3, SJ_FDK_FILE, 5001, O_RDWR, LOCK_A }, { 4, SJ_FDK_FILE, 5002, O_RDWR, LOCK_B },
		{ 5, SJ_FDK_FILE, 5003, O_RDWR, "/tmp/sj/db" },
	};
	proc_init(a, 4202, 4000, 'S', "locker", 1);
	set_fds(a, afds, N(afds));
	hold_lock(a, 3, lock_on(SJ_LOCK_FLOCK, 1, 4202, 5001, 0, TO_EOF, 0));
	wait_lock(a, 4, lock_on(SJ_LOCK_FLOCK, 1, 0, 5002, 0, TO_EOF, 0));   /* capture leaves pid 0 */
	proc_init(b, 4203, 4202, 'S', "locker", 1);
	set_fds(b, bfds, N(bfds));
	hold_lock(b, 4, lock_on(SJ_LOCK_FLOCK, 1, 4203, 5002, 0, TO_EOF, 0));
	hold_lock(b, 5, lock_on(SJ_LOCK_POSIX, 1, 4203, 5003, 0, 99, 0));
	wait_lock(b, 3, lock_on(SJ_LOCK_FLOCK, 1, 0, 5001, 0, TO_EOF, 0));
	b->fds[0].pos = 12;
	/* /proc/locks: the held locks, each with the request waiting behind it */
	static const struct { enum sj_lock_flavor fl; pid_t pid; uint64_t inode, end; int blocked; } rows[] = {
		{ SJ_LOCK_FLOCK, 4202, 5001, TO_EOF, 0 }, { SJ_LOCK_FLOCK, 4203, 5001, TO_EOF, 1 },
		{ SJ_LOCK_FLOCK, 4203, 5002, TO_EOF, 0 }, { SJ_LOCK_FLOCK, 4202, 5002, TO_EOF, 1 },
		{ SJ_LOCK_POSIX, 4203, 5003, 99, 0 }, { SJ_LOCK_OFD, -1, 6001, TO_EOF, 0 },
	};
	s->locks = xcalloc(N(rows), sizeof *s->locks);
	s->nlocks = N(rows);
	for (size_t i = 0; i < N(rows); i++)
		s->locks[i] = lock_on(rows[i].fl, 1, rows[i].pid, rows[i].inode, 0, rows[i].end, rows[i].blocked);
}

static const struct evrow sk_ev[] = {
	{ 4200, 4200, "reads socket:[9001] (fd 3), whose peer socket:[9002] only pid 4201 holds" },
	{ 4201, 4201, "polls socket:[9002] (fd 4), whose peer socket:[9001] only pid 4200 holds" },
};
static const struct edrow sk_ed[] = {
	{ 4200, 4200, 4201, 0, "socket:[9001] -> socket:[9002]" },
	{ 4201, 4201, 4200, 0, "socket:[9002] -> socket:[9001]" },
};
static const pid_t sk_pids[] = { 4200, 4201 };
static const struct evrow lk_ev[] = {
	{ 4202, 4202, "waits for the write flock on " LOCK_B " (fd 4), which pid 4203 holds" },
	{ 4203, 4203, "waits for the write flock on " LOCK_A " (fd 3), which pid 4202 holds" },
};
static const struct edrow lk_ed[] = {
	{ 4202, 4202, 4203, 0, "flock lock " LOCK_B },
	{ 4203, 4203, 4202, 0, "flock lock " LOCK_A },
};
static const pid_t lk_pids[] = { 4202, 4203 };

static const struct frow_finding kernel_rows[] = {
	{ SJ_FIND_DEADLOCK, SJ_SEV_ERROR,
	  "pid 4200 waits for an answer on socket:[9001] that only pid 4201 could send, and 4201 waits for the rest "
	  "of the request that only 4200 could send",
	  "End every request with what the server waits for, and give socket reads a timeout.",
	  0, ROWS(sk_ev), ROWS(sk_ed), NULL, 0, ROWS(sk_pids), NULL, 0,
	  { .verdict = "pids 4200 and 4201 are deadlocked: each waits on the socket pair for the other." } },
	{ SJ_FIND_DEADLOCK, SJ_SEV_ERROR,
	  "pid 4202 holds the flock on " LOCK_A " and waits for " LOCK_B "; pid 4203 holds " LOCK_B
	  " and waits for " LOCK_A,
	  "Take locks in one order everywhere.",
	  0, ROWS(lk_ev), ROWS(lk_ed), NULL, 0, ROWS(lk_pids), NULL, 0,
	  { .verdict = "pids 4202 and 4203 are deadlocked: each holds the flock the other waits for." } },
};

struct fixture *fixture_kernel(void)
{
	struct fixture *f = fixture_new("kernel");
	struct sj_snapshot *s = snapshot_new(9000000000ULL, 200000, 600000, 5000000, 4);
	socket_processes(&s->procs[0], &s->procs[1]);
	lock_processes(s, &s->procs[2], &s->procs[3]);
	f->snap = s;
	f->findings = build_findings(kernel_rows, N(kernel_rows));
	link_report(f, "sigjam trace 4200 4202");
	return f;
}

/* ---- a healthy process ---- */

struct fixture *fixture_clean(void)
{
	static const char *const argv[] = { "sleep", "1" };
	static const struct frow frames[] = {
		{ 0x7f10aa0e3a7a, "__GI___clock_nanosleep", 0x7a, LIBC, 0xe3a7a, NULL, 0 },
		{ 0x55e0aa0031f0, NULL, 0, "/usr/bin/sleep", 0x31f0, NULL, 0 },
	};
	struct fixture *f = fixture_new("clean");
	struct sj_snapshot *s = snapshot_new(7000000000ULL, 90000, 150000, 2000000, 1);
	struct sj_process *p = &s->procs[0];
	proc_init(p, 900, 1, 'S', "sleep", 2);
	set_argv(p, argv, N(argv));
	p->exe = xstrdup("/usr/bin/sleep");
	p->is_target = 1;
	struct sj_thread *t = thread_init(p, 0, 900, 'S', SYS_clock_nanosleep);
	t->wait.kind = SJ_WAIT_SLEEP;
	t->wait.has_timeout = 1;
	t->wait.timeout_ns = 1000000000;
	set_frames(t, frames, N(frames));
	t = thread_init(p, 1, 901, 'R', -1);
	f->snap = s;
	f->findings = xcalloc(1, sizeof *f->findings);
	link_report(f, "sigjam trace 900");
	return f;
}

struct fixture *fixture_empty(void)
{
	struct fixture *f = fixture_new("empty");
	link_report(f, NULL);
	return f;
}

void fixture_free(struct fixture *f)
{
	if (!f)
		return;
	sj_snapshot_free(f->snap);
	free(f->snap);
	sj_findings_free(f->findings);
	free(f->findings);
	sj_journal_free(f->journal);
	free(f->journal);
	free(f);
}
