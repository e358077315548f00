/* fdkinds.c — `fdview --kinds`: the fd-kind cache (inject/fdkind.c) against
 * descriptors that change what they are under one number.  cases.py runs it
 * under the shim with one rule per kind, each answering a read without
 * making it:
 *
 *   read:fd=pipe:retval=11;read:fd=socket:retval=22;read:fd=file:retval=33;
 *   read:fd=fifo:retval=55
 *
 * so read() returns the kind the shim saw.  Each step gives the number N a
 * new kind through a different door — the wrapped close/open/dup2/socket
 * calls, the FILE and DIR functions whose descriptors libc opens and closes
 * internally, popen, descriptors received with SCM_RIGHTS, and a raw
 * syscall(2) close and open the shim cannot see — and prints
 * "<step>: want <code> got <code>".  A classified descriptor is cached on the
 * first read, so every step reads twice. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { PIPE = 11, SOCKET = 22, FILE_ = 33, FIFO = 55 };

static int N = 40; /* the number every step reuses */
static char fifo_path[64];

static void step(const char *name, int want)
{
	char c;
	long a, b;
	/* A read the rules miss must not block. */
	fcntl(N, F_SETFL, fcntl(N, F_GETFL) | O_NONBLOCK);
	a = (long)read(N, &c, 1);
	b = (long)read(N, &c, 1);
	printf("%s: want %d got %ld %ld\n", name, want, a, b);
}

/* Moves fd onto N with the wrapped dup2, closing fd. */
static void onto_n(int fd)
{
	if (fd != N) {
		dup2(fd, N);
		close(fd);
	}
}

/* Frees N with a raw close the shim does not see. */
static void raw_close_n(void)
{
	syscall(SYS_close, N);
}

static void send_fd(int sock, int fd)
{
	char byte = 0, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	sendmsg(sock, &m, 0);
}

static int recv_fd(int sock)
{
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
	int fd = -1;
	if (recvmsg(sock, &m, 0) == 1 && CMSG_FIRSTHDR(&m))
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof fd);
	return fd;
}

/* Makes the lowest free descriptor N: everything below it is taken. */
static void fill_below_n(void)
{
	for (int fd = 3; fd < N; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			open("/dev/null", O_RDONLY);
}

int fdkinds_main(void)
{
	int p[2], sv[2], s;
	FILE *f;
	DIR *d;
	snprintf(fifo_path, sizeof fifo_path, "/tmp/sjfdkinds.%d", (int)getpid());
	mkfifo(fifo_path, 0600);
	fill_below_n();

	pipe(p);
	onto_n(p[0]);
	step("pipe", PIPE);

	close(N);
	s = socket(AF_UNIX, SOCK_STREAM, 0); /* lands on N */
	step("close, socket", s == N ? SOCKET : -1);

	/* The FILE and DIR functions and popen open and close N inside libc;
	 * each closer below is the only call the shim sees before a raw
	 * syscall(2) gives N a new kind. */
	close(N);
	f = fopen("/etc/hostname", "r");
	step("close, fopen", f && fileno(f) == N ? FILE_ : -1);
	fclose(f);
	s = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	step("fclose, raw socket", s == N ? SOCKET : -1);

	close(N);
	d = opendir("/");
	step("close, opendir", d && dirfd(d) == N ? FILE_ : -1);
	closedir(d);
	s = (int)syscall(SYS_pipe2, p, 0);
	step("closedir, raw pipe", p[0] == N ? PIPE : -1);
	close(p[1]);

	close(N);
	f = popen("true", "r");
	step("close, popen", f && fileno(f) == N ? PIPE : -1);
	pclose(f);
	s = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	step("pclose, raw socket", s == N ? SOCKET : -1);

	/* Unseen close and unseen open: the cached "socket" is stale, and the
	 * one fstat that confirms a cached match finds the FIFO. */
	raw_close_n();
	s = (int)syscall(SYS_openat, AT_FDCWD, fifo_path, O_RDWR | O_NONBLOCK);
	step("raw close, raw open of a FIFO", s == N ? FIFO : -1);

	/* Unseen close, then a pipe received over a socket lands on N (it
	 * holds a byte, so a read the rules miss returns 1 instead of
	 * blocking). */
	raw_close_n();
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	{
		int a = fcntl(sv[0], F_DUPFD, N + 1), b = fcntl(sv[1], F_DUPFD, N + 1);
		close(sv[0]);
		close(sv[1]);
		pipe(p);
		write(p[1], "xy", 2);
		send_fd(b, p[0]);
		close(p[0]);
		s = recv_fd(a);
		step("raw close, recvmsg SCM_RIGHTS", s == N ? PIPE : -1);
		close(a);
		close(b);
		close(p[1]);
	}

	/* close_range, then a raw open. */
	close_range((unsigned)N, ~0u, 0);
	s = (int)syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY);
	step("close_range, raw open", s == N ? FILE_ : -1);

	/* dup2 over a live descriptor of another kind. */
	pipe(p);
	dup2(p[0], N);
	step("dup2 onto a file", PIPE);

	/* fcntl(F_DUPFD) into the free number N. */
	close(N);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	{
		int high = fcntl(s, F_DUPFD, N + 5);
		close(s);
		s = fcntl(high, F_DUPFD, N);
	}
	step("close, fcntl F_DUPFD", s == N ? SOCKET : -1);

	unlink(fifo_path);
	return 0;
}
