/* Three threads join each other in a ring, while a fourth keeps working.
 *
 * glibc's pthread_join returns EDEADLK only for a thread joining itself
 * or the thread that joins it (nptl/pthread_join_common.c); a ring of
 * three blocks for ever.  A heartbeat thread keeps running and main joins
 * it: the ring is stuck although its process is not.
 *
 * case: hang
 * expect: deadlock @root
 */
#include "case.h"
#include <pthread.h>
#include <time.h>

static pthread_t ring[3];
static pthread_barrier_t started;

static void *member(void *arg)
{
	long i = (long)arg;
	pthread_barrier_wait(&started);
	pthread_join(ring[(i + 1) % 3], NULL);
	return NULL;
}

static void *heartbeat(void *arg)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	for (;;)
		nanosleep(&ts, NULL);
	return arg;
}

int main(void)
{
	pthread_t hb;
	pthread_barrier_init(&started, NULL, 4);
	for (long i = 0; i < 3; i++)
		if (pthread_create(&ring[i], NULL, member, (void *)i))
			die("pthread_create");
	if (pthread_create(&hb, NULL, heartbeat, NULL))
		die("pthread_create");
	pthread_barrier_wait(&started);
	case_ready();
	pthread_join(hb, NULL);
	return 0;
}
