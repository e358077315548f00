/* A Unix datagram server bound to a path waits in recvfrom(); its client
 * in the tree waits for an answer to a request it sent to the wrong
 * address.  A socket bound to a path can hear from any process, so the
 * server's wait is on the outside world: never a proved deadlock.
 *
 * case: healthy
 */
#include "reqresp.h"

int main(void)
{
	struct sockaddr_un sa, cl;
	int s = unix_bound("dgram-server.sock", SOCK_DGRAM, &sa);
	pid_t pid = fork();
	if (pid == 0) {
		char buf[256];
		for (;;)
			recvfrom(s, buf, sizeof buf, 0, NULL, NULL);
	}
	close(s);
	int c = unix_bound("dgram-client.sock", SOCK_DGRAM, &cl);
	case_role("server", pid);
	case_ready();
	char buf[256];
	recv(c, buf, sizeof buf, 0);
	return 0;
}
