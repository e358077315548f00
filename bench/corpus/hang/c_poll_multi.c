/* A dispatcher polls (no timeout) the result pipes of two workers; one
 * worker waits for its first task on a pipe, the other waits for its own
 * helper child, which waits for the dispatcher too.  The dispatcher is
 * stuck only because both channels are.
 *
 * case: hang
 * expect: deadlock @root worker helper
 */
#include "case.h"
#include <poll.h>

int main(void)
{
	int r1[2], r2[2], task[2];
	if (pipe(r1) || pipe(r2) || pipe(task))
		die("pipe");
	pid_t w1 = fork_waiting_child(task);
	int ready[2];
	if (pipe(ready))
		die("pipe");
	pid_t w2 = fork();
	if (w2 == 0) {
		close(r2[0]);
		close(ready[0]);
		pid_t h = fork_waiting_child(task);
		write_all(ready[1], &h, sizeof h);
		waitpid(h, NULL, 0);
		_exit(0);
	}
	close(ready[1]);
	pid_t helper;
	read_all(ready[0], &helper, sizeof helper);
	close(r1[1]);
	close(r2[1]);
	close(task[0]);
	case_role("worker", w1);
	case_role("worker", w2);
	case_role("helper", helper);
	case_ready();
	struct pollfd pf[2] = { { .fd = r1[0], .events = POLLIN }, { .fd = r2[0], .events = POLLIN } };
	poll(pf, 2, -1);
	return 0;
}
