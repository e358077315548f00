/* pipe_cycle: parent and child each wait to read what the other would
 * write only after its own read returns — a two-process pipe deadlock.
 * Prints "ready <parent> <child>" once both are about to block. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int a[2], b[2];
	char c;
	if (pipe(a) || pipe(b))
		return 2;
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		if (read(b[0], &c, 1) == 1)
			(void)!write(a[1], &c, 1);
		return 0;
	}
	printf("ready %d %d\n", (int)getpid(), (int)pid);
	fflush(stdout);
	if (read(a[0], &c, 1) == 1)
		(void)!write(b[1], &c, 1);
	return 0;
}
