/* Parent and child each write a large message to the other before reading.
 *
 * The classic full-pipe deadlock (the reason Popen.communicate() exists):
 * each write blocks once the 64 KiB pipe is full, and neither process
 * reaches its read.  Both writes are large, so a stop ends each early
 * with a short count and the loop writes again.
 *
 * case: hang
 * expect: deadlock @root child
 */
#include "case.h"

static char buf[1 << 20];

int main(void)
{
	int up[2], down[2];
	if (pipe(up) || pipe(down))
		die("pipe");
	memset(buf, 'x', sizeof buf);
	pid_t pid = fork();
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		write_all(up[1], buf, sizeof buf);
		read_all(down[0], buf, sizeof buf);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	case_role("child", pid);
	case_ready();
	write_all(down[1], buf, sizeof buf);
	read_all(up[0], buf, sizeof buf);
	return 0;
}
