/* waitid(P_ALL) for any child while both children wait for the parent's
 * first message on a pipe.
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
	for (int i = 0; i < 2; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			close(go[1]);
			read_all(go[0], &c, 1);
			_exit(0);
		}
		case_role("child", pid);
	}
	close(go[0]);
	case_ready();
	siginfo_t si;
	waitid(P_ALL, 0, &si, WEXITED);
	return 0;
}
