/* mapfile.h — opening the file behind a mapping of another process.
 *
 * /proc/PID/maps names files as the process sees them.  A process in
 * another root (a chroot, a container's mount namespace) maps files this
 * tracer would find elsewhere or not at all under the same path, so every
 * reader of a mapped file (ELF symbols, debug info, the CPython runtime)
 * opens it through sj_map_file(). */
#ifndef SIGJAM_MAPFILE_H
#define SIGJAM_MAPFILE_H

#include <stddef.h>
#include <sys/types.h>
#include "snapshot.h"

/* Writes to buf a path that opens the very file m maps (same device and
 * inode), tried in this order: m->path itself; the same path under the
 * process's root as this tracer sees it (readlink /proc/PID/root: a path
 * shared by every process of that root); /proc/PID/root + m->path;
 * /proc/PID/map_files/START-END (a deleted or replaced file).
 * Returns 0, or -1 when none of them is the mapped file (buf is then
 * m->path).  root, when not NULL, receives the prefix that was put before
 * m->path ("" for the first choice), for finding the root's debug files. */
int sj_map_file(pid_t pid, const struct sj_map *m, char *buf, size_t len, char *root, size_t rootlen);

#endif
