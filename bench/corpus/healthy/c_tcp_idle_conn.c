/* A TCP loopback client and server in one tree between requests: the
 * server waits in recv(), the client thinks (sleeps) before the next.
 *
 * case: healthy
 */
#include "reqresp.h"

int main(void)
{
	struct sockaddr_in sa;
	int ls = tcp_listener(&sa);
	pid_t pid = fork();
	if (pid == 0) {
		int c = accept(ls, NULL, NULL);
		for (;;)
			serve_line(c);
	}
	close(ls);
	int fd = connected(AF_INET, &sa, sizeof sa);
	case_ready();
	for (;;) {
		char buf[8];
		write_all(fd, "ping\n", 5);
		recv(fd, buf, sizeof buf, 0);
		sleep(1);
	}
}
