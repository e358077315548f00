/* Lock-order inversion across lock flavours: lock A is a record lock
 * (fcntl F_SETLKW), lock B an flock(2); the parent takes A then B, the
 * child B then A.
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
	return abba_case(LK_POSIX, LK_FLOCK);
}
