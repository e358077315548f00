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
};
struct sj_pipe_table { struct sj_pipe *v; size_t n; };

int sj_pipe_table_build(const struct sj_snapshot *s, struct sj_pipe_table *out);
const struct sj_pipe *sj_pipe_table_find(const struct sj_pipe_table *t, uint64_t inode);
void sj_pipe_table_free(struct sj_pipe_table *t);

/* Runs every detector; appends to out.  journal may be NULL.
 * Returns 0, or -1 on allocation failure. */
int sj_analyse(const struct sj_snapshot *s, const struct sj_journal *journal,
	       struct sj_findings *out);

/* Journal-only findings (signal-safety, lost workers without a snapshot):
 * what `sigjam run` prints after the program ended. */
int sj_analyse_journal(const struct sj_journal *journal, struct sj_findings *out);

#endif
