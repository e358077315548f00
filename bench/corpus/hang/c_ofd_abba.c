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
	return abba_case(LK_OFD, LK_OFD);
}
