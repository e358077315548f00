/* pipe_flood — pipe I/O between threads under a signal flood, with output
 * that must not depend on being traced.
 *
 * usage: pipe_flood LINES RTSIGS
 * A writer thread sends LINES numbered lines through a pipe; the main
 * thread copies them to stdout.  A third thread hammers a mutex/condvar.
 * Every signal interrupts syscalls (no SA_RESTART), so EINTR paths run.
 * Then it waits (up to 60 s) until RTSIGS queued SIGRTMIN signals have
 * arrived — a signal swallowed by a tracer shows up as a short count —
 * then reads stdin to EOF and prints "rt=N" (plus " MISSING" if short). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int pfd[2];
static long lines;
static volatile sig_atomic_t rt_count, usr_count, done;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long ticks;

static void on_rt(int sig) { rt_count++; }
static void on_usr(int sig) { usr_count++; }

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static void *writer(void *arg)
{
	char line[64];
	for (long i = 0; i < lines; i++) {
		int n = snprintf(line, sizeof line, "line %ld\n", i);
		if (write_all(pfd[1], line, (size_t)n) != 0)
			exit(2);
		if (i % 16 == 0) {
			struct timespec ts = { 0, 200000 };
			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				;
		}
	}
	close(pfd[1]);
	return NULL;
}

static void *churner(void *arg)
{
	while (!done) {
		pthread_mutex_lock(&mu);
		ticks++;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
		struct timespec ts = { 0, 100000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 64;
	lines = atol(argv[1]);
	long want = atol(argv[2]);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_rt;
	sigaction(SIGRTMIN, &sa, NULL);
	sa.sa_handler = on_usr;
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(pfd) != 0)
		return 1;
	pthread_t tw, tc;
	pthread_create(&tw, NULL, writer, NULL);
	pthread_create(&tc, NULL, churner, NULL);

	char buf[512];
	for (;;) {
		ssize_t r = read(pfd[0], buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (write_all(1, buf, (size_t)r) != 0)
			return 3;
	}
	pthread_join(tw, NULL);
	for (int i = 0; i < 60000 && rt_count < want; i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	while (read(0, buf, sizeof buf) != 0) /* until the test closes stdin */
		;
	done = 1;
	pthread_join(tc, NULL);
	printf("rt=%ld%s\n", (long)rt_count, rt_count == want ? "" : " MISSING");
	return 0;
}
