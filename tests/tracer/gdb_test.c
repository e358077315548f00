/* gdb_test.c — native frames and source lines of a -g -O0 program with
 * threads blocked in known functions, checked against gdb attached to the
 * same process right after our capture, and against the source itself. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"

#define MAX_GDB_FRAMES 64

struct gdb_frame {
	uint64_t addr;   /* 0 when gdb printed none (frame 0, inline frames) */
	char func[128];
	char file[128];  /* basename after " at ", "" if none */
	int line;
};

struct gdb_thread {
	pid_t tid;
	struct gdb_frame f[MAX_GDB_FRAMES];
	int n;
	char pc_sym[128]; /* "info symbol $pc": ELF symbol of frame 0 */
	uint64_t pc_off;
};

static pid_t target;

static int start_target(void **state)
{
	int out[2];
	assert_int_equal(pipe(out), 0);
	target = fork();
	assert_true(target >= 0);
	if (target == 0) {
		dup2(out[1], 1);
		execl(BLOCKED_THREADS, BLOCKED_THREADS, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	char buf[8];
	assert_int_equal(read(out[0], buf, 6), 6); /* "ready\n" */
	close(out[0]);
	assert_int_equal(th_wait_all_blocked(target, 4), 0);
	return 0;
}

static int stop_target(void **state)
{
	th_kill(target);
	return 0;
}

/* "Thread 2 (Thread 0x7f.. (LWP 123) "name"):" */
static struct gdb_thread *thread_header(const char *line, struct gdb_thread *ts, int *nt)
{
	const char *lwp = strstr(line, "(LWP ");
	if (strncmp(line, "Thread ", 7) != 0 || !lwp)
		return NULL;
	struct gdb_thread *t = &ts[(*nt)++];
	memset(t, 0, sizeof *t);
	t->tid = (pid_t)strtol(lwp + 5, NULL, 10);
	return t;
}

/* "#2  0x000055d4aa3842e0 in main_joins (t=...) at blocked_threads.c:54"
 * or "#0  __futex_abstimed_wait_common64 (private=...) at ./nptl/x.c:57" */
static void parse_frame(const char *line, struct gdb_thread *t)
{
	if (t->n == MAX_GDB_FRAMES)
		return;
	struct gdb_frame *f = &t->f[t->n++];
	memset(f, 0, sizeof *f);
	const char *p = line + strcspn(line, " ");
	p += strspn(p, " ");
	if (strncmp(p, "0x", 2) == 0) {
		f->addr = strtoull(p, (char **)&p, 16);
		if (strncmp(p, " in ", 4) == 0)
			p += 4;
	}
	size_t l = strcspn(p, " (");
	snprintf(f->func, sizeof f->func, "%.*s", (int)l, p);
	/* " at FILE:LINE" is last on the line (args may hold " at " too) */
	const char *at = NULL;
	for (const char *q = strstr(p, ") at "); q; q = strstr(q + 1, ") at "))
		at = q + 5;
	if (at) {
		const char *colon = strrchr(at, ':');
		if (colon) {
			const char *base = at;
			for (const char *q = at; q < colon; q++)
				if (*q == '/')
					base = q + 1;
			snprintf(f->file, sizeof f->file, "%.*s", (int)(colon - base), base);
			f->line = atoi(colon + 1);
		}
	}
}

/* "read + 76 in section .text of /lib/.../libc.so.6" */
static void parse_info_symbol(const char *line, struct gdb_thread *t)
{
	char name[128];
	unsigned long long off = 0;
	if (sscanf(line, "%127s + %llu in section", name, &off) >= 1 && strstr(line, " in section ")) {
		snprintf(t->pc_sym, sizeof t->pc_sym, "%s", name);
		t->pc_off = off;
	}
}

static int run_gdb(pid_t pid, struct gdb_thread *ts, int max)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd,
		 "gdb -nx -batch -ex 'set pagination off' -ex 'set backtrace past-main on' "
		 "-ex 'set backtrace past-entry on' -ex 'thread apply all bt' "
		 "-ex 'thread apply all info symbol $pc' -p %d 2>/dev/null", (int)pid);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	char line[4096];
	int nt = 0, pass = 0;
	struct gdb_thread *cur = NULL;
	/* gdb prints every thread twice: first with its backtrace, then with
	 * "info symbol".  Headers of the second pass find the first's record. */
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "Thread ", 7) == 0 && strstr(line, "(LWP ")) {
			pid_t tid = (pid_t)strtol(strstr(line, "(LWP ") + 5, NULL, 10);
			cur = NULL;
			for (int i = 0; i < nt; i++)
				if (ts[i].tid == tid) {
					cur = &ts[i];
					pass = 1;
				}
			if (!cur && nt < max)
				cur = thread_header(line, ts, &nt), pass = 0;
		} else if (cur && !pass && line[0] == '#') {
			parse_frame(line, cur);
		} else if (cur && pass) {
			parse_info_symbol(line, cur);
		}
	}
	int rc = pclose(f);
	assert_true(WIFEXITED(rc));
	return nt;
}

static const char *base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;
	return s ? s + 1 : path;
}

static int is_prog_frame(const struct sj_frame *f)
{
	return f->module && strcmp(base_name(f->module), base_name(BLOCKED_THREADS)) == 0;
}

static void test_frames_match_gdb(void **state)
{
	struct sj_snapshot s;
	th_capture(target, 0, 1, &s);
	assert_int_equal(th_wait_none_stopped(target), 0);
	static struct gdb_thread gt[8];
	int nt = run_gdb(target, gt, 8);
	struct sj_process *p = sj_snapshot_proc(&s, target);
	assert_non_null(p);
	assert_int_equal(nt, 4);
	assert_int_equal(p->nthreads, 4);

	for (int i = 0; i < nt; i++) {
		struct sj_thread *t = sj_snapshot_thread(&s, gt[i].tid, NULL);
		assert_non_null(t);
		assert_true(t->nframes >= 3);
		/* frame 0: the same ELF symbol and offset as gdb's minimal symbol */
		assert_non_null(t->frames[0].func);
		assert_string_equal(t->frames[0].func, gt[i].pc_sym);
		assert_int_equal(t->frames[0].func_off, gt[i].pc_off);

		/* the program's own frames: same functions, same order, same lines */
		int k = 0, prog_frames = 0;
		for (int g = 0; g < gt[i].n; g++) {
			if (strcmp(gt[i].f[g].file, "blocked_threads.c") != 0)
				continue;
			prog_frames++;
			while (k < (int)t->nframes && !is_prog_frame(&t->frames[k]))
				k++;
			assert_true(k < (int)t->nframes);
			assert_string_equal(t->frames[k].func, gt[i].f[g].func);
			assert_int_equal(t->frames[k].line, gt[i].f[g].line);
			assert_string_equal(base_name(t->frames[k].file), "blocked_threads.c");
			if (gt[i].f[g].addr)
				assert_int_equal(t->frames[k].pc, gt[i].f[g].addr);
			k++;
		}
		assert_true(prog_frames >= 2);
		/* no invented frames: every return address we report, gdb has */
		for (size_t m = 1; m < t->nframes; m++) {
			int found = 0;
			for (int g = 0; g < gt[i].n && !found; g++)
				found = gt[i].f[g].addr == t->frames[m].pc;
			if (!found)
				fail_msg("tid %d frame %zu pc %#llx (%s) not in gdb's backtrace", (int)t->tid, m,
					 (unsigned long long)t->frames[m].pc, t->frames[m].func);
		}
	}
	sj_snapshot_free(&s);
}

/* The line of "SJ_TAG:<tag>" in the program's source. */
static int tag_line(const char *tag)
{
	FILE *f = fopen(BLOCKED_THREADS_SRC, "r");
	assert_non_null(f);
	char line[512], want[64];
	snprintf(want, sizeof want, "SJ_TAG:%s ", tag);
	for (int n = 1; fgets(line, sizeof line, f); n++)
		if (strstr(line, want)) {
			fclose(f);
			return n;
		}
	fclose(f);
	fail_msg("tag %s not found", tag);
	return 0;
}

static const struct sj_frame *frame_named(const struct sj_snapshot *s, const char *func)
{
	const struct sj_process *p = &s->procs[0];
	for (size_t i = 0; i < p->nthreads; i++)
		for (size_t k = 0; k < p->threads[i].nframes; k++)
			if (p->threads[i].frames[k].func && strcmp(p->threads[i].frames[k].func, func) == 0)
				return &p->threads[i].frames[k];
	return NULL;
}

static void test_file_line_of_tagged_calls(void **state)
{
	struct sj_snapshot s;
	th_capture(target, 0, 1, &s);
	static const struct {
		const char *func, *tag;
	} rows[] = {
		{ "reader_blocks", "reader_read" },
		{ "cond_blocks", "cond_wait" },
		{ "sleeper_blocks", "sleep" },
		{ "main_joins", "join" },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct sj_frame *f = frame_named(&s, rows[i].func);
		if (!f)
			fail_msg("no frame in %s", rows[i].func);
		assert_false(f->is_activation); /* a return address: named via pc-1 */
		assert_non_null(f->file);
		assert_string_equal(f->file, BLOCKED_THREADS_SRC);
		assert_int_equal(f->line, tag_line(rows[i].tag));
		assert_true(f->module_off > 0 && f->module_off < f->pc);
	}
	sj_snapshot_free(&s);
}

static void test_offline_symbolizer(void **state)
{
	struct sj_snapshot s;
	th_capture(target, 0, 1, &s);
	const struct sj_frame *f = frame_named(&s, "reader_blocks");
	assert_non_null(f);
	char *func, *file;
	int line;
	/* module path + file offset, as a journal backtrace records it */
	assert_int_equal(sj_symbolize_offline(f->module, f->module_off - 1, &func, &file, &line), 0);
	assert_string_equal(func, "reader_blocks");
	assert_string_equal(file, BLOCKED_THREADS_SRC);
	assert_int_equal(line, tag_line("reader_read"));
	free(func);
	free(file);
	assert_int_equal(sj_symbolize_offline("/nonexistent/lib.so", 0x1000, &func, &file, &line), -1);
	assert_null(func);
	sj_symbolize_offline_free();
	sj_snapshot_free(&s);
}

int main(void)
{
	if (system("gdb --version >/dev/null 2>&1") != 0) {
		printf("gdb not installed: skipping\n");
		return 77; /* ctest SKIP_RETURN_CODE */
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_match_gdb),
		cmocka_unit_test(test_file_line_of_tagged_calls),
		cmocka_unit_test(test_offline_symbolizer),
	};
	return cmocka_run_group_tests(tests, start_target, stop_target);
}
