/* gapprobe.c — the target's own view of a capture's pause.
 *
 *   gapprobe SECONDS [THRESHOLD_NS]
 *
 * One thread reads CLOCK_MONOTONIC in a tight loop and logs every gap
 * between two consecutive readings longer than THRESHOLD_NS (default
 * 5000); three more threads block in read() on a pipe nobody writes, as
 * the threads of a hung worker would.  A ptrace stop shows up as a gap in
 * the spinning thread; so does every preemption, which is why bench/run
 * compares the gaps inside a capture window with those inside an equal,
 * untraced window.  Each gap is tagged with the thread's voluntary and
 * involuntary context switches during it (getrusage RUSAGE_THREAD, read
 * only after a gap): a ptrace stop parks the thread in TASK_TRACED through
 * schedule(), a voluntary switch, while losing the core to another task
 * is an involuntary one — so the stops can be told from preemption even on
 * a busy machine.  Prints "ready PID" at start and, after SECONDS or on
 * SIGUSR1, whichever comes first,
 * "gap START_NS LEN_NS VOLUNTARY INVOLUNTARY"
 * per logged gap (CLOCK_MONOTONIC, the clock
 * Python's time.monotonic_ns() reads). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_GAPS 200000

static uint64_t gap_start[MAX_GAPS], gap_len[MAX_GAPS];
static long gap_vol[MAX_GAPS], gap_invol[MAX_GAPS];
static int blocker_pipe[2];
static volatile sig_atomic_t stop;

static void on_usr1(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *blocked(void *arg)
{
	char c;
	(void)arg;
	/* The write end stays open in this process: never EOF. */
	while (read(blocker_pipe[0], &c, 1) < 0)
		;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: gapprobe SECONDS [THRESHOLD_NS]\n");
		return 2;
	}
	uint64_t run_ns = (uint64_t)(atof(argv[1]) * 1e9);
	uint64_t thresh = argc > 2 ? strtoull(argv[2], NULL, 10) : 5000;
	if (pipe(blocker_pipe) != 0)
		return 1;
	/* Installed before the threads exist and blocked in them, so the
	 * spinning main thread is the one that takes it. */
	signal(SIGUSR1, on_usr1);
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, &old);
	for (int i = 0; i < 3; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, blocked, NULL) != 0)
			return 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);

	size_t n = 0;
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	long vol = ru.ru_nvcsw, invol = ru.ru_nivcsw;
	uint64_t start = mono_ns(), prev = start, now;
	while (!stop && (now = mono_ns()) - start < run_ns) {
		if (now - prev > thresh && n < MAX_GAPS) {
			getrusage(RUSAGE_THREAD, &ru);
			gap_start[n] = prev;
			gap_len[n] = now - prev;
			gap_vol[n] = ru.ru_nvcsw - vol;
			gap_invol[n++] = ru.ru_nivcsw - invol;
			vol = ru.ru_nvcsw;
			invol = ru.ru_nivcsw;
			now = mono_ns(); /* getrusage's own time is no gap */
		}
		prev = now;
	}
	for (size_t i = 0; i < n; i++)
		printf("gap %llu %llu %ld %ld\n", (unsigned long long)gap_start[i],
		       (unsigned long long)gap_len[i], gap_vol[i], gap_invol[i]);
	printf("done %zu\n", n);
	return 0;
}
