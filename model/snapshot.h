/* snapshot.h — what a capture saw: plain data, no handles, no pointers into
 * the target.  Capture (tracer/capture.c) fills it; analysis, the Python
 * walker and every renderer only read it.  Everything is heap-owned by the
 * snapshot and released by sj_snapshot_free(). Strings may be NULL. */
#ifndef SIGJAM_SNAPSHOT_H
#define SIGJAM_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum sj_fdkind {
	SJ_FDK_UNKNOWN,
	SJ_FDK_PIPE,    /* pipe:[inode] */
	SJ_FDK_FIFO,    /* a named pipe on a file system */
	SJ_FDK_SOCKET,  /* socket:[inode] */
	SJ_FDK_FILE,    /* regular file or directory */
	SJ_FDK_TTY,     /* /dev/pts/N, /dev/ttyN, /dev/console */
	SJ_FDK_CHR,     /* other character device (/dev/null ...) */
	SJ_FDK_EVENTFD, /* anon_inode:[eventfd] */
	SJ_FDK_EPOLL,   /* anon_inode:[eventpoll] */
	SJ_FDK_SIGNALFD,
	SJ_FDK_TIMERFD,
	SJ_FDK_PIDFD,
	SJ_FDK_ANON,    /* other anon_inode:... */
};

/* A file lock: held by an open file (fdinfo "lock:" lines) or listed in
 * /proc/locks, where a waiting request is a "->" line. */
enum sj_lock_flavor { SJ_LOCK_NONE, SJ_LOCK_FLOCK, SJ_LOCK_POSIX, SJ_LOCK_OFD };

struct sj_lock {
	enum sj_lock_flavor flavor;
	int write;                /* WRITE (exclusive) rather than READ (shared) */
	pid_t pid;                /* as /proc shows it: the owner's for POSIX and
				     FLOCK, -1 for OFD; the requester's for a wait */
	unsigned dev_major, dev_minor;
	uint64_t inode;           /* the locked file */
	uint64_t start, end;      /* bytes start..end inclusive; end UINT64_MAX: to EOF */
	int blocked;              /* /proc/locks: a waiting request, not a held lock */
};

/* Who could reach a Unix socket bound to a path (tracer/reach.c): connect
 * to a listener, send to a bound datagram socket.  Read after the capture,
 * from the file system and every process this tracer can see. */
enum sj_reach {
	SJ_REACH_UNCHECKED, /* not a Unix path address, or not checked: anyone may */
	SJ_REACH_OUTSIDE,   /* some process outside the snapshot could (reach_outsiders) */
	SJ_REACH_TREE,      /* only processes of the snapshot could, privileged ones aside */
	SJ_REACH_GONE,      /* the path no longer names this socket: nobody can */
};

/* A socket's endpoints, from sock_diag (tracer/sockdiag.c) before any
 * thread was stopped.  family 0: unknown (no sock_diag, another network
 * namespace, or the socket was made after the look). */
struct sj_sock {
	int family;               /* AF_UNIX, AF_INET, AF_INET6 */
	int type;                 /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	int protocol;             /* inet: IPPROTO_TCP or IPPROTO_UDP */
	int state;                /* TCP_* numbers (Unix sockets use them too): TCP_LISTEN listens */
	int named;                /* bound to an address anyone may send to or connect to */
	uint64_t peer;            /* inode of the socket at the other end when it is
				     on this host (Unix peer; TCP/UDP endpoint match), 0 none */
	uint32_t rqueue, wqueue;  /* bytes queued to read, not yet taken by the peer */
	char *local, *remote;     /* "/run/x.sock", "@abstract", "127.0.0.1:4000"; NULL none */
	uint64_t vfs_ino;         /* Unix, bound to a path: the socket file's inode and */
	unsigned vfs_major, vfs_minor; /* device (sock_diag UDIAG_SHOW_VFS); 0 unknown */
	enum sj_reach reach;      /* Unix path addresses: who could connect or send */
	unsigned reach_outsiders; /* SJ_REACH_OUTSIDE: how many processes outside could */
	pid_t reach_example;      /* SJ_REACH_OUTSIDE: the lowest such pid */
};

struct sj_fd {
	int fd;
	enum sj_fdkind kind;
	uint64_t inode;      /* pipe/socket inode, or st_ino of the file */
	unsigned dev_major, dev_minor; /* files: st_dev, which with inode names a lock's file */
	int accmode;         /* O_RDONLY / O_WRONLY / O_RDWR from fdinfo flags */
	unsigned flags;      /* fdinfo "flags:" (octal in /proc) */
	uint64_t pos;        /* fdinfo "pos:" */
	char *target;        /* readlink of /proc/PID/fd/N */
	int *epoll_tfds;     /* epoll fds only: the fds it watches (fdinfo "tfd:") */
	size_t n_epoll_tfds;
	struct sj_lock *locks; /* locks this open file holds (fdinfo "lock:") */
	size_t nlocks;
	struct sj_sock sock; /* sockets */
	uint32_t pipe_queued, pipe_size; /* pipes a thread waits on: bytes queued
				     (FIONREAD) and capacity (F_GETPIPE_SZ); size 0 unknown */
};

struct sj_map {
	uint64_t start, end, offset;
	char perms[5];       /* "rw-s" */
	uint64_t inode;
	unsigned dev_major, dev_minor;
	char *path;          /* NULL for anonymous mappings */
};

/* One native frame.  Capture records pc/is_activation only (the thread is
 * stopped meanwhile); symbolization fills the rest after the threads resume. */
struct sj_frame {
	uint64_t pc;
	int is_activation;   /* the innermost frame (or a signal frame): no pc-1 */
	char *func;          /* demangled symbol name or NULL */
	uint64_t func_off;   /* pc - symbol start */
	char *module;        /* path of the ELF file */
	uint64_t module_off; /* offset of pc in that file's mapping */
	char *file;          /* source file, NULL without debug info */
	int line;            /* 0 without debug info */
};

/* One Python frame (tracer/python). */
struct sj_pyframe {
	char *func;          /* co_qualname */
	char *file;          /* co_filename */
	int line;            /* from the location table; 0 unknown */
	int is_entry;        /* first Python frame above a C call into the eval loop */
};

/* What a blocked thread waits for, decoded from its syscall (and, for
 * poll/select/epoll, from its memory or fdinfo).  Filled by capture. */
enum sj_wait_kind {
	SJ_WAIT_NONE,        /* running, runnable, or not in a syscall */
	SJ_WAIT_READ,        /* read/readv/recv... on fds[0] */
	SJ_WAIT_WRITE,       /* write/writev/send... on fds[0] */
	SJ_WAIT_POLL,        /* poll/ppoll/select/pselect/epoll_wait on fds[] */
	SJ_WAIT_CHILD,       /* wait4/waitid; see wait_pid */
	SJ_WAIT_FUTEX,       /* futex wait; see futex_* */
	SJ_WAIT_SLEEP,       /* nanosleep, clock_nanosleep, pause with a timer... */
	SJ_WAIT_ACCEPT,      /* accept/accept4 on fds[0] */
	SJ_WAIT_SIGNAL,      /* pause, sigsuspend, rt_sigtimedwait, sigwaitinfo */
	SJ_WAIT_STOPPED,     /* state T/t before we came */
	SJ_WAIT_OTHER,       /* another blocking syscall; see syscall_nr */
	SJ_WAIT_LOCK,        /* flock, fcntl F_SETLKW/F_OFD_SETLKW on fds[0]; see lock */
};

struct sj_waitfd {
	int fd;
	int dir;             /* 0: waits to read (POLLIN), 1: to write (POLLOUT), 2: both */
};

struct sj_wait {
	enum sj_wait_kind kind;
	struct sj_waitfd *fds;
	size_t nfds;
	int has_timeout;     /* 1 if the wait ends by itself (finite timeout) */
	int64_t timeout_ns;  /* the timeout as given (relative), -1 unknown */
	pid_t wait_pid;      /* SJ_WAIT_CHILD: the pid argument (-1 any, <-1 a group) */
	uint64_t futex_addr; /* SJ_WAIT_FUTEX: the futex word's address */
	int futex_op;        /* the op without FUTEX_PRIVATE_FLAG/CLOCK_REALTIME */
	int futex_private;   /* FUTEX_PRIVATE_FLAG was set */
	struct sj_lock lock; /* SJ_WAIT_LOCK: the request (flavor, type, file, range) */
};

struct sj_thread {
	pid_t tid;
	pid_t ns_tid;        /* tid in the process's own pid namespace (NSpid); 0 = same as tid */
	char *name;          /* /proc/TID/comm */
	char state;          /* R S D T t Z X from /proc/TID/stat, read before stopping */
	char *wchan;         /* /proc/TID/wchan ("0" or "" when running) */
	long syscall_nr;     /* -1 not in a syscall (running), -2 unknown/unreadable */
	uint64_t syscall_args[6];
	uint64_t sp, pc;     /* from /proc/TID/syscall */
	struct sj_wait wait;
	uint64_t utime, stime;          /* clock ticks */
	uint64_t vcsw, nvcsw;           /* context switches from /proc/TID/status */
	uint64_t sched_runs;            /* times scheduled in (/proc/TID/schedstat), 0 unknown */

	struct sj_frame *frames;        /* innermost first */
	size_t nframes;
	char *unwind_error;             /* why the native stack is short/missing */

	/* Python (tracer/python); all zero when not a Python thread */
	int is_python;
	char *py_name;                  /* threading name: "MainThread", "Thread-3 (_handle_results)" */
	int py_holds_gil;
	struct sj_pyframe *pyframes;    /* innermost first */
	size_t npyframes;
};

struct sj_process {
	pid_t pid, ppid, pgid, sid;
	pid_t ns_pid;               /* pid in its own pid namespace (NSpid); 0 = same as pid */
	char state;                 /* process (leader) state from /proc/PID/stat */
	char *comm;
	char **argv;                /* NULL-terminated */
	size_t argc;
	char *exe;                  /* readlink /proc/PID/exe, NULL for zombies */
	uint64_t start_ticks;       /* stat field 22, clock ticks after boot */
	int exit_status;            /* zombies: raw wait status (stat field 52); -1 otherwise */
	uint64_t zombie_since_ns;   /* CLOCK_MONOTONIC estimate, 0 unknown */
	int is_target;              /* named on the command line (vs a descendant) */
	uint64_t sig_caught;        /* SigCgt of /proc/PID/status: bit N-1 set when signal N has a handler */

	struct sj_thread *threads;  /* threads[0] is the leader */
	size_t nthreads;
	struct sj_fd *fds;
	size_t nfds;
	struct sj_map *maps;
	size_t nmaps;

	char *python_version;       /* "3.11.7" when a CPython was found */
	char *python_note;          /* why Python frames are missing, one line */
	char *capture_error;        /* e.g. "exited during capture" */
};

struct sj_snapshot {
	uint64_t taken_mono_ns;     /* CLOCK_MONOTONIC when the capture began */
	int64_t taken_real_s;       /* time(NULL) */
	uint64_t boot_mono_offset;  /* unused unless set: converts start_ticks */
	long clk_tck;
	struct sj_process *procs;
	size_t nprocs;
	char **notes;               /* capture-wide notes (e.g. "pid 41 vanished") */
	size_t nnotes;
	struct sj_lock *locks;      /* /proc/locks before any stop: held locks and waiting requests */
	size_t nlocks;
	/* measured by capture, for bench/ and the report footer */
	uint64_t max_stop_ns;       /* the longest any one thread stayed stopped */
	uint64_t total_stop_ns;
	uint64_t capture_ns;        /* wall time of the whole capture */
};

void sj_snapshot_free(struct sj_snapshot *s);
/* Frees what one fd owns (its target, epoll list, locks, socket names). */
void sj_fd_release(struct sj_fd *f);

/* Lookups used everywhere. NULL when absent. */
struct sj_process *sj_snapshot_proc(const struct sj_snapshot *s, pid_t pid);
struct sj_thread *sj_snapshot_thread(const struct sj_snapshot *s, pid_t tid, struct sj_process **owner);
const struct sj_fd *sj_process_fd(const struct sj_process *p, int fd);
/* The mapping of p that contains addr. */
const struct sj_map *sj_process_map(const struct sj_process *p, uint64_t addr);
const char *sj_fdkind_name(enum sj_fdkind k);
const char *sj_wait_kind_name(enum sj_wait_kind k);
/* Names the JSON report uses for kernel enums ("flock", "tree", "unix",
 * "seqpacket", "listen", "tcp"); "unknown" for a value without one, except
 * sj_sock_protocol_name, which gives NULL for 0 (none: Unix sockets). */
const char *sj_lock_flavor_name(enum sj_lock_flavor f);
const char *sj_reach_name(enum sj_reach r);
const char *sj_sock_family_name(int family);
const char *sj_sock_type_name(int type);
const char *sj_sock_state_name(int state);
const char *sj_sock_protocol_name(int protocol);

/* Does lock `held`, which process q holds through its fd qfd, stand in the
 * way of request `req`, made by process p through its fd pfd?  The rules
 * of fs/locks.c: flock locks meet only flock locks, record (POSIX) and OFD
 * locks each other; two read locks never conflict; a POSIX lock never
 * conflicts with its own process's, an OFD or flock lock never with its
 * own open file (taken here as the same fd of the same process). */
int sj_lock_conflicts(const struct sj_lock *held, pid_t q, int qfd,
		      const struct sj_lock *req, pid_t p, int pfd);
/* Both name the same file (device and inode). */
int sj_lock_same_file(const struct sj_lock *a, const struct sj_lock *b);
/* A syscall's name ("read") from syscalls.def, NULL if it is not there. */
const char *sj_syscall_name(long nr);

#endif
