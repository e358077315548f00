/* Request/response over TCP on the loopback interface: the request's
 * newline is missing.  Each side's peer endpoint is the other's socket.
 *
 * case: hang
 * expect: deadlock @root server
 */
#include "reqresp.h"

int main(void)
{
	struct sockaddr_in sa;
	int ls = tcp_listener(&sa);
	return listener_case(ls, AF_INET, &sa, sizeof sa);
}
