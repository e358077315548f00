/* reaper.c — seed 004 in C: a SIGCHLD handler that edits the same data
 * structure as the main program and calls malloc-family and stdio functions.
 *
 * The server keeps a linked list of its live children.  The main program
 * allocates and links a node for each child it forks; the SIGCHLD handler
 * reaps, unlinks, printf()s and free()s.  The handler can run between any
 * two instructions of the main program — in the middle of linking a node
 * (lost or dangling entries), or inside malloc()/printf() (deadlock or heap
 * corruption: neither is async-signal-safe).  Most runs look fine; sigjam's
 * signal-safety check reports every unsafe call the handler made, on every
 * run.  Compile with -DFLAG_ONLY for the fixed twin. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NCHILD 3

struct child {
	pid_t pid;
	struct child *next;
};

static struct child *children; /* shared by main and (in the bug) the handler */
static volatile sig_atomic_t live;

/* Unlinks pid's node and returns it (NULL if unknown). */
static struct child *unlink_child(pid_t pid)
{
	for (struct child **pp = &children; *pp; pp = &(*pp)->next)
		if ((*pp)->pid == pid) {
			struct child *c = *pp;
			*pp = c->next;
			return c;
		}
	return NULL;
}

static void reap_all(void)
{
	int st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		struct child *c = unlink_child(p);
		printf("reaped child %d: exited %d%s\n", (int)p, WEXITSTATUS(st),
		       c ? "" : " (not in the table!)");
		free(c);
		live--;
	}
}

#ifdef FLAG_ONLY
static volatile sig_atomic_t child_exited;
/* The fix: the handler only records that something happened. */
static void on_sigchld(int sig)
{
	(void)sig;
	child_exited = 1;
}
#else
static void on_sigchld(int sig)
{
	(void)sig;
	int saved = errno;
	reap_all(); /* unlinks, printf()s and free()s — inside a signal handler */
	errno = saved;
}
#endif

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);

	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (int i = 0; i < NCHILD; i++) {
		struct child *c = malloc(sizeof *c);
		if (!c)
			return 2;
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			struct timespec ts = { 0, (200 + 50 * i) * 1000000L };
			nanosleep(&ts, NULL);
			_exit(i + 1);
		}
		if (pid < 0)
			return 2;
		/* The race: in the bug the handler may run right here, between
		 * fork() and the node being linked, and not find the child. */
		c->pid = pid;
		c->next = children;
		children = c;
		live++;
		printf("forked child %d\n", (int)pid);
	}

	/* Wait without a lost-wakeup window: block, test, sigsuspend. */
	sigprocmask(SIG_BLOCK, &chld, &old);
	while (live > 0) {
#ifdef FLAG_ONLY
		if (!child_exited) /* the flag may have been set before we blocked */
			sigsuspend(&old);
		if (child_exited) {
			child_exited = 0;
			reap_all(); /* in the main program: SIGCHLD is blocked here */
		}
#else
		sigsuspend(&old);
#endif
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("all %d children reaped; table %s\n", NCHILD, children ? "NOT empty" : "empty");
	return children ? 1 : 0;
}
