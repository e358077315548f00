/* sjcount.c — many counted calls, for the tests of how rules count and
 * when they fire (tests/inject/cases.py, c_count_*).
 *
 *   sjcount threads T N   T threads (started together) each read 1 byte N
 *                         times from /dev/zero
 *   sjcount mixed N       N rounds of: read 1 byte from a regular file, then
 *                         1 byte from a pipe
 *
 * A read that returns anything but 1 is an injection: the program prints
 * "call K ret R" for it (K: the read's number in the whole program, counted
 * by the program itself; only in `mixed`, which is single-threaded), and at
 * the end "reads TOTAL injected COUNT". */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXT 16

static pthread_barrier_t start;
static long per_thread;
static long injected[MAXT];

static void die(const char *what)
{
	fprintf(stderr, "sjcount: %s: %s\n", what, strerror(errno));
	exit(99);
}

static void *reader(void *arg)
{
	long t = (long)arg, k;
	char c;
	int fd = open("/dev/zero", O_RDONLY);
	if (fd < 0)
		die("open /dev/zero");
	pthread_barrier_wait(&start);
	for (k = 0; k < per_thread; k++)
		if (read(fd, &c, 1) != 1)
			injected[t]++;
	close(fd);
	return NULL;
}

static int mode_threads(long nt, long n)
{
	pthread_t th[MAXT];
	long t, total = 0;
	if (nt < 1 || nt > MAXT || n < 1)
		return 2;
	per_thread = n;
	pthread_barrier_init(&start, NULL, (unsigned)nt);
	for (t = 1; t < nt; t++)
		if (pthread_create(&th[t], NULL, reader, (void *)t) != 0)
			die("pthread_create");
	reader((void *)0);
	for (t = 1; t < nt; t++)
		pthread_join(th[t], NULL);
	for (t = 0; t < nt; t++)
		total += injected[t];
	printf("reads %ld injected %ld\n", nt * n, total);
	return 0;
}

static long mixed_read(int fd, long *call, long *inj)
{
	char c;
	ssize_t r = read(fd, &c, 1);
	++*call;
	if (r != 1) {
		printf("call %ld ret %zd\n", *call, r);
		++*inj;
	}
	return r;
}

static int mode_mixed(long n)
{
	char path[] = "/tmp/sjcountXXXXXX", buf[4096];
	int p[2], file = mkstemp(path);
	long i, call = 0, inj = 0;
	if (file < 0 || pipe(p) != 0 || n < 1 || n > (long)sizeof buf)
		die("setup");
	unlink(path);
	memset(buf, 'x', sizeof buf);
	if (write(file, buf, (size_t)n) != n || lseek(file, 0, SEEK_SET) != 0 || write(p[1], buf, (size_t)n) != n)
		die("fill");
	for (i = 0; i < n; i++) {
		mixed_read(file, &call, &inj);
		mixed_read(p[0], &call, &inj);
	}
	printf("reads %ld injected %ld\n", call, inj);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "threads") == 0)
		return mode_threads(atol(argv[2]), atol(argv[3]));
	if (argc == 3 && strcmp(argv[1], "mixed") == 0)
		return mode_mixed(atol(argv[2]));
	fprintf(stderr, "usage: sjcount threads T N | sjcount mixed N\n");
	return 2;
}
