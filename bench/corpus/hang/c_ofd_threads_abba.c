/* Lock-order inversion between two threads of one process with OFD locks.
 *
 * Traditional record locks belong to the process, so its threads never
 * conflict; OFD locks belong to the open file description, so two threads
 * with their own descriptions do — and no deadlock detection applies
 * (https://man7.org/linux/man-pages/man2/fcntl.2.html, "Open file
 * description locks").  main joins the first thread.
 *
 * case: hang
 * expect: deadlock @root
 */
#include "locks.h"
#include <pthread.h>

static struct barrier bar;

static void *party(void *arg)
{
	int side = (int)(long)arg;
	int fa = open_lockfile("lock-a"), fb = open_lockfile("lock-b");
	lock_whole(LK_OFD, side ? fb : fa);
	barrier_meet(&bar, side);
	lock_whole(LK_OFD, side ? fa : fb);
	return NULL;
}

int main(void)
{
	pthread_t t0, t1;
	barrier_init(&bar);
	if (pthread_create(&t0, NULL, party, (void *)0L) || pthread_create(&t1, NULL, party, (void *)1L))
		die("pthread_create");
	case_ready();
	pthread_join(t0, NULL);
	return 0;
}
