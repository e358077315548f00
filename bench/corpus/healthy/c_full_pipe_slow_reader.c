/* A writer blocked on a full pipe whose reader is slow but alive: the
 * reader takes 4 KiB a second.  The writer's 1 MiB writes are cut short
 * by any stop and continued by its loop.
 *
 * case: healthy
 */
#include "case.h"

static char buf[1 << 20];

int main(void)
{
	int p[2];
	if (pipe(p))
		die("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		for (;;) {
			sleep(1);
			if (read(p[0], buf, 4096) <= 0)
				_exit(0);
		}
	}
	close(p[0]);
	case_role("reader", pid);
	case_ready();
	for (;;)
		write_all(p[1], buf, sizeof buf);
}
