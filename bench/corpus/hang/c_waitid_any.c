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
	for (int i = 0; i < 2; i++)
		case_role("child", fork_waiting_child(go));
	close(go[0]);
	case_ready();
	siginfo_t si;
	waitid(P_ALL, 0, &si, WEXITED);
	return 0;
}
