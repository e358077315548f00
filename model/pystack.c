/* merge.c — one stack out of a thread's native and Python frames. */
#include "pystack.h"

#include <stdlib.h>
#include <string.h>

/* Each call of the eval loop runs the Python frames from the one it was
 * entered with (is_entry) up to the innermost one it pushed itself, so one
 * native _PyEval_EvalFrameDefault frame stands for one run of Python frames
 * ending at an entry frame.  GCC may split the function's cold paths into
 * _PyEval_EvalFrameDefault.cold, which is still the same activation. */
static int is_eval_frame(const struct sj_frame *f)
{
	static const char name[] = "_PyEval_EvalFrameDefault";

	if (!f->func || strncmp(f->func, name, sizeof name - 1) != 0)
		return 0;
	return f->func[sizeof name - 1] == 0 || strcmp(f->func + sizeof name - 1, ".cold") == 0;
}

size_t sj_python_merge(const struct sj_thread *t, struct sj_merged_frame **out)
{
	size_t evals = 0, groups = 0, n = 0, py = 0;
	struct sj_merged_frame *m;

	*out = NULL;
	if (!t->is_python || !t->npyframes || !t->nframes)
		return 0;
	for (size_t i = 0; i < t->nframes; i++)
		evals += is_eval_frame(&t->frames[i]);
	for (size_t i = 0; i < t->npyframes; i++)
		groups += t->pyframes[i].is_entry != 0;
	/* The outermost Python frame always closes a run; if it does not, the
	 * Python stack was cut and the runs cannot be paired. */
	if (evals != groups || !t->pyframes[t->npyframes - 1].is_entry)
		return 0;
	m = calloc(t->nframes - evals + t->npyframes, sizeof *m);
	if (!m)
		return 0;
	for (size_t i = 0; i < t->nframes; i++) {
		if (!is_eval_frame(&t->frames[i])) {
			m[n++].native = &t->frames[i];
			continue;
		}
		do
			m[n++].py = &t->pyframes[py];
		while (!t->pyframes[py++].is_entry);
	}
	*out = m;
	return n;
}
