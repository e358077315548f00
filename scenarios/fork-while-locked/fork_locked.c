/* fork_locked.c — fork in a multithreaded program while another thread holds
 * a mutex (failure catalogue F1/C5; bpo-6721; gh-90622).
 *
 * fork() copies only the calling thread.  The child gets the mutex in the
 * state it had at that instant — locked — but not the thread that would
 * have unlocked it, so its first pthread_mutex_lock() waits for ever on a
 * private futex nobody else can wake.  The parent waits for the child.
 * The "cache" lock here stands for any library's internal lock (logging,
 * allocator, stdio); POSIX only allows async-signal-safe calls between fork
 * and exec in a multithreaded program for exactly this reason. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static int cache_entries;
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t state_cond = PTHREAD_COND_INITIALIZER;
static int refresher_holds_lock;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* A background thread that refreshes the cache under its lock; the refresh
 * takes a while (I/O in real life). */
static void *refresher(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&cache_lock);
	pthread_mutex_lock(&state_lock);
	refresher_holds_lock = 1;
	pthread_cond_signal(&state_cond);
	pthread_mutex_unlock(&state_lock);
	sleep_ms(300);
	cache_entries++;
	pthread_mutex_unlock(&cache_lock);
	return NULL;
}

#ifdef FORK_SAFE
/* The fix: take the lock before fork and release it on both sides after, so
 * the child never inherits it held (what CPython 3.9's _at_fork_reinit and
 * glibc's own malloc locks do). */
static void prepare(void) { pthread_mutex_lock(&cache_lock); }
static void release(void) { pthread_mutex_unlock(&cache_lock); }
#endif

int main(void)
{
#ifdef FORK_SAFE
	pthread_atfork(prepare, release, release);
#endif
	pthread_t t;
	if (pthread_create(&t, NULL, refresher, NULL) != 0) {
		fprintf(stderr, "pthread_create failed\n");
		return 2;
	}
	/* Fork exactly while the refresher holds the lock (deterministic; in
	 * production this is the unlucky moment). */
	pthread_mutex_lock(&state_lock);
	while (!refresher_holds_lock)
		pthread_cond_wait(&state_cond, &state_lock);
	pthread_mutex_unlock(&state_lock);

	printf("parent %d: forking while the refresher thread holds the cache lock\n", (int)getpid());
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls until the lock is taken, so that a
		 * hang is the lock's fault alone. */
		static const char msg[] = "child: taking the cache lock\n";
		(void)!write(1, msg, sizeof msg - 1);
		pthread_mutex_lock(&cache_lock);
		int n = cache_entries;
		pthread_mutex_unlock(&cache_lock);
		printf("child: cache has %d entries\n", n);
		fflush(stdout);
		_exit(0);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid) {
		perror("waitpid");
		return 2;
	}
	pthread_join(t, NULL);
	printf("parent: child %d exited %d\n", (int)pid, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
