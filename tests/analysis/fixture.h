/* fixture.h — hand-made snapshots and journals for the analysis tests.
 *
 * Capacities are fixed at creation so that the pointers a test holds stay
 * valid while it keeps adding (no realloc behind its back); everything is
 * heap-allocated the way capture does it, so sj_snapshot_free and
 * sj_journal_free release it. */
#ifndef SIGJAM_TEST_ANALYSIS_FIXTURE_H
#define SIGJAM_TEST_ANALYSIS_FIXTURE_H

#include <stdint.h>
#include <sys/types.h>

#include "analysis.h"

#define FX_MAX_PROCS 32
#define FX_MAX_THREADS 16
#define FX_MAX_FDS 32
#define FX_MAX_MAPS 8

void fx_init(struct sj_snapshot *s);
/* A live process (state S) with no threads yet; pgid = sid = pid. */
struct sj_process *fx_proc(struct sj_snapshot *s, pid_t pid, pid_t ppid);
/* A zombie: state Z, no threads, no fds, raw wait status. */
struct sj_process *fx_zombie(struct sj_snapshot *s, pid_t pid, pid_t ppid, int status);
/* A thread in state S, not in a syscall yet (set its wait below). */
struct sj_thread *fx_thread(struct sj_process *p, pid_t tid, const char *comm);
void fx_pyname(struct sj_thread *t, const char *py_name);
void fx_pyframe(struct sj_thread *t, const char *func, const char *file, int line);
void fx_frame(struct sj_thread *t, const char *func, const char *module, const char *file, int line);

void fx_running(struct sj_thread *t);
void fx_read(struct sj_thread *t, int fd);
void fx_write(struct sj_thread *t, int fd);
/* poll on fds with directions (0 in, 1 out, 2 both) */
void fx_poll(struct sj_thread *t, int n, const int *fds, const int *dirs);
void fx_child(struct sj_thread *t, pid_t wait_pid);
void fx_futex(struct sj_thread *t, uint64_t addr, int private_);
void fx_sleep(struct sj_thread *t);
void fx_accept(struct sj_thread *t, int fd);
void fx_other(struct sj_thread *t, long nr);
void fx_timeout(struct sj_thread *t, int64_t ns);

void fx_fd(struct sj_process *p, int fd, enum sj_fdkind kind, uint64_t inode, int accmode);
/* Both ends of pipe `inode`: rfd O_RDONLY, wfd O_WRONLY (-1 to omit one). */
void fx_pipe(struct sj_process *p, int rfd, int wfd, uint64_t inode);
void fx_map(struct sj_process *p, uint64_t start, uint64_t end, uint64_t offset,
	    const char *perms, uint64_t inode, const char *path);

/* A socket fd as sock_diag describes it (state: TCP_* numbers). */
void fx_sock(struct sj_process *p, int fd, uint64_t inode, int family, int type, int state,
	     uint64_t peer, int named);
/* A Unix socket bound to `path` (a listener for SOCK_STREAM, else a
 * datagram socket) and what capture found about who could reach it. */
void fx_bound(struct sj_process *p, int fd, uint64_t inode, int type, const char *path,
	      enum sj_reach reach);
/* argv: a single string (for the role names, "... multiprocessing.forkserver ..."). */
void fx_argv(struct sj_process *p, const char *arg);
/* A file fd on device 8:1 inode `inode`, holding the locks added with fx_held_lock. */
void fx_file(struct sj_process *p, int fd, uint64_t inode, const char *path);
void fx_held_lock(struct sj_process *p, int fd, enum sj_lock_flavor flavor, int write,
		  uint64_t start, uint64_t end);
/* Waits in flock/fcntl on file fd of p for a lock of that flavor. */
void fx_lock_wait(struct sj_thread *t, const struct sj_process *p, int fd, enum sj_lock_flavor flavor,
		  int write, uint64_t start, uint64_t end);
/* pthread_join of thread `tid`: a futex wait comparing the word at addr with tid. */
void fx_join(struct sj_thread *t, uint64_t addr, pid_t tid);

/* Appends one journal record given as its JSON line, read by the journal
 * reader (model/journal.c); "v" and "tid" may be left out. */
struct sj_jevent *fx_jrecord(struct sj_journal *j, const char *json);

/* Test helpers over findings. */
size_t fx_count(const struct sj_findings *f, enum sj_finding_kind k);
const struct sj_finding *fx_nth(const struct sj_findings *f, enum sj_finding_kind k, size_t n);
int fx_has_pid(const struct sj_finding *f, pid_t pid);
int fx_has_pipe(const struct sj_finding *f, uint64_t inode);
int fx_has_edge(const struct sj_finding *f, pid_t from, pid_t to, const char *via);
/* Prints every finding (for failing tests' output). */
void fx_dump(const struct sj_findings *f);

#endif
