/* deadlock_ts.c — a hang whose moment of forming is known.
 *
 *   deadlock_ts [PING_MS]
 *
 * A parent and its child ping-pong a byte over two pipes for PING_MS
 * (default 300: the watcher sees progress first), then the parent prints
 * "deadlock MONO_NS" (CLOCK_MONOTONIC) and both read from each other at
 * once: each holds the only other write end, so neither read can ever
 * return.  bench/run takes the difference between that stamp and the
 * moment `sigjam run --hang-after` reports and exits. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t ping_ns = (uint64_t)(argc > 1 ? atoi(argv[1]) : 300) * 1000000u;
	int down[2], up[2];
	if (pipe(down) != 0 || pipe(up) != 0)
		return 1;
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	char c = 'p';
	if (pid == 0) {
		/* Echo until the parent stops sending; then this read is the
		 * child's half of the knot. */
		while (read(down[0], &c, 1) == 1)
			if (write(up[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	uint64_t start = mono_ns();
	while (mono_ns() - start < ping_ns) {
		if (write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1)
			return 1;
		usleep(1000);
	}
	printf("deadlock %llu\n", (unsigned long long)mono_ns());
	fflush(stdout);
	/* The child waits in read(down) and holds up[1]; we read up and hold
	 * down[1]: a two-process knot. */
	while (read(up[0], &c, 1) < 0)
		;
	return 0;
}
