/* Request/response over socketpair(AF_UNIX, SOCK_SEQPACKET): the server
 * expects two messages, the client sends one and waits for the answer.
 *
 * case: hang
 * expect: deadlock @root server
 */
#include "reqresp.h"

int main(void)
{
	return pair_case(SOCK_SEQPACKET);
}
