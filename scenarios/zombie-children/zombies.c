/* zombies.c — seed 002's `ps --ppid` list of <defunct> workers, in C.
 *
 * The parent forks four workers that exit at once with distinct statuses
 * (3, 5, 7, 9), then waits for a "done" message on a pipe before it would
 * reap them.  The bug: it never closed its own copy of the pipe's write end,
 * so read() can never see EOF (pipe(7): EOF only when EVERY write end is
 * closed), and it never reaps, so the four workers stay zombies for as long
 * as the parent hangs.  sigjam proves the one-process knot (the parent is the
 * only writer of the pipe it reads) and lists each zombie with its status. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

static const int worker_status[] = { 3, 5, 7, 9 };
#define NWORKERS (sizeof worker_status / sizeof worker_status[0])

int main(void)
{
	int pfd[2];
	if (pipe(pfd) != 0) {
		perror("pipe");
		return 2;
	}
	for (size_t i = 0; i < NWORKERS; i++) {
		fflush(stdout); /* a child must not inherit (and re-print) buffered output */
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			close(pfd[0]);
			/* Workers exit without writing: the message the parent waits
			 * for is the EOF it would see if it had closed its write end. */
			_exit(worker_status[i]);
		}
		printf("parent %d: forked worker %d (will exit %d)\n", (int)getpid(), (int)pid,
		       worker_status[i]);
	}
	printf("parent: waiting for the workers' pipe to reach EOF before reaping them\n");
	fflush(stdout);

	char buf[64];
	ssize_t n = read(pfd[0], buf, sizeof buf); /* never returns: we hold pfd[1] */
	printf("parent: read returned %zd\n", n);
	return 0;
}
