/* blocked_threads — four threads blocked in known functions, for comparing
 * sigjam's native frames and source lines with gdb's.  Built -g -O0.
 * Prints "ready" once every thread was started; runs until killed.
 * The "SJ_TAG:" comments mark lines the test looks up in this file. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int pipefd[2];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

__attribute__((noinline)) static void reader_blocks(void)
{
	char c;
	if (read(pipefd[0], &c, 1) < 0) /* SJ_TAG:reader_read */
		perror("read");
}

static void *reader_entry(void *arg)
{
	reader_blocks();
	return NULL;
}

__attribute__((noinline)) static void cond_blocks(void)
{
	pthread_mutex_lock(&mu);
	pthread_cond_wait(&cv, &mu); /* SJ_TAG:cond_wait */
	pthread_mutex_unlock(&mu);
}

static void *cond_entry(void *arg)
{
	cond_blocks();
	return NULL;
}

__attribute__((noinline)) static void sleeper_blocks(void)
{
	struct timespec ts = { 100000, 0 };
	nanosleep(&ts, NULL); /* SJ_TAG:sleep */
}

static void *sleeper_entry(void *arg)
{
	sleeper_blocks();
	return NULL;
}

__attribute__((noinline)) static void main_joins(pthread_t t)
{
	pthread_join(t, NULL); /* SJ_TAG:join */
}

int main(void)
{
	pthread_t t[3];
	if (pipe(pipefd) != 0)
		return 1;
	pthread_create(&t[0], NULL, reader_entry, NULL);
	pthread_create(&t[1], NULL, cond_entry, NULL);
	pthread_create(&t[2], NULL, sleeper_entry, NULL);
	printf("ready\n");
	fflush(stdout);
	main_joins(t[0]);
	return 0;
}
