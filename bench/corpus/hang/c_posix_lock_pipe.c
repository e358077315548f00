/* A record lock held across a wait for the process that needs it.
 *
 * The parent locks a file (fcntl F_SETLKW), then waits on a pipe for the
 * child's report; the child must lock the same file before it reports.
 * The kernel's EDEADLK detection only follows lock waits, so it cannot
 * see this cycle (fcntl(2), https://man7.org/linux/man-pages/man2/fcntl.2.html).
 *
 * case: hang
 * expect: deadlock @root child
 */
#include "locks.h"

static void take(void *arg)
{
	lock_whole(LK_POSIX, open_lockfile("state"));
}

int main(void)
{
	lock_whole(LK_POSIX, open_lockfile("state"));
	return child_reports_after(take, NULL);
}
