/* A TCP client in the tree waits for the answer of a loopback server
 * outside it, which waits for the rest of the request: the server is not
 * ours to see, so this is never a proved deadlock.
 *
 * case: healthy
 */
#include "reqresp.h"

static int ls;

static void server(void *arg)
{
	int c = accept(ls, NULL, NULL);
	if (c >= 0)
		serve_line(c);
}

int main(void)
{
	struct sockaddr_in sa;
	ls = tcp_listener(&sa);
	pid_t out = case_outside(server, NULL);
	close(ls);
	int fd = connected(AF_INET, &sa, sizeof sa);
	case_role("outside", out);
	case_ready();
	ask(fd);
	return 0;
}
