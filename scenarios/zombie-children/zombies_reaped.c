/* zombies_reaped.c — the fixed twin of zombies.c.
 *
 * Two fixes, both standard: the parent closes its own write end right after
 * forking (so the pipe reaches EOF when the last worker exits), and a
 * SIGCHLD handler reaps with a waitpid(-1, WNOHANG) LOOP — several children
 * exiting together may raise a single SIGCHLD (signals of one kind do not
 * queue), so one waitpid per signal would leave zombies behind.  The handler
 * only calls waitpid (async-signal-safe) and stores into sig_atomic_t slots;
 * SA_RESTART keeps the parent's read() from failing with EINTR. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const int worker_status[] = { 3, 5, 7, 9 };
#define NWORKERS (sizeof worker_status / sizeof worker_status[0])

static volatile sig_atomic_t reaped_pid[NWORKERS];
static volatile sig_atomic_t reaped_status[NWORKERS];
static volatile sig_atomic_t nreaped;

static void on_sigchld(int sig)
{
	(void)sig;
	int saved = errno; /* waitpid may set errno; the interrupted code must not see it */
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p <= 0)
			break;
		if (nreaped < (sig_atomic_t)NWORKERS) {
			reaped_pid[nreaped] = p;
			reaped_status[nreaped] = st;
			nreaped++;
		}
	}
	errno = saved;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) != 0) {
		perror("sigaction");
		return 2;
	}
	int pfd[2];
	if (pipe(pfd) != 0) {
		perror("pipe");
		return 2;
	}
	for (size_t i = 0; i < NWORKERS; i++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			close(pfd[0]);
			_exit(worker_status[i]);
		}
		printf("parent %d: forked worker %d (will exit %d)\n", (int)getpid(), (int)pid,
		       worker_status[i]);
	}
	close(pfd[1]);
	printf("parent: waiting for the workers' pipe to reach EOF\n");
	fflush(stdout);

	char buf[64];
	ssize_t n;
	while ((n = read(pfd[0], buf, sizeof buf)) < 0 && errno == EINTR)
		;
	printf("parent: pipe EOF (read returned %zd)\n", n);

	/* SIGCHLD may still be on its way for the last worker: wait for it
	 * without a busy loop, with the signal blocked between test and sleep. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (nreaped < (sig_atomic_t)NWORKERS)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);

	for (sig_atomic_t i = 0; i < nreaped; i++)
		printf("reaped worker %d: exited %d\n", (int)reaped_pid[i],
		       WIFEXITED(reaped_status[i]) ? WEXITSTATUS(reaped_status[i]) : -1);
	printf("parent: all %zu workers reaped, no zombies left\n", NWORKERS);
	return 0;
}
