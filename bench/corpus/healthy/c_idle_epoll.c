/* An idle event loop: epoll_wait with no timeout on a TCP listener, a
 * Unix datagram socket bound to a path and a pipe only the loop itself
 * writes (its wake-up pipe).  Its worker child waits for jobs on a pipe
 * from the loop.
 *
 * case: healthy
 */
#include "reqresp.h"
#include <sys/epoll.h>

int main(void)
{
	struct sockaddr_in si;
	struct sockaddr_un su;
	int ts = tcp_listener(&si);
	int ds = unix_bound("events.sock", SOCK_DGRAM, &su);
	int wake[2], jobs[2];
	if (pipe(wake) || pipe(jobs))
		die("pipe");
	fork_waiting_child(jobs);
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
