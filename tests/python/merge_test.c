/* python_merge: sj_python_merge on hand-made threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pystack.h"

static struct sj_frame nat[16];
static struct sj_pyframe py[16];

/* native: innermost first; "E" marks an eval-loop frame */
static void make(struct sj_thread *t, const char *const *nfuncs, size_t nn,
		 const char *const *pfuncs, const int *entry, size_t np)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < nn; i++)
		nat[i] = (struct sj_frame){ .pc = 0x1000 + i, .func = (char *)nfuncs[i] };
	for (size_t i = 0; i < np; i++)
		py[i] = (struct sj_pyframe){ .func = (char *)pfuncs[i], .line = (int)i + 1, .is_entry = entry[i] };
	t->frames = nat;
	t->nframes = nn;
	t->pyframes = py;
	t->npyframes = np;
	t->is_python = 1;
}

static const char *const NATIVE[] = {
	"__libc_read", "_Py_read", "os_read", "cfunction_vectorcall_FASTCALL",
	"_PyEval_EvalFrameDefault",                    /* runs read_one, nested, run */
	"_PyFunction_Vectorcall", "method_vectorcall",
	"_PyEval_EvalFrameDefault.cold",               /* runs Thread.run, _bootstrap */
	"thread_run", "start_thread", "clone3",
};
static const char *const PY[] = { "read_one", "nested", "PipeReader.run", "Thread.run", "Thread._bootstrap" };
static const int ENTRY[] = { 0, 0, 1, 0, 1 };

static void merges_in_order(void **state)
{
	struct sj_thread t;
	struct sj_merged_frame *m;
	size_t n;

	make(&t, NATIVE, 11, PY, ENTRY, 5);
	n = sj_python_merge(&t, &m);
	assert_int_equal(n, 11 - 2 + 5);
	const void *want[] = { &nat[0], &nat[1], &nat[2], &nat[3], &py[0], &py[1], &py[2],
			       &nat[5], &nat[6], &py[3], &py[4], &nat[8], &nat[9], &nat[10] };
	for (size_t i = 0; i < n; i++) {
		assert_true((m[i].native == NULL) != (m[i].py == NULL));
		assert_ptr_equal(m[i].native ? (const void *)m[i].native : (const void *)m[i].py, want[i]);
	}
	free(m);
}

static void count_mismatch_falls_back(void **state)
{
	struct sj_thread t;
	struct sj_merged_frame *m = (void *)1;
	static const int one_run[] = { 0, 0, 0, 0, 1 };

	make(&t, NATIVE, 11, PY, one_run, 5);      /* 2 eval frames, 1 run */
	assert_int_equal(sj_python_merge(&t, &m), 0);
	assert_null(m);
	make(&t, NATIVE, 6, PY, ENTRY, 5);         /* native stack cut after 1 eval frame */
	assert_int_equal(sj_python_merge(&t, &m), 0);
	assert_null(m);
}

static void unterminated_run_falls_back(void **state)
{
	struct sj_thread t;
	struct sj_merged_frame *m;
	static const int open_end[] = { 0, 0, 1, 0, 0 };
	static const char *const one_eval[] = { "a", "_PyEval_EvalFrameDefault", "b", "_PyEval_EvalFrameDefault" };

	make(&t, one_eval, 4, PY, open_end, 5);    /* 2 eval frames, 1 closed run */
	assert_int_equal(sj_python_merge(&t, &m), 0);
	static const int two[] = { 1, 0, 1, 0, 0 };
	make(&t, one_eval, 4, PY, two, 5);         /* 2 = 2, but the outer run is open */
	assert_int_equal(sj_python_merge(&t, &m), 0);
}

static void lookalike_names_are_not_eval(void **state)
{
	struct sj_thread t;
	struct sj_merged_frame *m;
	static const char *const names[] = { "_PyEval_EvalFrameDefaultX", "_PyEval_EvalFrame",
					     "_PyEval_EvalFrameDefault" };
	static const int all_one[] = { 0, 0, 0, 0, 1 };

	make(&t, names, 3, PY, all_one, 5);
	assert_int_equal(sj_python_merge(&t, &m), 2 + 5);
	assert_ptr_equal(m[0].native, &nat[0]);
	assert_ptr_equal(m[1].native, &nat[1]);
	assert_ptr_equal(m[2].py, &py[0]);
	assert_ptr_equal(m[6].py, &py[4]);
	free(m);
}

static void not_python_or_empty(void **state)
{
	struct sj_thread t;
	struct sj_merged_frame *m;

	make(&t, NATIVE, 11, PY, ENTRY, 5);
	t.is_python = 0;
	assert_int_equal(sj_python_merge(&t, &m), 0);
	make(&t, NATIVE, 0, PY, ENTRY, 5);
	assert_int_equal(sj_python_merge(&t, &m), 0);
	make(&t, NATIVE, 11, PY, ENTRY, 0);
	assert_int_equal(sj_python_merge(&t, &m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(merges_in_order),
		cmocka_unit_test(count_mismatch_falls_back),
		cmocka_unit_test(unterminated_run_falls_back),
		cmocka_unit_test(lookalike_names_are_not_eval),
		cmocka_unit_test(not_python_or_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
