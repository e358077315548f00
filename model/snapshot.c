/* snapshot.c — releasing, looking up and naming snapshot data. */
#include "snapshot.h"

#include <stdlib.h>
#include <sys/syscall.h>

static void free_thread(struct sj_thread *t)
{
	free(t->name);
	free(t->wchan);
	free(t->wait.fds);
	for (size_t i = 0; i < t->nframes; i++) {
		free(t->frames[i].func);
		free(t->frames[i].module);
		free(t->frames[i].file);
	}
	free(t->frames);
	free(t->unwind_error);
	free(t->py_name);
	for (size_t i = 0; i < t->npyframes; i++) {
		free(t->pyframes[i].func);
		free(t->pyframes[i].file);
	}
	free(t->pyframes);
}

static void free_process(struct sj_process *p)
{
	free(p->comm);
	if (p->argv)
		for (size_t i = 0; p->argv[i]; i++)
			free(p->argv[i]);
	free(p->argv);
	free(p->exe);
	for (size_t i = 0; i < p->nthreads; i++)
		free_thread(&p->threads[i]);
	free(p->threads);
	for (size_t i = 0; i < p->nfds; i++) {
		free(p->fds[i].target);
		free(p->fds[i].epoll_tfds);
	}
	free(p->fds);
	for (size_t i = 0; i < p->nmaps; i++)
		free(p->maps[i].path);
	free(p->maps);
	free(p->python_version);
	free(p->python_note);
	free(p->capture_error);
}

void sj_snapshot_free(struct sj_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nprocs; i++)
		free_process(&s->procs[i]);
	free(s->procs);
	for (size_t i = 0; i < s->nnotes; i++)
		free(s->notes[i]);
	free(s->notes);
	s->procs = NULL;
	s->nprocs = 0;
	s->notes = NULL;
	s->nnotes = 0;
}

struct sj_process *sj_snapshot_proc(const struct sj_snapshot *s, pid_t pid)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

struct sj_thread *sj_snapshot_thread(const struct sj_snapshot *s, pid_t tid, struct sj_process **owner)
{
	for (size_t i = 0; i < s->nprocs; i++)
		for (size_t j = 0; j < s->procs[i].nthreads; j++)
			if (s->procs[i].threads[j].tid == tid) {
				if (owner)
					*owner = &s->procs[i];
				return &s->procs[i].threads[j];
			}
	return NULL;
}

const struct sj_fd *sj_process_fd(const struct sj_process *p, int fd)
{
	for (size_t i = 0; i < p->nfds; i++)
		if (p->fds[i].fd == fd)
			return &p->fds[i];
	return NULL;
}

const struct sj_map *sj_process_map(const struct sj_process *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nmaps; i++)
		if (p->maps[i].start <= addr && addr < p->maps[i].end)
			return &p->maps[i];
	return NULL;
}

const char *sj_fdkind_name(enum sj_fdkind k)
{
	static const char *const names[] = {
		[SJ_FDK_UNKNOWN] = "unknown", [SJ_FDK_PIPE] = "pipe",
		[SJ_FDK_FIFO] = "fifo", [SJ_FDK_SOCKET] = "socket",
		[SJ_FDK_FILE] = "file", [SJ_FDK_TTY] = "tty", [SJ_FDK_CHR] = "chr",
		[SJ_FDK_EVENTFD] = "eventfd", [SJ_FDK_EPOLL] = "epoll",
		[SJ_FDK_SIGNALFD] = "signalfd", [SJ_FDK_TIMERFD] = "timerfd",
		[SJ_FDK_PIDFD] = "pidfd", [SJ_FDK_ANON] = "anon",
	};
	return (unsigned)k < sizeof names / sizeof names[0] && names[k] ? names[k] : "unknown";
}

const char *sj_wait_kind_name(enum sj_wait_kind k)
{
	static const char *const names[] = {
		[SJ_WAIT_NONE] = "none", [SJ_WAIT_READ] = "read",
		[SJ_WAIT_WRITE] = "write", [SJ_WAIT_POLL] = "poll",
		[SJ_WAIT_CHILD] = "child", [SJ_WAIT_FUTEX] = "futex",
		[SJ_WAIT_SLEEP] = "sleep", [SJ_WAIT_ACCEPT] = "accept",
		[SJ_WAIT_SIGNAL] = "signal", [SJ_WAIT_STOPPED] = "stopped",
		[SJ_WAIT_OTHER] = "other",
	};
	return (unsigned)k < sizeof names / sizeof names[0] && names[k] ? names[k] : "other";
}

const char *sj_syscall_name(long nr)
{
	static const struct { long nr; const char *name; } names[] = {
#define SJ_SC(name, kind, dec) { SYS_##name, #name },
#include "syscalls.def"
#undef SJ_SC
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].nr == nr)
			return names[i].name;
	return NULL;
}
