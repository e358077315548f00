/* A Unix datagram server bound to a path waits in recvfrom(); its client
 * in the tree waits for an answer to a request it sent to the wrong
 * address.  A socket bound to a path can hear from any process, so the
 * server's wait is on the outside world: never a proved deadlock.
 *
 * case: healthy
 */
#include "case.h"
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX }, cl = { .sun_family = AF_UNIX };
	case_path(sa.sun_path, sizeof sa.sun_path, "dgram-server.sock");
	case_path(cl.sun_path, sizeof cl.sun_path, "dgram-client.sock");
	unlink(sa.sun_path);
	unlink(cl.sun_path);
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa))
		die("bind");
	pid_t pid = fork();
	if (pid == 0) {
		char buf[256];
		for (;;)
			recvfrom(s, buf, sizeof buf, 0, NULL, NULL);
	}
	close(s);
	int c = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (c < 0 || bind(c, (struct sockaddr *)&cl, sizeof cl))
		die("bind");
	case_role("server", pid);
	case_ready();
	char buf[256];
	recv(c, buf, sizeof buf, 0);
	return 0;
}
