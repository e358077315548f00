/* snapshot.c — releasing, looking up and naming snapshot data. */
#include "snapshot.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#define NAME_OF(table, i, dflt) \
	((unsigned)(i) < sizeof(table) / sizeof((table)[0]) && (table)[i] ? (table)[i] : (dflt))

static void free_thread(struct sj_thread *t)
{
	free(t->name);
	free(t->wchan);
	free(t->wait.fds);
	for (size_t i = 0; i < t->nframes; i++) {
		free(t->frames[i].func);
		free(t->frames[i].module);
		free(t->frames[i].file);
	}
	free(t->frames);
	free(t->unwind_error);
	free(t->py_name);
	for (size_t i = 0; i < t->npyframes; i++) {
		free(t->pyframes[i].func);
		free(t->pyframes[i].file);
	}
	free(t->pyframes);
}

void sj_fd_release(struct sj_fd *f)
{
	free(f->target);
	free(f->epoll_tfds);
	free(f->locks);
	free(f->sock.local);
	free(f->sock.remote);
	f->target = NULL;
	f->epoll_tfds = NULL;
	f->locks = NULL;
	f->sock.local = f->sock.remote = NULL;
}

static void free_process(struct sj_process *p)
{
	free(p->comm);
	if (p->argv)
		for (size_t i = 0; p->argv[i]; i++)
			free(p->argv[i]);
	free(p->argv);
	free(p->exe);
	for (size_t i = 0; i < p->nthreads; i++)
		free_thread(&p->threads[i]);
	free(p->threads);
	for (size_t i = 0; i < p->nfds; i++)
		sj_fd_release(&p->fds[i]);
	free(p->fds);
	for (size_t i = 0; i < p->nmaps; i++)
		free(p->maps[i].path);
	free(p->maps);
	free(p->python_version);
	free(p->python_note);
	free(p->capture_error);
}

void sj_snapshot_free(struct sj_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nprocs; i++)
		free_process(&s->procs[i]);
	free(s->procs);
	for (size_t i = 0; i < s->nnotes; i++)
		free(s->notes[i]);
	free(s->notes);
	free(s->locks);
	s->locks = NULL;
	s->nlocks = 0;
	s->procs = NULL;
	s->nprocs = 0;
	s->notes = NULL;
	s->nnotes = 0;
}

struct sj_process *sj_snapshot_proc(const struct sj_snapshot *s, pid_t pid)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

struct sj_thread *sj_snapshot_thread(const struct sj_snapshot *s, pid_t tid, struct sj_process **owner)
{
	for (size_t i = 0; i < s->nprocs; i++)
		for (size_t j = 0; j < s->procs[i].nthreads; j++)
			if (s->procs[i].threads[j].tid == tid) {
				if (owner)
					*owner = &s->procs[i];
				return &s->procs[i].threads[j];
			}
	return NULL;
}

const struct sj_fd *sj_process_fd(const struct sj_process *p, int fd)
{
	for (size_t i = 0; i < p->nfds; i++)
		if (p->fds[i].fd == fd)
			return &p->fds[i];
	return NULL;
}

const struct sj_map *sj_process_map(const struct sj_process *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nmaps; i++)
		if (p->maps[i].start <= addr && addr < p->maps[i].end)
			return &p->maps[i];
	return NULL;
}

const char *sj_fdkind_name(enum sj_fdkind k)
{
	static const char *const names[] = {
		[SJ_FDK_UNKNOWN] = "unknown", [SJ_FDK_PIPE] = "pipe",
		[SJ_FDK_FIFO] = "fifo", [SJ_FDK_SOCKET] = "socket",
		[SJ_FDK_FILE] = "file", [SJ_FDK_TTY] = "tty", [SJ_FDK_CHR] = "chr",
		[SJ_FDK_EVENTFD] = "eventfd", [SJ_FDK_EPOLL] = "epoll",
		[SJ_FDK_SIGNALFD] = "signalfd", [SJ_FDK_TIMERFD] = "timerfd",
		[SJ_FDK_PIDFD] = "pidfd", [SJ_FDK_ANON] = "anon",
	};
	return NAME_OF(names, k, "unknown");
}

const char *sj_wait_kind_name(enum sj_wait_kind k)
{
	static const char *const names[] = {
		[SJ_WAIT_NONE] = "none", [SJ_WAIT_READ] = "read",
		[SJ_WAIT_WRITE] = "write", [SJ_WAIT_POLL] = "poll",
		[SJ_WAIT_CHILD] = "child", [SJ_WAIT_FUTEX] = "futex",
		[SJ_WAIT_SLEEP] = "sleep", [SJ_WAIT_ACCEPT] = "accept",
		[SJ_WAIT_SIGNAL] = "signal", [SJ_WAIT_STOPPED] = "stopped",
		[SJ_WAIT_OTHER] = "other", [SJ_WAIT_LOCK] = "lock",
	};
	return NAME_OF(names, k, "other");
}

const char *sj_lock_flavor_name(enum sj_lock_flavor f)
{
	static const char *const names[] = {
		[SJ_LOCK_NONE] = "none", [SJ_LOCK_FLOCK] = "flock",
		[SJ_LOCK_POSIX] = "posix", [SJ_LOCK_OFD] = "ofd",
	};
	return NAME_OF(names, f, "unknown");
}

const char *sj_reach_name(enum sj_reach r)
{
	static const char *const names[] = {
		[SJ_REACH_UNCHECKED] = "unchecked", [SJ_REACH_OUTSIDE] = "outside",
		[SJ_REACH_TREE] = "tree", [SJ_REACH_GONE] = "gone",
	};
	return NAME_OF(names, r, "unknown");
}

const char *sj_sock_family_name(int family)
{
	static const char *const names[] = {
		[AF_UNIX] = "unix", [AF_INET] = "inet", [AF_INET6] = "inet6", [AF_NETLINK] = "netlink",
	};
	return NAME_OF(names, family, "unknown");
}

const char *sj_sock_type_name(int type)
{
	static const char *const names[] = {
		[SOCK_STREAM] = "stream", [SOCK_DGRAM] = "dgram", [SOCK_RAW] = "raw",
		[SOCK_SEQPACKET] = "seqpacket",
	};
	return NAME_OF(names, type, "unknown");
}

/* The kernel's TCP_* states (include/net/tcp_states.h), which sock_diag
 * reports for Unix sockets too (listen, established, close). */
const char *sj_sock_state_name(int state)
{
	static const char *const names[] = {
		[TCP_ESTABLISHED] = "established", [TCP_SYN_SENT] = "syn-sent",
		[TCP_SYN_RECV] = "syn-recv", [TCP_FIN_WAIT1] = "fin-wait-1",
		[TCP_FIN_WAIT2] = "fin-wait-2", [TCP_TIME_WAIT] = "time-wait",
		[TCP_CLOSE] = "close", [TCP_CLOSE_WAIT] = "close-wait",
		[TCP_LAST_ACK] = "last-ack", [TCP_LISTEN] = "listen", [TCP_CLOSING] = "closing",
	};
	return NAME_OF(names, state, "unknown");
}

const char *sj_sock_protocol_name(int protocol)
{
	static const char *const names[] = { [IPPROTO_TCP] = "tcp", [IPPROTO_UDP] = "udp" };
	return protocol == 0 ? NULL : NAME_OF(names, protocol, "unknown");
}

int sj_lock_same_file(const struct sj_lock *a, const struct sj_lock *b)
{
	return a->inode == b->inode && a->dev_major == b->dev_major && a->dev_minor == b->dev_minor;
}

int sj_lock_conflicts(const struct sj_lock *held, pid_t q, int qfd,
		      const struct sj_lock *req, pid_t p, int pfd)
{
	if (held->blocked || !sj_lock_same_file(held, req) ||
	    (held->flavor == SJ_LOCK_FLOCK) != (req->flavor == SJ_LOCK_FLOCK))
		return 0;
	if (!held->write && !req->write)
		return 0;
	if (held->end < req->start || req->end < held->start)
		return 0;
	if (held->flavor == SJ_LOCK_POSIX && req->flavor == SJ_LOCK_POSIX && q == p)
		return 0; /* one owner: the request converts or merges */
	if (held->flavor != SJ_LOCK_POSIX && held->flavor == req->flavor && q == p && qfd == pfd)
		return 0; /* the same open file */
	return 1;
}

const char *sj_syscall_name(long nr)
{
	static const struct { long nr; const char *name; } names[] = {
#define SJ_SC(name, kind, dec) { SYS_##name, #name },
#include "syscalls.def"
#undef SJ_SC
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].nr == nr)
			return names[i].name;
	return NULL;
}
