/* Request/response over socketpair(AF_UNIX, SOCK_SEQPACKET): the server
 * expects two messages, the client sends one and waits for the answer.
 *
 * case: hang
 * expect: deadlock @root server
 */
#include "reqresp.h"

int main(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		die("socketpair");
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		serve_two(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	case_role("server", pid);
	case_ready();
	ask(sv[0]);
	return 0;
}
