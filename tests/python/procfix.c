/* procfix.c — see procfix.h. */
#include "procfix.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static int load_maps(pid_t pid, struct sj_process *p)
{
	char path[64], line[4096];
	FILE *f;
	size_t cap = 0;

	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		struct sj_map m = { 0 };
		int pos = 0;
		unsigned long long s, e, off, ino;
		if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &s, &e, m.perms, &off,
			   &m.dev_major, &m.dev_minor, &ino, &pos) < 7)
			continue;
		m.start = s, m.end = e, m.offset = off, m.inode = ino;
		line[strcspn(line, "\n")] = 0;
		if (pos > 0 && line[pos])
			m.path = strdup(line + pos);
		if (p->nmaps == cap) {
			cap = cap ? cap * 2 : 64;
			p->maps = realloc(p->maps, cap * sizeof *p->maps);
		}
		p->maps[p->nmaps++] = m;
	}
	fclose(f);
	return 0;
}

/* /proc/PID/task/TID/comm, as capture reads it (the walker's fallback
 * thread name on 3.14+). */
static char *read_comm(pid_t pid, pid_t tid)
{
	char path[64], buf[64];
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	if (!fgets(buf, sizeof buf, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return strdup(buf);
}

static int load_threads(pid_t pid, struct sj_process *p)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	size_t cap = 0;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		if (p->nthreads == cap) {
			cap = cap ? cap * 2 : 16;
			p->threads = realloc(p->threads, cap * sizeof *p->threads);
		}
		memset(&p->threads[p->nthreads], 0, sizeof p->threads[0]);
		p->threads[p->nthreads].tid = atoi(d->d_name);
		p->threads[p->nthreads++].name = read_comm(pid, atoi(d->d_name));
	}
	closedir(dir);
	return 0;
}

int procfix_load(pid_t pid, struct sj_process *p)
{
	char path[64], exe[PATH_MAX];
	ssize_t n;

	memset(p, 0, sizeof *p);
	p->pid = pid;
	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = 0;
		p->exe = strdup(exe);
	}
	if (load_maps(pid, p) != 0 || load_threads(pid, p) != 0) {
		procfix_free(p);
		return -1;
	}
	return 0;
}

void procfix_free(struct sj_process *p)
{
	struct sj_snapshot s = { .procs = p, .nprocs = 1 };

	/* sj_snapshot_free frees the array too: give it a heap copy. */
	s.procs = malloc(sizeof *p);
	*s.procs = *p;
	sj_snapshot_free(&s);
	memset(p, 0, sizeof *p);
}

int procfix_stop(const struct sj_process *p)
{
	for (size_t i = 0; i < p->nthreads; i++) {
		pid_t tid = p->threads[i].tid;
		int st;
		if (ptrace(PTRACE_SEIZE, tid, 0, 0) != 0 || ptrace(PTRACE_INTERRUPT, tid, 0, 0) != 0)
			return -1;
		/* Wait for the interrupt's group-stop-like event stop; other
		 * signals arriving meanwhile are re-injected. */
		for (;;) {
			if (waitpid(tid, &st, __WALL) < 0)
				return -1;
			if (WIFSTOPPED(st) && (st >> 16) == PTRACE_EVENT_STOP)
				break;
			if (WIFSTOPPED(st))
				ptrace(PTRACE_CONT, tid, 0, WSTOPSIG(st));
		}
	}
	return 0;
}

void procfix_resume(const struct sj_process *p)
{
	for (size_t i = 0; i < p->nthreads; i++)
		ptrace(PTRACE_DETACH, p->threads[i].tid, 0, 0);
}
