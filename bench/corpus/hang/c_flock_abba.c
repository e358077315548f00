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
	return abba_case(LK_FLOCK, LK_FLOCK);
}
