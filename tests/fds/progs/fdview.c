/* fdview.c — prints the descriptors a program sees (/proc/self/fd), at
 * start, in a forked child, in an exec'd child (after fork and after vfork),
 * and after the program closed every descriptor above 2 — the points where a
 * preload library could leave one of its own open.  run_fds.py compares the
 * output plain and under the shim.
 *
 * A line per moment: "<moment>: 0=tty 1=pipe 2=pipe 5=/dev/null ...", with
 * pipes, sockets and terminals named by kind (their numbers differ between
 * runs).  After the last list the program sends itself signal 0 with kill():
 * under the shim that is a `kill` record, which must reach the journal
 * although the program closed every descriptor. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void list(const char *moment)
{
	char line[4096];
	size_t n = (size_t)snprintf(line, sizeof line, "%s:", moment);
	int seen[1024] = { 0 }, max = -1;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int self = d ? dirfd(d) : -1;
	while (d && (e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd == self || fd >= 1024)
			continue;
		seen[fd] = 1;
		if (fd > max)
			max = fd;
	}
	if (d)
		closedir(d);
	for (int fd = 0; fd <= max; fd++) {
		char path[64], target[512];
		ssize_t len;
		if (!seen[fd])
			continue;
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		len = readlink(path, target, sizeof target - 1);
		target[len > 0 ? len : 0] = '\0';
		if (!strncmp(target, "pipe:", 5))
			strcpy(target, "pipe");
		else if (!strncmp(target, "socket:", 7))
			strcpy(target, "socket");
		else if (!strncmp(target, "/dev/pts/", 9) || !strcmp(target, "/dev/tty"))
			strcpy(target, "tty");
		else if (strrchr(target, '/')) /* runs differ in their temporary directories */
			memmove(target, strrchr(target, '/') + 1, strlen(strrchr(target, '/')));
		n += (size_t)snprintf(line + n, sizeof line - n, " %d=%s", fd, target);
		if (n >= sizeof line)
			n = sizeof line - 1;
	}
	printf("%s\n", line);
	fflush(stdout);
}

int fdkinds_main(void);

int main(int argc, char **argv)
{
	pid_t pid;
	if (argc > 1 && !strcmp(argv[1], "--kinds"))
		return fdkinds_main();
	if (argc > 1) { /* the exec'd child */
		list(argv[1]);
		return 0;
	}
	/* Descriptors of the program's own, low and high, as programs have. */
	open("/dev/null", O_RDONLY);
	dup2(open("/dev/zero", O_RDONLY | O_CLOEXEC), 9);
	list("start");
	pid = fork();
	if (pid == 0) {
		list("fork child");
		execl(argv[0], argv[0], "exec after fork", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	pid = vfork();
	if (pid == 0) {
		execl(argv[0], argv[0], "exec after vfork", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	list("parent");
	syscall(SYS_close_range, 3u, ~0u, 0u);
	list("closed");
	kill(getpid(), 0);
	return 0;
}
