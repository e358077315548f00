/* pystack.h — one stack out of a thread's native and Python frames, for
 * the renderers: a pure function over the snapshot. */
#ifndef SIGJAM_PYSTACK_H
#define SIGJAM_PYSTACK_H

#include <stddef.h>

#include "snapshot.h"

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
