/* merge.c — one stack out of a thread's native and Python frames. */
#include "pystack.h"

#include <stdlib.h>
#include <string.h>

/* Each call of the eval loop runs the Python frames from the one it was
 * entered with (is_entry) up to the innermost one it pushed itself, so one
 * native _PyEval_EvalFrameDefault frame stands for one run of Python frames
 * ending at an entry frame.  GCC may split the function's cold paths into
 * _PyEval_EvalFrameDefault.cold, which is still the same activation.
 * CPython 3.14+ built with the tail-calling interpreter (clang) runs each
 * instruction in a _TAIL_CALL_<op> function that tail-calls the next: the
 * one that made the current C call sits right above the activation's
 * _PyEval_EvalFrameDefault and belongs to it. */
enum frame_kind { OTHER, EVAL, TAIL };

static enum frame_kind kind_of(const struct sj_frame *f)
{
	static const char eval[] = "_PyEval_EvalFrameDefault", tail[] = "_TAIL_CALL_";

	if (!f->func)
		return OTHER;
	if (strncmp(f->func, tail, sizeof tail - 1) == 0 && f->func[sizeof tail - 1])
		return TAIL;
	if (strncmp(f->func, eval, sizeof eval - 1) != 0)
		return OTHER;
	return f->func[sizeof eval - 1] == 0 || strcmp(f->func + sizeof eval - 1, ".cold") == 0 ? EVAL : OTHER;
}

/* Counts the activations; -1 when a handler frame is not followed (outward)
 * by its eval frame, i.e. the native stack was cut. */
static long count_activations(const struct sj_thread *t, size_t *handlers)
{
	long evals = 0;

	*handlers = 0;
	for (size_t i = 0; i < t->nframes; i++) {
		enum frame_kind k = kind_of(&t->frames[i]);
		if (k == EVAL)
			evals++;
		if (k != TAIL)
			continue;
		(*handlers)++;
		size_t j = i + 1;
		while (j < t->nframes && kind_of(&t->frames[j]) == TAIL)
			j++;
		if (j == t->nframes || kind_of(&t->frames[j]) != EVAL)
			return -1;
	}
	return evals;
}

size_t sj_python_merge(const struct sj_thread *t, struct sj_merged_frame **out)
{
	size_t groups = 0, n = 0, py = 0, handlers;
	long evals;
	struct sj_merged_frame *m;

	*out = NULL;
	if (!t->is_python || !t->npyframes || !t->nframes)
		return 0;
	evals = count_activations(t, &handlers);
	for (size_t i = 0; i < t->npyframes; i++)
		groups += t->pyframes[i].is_entry != 0;
	/* The outermost Python frame always closes a run; if it does not, the
	 * Python stack was cut and the runs cannot be paired. */
	if (evals < 0 || (size_t)evals != groups || !t->pyframes[t->npyframes - 1].is_entry)
		return 0;
	m = calloc(t->nframes - (size_t)evals - handlers + t->npyframes, sizeof *m);
	if (!m)
		return 0;
	for (size_t i = 0; i < t->nframes; i++) {
		enum frame_kind k = kind_of(&t->frames[i]);
		if (k == OTHER)
			m[n++].native = &t->frames[i];
		if (k != EVAL)
			continue;
		do
			m[n++].py = &t->pyframes[py];
		while (!t->pyframes[py++].is_entry);
	}
	*out = m;
	return n;
}
