/* A process-shared mutex held across a wait on a pipe.
 *
 * The parent locks a PTHREAD_PROCESS_SHARED mutex in a MAP_SHARED file
 * mapping, then waits for the child's report on a pipe; the child must
 * take the mutex before it reports.
 *
 * case: hang
 * expect: deadlock @root child
 */
#include "case.h"
#include <pthread.h>
#include <sys/mman.h>

static void take(void *m)
{
	pthread_mutex_lock(m);
}

int main(void)
{
	char path[512];
	case_path(path, sizeof path, "shared-state");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, 4096))
		die("open");
	pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap");
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(m, &a);
	pthread_mutex_lock(m);
	return child_reports_after(take, m);
}
