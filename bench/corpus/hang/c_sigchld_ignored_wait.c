/* wait() for a job while SIGCHLD is ignored.
 *
 * Documented: wait(2), NOTES: "if the disposition of SIGCHLD is set to
 * SIG_IGN ... then children that terminate do not become zombies and a
 * call to wait() or waitpid() will block until all children have
 * terminated, and then fail with errno set to ECHILD"
 * (https://man7.org/linux/man-pages/man2/wait.2.html; POSIX.1-2001).
 * A daemon template ignores SIGCHLD; later the program runs a job the way
 * system() did before posix_spawn (fork, exec, wait) while a logger child
 * it started earlier reads its log pipe until EOF.  The job ends and is
 * reaped by the kernel; wait() now waits for the logger, which waits for
 * the parent to close the log pipe.
 *
 * case: hang
 * expect: deadlock @root logger
 */
#include "case.h"
#include <signal.h>

int main(void)
{
	signal(SIGCHLD, SIG_IGN);
	int log[2];
	if (pipe(log))
		die("pipe");
	pid_t logger = fork();
	if (logger == 0) {
		close(log[1]);
		char buf[512];
		while (read(log[0], buf, sizeof buf) > 0)
			;
		_exit(0);
	}
	close(log[0]);
	pid_t job = fork();
	if (job == 0) {
		execlp("true", "true", (char *)NULL);
		_exit(127);
	}
	case_role("logger", logger);
	case_ready();
	wait(NULL); /* meant for the job */
	write_all(log[1], "job done\n", 9);
	return 0;
}
