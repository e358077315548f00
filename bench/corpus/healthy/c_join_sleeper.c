/* pthread_join of a thread that works in sleeps; a second thread joins the
 * first joiner.  Nothing is stuck: the joined thread runs on.
 *
 * case: healthy
 */
#include "case.h"
#include <pthread.h>

static pthread_t worker, joiner;

static void *work(void *arg)
{
	for (;;)
		usleep(100000);
	return arg;
}

static void *join_worker(void *arg)
{
	pthread_join(worker, NULL);
	return arg;
}

int main(void)
{
	if (pthread_create(&worker, NULL, work, NULL) || pthread_create(&joiner, NULL, join_worker, NULL))
		die("pthread_create");
	case_ready();
	pthread_join(joiner, NULL);
	return 0;
}
