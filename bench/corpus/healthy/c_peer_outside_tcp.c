/* A TCP client in the tree waits for the answer of a loopback server
 * outside it, which waits for the rest of the request: the server is not
 * ours to see, so this is never a proved deadlock.
 *
 * case: healthy
 */
#include "reqresp.h"
#include <arpa/inet.h>
#include <netinet/in.h>

static int ls;

static void server(void *arg)
{
	int c = accept(ls, NULL, NULL);
	if (c >= 0)
		serve_line(c);
}

int main(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, 4) ||
	    getsockname(ls, (struct sockaddr *)&sa, &len))
		die("listen");
	pid_t out = case_outside(server, NULL);
	close(ls);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa))
		die("connect");
	case_role("outside", out);
	case_ready();
	ask(fd);
	return 0;
}
