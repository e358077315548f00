/* Lock-order inversion with flock(2): parent takes A then B, child B then A.
 *
 * flock(2) does no deadlock detection; both block for ever in flock().
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
	/* Each opens its own file descriptions: flock locks belong to them. */
	int fa = open_lockfile("lock-a"), fb = open_lockfile("lock-b");
	lock_whole(LK_FLOCK, side ? fb : fa);
	barrier_meet(&bar, side);
	if (!side) {
		case_role("child", pid);
		case_ready();
	}
	lock_whole(LK_FLOCK, side ? fa : fb);
	return 0;
}
