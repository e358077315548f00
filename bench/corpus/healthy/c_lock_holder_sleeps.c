/* Lock waiters whose holder is alive and will let go: the parent holds an
 * flock and a record lock while it works (sleeps); one child waits in
 * flock(), another in fcntl(F_SETLKW).
 *
 * case: healthy
 */
#include "locks.h"

int main(void)
{
	int fa = open_lockfile("lock-a"), fb = open_lockfile("lock-b");
	lock_whole(LK_FLOCK, fa);
	lock_whole(LK_POSIX, fb);
	for (int i = 0; i < 2; i++)
		if (fork() == 0) {
			int f = open_lockfile(i ? "lock-b" : "lock-a");
			lock_whole(i ? LK_POSIX : LK_FLOCK, f);
			_exit(0);
		}
	case_ready();
	sleep(3600);
	return 0;
}
