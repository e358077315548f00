/* The parent waits for its child's exit; the child waits for the parent's
 * go-ahead on a pipe.
 *
 * case: hang
 * expect: deadlock @root child
 */
#include "case.h"

int main(void)
{
	int go[2];
	if (pipe(go))
		die("pipe");
	pid_t pid = fork_waiting_child(go);
	close(go[0]);
	case_role("child", pid);
	case_ready();
	waitpid(pid, NULL, 0);
	write_all(go[1], "g", 1); /* the go-ahead, one line too late */
	return 0;
}
