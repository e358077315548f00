/* pycapture — the whole capture (sj_capture) of a live process tree with
 * Python frames, for the capture-level live test and the bench.
 *   pycapture PID           prints, for PID, pydump's format plus a line
 *                           "merged TID N" per Python thread (0: the native
 *                           and Python stacks could not be paired) followed
 *                           by "m py FUNC" / "m native FUNC" lines
 *   pycapture --bench N PID captures the tree N times with and without
 *                           Python frames and prints median timings */
#include "capture.h"
#include "python.h"
#include "pystack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int capture(pid_t pid, enum sj_python_mode py, struct sj_snapshot *s)
{
	struct sj_capture_opts o = { .pids = &pid, .npids = 1, .children = 1, .native = 1,
				     .python = py, .symbolize = 1 };
	char err[512];

	memset(s, 0, sizeof *s);
	if (sj_capture(&o, s, err, sizeof err) != 0) {
		fprintf(stderr, "pycapture: %s\n", err);
		return -1;
	}
	return 0;
}

static void print_thread(const struct sj_thread *t)
{
	struct sj_merged_frame *m;
	size_t n;

	printf("thread %d name=%s gil=%d\n", (int)t->tid, t->py_name ? t->py_name : "", t->py_holds_gil);
	for (size_t j = 0; j < t->npyframes; j++)
		printf("frame %s\t%s\t%d\t%d\n", t->pyframes[j].func ? t->pyframes[j].func : "?",
		       t->pyframes[j].file ? t->pyframes[j].file : "?", t->pyframes[j].line,
		       t->pyframes[j].is_entry);
	n = sj_python_merge(t, &m);
	printf("merged %d %zu\n", (int)t->tid, n);
	for (size_t j = 0; j < n; j++)
		printf("m %s %s\n", m[j].py ? "py" : "native",
		       m[j].py ? m[j].py->func : m[j].native->func ? m[j].native->func : "??");
	free(m);
}

static int show(pid_t pid)
{
	struct sj_snapshot s;
	struct sj_process *p;

	if (capture(pid, SJ_PY_AUTO, &s) != 0)
		return 1;
	p = sj_snapshot_proc(&s, pid);
	if (p) {
		if (p->python_version)
			printf("version %s\n", p->python_version);
		if (p->python_note)
			printf("note %s\n", p->python_note);
		for (size_t i = 0; i < p->nthreads; i++)
			if (p->threads[i].is_python)
				print_thread(&p->threads[i]);
	}
	sj_snapshot_free(&s);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int bench(pid_t pid, int n)
{
	uint64_t *off = calloc(n, 8), *on = calloc(n, 8), *py = calloc(n, 8);
	size_t procs = 0, pythreads = 0, pyframes = 0;

	for (int i = 0; i < n; i++) {
		struct sj_snapshot s;
		char err[256];
		if (capture(pid, SJ_PY_OFF, &s) != 0)
			return 1;
		off[i] = s.capture_ns;
		/* the Python walk alone, on the snapshot just taken */
		uint64_t t0 = now_ns();
		for (size_t k = 0; k < s.nprocs; k++) {
			struct sj_memsrc mem;
			struct sj_memsrc_live live;
			sj_memsrc_live_init(&mem, &live, s.procs[k].pid);
			sj_python_capture(&s.procs[k], &mem, err, sizeof err);
		}
		py[i] = now_ns() - t0;
		procs = s.nprocs;
		pythreads = pyframes = 0;
		for (size_t k = 0; k < s.nprocs; k++)
			for (size_t j = 0; j < s.procs[k].nthreads; j++) {
				pythreads += s.procs[k].threads[j].is_python;
				pyframes += s.procs[k].threads[j].npyframes;
			}
		sj_snapshot_free(&s);
		if (capture(pid, SJ_PY_AUTO, &s) != 0)
			return 1;
		on[i] = s.capture_ns;
		sj_snapshot_free(&s);
	}
	qsort(off, n, 8, cmp_u64);
	qsort(on, n, 8, cmp_u64);
	qsort(py, n, 8, cmp_u64);
	printf("processes %zu, Python threads %zu, Python frames %zu, runs %d (medians)\n",
	       procs, pythreads, pyframes, n);
	printf("capture without Python frames: %8.2f ms\n", off[n / 2] / 1e6);
	printf("capture with Python frames:    %8.2f ms\n", on[n / 2] / 1e6);
	printf("sj_python_capture alone:       %8.2f ms (%.1f%% of the capture with Python)\n",
	       py[n / 2] / 1e6, 100.0 * py[n / 2] / (on[n / 2] ? on[n / 2] : 1));
	free(off);
	free(on);
	free(py);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2)
		return show(atoi(argv[1]));
	if (argc == 4 && strcmp(argv[1], "--bench") == 0)
		return bench(atoi(argv[3]), atoi(argv[2]) > 0 ? atoi(argv[2]) : 1);
	fprintf(stderr, "usage: pycapture [--bench N] PID\n");
	return 2;
}
