/* A reader whose only writer is a process outside the traced tree, which
 * itself waits for something else (its own stdin pipe, from the reader).
 *
 * case: healthy
 */
#include "case.h"

static int data[2], ctl[2];

static void writer(void *arg)
{
	char c;
	close(data[0]);
	close(ctl[1]);
	read_all(ctl[0], &c, 1);
	write_all(data[1], "hello", 5);
}

int main(void)
{
	if (pipe(data) || pipe(ctl))
		die("pipe");
	pid_t out = case_outside(writer, NULL);
	close(data[1]);
	close(ctl[0]);
	case_role("outside", out);
	case_ready();
	char buf[8];
	read_all(data[0], buf, 5);
	write_all(ctl[1], "g", 1);
	return 0;
}
