/* pythons.c — the interpreters of pythons/list for `sigjam scenario` (pythons.h). */
#include "pythons.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The folder with pyroot and list: $SIGJAM_PYTHONS, else next to sigjam. */
static int pythons_dir(char *out, size_t n)
{
	return sj_env_or_exe_relative("SIGJAM_PYTHONS", SIGJAM_PYTHONS_REL, out, n);
}

static int pyroot_path(char *out, size_t n)
{
	char dir[PATH_MAX - 16];
	if (pythons_dir(dir, sizeof dir) != 0)
		return -1;
	snprintf(out, n, "%.*s/pyroot", (int)(n > 16 ? n - 16 : 0), dir);
	return access(out, X_OK) == 0 ? 0 : -1;
}

/* Runs argv with stdin from /dev/null and its stdout into out (at most n
 * bytes, NUL-terminated); stderr goes to /dev/null.  The wait status, or -1. */
static int run_capture(char *const argv[], char *out, size_t n)
{
	int p[2];
	if (n == 0 || pipe2(p, O_CLOEXEC) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 2);
		dup2(p[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	size_t used = 0;
	for (;;) {
		ssize_t r = read(p[0], out + used, n - 1 - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		used += (size_t)r;
		if (used == n - 1)
			break;
	}
	out[used] = '\0';
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

int sj_pythons_load(struct sj_python *v, size_t max, size_t *n, char *err, size_t errlen)
{
	char pyroot[PATH_MAX], text[8192];
	*n = 0;
	if (pyroot_path(pyroot, sizeof pyroot) != 0) {
		snprintf(err, errlen, "no pythons/pyroot next to sigjam (%s): build sigjam, set SIGJAM_PYTHONS "
			 "or pass --python PATH", pyroot);
		return -1;
	}
	char *argv[] = { pyroot, "list", NULL };
	int st = run_capture(argv, text, sizeof text);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, errlen, "%s list failed: check pythons/list", pyroot);
		return -1;
	}
	/* "TAG MINOR SUITE INTERPRETER ok" or "... missing: why" */
	for (char *line = strtok(text, "\n"); line && *n < max; line = strtok(NULL, "\n")) {
		struct sj_python *p = &v[*n];
		char minor[16], status[sizeof p->why];
		memset(p, 0, sizeof *p);
		if (sscanf(line, "%63s %15s %31s %4095s %255[^\n]", p->tag, minor, p->suite, p->interp, status) != 5)
			continue;
		p->ok = strcmp(status, "ok") == 0;
		/* Two entries of this machine may be one interpreter (python3 on
		 * PATH is Debian's /usr/bin/python3.11 on a plain Debian 12). */
		int dup = 0;
		for (size_t k = 0; p->ok && k < *n && !dup; k++)
			dup = v[k].ok && !strcmp(v[k].suite, p->suite) && !strcmp(v[k].interp, p->interp);
		if (dup)
			continue;
		memcpy(p->why, strncmp(status, "missing: ", 9) == 0 ? status + 9 : status, sizeof p->why);
		p->why[sizeof p->why - 1] = '\0';
		(*n)++;
	}
	return 0;
}

void sj_python_from_path(struct sj_python *p, const char *path)
{
	memset(p, 0, sizeof *p);
	snprintf(p->tag, sizeof p->tag, "%s", path);
	snprintf(p->suite, sizeof p->suite, "-");
	snprintf(p->interp, sizeof p->interp, "%s", path);
	p->ok = 1;
}

size_t sj_python_argv(const struct sj_python *p, const char *bind_dir, char **out, size_t max)
{
	char pyroot[PATH_MAX];
	const char *v[6];
	size_t n = 0;
	if (!strcmp(p->suite, "-")) {
		v[n++] = p->interp;
	} else {
		if (pyroot_path(pyroot, sizeof pyroot) != 0)
			return 0;
		v[n++] = pyroot;
		v[n++] = "run";
		if (bind_dir) {
			v[n++] = "--bind";
			v[n++] = bind_dir;
		}
		v[n++] = p->tag;
	}
	if (n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(out[i] = strdup(v[i]))) {
			while (i--)
				free(out[i]);
			return 0;
		}
	return n;
}

int sj_python_ask(struct sj_python *p, const char *bind_dir)
{
	char *argv[12] = { 0 }, out[64];
	size_t n = sj_python_argv(p, bind_dir, argv, 8);
	int rc = -1;
	if (n) {
		argv[n] = strdup("-c");
		argv[n + 1] = strdup("import sys, multiprocessing as m; "
				     "print('%d.%d' % sys.version_info[:2], m.get_start_method())");
		int st = run_capture(argv, out, sizeof out);
		if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
		    sscanf(out, "%15s %15s", p->minor, p->start) == 2)
			rc = 0;
		else
			p->minor[0] = p->start[0] = '\0';
	}
	for (size_t i = 0; i < sizeof argv / sizeof argv[0]; i++)
		free(argv[i]);
	return rc;
}
