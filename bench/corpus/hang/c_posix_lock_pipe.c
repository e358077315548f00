/* A record lock held across a wait for the process that needs it.
 *
 * The parent locks a file (fcntl F_SETLK), then waits on a pipe for the
 * child's report; the child must lock the same file (F_SETLKW) before it
 * reports.  The kernel's EDEADLK detection only follows lock waits, so it
 * cannot see this cycle (fcntl(2), https://man7.org/linux/man-pages/man2/fcntl.2.html).
 *
 * case: hang
 * expect: deadlock @root child
 */
#include "locks.h"

int main(void)
{
	int rep[2];
	if (pipe(rep))
		die("pipe");
	int fd = open_lockfile("state");
	lock_whole(LK_POSIX, fd);
	pid_t pid = fork();
	if (pid == 0) {
		close(rep[0]);
		int f = open_lockfile("state");
		lock_whole(LK_POSIX, f);
		write_all(rep[1], "ok", 2);
		_exit(0);
	}
	close(rep[1]);
	case_role("child", pid);
	case_ready();
	char buf[2];
	read_all(rep[0], buf, 2);
	return 0;
}
