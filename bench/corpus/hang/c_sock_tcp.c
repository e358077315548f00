/* Request/response over TCP on the loopback interface: the request's
 * newline is missing.  Each side's peer endpoint is the other's socket.
 *
 * case: hang
 * expect: deadlock @root server
 */
#include "reqresp.h"
#include <arpa/inet.h>
#include <netinet/in.h>

int main(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, 4) ||
	    getsockname(ls, (struct sockaddr *)&sa, &len))
		die("listen");
	pid_t pid = fork();
	if (pid == 0) {
		int c = accept(ls, NULL, NULL);
		if (c < 0)
			die("accept");
		serve_line(c);
		_exit(0);
	}
	close(ls);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa))
		die("connect");
	case_role("server", pid);
	case_ready();
	ask(fd);
	return 0;
}
