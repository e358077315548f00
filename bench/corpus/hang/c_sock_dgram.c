/* Request/response over socketpair(AF_UNIX, SOCK_DGRAM): the server
 * expects two datagrams, the client sends one and waits for the answer.
 * The pair is bound to no address: only the peer can send to either end.
 *
 * case: hang
 * expect: deadlock @root server
 */
#include "reqresp.h"

int main(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
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
