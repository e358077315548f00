/* Lock-order inversion across lock flavours: the parent holds a record
 * lock (fcntl F_SETLK) on A and asks flock(2) for B; the child holds B's
 * flock and asks F_SETLKW for A.
 *
 * Documented: the kernel detects F_SETLKW deadlocks among record locks
 * only ("EDEADLK", fcntl(2)); a cycle through a flock() waiter is not
 * seen (https://man7.org/linux/man-pages/man2/fcntl.2.html), so both
 * block for ever.
 *
 * case: hang
 * expect: deadlock @root child
 */
#include "locks.h"

int main(void)
{
	struct barrier bar;
	barrier_init(&bar);
	pid_t pid = fork();
	int side = pid == 0;
	int fa = open_lockfile("lock-a"), fb = open_lockfile("lock-b");
	if (!side)
		lock_whole(LK_POSIX, fa);
	else
		lock_whole(LK_FLOCK, fb);
	barrier_meet(&bar, side);
	if (!side) {
		case_role("child", pid);
		case_ready();
		lock_whole(LK_FLOCK, fb);
	} else {
		lock_whole(LK_POSIX, fa);
	}
	return 0;
}
