/* pclose() of a popen("r") stream whose read end a forked worker still
 * holds.
 *
 * Documented: pclose "waits for the child process to terminate"
 * (https://www.gnu.org/software/libc/manual/html_node/Pipe-to-a-Subprocess.html).
 * pclose closes the parent's read end first, which would end a writing
 * child with EPIPE — but a worker forked after popen() inherited that end
 * (close-on-exec does not act on fork), so the child's writes block on the
 * full pipe for ever.  The worker waits for its first job from the parent,
 * which sits in pclose.
 *
 * case: hang
 * expect: deadlock @root child worker
 */
#include "case.h"

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	if (argc > 1 && !strcmp(argv[1], "--spew")) {
		memset(buf, 'x', sizeof buf);
		write_all(1, buf, sizeof buf);
		return 0;
	}
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "exec %s --spew", argv[0]);
	FILE *f = popen(cmd, "r");
	if (!f)
		die("popen");
	/* The shell execs the spewer: the child's pid is the shell's, the
	 * parent's only child so far. */
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
	FILE *c = fopen(path, "r");
	int child = 0;
	if (!c || fscanf(c, "%d", &child) != 1)
		die("children");
	fclose(c);
	int jobs[2];
	if (pipe(jobs))
		die("pipe");
	pid_t worker = fork_waiting_child(jobs);
	close(jobs[0]);
	case_role("child", child);
	case_role("worker", worker);
	case_ready();
	pclose(f);
	write_all(jobs[1], "j", 1);
	return 0;
}
