/* pipetree.c — N processes of 4 threads each, every thread blocked in
 * read() on a pipe: the shape of a hung worker pool, sized at will.
 *
 *   pipetree N
 *
 * The first process forks N-1 children (a flat tree, as Pool and most
 * pre-fork servers build).  Each process makes its own pipe and keeps its
 * write end, so every read blocks for ever.  Each child reports on a
 * shared pipe once its three extra threads exist; the root prints
 * "ready N" when all have, then blocks too.  Killing the root's process
 * group ends the tree. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Small stacks: 256 processes x 3 threads must not cost gigabytes of
 * address space, and a small stack keeps the capture's copy honest. */
#define THREAD_STACK (64 * 1024)

static int own_pipe[2];

static void *blocked(void *arg)
{
	char c;
	(void)arg;
	while (read(own_pipe[0], &c, 1) < 0)
		;
	return NULL;
}

static int start_threads(void)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, THREAD_STACK);
	for (int i = 0; i < 3; i++) {
		pthread_t t;
		if (pthread_create(&t, &a, blocked, NULL) != 0)
			return -1;
	}
	pthread_attr_destroy(&a);
	return 0;
}

static void block_forever(void)
{
	blocked(NULL);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	if (n < 1) {
		fprintf(stderr, "usage: pipetree N (N >= 1)\n");
		return 2;
	}
	int ready[2];
	if (pipe(ready) != 0)
		return 1;
	for (int i = 1; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("pipetree: fork");
			return 1;
		}
		if (pid == 0) {
			close(ready[0]);
			if (pipe(own_pipe) != 0 || start_threads() != 0)
				_exit(1);
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			close(ready[1]);
			block_forever();
			_exit(0);
		}
	}
	close(ready[1]);
	for (int got = 1; got < n;) {
		char buf[64];
		ssize_t r = read(ready[0], buf, sizeof buf);
		if (r <= 0) {
			fprintf(stderr, "pipetree: only %d of %d processes started\n", got, n);
			return 1;
		}
		got += (int)r;
	}
	close(ready[0]);
	if (pipe(own_pipe) != 0 || start_threads() != 0)
		return 1;
	printf("ready %d\n", n);
	fflush(stdout);
	block_forever();
	return 0;
}
