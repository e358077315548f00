/* Request/response over a Unix stream socket bound to a path (listen,
 * connect, accept): the request's newline is missing.  The server also
 * keeps its listening socket, on which it no longer waits.
 *
 * case: hang
 * expect: deadlock @root server
 */
#include "reqresp.h"

int main(void)
{
	struct sockaddr_un sa;
	int ls = unix_bound("server.sock", SOCK_STREAM, &sa);
	return listener_case(ls, AF_UNIX, &sa, sizeof sa);
}
