/* A parent waits for a child that is still working (sleeping), and that
 * child waits for its own child reading a pipe the first child feeds
 * slowly.
 *
 * case: healthy
 */
#include "case.h"

int main(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		int p[2];
		if (pipe(p))
			die("pipe");
		if (fork() == 0) {
			char buf[8];
			close(p[1]);
			while (read(p[0], buf, sizeof buf) > 0)
				;
			_exit(0);
		}
		close(p[0]);
		for (;;) {
			sleep(1);
			write_all(p[1], "x", 1);
		}
	}
	case_ready();
	waitpid(pid, NULL, 0);
	return 0;
}
