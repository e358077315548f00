/* Request/response over socketpair(AF_UNIX, SOCK_STREAM): the request's
 * newline is missing, the server waits for it, the client for the answer.
 *
 * case: hang
 * expect: deadlock @root server
 */
#include "reqresp.h"

int main(void)
{
	return pair_case(SOCK_STREAM);
}
