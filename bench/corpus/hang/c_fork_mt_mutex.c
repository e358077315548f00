/* fork() while another thread holds a mutex; the child takes it.
 *
 * Documented: POSIX fork(): "the child process may only execute
 * async-signal-safe operations until such time as one of the exec
 * functions is called"
 * (https://pubs.opengroup.org/onlinepubs/9699919799/functions/fork.html);
 * glibc: https://www.gnu.org/software/libc/manual/html_node/Threads-and-Fork.html.
 * The child inherits the mutex locked, without the thread that would
 * unlock it; the parent waits for the child.
 *
 * case: hang
 * expect: deadlock @root child
 */
#include "case.h"
#include <pthread.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int taken[2];

static void *holder(void *arg)
{
	pthread_mutex_lock(&m);
	write_all(taken[1], "x", 1);
	for (;;)
		sleep(3600);
	return arg;
}

int main(void)
{
	pthread_t t;
	char c;
	if (pipe(taken) || pthread_create(&t, NULL, holder, NULL))
		die("setup");
	read_all(taken[0], &c, 1);
	pid_t pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(&m);
		_exit(0);
	}
	case_role("child", pid);
	case_ready();
	waitpid(pid, NULL, 0);
	return 0;
}
