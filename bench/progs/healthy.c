/* healthy.c — a tree that is slow but never stuck, for the watcher's cost.
 *
 *   healthy SECONDS [PROCS]
 *
 * PROCS processes (default 4) each sleep in 100 ms steps and do a little
 * work between steps (progress a watcher must see), until SECONDS have
 * passed; the parent then reaps its children and exits 0. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Read by nobody, but its stores must happen: the work a watcher sees. */
volatile uint64_t healthy_sink;

static void steps(uint64_t end)
{
	while (mono_ns() < end) {
		for (int i = 0; i < 100000; i++)
			healthy_sink += (uint64_t)i;
		usleep(100000);
	}
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0;
	int procs = argc > 2 ? atoi(argv[2]) : 4;
	if (secs <= 0 || procs < 1) {
		fprintf(stderr, "usage: healthy SECONDS [PROCS]\n");
		return 2;
	}
	uint64_t end = mono_ns() + (uint64_t)(secs * 1e9);
	for (int i = 1; i < procs; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			steps(end);
			_exit(0);
		}
	}
	steps(end);
	while (wait(NULL) > 0)
		;
	return 0;
}
