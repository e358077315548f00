/* internal.h — what the analysis files share: a string builder, a finding
 * builder, the wait-for graph, and the sentence pieces that describe it.
 * Nothing here is part of the public API (analysis.h is). */
#ifndef SIGJAM_ANALYSIS_INTERNAL_H
#define SIGJAM_ANALYSIS_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "text.h"

/* ---- growing arrays and strings; allocation failure is sticky ---- */

/* Makes room for one more element in *v (n used, *cap allocated).
 * Returns 0, or -1 when realloc failed (the array is left as it was). */
int sja_grow(void **v, size_t *cap, size_t n, size_t elsz);

struct sj_sb {
	char *s;
	size_t len, cap;
	int oom;        /* an append failed; the text is incomplete */
};

void sja_sb_printf(struct sj_sb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sja_sb_vprintf(struct sj_sb *b, const char *fmt, va_list ap);
void sja_sb_puts(struct sj_sb *b, const char *s);
/* Hands over the text (never NULL unless oom) and resets the builder. */
char *sja_sb_take(struct sj_sb *b);
void sja_sb_free(struct sj_sb *b);

/* "pid 12", "pids 12 and 13", "pids 12, 13 and 14" (word "pid"/"pids"
 * omitted when with_word is 0). */
void sja_sb_pids(struct sj_sb *b, const pid_t *pids, size_t n, int with_word);
/* English ordinal: 1st 2nd 3rd 4th 11th 12th 13th 21st ... */
void sja_sb_ordinal(struct sj_sb *b, long n);
/* A duration in seconds, short: "1.2 s", "0.0035 s", "12.5 s". */
void sja_sb_seconds(struct sj_sb *b, double s);

/* ---- finding builder ---- */

struct sj_fb {
	struct sj_finding f;
	size_t cap_ev, cap_edges, cap_loc, cap_pids, cap_pipes, cap_records, cap_assume;
	int oom;
};

/* The severity is the kind's (kinds.def). */
void sja_fb_init(struct sj_fb *fb, enum sj_finding_kind kind);
/* Takes the builder's text as the cause. */
void sja_fb_cause(struct sj_fb *fb, struct sj_sb *text);
void sja_fb_advice(struct sj_fb *fb, const char *advice);
/* Takes ownership of text (may be NULL after an allocation failure). */
void sja_fb_evidence(struct sj_fb *fb, pid_t pid, pid_t tid, char *text);
void sja_fb_edge(struct sj_fb *fb, pid_t from_pid, pid_t from_tid, pid_t to_pid,
		pid_t to_tid, const char *via);
void sja_fb_pid(struct sj_fb *fb, pid_t pid);       /* set semantics */
void sja_fb_pipe(struct sj_fb *fb, uint64_t inode); /* set semantics */
void sja_fb_location(struct sj_fb *fb, const char *file, int line, const char *func);
/* Adds a clause the finding's proof assumes (set semantics). */
void sja_fb_assume(struct sj_fb *fb, const char *clause);
/* Names journal record idx (an index into the journal's ev) as one behind
 * the finding; set semantics. */
void sja_fb_record(struct sj_fb *fb, size_t idx);
/* Appends the finding to out (sorting pids and pipes).  On any earlier
 * allocation failure it frees the finding instead and returns -1. */
int sja_fb_commit(struct sj_fb *fb, struct sj_findings *out);
void sja_fb_discard(struct sj_fb *fb);

/* ---- the wait-for graph ---- */

/* How a thread stands, decided from its wait alone (then refined by the
 * knot computation).  Order matters only for readability. */
enum sj_node_class {
	SJ_NODE_DEAD,     /* zombie process or exited thread: wakes nobody, waits for nothing */
	SJ_NODE_PROGRESS, /* running, runnable, sleeping, or any wait with a timeout */
	SJ_NODE_READY,    /* its wait is already satisfiable (wait4 with a matching zombie child) */
	SJ_NODE_PEER,     /* waits for a party outside the tree by design: socket, tty, a pipe end held outside, a signal, SIGCONT */
	SJ_NODE_UNKNOWN,  /* blocked with no timeout on something the snapshot cannot resolve */
	SJ_NODE_INSIDE,   /* blocked with no timeout; every possible waker is a thread in the snapshot */
};

/* One thing a blocked thread waits on, with the threads that could end it. */
enum sj_obj_kind {
	SJ_OBJ_PIPE_READ,     /* data or EOF on a pipe: any writer */
	SJ_OBJ_PIPE_WRITE,    /* room in a full pipe: any reader */
	SJ_OBJ_CHILD,         /* a child's exit: its threads */
	SJ_OBJ_FUTEX_PRIVATE, /* a private futex: the other threads of the process */
	SJ_OBJ_FUTEX_SHARED,  /* a futex in shared memory: the threads of every process mapping it */
	SJ_OBJ_SOCK_READ,     /* data on a socket: the holders of its peer */
	SJ_OBJ_SOCK_WRITE,    /* room in a socket's queue: the holders of its peer, who read */
	SJ_OBJ_LOCK,          /* a file lock: the holders of the locks that conflict with the request */
	SJ_OBJ_THREAD_EXIT,   /* pthread_join: the joined thread, whose exit clears the tid word */
	SJ_OBJ_CONNECT,       /* a connection to (a datagram sent to) a Unix address only the
			       * tree can reach: every thread of the snapshot (none when gone) */
	SJ_OBJ_CHILD_SIGNAL,  /* the process catches SIGCHLD: a child's exit runs its handler */
};

struct sj_gobj {
	enum sj_obj_kind kind;
	int fd;                    /* pipe objects: the waiter's fd; -1 otherwise */
	uint64_t inode;            /* pipe objects */
	enum sj_fdkind fdkind;     /* pipe objects: PIPE or FIFO */
	pid_t child;               /* CHILD: the child's pid */
	uint64_t addr;             /* futex objects */
	const struct sj_map *map;  /* FUTEX_SHARED: the mapping holding the futex word */
	uint64_t file_off;         /* FUTEX_SHARED: offset of the word in the mapped object */
	uint64_t peer;             /* SOCK_*: the inode of the socket at the other end */
	const struct sj_fd *file;  /* LOCK: the waiter's fd on the locked file */
	const struct sj_lock *req; /* LOCK: the request */
	pid_t tid;                 /* THREAD_EXIT: the joined thread */
	const struct sj_sock *bound; /* CONNECT: the bound socket (its path and reach) */
	size_t *wakers;            /* node indices */
	size_t nwakers;
};

struct sj_gnode {
	const struct sj_process *p;
	const struct sj_thread *t;
	size_t pi;                 /* index of p in the snapshot */
	enum sj_node_class cls;
	const char *why;           /* a static noun phrase: what it waits for ("a syscall the model does not decode") */
	struct sj_gobj *objs;      /* INSIDE (and READY/UNKNOWN partially): what it waits on */
	size_t nobjs;
	int knot;                  /* knot number, or -1 */
};

struct sj_graph {
	const struct sj_snapshot *s;
	struct sj_pipe_table pipes;
	struct sj_gnode *n;
	size_t nn;
	size_t *proc_first;        /* per process: index of its first node; proc_first[nprocs] == nn */
	int nknots;
	/* The "unless someone connects" look: a Unix rendezvous that processes
	 * outside the snapshot could reach counts as private too. */
	int trust_outside;
};

/* Resolving one fd of a wait (graph.c, sockets.c). */
struct sja_fdres {
	enum sj_node_class cls; /* INSIDE, PEER, UNKNOWN, or PROGRESS (the fd is ready) */
	const char *why;
	int oom;
};

/* gobj.c: a new object on node n's list (kind, fd -1), NULL on
 * allocation failure. */
struct sj_gobj *sja_new_obj(struct sj_gnode *n, enum sj_obj_kind kind);
/* Adds one node as a waker of o (set semantics).  0 or -1. */
int sja_add_waker(struct sj_gobj *o, size_t node);
/* Adds every live thread of process index pi, but node `skip` ((size_t)-1:
 * none), as a waker of o.  0 or -1. */
int sja_add_proc_wakers(const struct sj_graph *g, struct sj_gobj *o, size_t pi, size_t skip);
/* The same for pid's process, if it is in the snapshot.  0 or -1. */
int sja_add_pid_wakers(const struct sj_graph *g, struct sj_gobj *o, pid_t pid);

/* A wait on socket fd f of node n, in direction dir (0 read, 1 write, 2
 * both): INSIDE with objects whose wakers hold the peer socket, or PEER
 * when the other end may be outside the snapshot (sockets.c). */
struct sja_fdres sja_socket_obj(const struct sj_graph *g, struct sj_gnode *n, const struct sj_fd *f,
				int dir);
/* Is any process holding socket inode a top of the snapshot (its parent
 * is not in it): a tree's own front door rather than a private one? */
int sja_socket_held_by_top(const struct sj_graph *g, uint64_t inode);
/* What a proof through o assumes, as a clause ("no process outside the
 * tree connects to /tmp/x/s"), or NULL when it assumes nothing. */
const char *sja_obj_assumption(const struct sj_gobj *o, char *buf, size_t n);
/* A SJ_WAIT_LOCK node: its wakers are the holders of every lock that
 * conflicts with its request (locks.c); sets n->cls.  0 or -1. */
int sja_classify_lock(const struct sj_graph *g, struct sj_gnode *n);

/* Builds the nodes, their classes and wakers, then the knots.  -1 on
 * allocation failure (g is then freed). */
int sja_graph_build(const struct sj_snapshot *s, struct sj_graph *g);
/* The same with g->trust_outside set. */
int sja_graph_build_trusting(const struct sj_snapshot *s, struct sj_graph *g);
void sja_graph_free(struct sj_graph *g);

/* A process's depth in the snapshot's process tree (0: its parent is not in
 * the snapshot). */
int sja_graph_depth(const struct sj_graph *g, const struct sj_process *p);
/* Number of live (not DEAD) threads of a process. */
size_t sja_graph_live_threads(const struct sj_graph *g, size_t pi);

/* ---- sentence pieces (describe.c) ---- */

/* "pid 12 thread _handle_results (tid 14)"; just "pid 13" for a process
 * with one thread. */
void sja_sb_thread(struct sj_sb *b, const struct sj_process *p, const struct sj_thread *t);
/* A thread's short name: the Python target inside "Thread-3 (x)", else the
 * Python name, else comm; NULL if none. Writes into buf. */
const char *sja_thread_short_name(const struct sj_thread *t, char *buf, size_t n);
/* What the thread waits on: "reads pipe:[8493] (fd 5)", "sleeps",
 * "polls pipe:[1] (fd 3), pipe:[2] (fd 4) with no timeout".  plural selects
 * "read"/"reads" for a subject of several processes. */
void sja_sb_wait(struct sj_sb *b, const struct sj_snapshot *s, const struct sj_process *p,
		const struct sj_thread *t, int plural);
/* One object: "pipe:[8493]", "the shared semaphore /dev/shm/sem.x",
 * "private futex 0x7f..", "child pid 41". */
void sja_sb_obj(struct sj_sb *b, const struct sj_gobj *o);
/* The via text of an edge for an object. */
void sja_sb_via(struct sj_sb *b, const struct sj_gobj *o);
/* Verb a waker performs on the object: "write to", "read from", "post", "release", "exit". */
const char *sja_obj_waker_verb(const struct sj_gobj *o);
/* What a process's live threads do: "pid 40 sleeps", or "pid 40's threads:
 * MainThread (tid 40) reads pipe:[5] (fd 3); worker (tid 41) sleeps". */
void sja_sb_proc_activity(struct sj_sb *b, const struct sj_graph *g, const struct sj_process *p);
/* A raw wait status in words: "exited 3", "killed by SIGKILL (core dumped)",
 * "exit status unknown". */
void sja_sb_status(struct sj_sb *b, int status);
/* " in func (file:line)" from the innermost Python frame, else the innermost
 * native frame that has a source line, else the innermost named frame
 * outside libc; nothing when there are no frames. */
void sja_sb_where(struct sj_sb *b, const struct sj_thread *t);
/* Adds the thread's innermost Python frame and innermost native frame with
 * a source line as locations. */
void sja_fb_thread_locations(struct sj_fb *fb, const struct sj_thread *t);
/* A mapping's path without a trailing " (deleted)"; into buf. */
const char *sja_map_name(const struct sj_map *m, char *buf, size_t n);

/* ---- roles (roles.c) ---- */

/* What p is for, when kernel facts say it ("multiprocessing's forkserver:
 * it forked and reaps pids 41 and 42 and reports their exit to pid 40 over
 * pipe:[1] and pipe:[2] (only it writes them)"); 0 and nothing
 * written when it has no role.  b may be NULL (just the answer). */
int sja_sb_role(struct sj_sb *b, const struct sj_graph *g, const struct sj_process *p);
/* A fork server's name ("multiprocessing's forkserver", "a fork server"),
 * or NULL for any other process. */
const char *sja_role_name(const struct sj_graph *g, const struct sj_process *p);

/* ---- detectors ---- */

int sja_detect_deadlocks(const struct sj_graph *g, struct sj_findings *out);
int sja_detect_blocked_pipe_reads(const struct sj_graph *g, struct sj_findings *out);
int sja_detect_quiescent(const struct sj_graph *g, struct sj_findings *out);
/* No knot, but one would exist if no process outside the tree connected to
 * a Unix rendezvous it could reach: a note saying so (deadlock.c). */
int sja_detect_conditional(const struct sj_graph *g, struct sj_findings *out);
int sja_detect_zombies(const struct sj_graph *g, struct sj_findings *out);
int sja_detect_lost_workers(const struct sj_graph *g, const struct sj_journal *j,
			   struct sj_findings *out);
int sja_detect_journal(const struct sj_journal *j, struct sj_findings *out);

/* ---- verdicts (verdict.c) ---- */

/* The process is in the snapshot and not a zombie (0 without a snapshot). */
int sja_pid_alive(const struct sj_snapshot *s, pid_t pid);
/* The verdict of root cause fs->v[root], whose consequences already name
 * it in explained_by: one sentence of at most SJ_VERDICT_MAX characters.
 * NULL on allocation failure. */
char *sja_verdict(const struct sj_findings *fs, size_t root, const struct sj_snapshot *s,
		  const struct sj_journal *j);

/* ---- journal helpers (jrules.c) ---- */

/* Time of a record relative to the journal's first record of its root
 * process (the earliest process whose parent wrote nothing), in seconds. */
double sja_jtime(const struct sj_journal *j, const struct sj_jevent *e);

#endif
