/* Request/response over a Unix stream socket bound to a path (listen,
 * connect, accept): the request's newline is missing.  The server also
 * keeps its listening socket, on which it no longer waits.
 *
 * case: hang
 * expect: deadlock @root server
 */
#include "reqresp.h"
#include <sys/un.h>

int main(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	case_path(sa.sun_path, sizeof sa.sun_path, "server.sock");
	unlink(sa.sun_path);
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, 4))
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
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa))
		die("connect");
	case_role("server", pid);
	case_ready();
	ask(fd);
	return 0;
}
