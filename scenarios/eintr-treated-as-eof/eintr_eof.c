/* eintr_eof.c — a read interrupted by a signal treated as end of data
 * (failure catalogue F6; signal(7) "Interruption of system calls").
 *
 * The parent installs a SIGUSR1 handler ("reopen the log") with sigaction()
 * and no SA_RESTART, so a read() blocked on a pipe when the signal lands
 * fails with EINTR.  Its read loop stops on any result <= 0, as if the
 * writer had finished: the data still in flight is silently lost.  The
 * writer child sends CHUNKS chunks with a pause between them, so the reader
 * is blocked in read() while sigjam delivers the signal
 * (read:in=parent:fd=pipe:during=200ms:signal=USR1@self).
 * Compile with -DRETRY_EINTR for the fixed twin. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNKS 3
#define CHUNK_BYTES 1000
#define PAUSE_MS 500 /* longer than the 200 ms the injection waits */

static volatile sig_atomic_t reopen_requests;

static void on_usr1(int sig)
{
	(void)sig;
	reopen_requests++;
}

static void writer(int fd)
{
	char chunk[CHUNK_BYTES];
	memset(chunk, 'x', sizeof chunk);
	for (int i = 0; i < CHUNKS; i++) {
		if (i > 0) {
			struct timespec ts = { PAUSE_MS / 1000, (PAUSE_MS % 1000) * 1000000L };
			while (nanosleep(&ts, &ts) != 0)
				;
		}
		size_t off = 0;
		while (off < sizeof chunk) {
			ssize_t w = write(fd, chunk + off, sizeof chunk - off);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				_exit(3);
			}
			off += (size_t)w;
		}
	}
	_exit(0);
}

/* Reads until the writer is done; returns the byte count. */
static long read_all(int fd)
{
	char buf[4096];
	long total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
#ifdef RETRY_EINTR
		/* The fix: EINTR means "a handler ran", not "no more data". */
		if (n < 0 && errno == EINTR)
			continue;
#endif
		if (n <= 0) {
			if (n < 0)
				printf("reader: read failed: %s — treating it as end of data\n", strerror(errno));
			return total;
		}
		total += n;
	}
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = 0; /* no SA_RESTART: blocking calls fail with EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0) {
		perror("sigaction");
		return 2;
	}
	int pfd[2];
	if (pipe(pfd) != 0) {
		perror("pipe");
		return 2;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		close(pfd[0]);
		writer(pfd[1]);
	}
	close(pfd[1]);

	long got = read_all(pfd[0]);
	long sent = (long)CHUNKS * CHUNK_BYTES;
	/* Keep the read end open until the writer is done, so that it ends
	 * normally (no SIGPIPE) and the loss is the reader's alone. */
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	printf("reader: got %ld of %ld bytes (%d SIGUSR1 handled)\n", got, sent, (int)reopen_requests);
	if (got != sent) {
		printf("reader: LOST %ld bytes\n", sent - got);
		return 1;
	}
	printf("reader: all data arrived\n");
	return 0;
}
