/* Lock-order inversion with open file description locks (F_OFD_SETLKW).
 *
 * Documented: fcntl(2), "Open file description locks": the kernel's
 * deadlock detection (EDEADLK) covers traditional record locks only, not
 * OFD locks (https://man7.org/linux/man-pages/man2/fcntl.2.html, and
 * fs/locks.c: posix_locks_deadlock() skips OFD locks).
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
	lock_whole(LK_OFD, side ? fb : fa);
	barrier_meet(&bar, side);
	if (!side) {
		case_role("child", pid);
		case_ready();
	}
	lock_whole(LK_OFD, side ? fa : fb);
	return 0;
}
