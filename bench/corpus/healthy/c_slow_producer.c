/* A reader blocked on a pipe whose producer sleeps between small writes.
 *
 * case: healthy
 */
#include "case.h"

int main(void)
{
	int p[2];
	if (pipe(p))
		die("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (;;) {
			sleep(1);
			write_all(p[1], "tick\n", 5);
		}
	}
	close(p[1]);
	case_role("producer", pid);
	case_ready();
	char buf[64];
	while (read(p[0], buf, sizeof buf) > 0)
		;
	return 0;
}
