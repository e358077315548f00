/* case.h — what a corpus program tells bench/accuracy (see case.py): the
 * pids of its roles ("role NAME PID") and "ready" once its trap is set.
 * Each line is one write(2) to SJ_CASE_ROLES, opened and closed again so
 * the file is never among the fds a trace sees; stderr without it. */
#ifndef SJ_CORPUS_CASE_H
#define SJ_CORPUS_CASE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void case_line(const char *text)
{
	const char *path = getenv("SJ_CASE_ROLES");
	int fd = path ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : 2;
	if (fd < 0)
		return;
	ssize_t r = write(fd, text, strlen(text));
	(void)r;
	if (fd != 2)
		close(fd);
}

static void case_role(const char *name, pid_t pid)
{
	char buf[128];
	snprintf(buf, sizeof buf, "role %s %d\n", name, (int)pid);
	case_line(buf);
}

static void case_ready(void)
{
	case_line("ready\n");
}

static void die(const char *what)
{
	perror(what);
	exit(3);
}

/* Writes all of buf, looping over short writes as stdio does: a stop
 * (ours, a debugger's, SIGSTOP) ends a blocked pipe write early with the
 * count written so far. */
static void write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("write");
		p += r;
		n -= (size_t)r;
	}
}

/* Reads exactly n bytes (0 at EOF before any byte, 1 when done). */
static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

/* Forks fn into a process outside the traced tree: a grandchild whose
 * parent exits at once, re-parented to bench/accuracy (a subreaper).
 * Returns its pid. */
static pid_t case_outside(void (*fn)(void *), void *arg)
{
	int p[2];
	if (pipe(p))
		die("pipe");
	pid_t mid = fork();
	if (mid == 0) {
		close(p[0]);
		pid_t g = fork();
		if (g == 0) {
			close(p[1]);
			fn(arg);
			_exit(0);
		}
		write_all(p[1], &g, sizeof g);
		_exit(0);
	}
	close(p[1]);
	pid_t g = 0;
	if (!read_all(p[0], &g, sizeof g))
		die("case_outside");
	close(p[0]);
	waitpid(mid, NULL, 0);
	return g;
}

/* The parent holds something the child needs: the child runs take(arg)
 * and then reports on a pipe; the parent announces it as "child" and
 * waits for the report. */
static int child_reports_after(void (*take)(void *), void *arg)
{
	int rep[2];
	if (pipe(rep))
		die("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(rep[0]);
		take(arg);
		write_all(rep[1], "ok", 2);
		_exit(0);
	}
	close(rep[1]);
	case_role("child", pid);
	case_ready();
	char buf[2];
	read_all(rep[0], buf, 2);
	return 0;
}

/* Forks a child that waits for one byte on go[0] (the parent keeps go[1]). */
static pid_t fork_waiting_child(int go[2])
{
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(go[1]);
		read_all(go[0], &c, 1);
		_exit(0);
	}
	return pid;
}

/* A temporary directory for files, sockets and FIFOs (removed by the runner). */
static const char *case_dir(void)
{
	const char *d = getenv("SJ_CASE_DIR");
	return d ? d : "/tmp";
}

static void case_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", case_dir(), name);
}

#endif
