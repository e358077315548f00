/* Idle servers: one blocked in accept() on a Unix socket bound to a path,
 * its child in accept() on a TCP loopback listener.  Nobody connects yet.
 *
 * case: healthy
 */
#include "reqresp.h"

int main(void)
{
	struct sockaddr_un su;
	struct sockaddr_in si;
	int us = unix_bound("idle.sock", SOCK_STREAM, &su);
	int ts = tcp_listener(&si);
	pid_t pid = fork();
	if (pid == 0) {
		accept(ts, NULL, NULL);
		_exit(0);
	}
	case_ready();
	accept(us, NULL, NULL);
	return 0;
}
