/* Two processes poll, with a 200 ms timeout, pipes nobody writes: each
 * wakes up five times a second to check on something else.
 *
 * case: healthy
 */
#include "case.h"
#include <poll.h>

int main(void)
{
	int a[2], b[2];
	if (pipe(a) || pipe(b))
		die("pipe");
	pid_t pid = fork();
	int fd = pid == 0 ? b[0] : a[0];
	if (pid > 0)
		case_ready();
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		poll(&pf, 1, 200);
	}
}
