/* python_internal.h — hooks for tests of the Python walker. */
#ifndef SIGJAM_PY_INTERNAL_H
#define SIGJAM_PY_INTERNAL_H

#include "python.h"

/* sj_python_capture with pyelf flags (SJ_PYELF_NO_SYMBOLS forces the
 * .PyRuntime section fallback). */
int sj_python_capture_flags(struct sj_process *proc, const struct sj_memsrc *mem, unsigned flags,
			    char *err, size_t errlen);

#endif
