/* A client waits for an answer from a server outside the traced tree (a
 * daemon, re-parented away).  The server waits too — for a request the
 * client never completes — but a party outside the tree is never part of
 * a proved deadlock: the trace sees one side of the conversation only.
 *
 * case: healthy
 */
#include "reqresp.h"

static int sv[2];

static void server(void *arg)
{
	close(sv[0]);
	serve_line(sv[1]);
}

int main(void)
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair");
	pid_t out = case_outside(server, NULL);
	close(sv[1]);
	case_role("outside", out);
	case_ready();
	ask(sv[0]);
	return 0;
}
