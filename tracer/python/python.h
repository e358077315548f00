/* python.h — Python frames and thread names of a captured process.
 *
 * Reads the CPython interpreter state of a process through a memory source
 * (live or fixture) and fills the Python fields of its snapshot threads.
 * Supported: CPython 3.11 and 3.12 (layout tables; 3.12 untested, and said
 * so in proc->python_note) and 3.13, 3.14, 3.15 (layouts read from the
 * target's _Py_DebugOffsets, one table per minor).  Anything else degrades
 * to a one-line note in proc->python_note; native frames are never
 * affected.  A process in another root or pid namespace (a container) is
 * read through /proc/PID/root and joined through NSpid. */
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

/* One line of a merged native+Python stack: exactly one of the two is set. */
struct sj_merged_frame {
	const struct sj_frame *native;
	const struct sj_pyframe *py;
};

/* Merges t's native and Python stacks into one list (innermost first) in
 * which every _PyEval_EvalFrameDefault native frame is replaced by the
 * Python frames it was running (up to and including the next entry frame).
 * Returns the number of entries and sets *out (free() it); returns 0 with
 * *out = NULL when the two stacks do not line up (counts differ, a native
 * stack is missing or truncated): the renderer must then show both lists
 * separately, never a guessed merge. */
size_t sj_python_merge(const struct sj_thread *t, struct sj_merged_frame **out);

#endif
