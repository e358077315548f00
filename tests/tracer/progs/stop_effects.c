/* stop_effects — one thread blocked in each kind of call a capture must
 * leave alone, each named after its call (comm).
 *
 * A stop wakes a blocked call with a pending "signal": the kernel restarts
 * most calls as if nothing happened, but epoll_wait, sigtimedwait and
 * semop return EINTR, and a large pipe write, a stream-socket send and a
 * MSG_WAITALL receive return what they moved so far (tracer/stopfx.def).
 * Thread NAME runs blk_NAME.  Every thread prints "RETURNED <name> <result>" on stderr if its call
 * ever returns: after any number of captures there must be no such line.
 * Timed calls wait 60 s.  "READY" once every thread was started.
 * SIGTERM removes the SysV semaphore and message queue and exits. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int ep, full_pipe[2], empty_pipe[2], full_sock[2], partial_sock[2], semid, msqid;
static int futex_word;
static char big[1 << 20];
static struct timespec minute = { 60, 0 };
static sigset_t usr2;

static void report(const char *name, long r)
{
	char buf[128];
	int n = snprintf(buf, sizeof buf, "RETURNED %s %ld %s\n", name, r, r < 0 ? strerror(errno) : "");
	if (write(2, buf, (size_t)n) < 0)
		_exit(3);
}

#define BLOCKER(name, call)                               \
	static void *blk_##name(void *arg)                \
	{                                                 \
		pthread_setname_np(pthread_self(), #name); \
		long r = (call);                          \
		report(#name, r);                         \
		return arg;                               \
	}

BLOCKER(epoll_inf, epoll_wait(ep, &(struct epoll_event){ 0 }, 1, -1))
BLOCKER(epoll_60s, epoll_wait(ep, &(struct epoll_event){ 0 }, 1, 60000))
BLOCKER(sigwaitinfo, sigwaitinfo(&usr2, NULL))
BLOCKER(sigtimedwait, sigtimedwait(&usr2, NULL, &minute))
BLOCKER(semop, semop(semid, &(struct sembuf){ 0, -1, 0 }, 1))
BLOCKER(semtimedop, semtimedop(semid, &(struct sembuf){ 0, -1, 0 }, 1, &minute))
BLOCKER(pipe_write, write(full_pipe[1], big, sizeof big))
BLOCKER(pipe_read, read(empty_pipe[0], big, 10))
BLOCKER(sock_send, send(full_sock[1], big, sizeof big, 0))
BLOCKER(recv_waitall, recv(partial_sock[0], big, 100, MSG_WAITALL))
BLOCKER(poll_inf, poll(&(struct pollfd){ empty_pipe[0], POLLIN, 0 }, 1, -1))
BLOCKER(poll_60s, poll(&(struct pollfd){ empty_pipe[0], POLLIN, 0 }, 1, 60000))
BLOCKER(select_inf, select(0, NULL, NULL, NULL, NULL))
BLOCKER(select_60s, select(0, NULL, NULL, NULL, &(struct timeval){ 60, 0 }))
BLOCKER(nanosleep, nanosleep(&minute, NULL))
BLOCKER(futex_inf, syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0))
BLOCKER(futex_60s, syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &minute, NULL, 0))
BLOCKER(wait4, wait4(-1, NULL, 0, NULL))
BLOCKER(msgrcv, msgrcv(msqid, big, 100, 0, 0))
BLOCKER(pause, pause())

static void on_term(int sig)
{
	semctl(semid, 0, IPC_RMID);
	msgctl(msqid, IPC_RMID, NULL);
	_exit(0);
}

int main(void)
{
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	signal(SIGTERM, on_term);
	int small = 4096;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || pipe(full_pipe) || pipe(empty_pipe) || socketpair(AF_UNIX, SOCK_STREAM, 0, full_sock) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, partial_sock) ||
	    setsockopt(full_sock[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small) ||
	    write(partial_sock[1], "abc", 3) != 3) /* the WAITALL receive gets 3 of 100 */
		return 2;
	semid = semget(IPC_PRIVATE, 1, 0600);
	msqid = msgget(IPC_PRIVATE, 0600);
	if (semid < 0 || msqid < 0)
		return 2;
	if (fork() == 0) { /* wait4's child, which never exits (but with us) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	void *(*fns[])(void *) = {
		blk_epoll_inf, blk_epoll_60s, blk_sigwaitinfo, blk_sigtimedwait, blk_semop,
		blk_semtimedop, blk_pipe_write, blk_pipe_read, blk_sock_send, blk_recv_waitall,
		blk_poll_inf, blk_poll_60s, blk_select_inf, blk_select_60s, blk_nanosleep,
		blk_futex_inf, blk_futex_60s, blk_wait4, blk_msgrcv, blk_pause,
	};
	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, fns[i], NULL))
			return 2;
	}
	if (write(2, "READY\n", 6) < 0)
		return 2;
	for (;;)
		pause();
}
