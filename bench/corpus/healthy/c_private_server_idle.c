/* An idle server on this machine: it listens on a Unix socket in a private
 * (0700) directory of its own and its worker waits for jobs on a pipe from
 * it.  Other processes of the same user could connect (and are what it
 * waits for); it is the tree's top besides.  Healthy, and no "unless
 * someone connects" note either.
 *
 * case: healthy
 */
#include "reqresp.h"

int main(void)
{
	struct sockaddr_un su;
	int us = unix_bound("private.sock", SOCK_STREAM, &su);
	int jobs[2];
	if (pipe(jobs))
		die("pipe");
	fork_waiting_child(jobs);
	close(jobs[0]);
	case_ready();
	accept(us, NULL, NULL);
	return 0;
}
