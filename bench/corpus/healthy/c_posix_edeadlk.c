/* A record-lock inversion the kernel breaks: F_SETLKW returns EDEADLK to
 * one party (fcntl(2)), which backs off, sleeps and retries; the other
 * gets its lock and works (sleeps) holding both.
 *
 * case: healthy
 */
#include "locks.h"
#include <sys/file.h>

int main(void)
{
	struct barrier bar;
	barrier_init(&bar);
	pid_t pid = fork();
	int side = pid == 0;
	int fa = open_lockfile("lock-a"), fb = open_lockfile("lock-b");
	int first = side ? fb : fa, second = side ? fa : fb;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(first, F_SETLKW, &fl))
		die("lock");
	barrier_meet(&bar, side);
	if (!side)
		case_ready();
	while (fcntl(second, F_SETLKW, &fl) != 0) {
		if (errno != EDEADLK)
			die("lock");
		fl.l_type = F_UNLCK;  /* back off, let the other one finish */
		fcntl(first, F_SETLK, &fl);
		sleep(3600);
	}
	sleep(3600);
	return 0;
}
