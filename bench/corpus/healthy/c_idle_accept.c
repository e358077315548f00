/* Idle servers: one blocked in accept() on a Unix socket bound to a path,
 * its child in accept() on a TCP loopback listener.  Nobody connects yet.
 *
 * case: healthy
 */
#include "case.h"
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	case_path(su.sun_path, sizeof su.sun_path, "idle.sock");
	unlink(su.sun_path);
	int us = socket(AF_UNIX, SOCK_STREAM, 0);
	if (us < 0 || bind(us, (struct sockaddr *)&su, sizeof su) || listen(us, 4))
		die("unix listen");
	struct sockaddr_in si = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int ts = socket(AF_INET, SOCK_STREAM, 0);
	if (ts < 0 || bind(ts, (struct sockaddr *)&si, sizeof si) || listen(ts, 4))
		die("tcp listen");
	pid_t pid = fork();
	if (pid == 0) {
		accept(ts, NULL, NULL);
		_exit(0);
	}
	case_ready();
	accept(us, NULL, NULL);
	return 0;
}
