/* flood.c — pipe I/O on several threads while another process floods us with
 * SIGUSR1/SIGUSR2 (SA_RESTART handlers).  The output is deterministic by
 * construction: the byte count and FNV-1a checksum of every stream, which
 * only depend on the seeded generators.  Run with and without libsigjam.so,
 * the two outputs must be byte-identical.
 *
 *   flood [STREAMS [MIB_PER_STREAM [MIN_SIGNALS]]] */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_STREAMS 8

static volatile sig_atomic_t got1, got2;
static size_t bytes_per_stream;

struct stream {
	int fd[2];
	unsigned index;
	uint64_t nread;
	uint64_t fnv;
};

static void on_usr1(int sig) { (void)sig; got1++; }

static void on_usr2(int sig)
{
	int saved = errno;
	(void)sig;
	got2++;
	errno = saved;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Writes the stream's bytes in chunks of varying size (1 .. 96 KiB, some
 * larger than the pipe) so that writes are both atomic and partial. */
static void *writer(void *arg)
{
	struct stream *s = arg;
	uint64_t st = 0x9e3779b97f4a7c15ull * (s->index + 1);
	static __thread unsigned char buf[96 * 1024];
	size_t left = bytes_per_stream;
	while (left) {
		size_t n = 1 + xorshift(&st) % sizeof buf, off = 0;
		if (n > left)
			n = left;
		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)(xorshift(&st) >> 56);
		while (off < n) {
			ssize_t w = write(s->fd[1], buf + off, n - off);
			if (w < 0) {
				perror("write");
				exit(3);
			}
			off += (size_t)w; /* an interrupted large write returns short */
		}
		left -= n;
	}
	close(s->fd[1]);
	return NULL;
}

static void *reader(void *arg)
{
	struct stream *s = arg;
	unsigned char buf[7919]; /* odd size: reads straddle the writer's chunks */
	uint64_t h = 0xcbf29ce484222325ull;
	for (;;) {
		ssize_t n = read(s->fd[0], buf, sizeof buf);
		if (n < 0) {
			perror("read"); /* EINTR would mean SA_RESTART was lost */
			exit(3);
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3ull;
		s->nread += (uint64_t)n;
	}
	s->fnv = h;
	return NULL;
}

/* The flooder: signals the parent at least min_signals times and until the
 * parent closes the stop pipe. */
static void flood(pid_t target, int ready, int stop, long min_signals)
{
	long sent = 0;
	char c;
	if (write(ready, "r", 1) != 1)
		_exit(4);
	for (;;) {
		if (kill(target, (sent & 1) ? SIGUSR2 : SIGUSR1) != 0)
			_exit(5);
		sent++;
		if (sent >= min_signals && sent % 64 == 0) {
			/* the parent closes its end when its I/O is done */
			struct timeval tv = { 0, 0 };
			fd_set rs;
			FD_ZERO(&rs);
			FD_SET(stop, &rs);
			if (select(stop + 1, &rs, NULL, NULL, &tv) > 0 && read(stop, &c, 1) <= 0)
				break;
		}
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	unsigned nstreams = argc > 1 ? (unsigned)atoi(argv[1]) : 4;
	size_t mib = argc > 2 ? (size_t)atoi(argv[2]) : 8;
	long min_signals = argc > 3 ? atol(argv[3]) : 3000;
	struct stream st[MAX_STREAMS];
	pthread_t tw[MAX_STREAMS], tr[MAX_STREAMS];
	struct sigaction sa;
	int ready[2], stop[2], status;
	pid_t child;
	char c;

	if (nstreams < 1 || nstreams > MAX_STREAMS)
		return 2;
	bytes_per_stream = mib << 20;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);

	if (pipe(ready) != 0 || pipe(stop) != 0)
		return 2;
	child = fork();
	if (child == 0) {
		close(stop[1]);
		flood(getppid(), ready[1], stop[0], min_signals);
	}
	close(stop[0]);
	close(ready[1]);
	/* I/O starts once the flood has begun. */
	while (read(ready[0], &c, 1) < 0 && errno == EINTR)
		;

	for (unsigned i = 0; i < nstreams; i++) {
		memset(&st[i], 0, sizeof st[i]);
		st[i].index = i;
		if (pipe(st[i].fd) != 0)
			return 2;
		pthread_create(&tr[i], NULL, reader, &st[i]);
		pthread_create(&tw[i], NULL, writer, &st[i]);
	}
	for (unsigned i = 0; i < nstreams; i++) {
		pthread_join(tw[i], NULL);
		pthread_join(tr[i], NULL);
		close(st[i].fd[0]);
	}
	close(stop[1]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;

	for (unsigned i = 0; i < nstreams; i++)
		printf("stream %u bytes %llu fnv %016llx\n", i, (unsigned long long)st[i].nread,
		       (unsigned long long)st[i].fnv);
	printf("flooder %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "done" : "failed");
	printf("handlers ran %s\n", got1 > 0 && got2 > 0 ? "yes" : "no");
	return 0;
}
