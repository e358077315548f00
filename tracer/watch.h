/* watch.h — notice, cheaply and without ptrace, when a process tree stops
 * making progress.  Progress is read from /proc: every thread's CPU time and
 * count of times it was scheduled (/proc/TID/schedstat), and the set of
 * threads itself.  A blocked thread that is woken even once (a timeout, a
 * signal, data) is scheduled, so a tree whose fingerprint stays the same was
 * entirely asleep with nothing waking it. */
#ifndef SIGJAM_WATCH_H
#define SIGJAM_WATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sj_watch;

struct sj_watch *sj_watch_new(pid_t root);
/* Watches every descendant of parent but not parent itself: for a wrapper
 * that is a child subreaper, whose orphaned grandchildren come back to it. */
struct sj_watch *sj_watch_new_children(pid_t parent);
/* The direct children of pid (all its threads'), at most max; their count. */
size_t sj_children_of(pid_t pid, pid_t *out, size_t max);
/* Samples the tree rooted at root; 1 if anything progressed since the last
 * sample (the first sample always counts as progress), 0 otherwise. */
int sj_watch_sample(struct sj_watch *w);
/* The processes seen at the last sample (root first). */
size_t sj_watch_pids(const struct sj_watch *w, const pid_t **pids);
void sj_watch_free(struct sj_watch *w);

#endif
