/* Request/response over socketpair(AF_UNIX, SOCK_DGRAM): the server
 * expects two datagrams, the client sends one and waits for the answer.
 * The pair is bound to no address: only the peer can send to either end.
 *
 * case: hang
 * expect: deadlock @root server
 */
#include "reqresp.h"

int main(void)
{
	return pair_case(SOCK_DGRAM);
}
