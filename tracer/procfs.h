/* procfs.h — everything the tracer learns from /proc without stopping anyone.
 *
 * Two layers: pure parsers over the text of one /proc file (unit-tested on
 * literal strings), and readers that open the files of a live pid/tid and
 * fill snapshot structs.  Readers return 0 or a negative errno: -ENOENT/-ESRCH
 * mean the process or thread vanished, -EACCES/-EPERM that we may not look. */
#ifndef SIGJAM_PROCFS_H
#define SIGJAM_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

/* The fields of /proc/PID/stat the tracer uses. */
struct sj_stat {
	pid_t pid;
	char comm[64];
	char state;
	pid_t ppid, pgid, sid;
	uint64_t utime, stime;    /* fields 14, 15 (clock ticks) */
	uint64_t start_ticks;     /* field 22 */
	int exit_code;            /* field 52 (raw wait status), -1 if absent */
};

/* The id in a process's own pid namespace from a /proc status text: the
 * last number of its "NSpid:" line (one per namespace, the outermost
 * first).  0 when the process is in this tracer's namespace (one number)
 * or the kernel shows no NSpid line. */
pid_t sj_parse_nspid(const char *status_text);
/* A hexadecimal mask line of a /proc status text ("SigCgt:\t0000000000014002"
 * for key "SigCgt"); 0 when the line is missing. */
uint64_t sj_parse_status_mask(const char *status_text, const char *key);

/* Parsers: 0 on success, -EINVAL on text they do not understand. */
int sj_parse_stat(const char *text, struct sj_stat *st);
/* /proc/TID/syscall: "nr a0..a5 sp pc", "-1 sp pc" (blocked, not in a
 * syscall) or "running".  *nr is -1 for the last two. */
int sj_parse_syscall(const char *text, long *nr, uint64_t args[6], uint64_t *sp, uint64_t *pc);
/* One line of /proc/PID/maps; m->path is malloc'd (NULL if anonymous). */
int sj_parse_map_line(const char *line, struct sj_map *m);
/* /proc/PID/fdinfo/N: flags (octal), accmode, pos, the "lock:" lines of
 * the locks this open file holds (fd->locks malloc'd), and "tfd:" lines of
 * an epoll fd (fd->epoll_tfds malloc'd).  tfd_events, if not NULL, receives a
 * malloc'd array of the watched event masks parallel to epoll_tfds. */
int sj_parse_fdinfo(const char *text, struct sj_fd *fd, unsigned **tfd_events);
/* One /proc/locks line, or an fdinfo "lock:" line; -EINVAL for leases and
 * lines it does not understand. */
int sj_parse_lock_line(const char *line, struct sj_lock *l);
/* Every lock line of a text (malloc'd array; 0 or -ENOMEM). */
int sj_parse_locks(const char *text, struct sj_lock **v, size_t *n);
/* Kind and inode from the readlink target of /proc/PID/fd/N alone; returns
 * SJ_FDK_UNKNOWN for plain paths (the caller then stat()s them). */
enum sj_fdkind sj_classify_fd_target(const char *target, uint64_t *inode);

/* Readers. */
/* Reads a whole /proc file into a malloc'd NUL-terminated buffer.  Returns
 * the length or a negative errno. */
ssize_t sj_procfs_slurp(const char *path, char **out);
/* The thread ids of /proc/PID/task, sorted ascending (the leader first). */
int sj_procfs_tasks(pid_t pid, pid_t **tids, size_t *n);
/* The descendants of roots (not the roots themselves), parents before
 * children, found through the ppid field of every /proc/N/stat. */
int sj_procfs_descendants(const pid_t *roots, size_t nroots, pid_t **out, size_t *nout);
/* Process facts: stat, comm, argv, exe, fds, maps.  Threads untouched. */
int sj_procfs_process(pid_t pid, struct sj_process *p);
/* Re-reads exe, fds and maps through /proc/PID/task/TID: /proc/PID/{fd,maps}
 * follow the leader, and are empty when the leader is a zombie (main called
 * pthread_exit) even though the other threads still share them. */
int sj_procfs_process_files(pid_t pid, pid_t tid, struct sj_process *p);
/* Thread facts, to be read BEFORE the thread is stopped: state, comm,
 * wchan, syscall, times, context switches.  Does not decode the wait. */
int sj_procfs_thread(pid_t pid, pid_t tid, struct sj_thread *t);
/* A second look at a thread, to confirm the wait read by
 * sj_procfs_thread: /proc/TID/syscall first, then the voluntary context
 * switches (the order matters for a thread that keeps running, see
 * capture.c).  *vcsw is 0 if unreadable.  0 or a negative errno. */
int sj_procfs_thread_syscall(pid_t pid, pid_t tid, long *nr, uint64_t args[6], uint64_t *sp,
			     uint64_t *pc);
int sj_procfs_thread_vcsw(pid_t pid, pid_t tid, uint64_t *vcsw);
/* Times the thread was scheduled in (/proc/TID/schedstat); *runs 0 and a
 * negative errno if unreadable. Cheap enough to read during a stop. */
int sj_procfs_thread_runs(pid_t pid, pid_t tid, uint64_t *runs);
/* The fds an epoll instance watches and their event masks (malloc'd). */
int sj_procfs_epoll_tfds(pid_t pid, int epfd, int **tfds, unsigned **events, size_t *n);
/* A pidfd for pid (pidfd_open), or a negative number. */
int sj_procfs_pidfd(pid_t pid);
/* Bytes queued in the pipe that the process behind pidfd has as fd, and
 * the pipe's capacity, through a duplicate of that open file
 * (pidfd_getfd); 0 or a negative errno. */
int sj_procfs_pipe_fill(int pidfd, int fd, uint32_t *queued, uint32_t *size);
/* The file position of pid's fd (fdinfo "pos:"), 0 if unreadable. */
uint64_t sj_procfs_fd_pos(pid_t pid, int fd);
/* /proc/locks: held locks and waiting requests (malloc'd). */
int sj_procfs_locks(struct sj_lock **v, size_t *n);
/* The pid a pidfd refers to (fdinfo "Pid:"), or a negative errno. */
pid_t sj_procfs_pidfd_pid(pid_t pid, int fd);

/* Reads len bytes of the target's memory at addr with process_vm_readv
 * (one syscall, no stop needed).  Returns 0 or a negative errno. */
int sj_read_mem(pid_t pid, uint64_t addr, void *buf, size_t len);

#endif
