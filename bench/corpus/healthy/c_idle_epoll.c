/* An idle event loop: epoll_wait with no timeout on a TCP listener, a
 * Unix datagram socket bound to a path and a pipe only the loop itself
 * writes (its wake-up pipe).  Its worker child waits for jobs on a pipe
 * from the loop.
 *
 * case: healthy
 */
#include "case.h"
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
	struct sockaddr_in si = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int ts = socket(AF_INET, SOCK_STREAM, 0);
	if (ts < 0 || bind(ts, (struct sockaddr *)&si, sizeof si) || listen(ts, 4))
		die("tcp listen");
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	case_path(su.sun_path, sizeof su.sun_path, "events.sock");
	unlink(su.sun_path);
	int ds = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (ds < 0 || bind(ds, (struct sockaddr *)&su, sizeof su))
		die("dgram bind");
	int wake[2], jobs[2];
	if (pipe(wake) || pipe(jobs))
		die("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(jobs[1]);
		read_all(jobs[0], &c, 1);
		_exit(0);
	}
	close(jobs[0]);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int fds[3] = { ts, ds, wake[0] };
	for (int i = 0; i < 3; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	case_ready();
	struct epoll_event out[4];
	for (;;)
		epoll_wait(ep, out, 4, -1);
}
