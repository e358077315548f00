/* Two event loops, each waiting in epoll_wait (no timeout) for the other
 * to speak first: the parent on a socketpair end and a pipe, the child on
 * the other end and a second pipe.  Each is stuck only because every fd
 * in its interest set is.
 *
 * case: hang
 * expect: deadlock @root child
 */
#include "case.h"
#include <sys/epoll.h>
#include <sys/socket.h>

static void loop(int a, int b)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };
	ev.data.fd = a;
	epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev);
	ev.data.fd = b;
	epoll_ctl(ep, EPOLL_CTL_ADD, b, &ev);
	struct epoll_event out[4];
	while (epoll_wait(ep, out, 4, -1) <= 0)
		;
}

int main(void)
{
	int sv[2], p1[2], p2[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(p1) || pipe(p2))
		die("setup");
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		close(p1[0]);
		close(p2[1]);
		loop(sv[1], p2[0]); /* p1[1] is the child's to write, later */
		_exit(0);
	}
	close(sv[1]);
	close(p1[1]);
	close(p2[0]);
	case_role("child", pid);
	case_ready();
	loop(sv[0], p1[0]);
	return 0;
}
