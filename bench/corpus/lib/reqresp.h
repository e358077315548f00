/* reqresp.h — the corpus's request/response mismatch: the client sends a
 * request the server thinks is incomplete (no newline on a stream; one
 * message of the two it expects on a packet socket), then waits for the
 * answer; the server waits for the rest of the request.  Both block in a
 * receive, each on a socket only the other could write to. */
#ifndef SJ_CORPUS_REQRESP_H
#define SJ_CORPUS_REQRESP_H

#include "case.h"
#include <sys/socket.h>

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

#endif
