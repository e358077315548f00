/* pydump — prints what sj_python_capture finds in a live process, for the
 * live tests (tests/python/live_check.py) and the bench.
 *   pydump [--stop] [--no-symbols] [--repeat N] PID
 * --stop: ptrace-stop every thread first (as the capture does).
 * Output lines: "version V", "note N", "thread TID name=NAME gil=G",
 * "frame FUNC<TAB>FILE<TAB>LINE<TAB>ENTRY", "usec U" (time of the walk). */
#include "procfix.h"
#include "python_internal.h"
#include "pyelf.h"

#include <getopt.h>
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

static void print(const struct sj_process *p)
{
	if (p->python_version)
		printf("version %s\n", p->python_version);
	if (p->python_note)
		printf("note %s\n", p->python_note);
	for (size_t i = 0; i < p->nthreads; i++) {
		const struct sj_thread *t = &p->threads[i];
		if (!t->is_python)
			continue;
		printf("thread %d name=%s gil=%d\n", (int)t->tid, t->py_name ? t->py_name : "",
		       t->py_holds_gil);
		for (size_t j = 0; j < t->npyframes; j++)
			printf("frame %s\t%s\t%d\t%d\n", t->pyframes[j].func ? t->pyframes[j].func : "?",
			       t->pyframes[j].file ? t->pyframes[j].file : "?", t->pyframes[j].line,
			       t->pyframes[j].is_entry);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stop", no_argument, 0, 's' },
		{ "no-symbols", no_argument, 0, 'n' },
		{ "repeat", required_argument, 0, 'r' },
		{ 0, 0, 0, 0 },
	};
	int stop = 0, c, rc, repeat = 1;
	unsigned flags = 0;
	struct sj_process p;
	struct sj_memsrc mem;
	struct sj_memsrc_live live;
	char err[256];
	uint64_t t0, best = UINT64_MAX;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			stop = 1;
		else if (c == 'n')
			flags |= SJ_PYELF_NO_SYMBOLS;
		else if (c == 'r')
			repeat = atoi(optarg);
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: pydump [--stop] [--no-symbols] [--repeat N] PID\n");
		return 2;
	}
	if (procfix_load(atoi(argv[optind]), &p) != 0) {
		fprintf(stderr, "pydump: cannot read /proc/%s\n", argv[optind]);
		return 1;
	}
	if (stop && procfix_stop(&p) != 0) {
		procfix_resume(&p);
		fprintf(stderr, "pydump: cannot stop the threads of %d\n", (int)p.pid);
		return 1;
	}
	sj_memsrc_live_init(&mem, &live, p.pid);
	rc = 0;
	for (int i = 0; i < (repeat > 0 ? repeat : 1); i++) {
		t0 = now_ns();
		rc = sj_python_capture_flags(&p, &mem, flags, err, sizeof err);
		if (now_ns() - t0 < best)
			best = now_ns() - t0;
		if (i + 1 < repeat)
			for (size_t k = 0; k < p.nthreads; k++)
				p.threads[k].is_python = 0;
	}
	if (stop)
		procfix_resume(&p);
	print(&p);
	printf("rc %d\nusec %llu\n", rc, (unsigned long long)(best / 1000));
	procfix_free(&p);
	return 0;
}
