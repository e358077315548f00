/* reqresp.h — the corpus's request/response mismatch: the client sends a
 * request the server thinks is incomplete (no newline on a stream; one
 * message of the two it expects on a packet socket), then waits for the
 * answer; the server waits for the rest of the request.  Both block in a
 * receive, each on a socket only the other could write to. */
#ifndef SJ_CORPUS_REQRESP_H
#define SJ_CORPUS_REQRESP_H

#include "case.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Stream: read up to a newline, then answer. */
static void serve_line(int fd)
{
	char c;
	do {
		if (recv(fd, &c, 1, 0) <= 0)
			_exit(0);
	} while (c != '\n');
	write_all(fd, "OK\n", 3);
}

/* Packets (seqpacket, dgram): two messages, then answer. */
static void serve_two(int fd)
{
	char buf[256];
	for (int i = 0; i < 2; i++)
		if (recv(fd, buf, sizeof buf, 0) < 0)
			_exit(0);
	send(fd, "OK", 2, 0);
}

/* The client: one message without its end, then waits for the answer. */
static void ask(int fd)
{
	if (send(fd, "GET /status", 11, 0) != 11)
		die("send");
	char buf[256];
	recv(fd, buf, sizeof buf, 0);
}

/* A listening TCP socket on a free loopback port; *sa receives its address. */
static int tcp_listener(struct sockaddr_in *sa)
{
	socklen_t len = sizeof *sa;
	*sa = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)sa, sizeof *sa) || listen(ls, 4) ||
	    getsockname(ls, (struct sockaddr *)sa, &len))
		die("tcp listen");
	return ls;
}

/* A Unix socket of the given type bound to NAME in the case directory
 * (listening, for stream types). */
static int unix_bound(const char *name, int type, struct sockaddr_un *sa)
{
	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	case_path(sa->sun_path, sizeof sa->sun_path, name);
	unlink(sa->sun_path);
	int s = socket(AF_UNIX, type, 0);
	if (s < 0 || bind(s, (struct sockaddr *)sa, sizeof *sa) || (type == SOCK_STREAM && listen(s, 4)))
		die("unix bind");
	return s;
}

static int connected(int family, const void *sa, socklen_t len)
{
	int fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, sa, len))
		die("connect");
	return fd;
}

/* The mismatch over socketpair(AF_UNIX, type): the child serves. */
static int pair_case(int type)
{
	int sv[2];
	if (socketpair(AF_UNIX, type, 0, sv))
		die("socketpair");
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		if (type == SOCK_STREAM)
			serve_line(sv[1]);
		else
			serve_two(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	case_role("server", pid);
	case_ready();
	ask(sv[0]);
	return 0;
}

/* The mismatch over a stream listener: the child accepts and serves, the
 * parent connects to sa and asks. */
static int listener_case(int ls, int family, const void *sa, socklen_t len)
{
	pid_t pid = fork();
	if (pid == 0) {
		int c = accept(ls, NULL, NULL);
		if (c < 0)
			die("accept");
		serve_line(c);
		_exit(0);
	}
	close(ls);
	int fd = connected(family, sa, len);
	case_role("server", pid);
	case_ready();
	ask(fd);
	return 0;
}

#endif
