/* A record-lock inversion the kernel breaks: F_SETLKW returns EDEADLK to
 * one party (fcntl(2)), which backs off and sleeps; the other gets its
 * lock and works (sleeps) holding both.
 *
 * case: healthy
 */
#include "locks.h"

int main(void)
{
	struct abba ab;
	abba_start(&ab, LK_POSIX, LK_POSIX);
	lock_whole(LK_POSIX, ab.first);
	barrier_meet(&ab.bar, ab.side);
	if (!ab.side)
		case_ready();
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(ab.second, F_SETLKW, &fl) != 0) {
		if (errno != EDEADLK)
			die("lock");
		fl.l_type = F_UNLCK;  /* back off, let the other one finish */
		fcntl(ab.first, F_SETLK, &fl);
	}
	sleep(3600);
	return 0;
}
