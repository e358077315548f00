/* python.h — Python frames and thread names of a captured process.
 *
 * Reads the CPython interpreter state of a process through a memory source
 * (live or fixture) and fills the Python fields of its snapshot threads.
 * Supported: CPython 3.11 and 3.12 (layout tables) and 3.13 (layout read
 * from _Py_DebugOffsets).  Anything else degrades to a one-line note in
 * proc->python_note; native frames are never affected. */
#ifndef SIGJAM_PYTHON_H
#define SIGJAM_PYTHON_H

#include <stddef.h>
#include "snapshot.h"
#include "memsrc.h"

#define SJ_PY_MAX_FRAMES 4096   /* per thread, like pystack */
#define SJ_PY_MAX_STR 1024      /* bytes kept of a name or file name */

/* Fills proc->python_version and, for every Python thread whose native
 * thread id matches one of proc->threads (by tid), is_python, py_name,
 * py_holds_gil and pyframes (innermost first).  Python threads with no
 * matching sj_thread are ignored.  Needs proc->maps (and proc->exe when the
 * interpreter is a static executable).
 * Returns 0 when Python frames were read, 1 when the process has no CPython
 * (nothing is changed), -1 when a CPython was found but cannot be walked:
 * proc->python_note and err then hold the same one-line reason. */
int sj_python_capture(struct sj_process *proc, const struct sj_memsrc *mem, char *err, size_t errlen);

#endif
