/* alloc_prog.c — a program linked with its own allocator (countalloc.c).
 * Prints how many of its allocator calls reached that allocator; the test
 * compares the numbers with and without the shim. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void countalloc_get(long out[4]);

static void *volatile sink;

/* An unsafe handler: the shim reports its calls, and they still go to the
 * program's allocator. */
static void on_usr1(int sig)
{
	(void)sig;
	sink = malloc(8);
	free(sink);
}

int main(void)
{
	long a[4], b[4];
	void *p[10], *c, *r;
	char *d;
	struct sigaction sa;
	int i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	countalloc_get(a);
	for (i = 0; i < 10; i++)
		p[i] = malloc(32 + (size_t)i);
	c = calloc(4, 8);
	r = realloc(NULL, 10);
	r = realloc(r, 100);
	d = strdup("x"); /* libc's own malloc call, through its PLT */
	raise(SIGUSR1);
	for (i = 0; i < 10; i++)
		free(p[i]);
	free(c);
	free(r);
	free(d);
	countalloc_get(b);
	printf("malloc %ld calloc %ld realloc %ld free %ld\n",
	       b[0] - a[0], b[1] - a[1], b[2] - a[2], b[3] - a[3]);
	return 0;
}
