/* Request/response over socketpair(AF_UNIX, SOCK_STREAM): the request's
 * newline is missing, the server waits for it, the client for the answer.
 *
 * case: hang
 * expect: deadlock @root server
 */
#include "reqresp.h"

int main(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair");
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		serve_line(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	case_role("server", pid);
	case_ready();
	ask(sv[0]);
	return 0;
}
