/* A TCP loopback client and server in one tree between requests: the
 * server waits in recv(), the client thinks (sleeps) before the next.
 *
 * case: healthy
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
		for (;;)
			serve_line(c);
	}
	close(ls);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa))
		die("connect");
	case_ready();
	for (;;) {
		char buf[8];
		write_all(fd, "ping\n", 5);
		recv(fd, buf, sizeof buf, 0);
		sleep(1);
	}
}
