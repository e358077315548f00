/* malloc_handler.c — a signal handler that calls malloc()/printf() deadlocks
 * when the signal interrupts malloc() (failure catalogue F4; signal-safety(7)).
 *
 * A worker thread allocates and frees buffers all the time (sizes above the
 * tcache limit, so malloc takes its arena lock).  A progress reporter runs
 * on SIGALRM every millisecond and formats its line into a malloc'ed buffer,
 * then printf()s it.  When the signal lands while the worker holds the
 * arena lock, the handler's malloc() waits for that lock — held by the very
 * thread the handler interrupted, which cannot go on until the handler
 * returns: a deadlock on a private futex.  With a timer firing every
 * millisecond that happens within a few signals, every run.
 * Compile with -DSAFE_HANDLER for the fixed twin. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* The bug needs the signal to land while the worker holds the arena lock:
 * usually within a few ms, but not always within half a second, so the bug
 * variant keeps going for up to 8 s (it deadlocks long before; the watcher
 * reports 2 s later).  The twin only has to show it ends cleanly. */
#ifdef SAFE_HANDLER
#define RUN_MS 500
#else
#define RUN_MS 8000
#endif
#define SLOTS 64

static volatile sig_atomic_t stop;
static volatile sig_atomic_t ticks;
static volatile long rounds; /* written by the worker only, read for the report */

#ifdef SAFE_HANDLER
/* The fix: the handler only counts; the main thread reports. */
static void on_tick(int sig)
{
	(void)sig;
	ticks++;
}
#else
static void on_tick(int sig)
{
	(void)sig;
	ticks++;
	/* async-signal-UNSAFE: takes the arena lock.  4 KiB is above glibc's
	 * tcache limit (1 KiB): a small block freed by the previous tick would
	 * come back from the lock-free per-thread cache and hide the bug. */
	char *line = malloc(4096);
	if (!line)
		return;
	snprintf(line, 4096, "progress: %ld rounds\n", rounds);
	if (ticks % 500 == 0)
		printf("%s", line); /* async-signal-UNSAFE: stdio lock and buffer */
	free(line);
}
#endif

static void *churn(void *arg)
{
	(void)arg;
	void *slot[SLOTS] = { 0 };
	unsigned seed = 12345;
	while (!stop) {
		unsigned i = (unsigned)rand_r(&seed) % SLOTS;
		free(slot[i]);
		slot[i] = malloc(2048 + (size_t)rand_r(&seed) % 60000);
		rounds++;
	}
	for (unsigned i = 0; i < SLOTS; i++)
		free(slot[i]);
	return NULL;
}

int main(void)
{
	/* The timer's signal must reach the worker thread, which is where the
	 * allocations are: block it here before the thread inherits the mask,
	 * then unblock it in the worker only. */
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_tick;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);

	pthread_t t;
	if (pthread_create(&t, NULL, churn, NULL) != 0) {
		fprintf(stderr, "pthread_create failed\n");
		return 2;
	}
	pthread_sigmask(SIG_BLOCK, &alrm, NULL); /* only the worker takes SIGALRM */

	printf("main: worker allocating; SIGALRM progress reporter every 1 ms for %d ms\n", RUN_MS);
	fflush(stdout);
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);

	struct timespec ts = { RUN_MS / 1000, (RUN_MS % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	stop = 1;
	pthread_join(t, NULL);
	printf("main: done: %ld allocation rounds, %d ticks\n", rounds, (int)ticks);
	return 0;
}
