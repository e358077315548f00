/* A parent waits for a child that was stopped with SIGSTOP (job control):
 * SIGCONT, from anyone, lets it go on.
 *
 * case: healthy
 */
#include "case.h"
#include <signal.h>

int main(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, WUNTRACED);
	case_ready();
	waitpid(pid, &st, 0);
	return 0;
}
