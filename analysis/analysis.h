/* analysis.h — wait-for graph and detectors: pure functions over a snapshot
 * (and optionally a journal).  No ptrace, no /proc: unit-testable on
 * hand-made snapshots. */
#ifndef SIGJAM_ANALYSIS_H
#define SIGJAM_ANALYSIS_H

#include "model.h"
#include "snapshot.h"

/* Holders of one pipe inode's ends (a derived table). */
struct sj_pipe_end { pid_t pid; int fd; };
struct sj_pipe {
	uint64_t inode;
	struct sj_pipe_end *readers;  size_t nreaders;
	struct sj_pipe_end *writers;  size_t nwriters;
	enum sj_fdkind kind;          /* SJ_FDK_PIPE or SJ_FDK_FIFO (added: a FIFO's
	                               * st_ino may equal some pipefs inode) */
};
struct sj_pipe_table { struct sj_pipe *v; size_t n; };

int sj_pipe_table_build(const struct sj_snapshot *s, struct sj_pipe_table *out);
const struct sj_pipe *sj_pipe_table_find(const struct sj_pipe_table *t, uint64_t inode);
void sj_pipe_table_free(struct sj_pipe_table *t);
/* Added: the entry of one kind (SJ_FDK_PIPE or SJ_FDK_FIFO); sj_pipe_table_find
 * prefers the pipe when both kinds share an inode number.  The table holds
 * every PIPE and FIFO fd of the snapshot; O_RDWR fds count as both ends. */
const struct sj_pipe *sj_pipe_table_find_kind(const struct sj_pipe_table *t,
					      enum sj_fdkind kind, uint64_t inode);

/* Added: what one thread waits on, in words, as the findings say it:
 * "reads pipe:[8493] (fd 5)", "waits on the shared semaphore /dev/shm/sem.x",
 * "sleeps", "is running".  Returns the length needed, like snprintf. */
size_t sj_wait_describe(const struct sj_snapshot *s, const struct sj_process *p,
			const struct sj_thread *t, char *buf, size_t n);

/* Runs every detector; appends to out.  journal may be NULL.
 * Returns 0, or -1 on allocation failure. */
int sj_analyse(const struct sj_snapshot *s, const struct sj_journal *journal,
	       struct sj_findings *out);

/* Journal-only findings (signal-safety, lost workers without a snapshot):
 * what `sigjam run` prints after the program ended. */
int sj_analyse_journal(const struct sj_journal *journal, struct sj_findings *out);

#endif
