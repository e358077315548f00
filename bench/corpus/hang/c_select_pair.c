/* Parent and child each wait in select() (no timeout) on two pipes the
 * other one writes.
 *
 * case: hang
 * expect: deadlock @root child
 */
#include "case.h"
#include <sys/select.h>

static void wait_either(int a, int b)
{
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(a, &rs);
	FD_SET(b, &rs);
	select((a > b ? a : b) + 1, &rs, NULL, NULL, NULL);
}

int main(void)
{
	int c1[2], c2[2], p1[2], p2[2];
	if (pipe(c1) || pipe(c2) || pipe(p1) || pipe(p2))
		die("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(c1[1]);
		close(c2[1]);
		close(p1[0]);
		close(p2[0]);
		wait_either(c1[0], c2[0]);
		_exit(0);
	}
	close(c1[0]);
	close(c2[0]);
	close(p1[1]);
	close(p2[1]);
	case_role("child", pid);
	case_ready();
	wait_either(p1[0], p2[0]);
	return 0;
}
