/* python_fixture: finding CPython and walking it through a fixture memory
 * source (no live process): degradation notes for unknown versions and
 * interpreters without _PyRuntime, the .PyRuntime section fallback, the
 * frame cap on a cyclic frame chain, GIL holder, UTF-8 of non-ASCII names.
 * The ELF files are the real interpreters of this machine; the memory is
 * hand-made with the 3.11 layout (tracer/python/layout.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "python_internal.h"
#include "pyelf.h"

/* A real libpython 3.11 to take symbols from: a local build's, else
 * Debian's (package libpython3.11, installed by dev.sh). */
static const char *libpy(void)
{
	static const char *const candidates[] = {
		"/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0",
		"/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
	};
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
		if (access(candidates[i], R_OK) == 0)
			return candidates[i];
	return candidates[0];
}
#define LIBPY libpy()
#define BASE 0x7f0000000000ull

static char tmpdir[] = "/tmp/sjpyfixXXXXXX";

static void put64(uint8_t *b, size_t off, uint64_t v) { memcpy(b + off, &v, 8); }
static void put32(uint8_t *b, size_t off, uint32_t v) { memcpy(b + off, &v, 4); }

static void one_map_proc(struct sj_process *p, const char *path, uint64_t start)
{
	memset(p, 0, sizeof *p);
	p->pid = 1;
	p->maps = calloc(1, sizeof *p->maps);
	p->nmaps = 1;
	p->maps[0] = (struct sj_map){ .start = start, .end = start + 0x1000, .offset = 0,
				      .perms = "r--p", .path = strdup(path) };
	p->threads = calloc(2, sizeof *p->threads);
	p->nthreads = 2;
	p->threads[0].tid = 4242;
	p->threads[1].tid = 4243;
}

static void free_proc(struct sj_process *p)
{
	struct sj_snapshot s = { .procs = malloc(sizeof *p), .nprocs = 1 };
	*s.procs = *p;
	sj_snapshot_free(&s);
}

static int run(struct sj_process *p, const struct sj_memregion *r, size_t n, unsigned flags, char *err)
{
	struct sj_memsrc m;
	struct sj_memsrc_fixture fx;

	sj_memsrc_fixture_init(&m, &fx, r, n);
	return sj_python_capture_flags(p, &m, flags, err, 256);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

static void not_python(void **state)
{
	struct sj_process p;
	char err[256];

	one_map_proc(&p, "/bin/sleep", 0x400000);
	p.exe = strdup("/bin/sleep");
	assert_int_equal(run(&p, NULL, 0, 0, err), 1);
	assert_null(p.python_note);
	assert_null(p.python_version);
	free_proc(&p);
}

static void expect_note(const char *fname, const char *want)
{
	struct sj_process p;
	char path[256], err[256];

	snprintf(path, sizeof path, "%s/%s", tmpdir, fname);
	copy_file("/bin/sleep", path);
	one_map_proc(&p, path, 0x555555554000ull);
	assert_int_equal(run(&p, NULL, 0, 0, err), -1);
	assert_non_null(p.python_note);
	assert_string_equal(p.python_note, want);
	assert_string_equal(err, want);
	assert_false(p.threads[0].is_python);
	free_proc(&p);
}

static void no_runtime_symbol(void **state)
{
	expect_note("python3.11", "python3.11 has no _PyRuntime symbol or .PyRuntime section: native frames only");
}

/* The interpreter of a process in a root this side cannot see (its path
 * opens nothing here, through /proc/PID/root neither): said, not guessed. */
static void unopenable_interpreter(void **state)
{
	struct sj_process p;
	char err[256];

	one_map_proc(&p, "/nonexistent-sigjam-root/usr/bin/python3.14", BASE);
	assert_int_equal(run(&p, NULL, 0, 0, err), -1);
	assert_string_equal(p.python_note, "cannot open /nonexistent-sigjam-root/usr/bin/python3.14 as pid 1 "
			    "maps it (its root is not visible from here): native frames only");
	free_proc(&p);
}

static void old_python_by_name(void **state)
{
	expect_note("libpython3.10.so.1.0", "Python 3.10 is not supported: native frames only");
}

/* A 3.14 _Py_DebugOffsets block (layout.c's 3.14 table, 760 bytes) that
 * passes every check: each section's size word (at the positions gdb gives
 * for struct _Py_DebugOffsets) 4096, each offset 8.  Then one thing at a
 * time is broken; the block is untrusted input and each must be refused
 * with a one-line note naming what was wrong. */
#define V314 0x030E08F0ull
static const int SECT314[] = { 24, 48, 176, 248, 312, 400, 416, 448, 472, 496, 528, 552, 568, 592, 616, 648, 664 };

static void block_314(uint8_t *b)
{
	memset(b, 0, 760);
	for (size_t off = 24; off + 8 <= 760; off += 8)
		put64(b, off, 8);
	for (size_t i = 0; i < sizeof SECT314 / sizeof SECT314[0]; i++)
		put64(b, (size_t)SECT314[i], 4096);
	memcpy(b, "xdebugpy", 8);
	put64(b, 8, V314);
	put64(b, 16, 0);
	put64(b, 640, 40);            /* unicode asciiobject_size: a size, not an offset */
}

static int run_block(const uint8_t *b, uint64_t hex, struct sj_process *p, char *err)
{
	struct sj_pyelf e;

	if (access(LIBPY, R_OK) != 0)
		skip();
	assert_int_equal(sj_pyelf_load(LIBPY, 0, &e, err, 256), 0);
	static uint64_t h;
	h = hex;
	struct sj_memregion r[] = { { BASE + e.py_version, &h, sizeof h }, { BASE + e.runtime, b, 760 } };
	one_map_proc(p, LIBPY, BASE);
	return run(p, r, 2, 0, err);
}

static void expect_block_note(const uint8_t *b, uint64_t hex, const char *want)
{
	struct sj_process p;
	char err[256];

	assert_int_equal(run_block(b, hex, &p, err), -1);
	assert_non_null(p.python_note);
	if (!strstr(p.python_note, want))
		fail_msg("note \"%s\" lacks \"%s\"", p.python_note, want);
	assert_null(strchr(p.python_note, '\n'));
	free_proc(&p);
}

static void debug_offsets_untrusted(void **state)
{
	uint8_t b[760];
	struct sj_process p;
	char err[256];

	block_314(b);                 /* valid: read, no thread state to walk */
	assert_int_not_equal(run_block(b, V314, &p, err), -1);
	assert_null(p.python_note);
	assert_string_equal(p.python_version, "3.14.8");
	free_proc(&p);

	block_314(b);
	put64(b, 176, 0);             /* thread_state.size */
	expect_block_note(b, V314, "section at byte 176 has size 0");
	block_314(b);
	put64(b, 176, 1u << 24);
	expect_block_note(b, V314, "section at byte 176 has size 16777216");
	block_314(b);
	put64(b, 224, 4092);          /* native_thread_id: 8 bytes from 4092 leave a 4096-byte struct */
	expect_block_note(b, V314, "field at byte 224 (4092) lies outside its 4096-byte structure");
	block_314(b);
	put64(b, 288, 4096);          /* frame owner: 1 byte at 4096 */
	expect_block_note(b, V314, "field at byte 288 (4096)");
	block_314(b);
	put64(b, 640, 5000);          /* asciiobject_size larger than the unicode struct */
	expect_block_note(b, V314, "field at byte 640 (5000)");
	block_314(b);
	put64(b, 16, 1);
	expect_block_note(b, V314, "free-threaded Python builds (3.14 t) are not supported");
	block_314(b);
	memcpy(b, "xdebugpz", 8);
	expect_block_note(b, V314, "does not start with the \"xdebugpy\" debug offsets");
	block_314(b);                 /* the block of another patch release */
	expect_block_note(b, V314 + 0x100, "debug offsets of Python 0x30e09f0");
}

static void unknown_version(void **state)
{
	struct sj_pyelf e;
	struct sj_process p;
	char err[256];
	uint64_t hex = 0x031000F0;    /* 3.16.0 final: a minor with no table yet */

	if (access(LIBPY, R_OK) != 0)
		skip();
	assert_int_equal(sj_pyelf_load(LIBPY, 0, &e, err, sizeof err), 0);
	assert_true(e.runtime && e.py_version);
	struct sj_memregion r[] = { { BASE + e.py_version, &hex, sizeof hex } };
	one_map_proc(&p, LIBPY, BASE);
	assert_int_equal(run(&p, r, 1, 0, err), -1);
	assert_string_equal(p.python_note, "Python 3.16 is not supported: native frames only");
	assert_string_equal(p.python_version, "3.16.0");
	free_proc(&p);
}

/* A 3.11 interpreter image: one thread whose frame is its own previous
 * frame (a chain being rewritten, or garbage), which must stop at the cap. */
struct image {
	uint8_t rt[600], interp[900], ts[200], ts2[200], cf[24], frame[80], code[192];
	uint8_t qual[128], file[128], lt[40];
	uint64_t version;
	struct sj_memregion r[12];
};

enum { A_RT, A_INTERP, A_TS, A_TS2, A_CF, A_FRAME, A_CODE, A_QUAL, A_FILE, A_LT };
static const uint64_t ADDR[] = { 0, 0x10000, 0x20000, 0x21000, 0x30000, 0x40000, 0x50000,
				 0x60000, 0x61000, 0x62000 };

static void build_image(struct image *im, const struct sj_pyelf *e)
{
	uint64_t a[10];
	const uint16_t fname[] = { '/', 't', 'm', 'p', '/', 0x3b4, '.', 'p', 'y' };   /* δ */

	memset(im, 0, sizeof *im);
	for (int i = 1; i < 10; i++)
		a[i] = BASE + 0x1000000 + ADDR[i];
	a[A_RT] = BASE + e->runtime;
	put64(im->rt, 40, a[A_INTERP]);            /* interpreters.head */
	put64(im->rt, 576, a[A_TS]);               /* gilstate.tstate_current */
	put64(im->interp, 16, a[A_TS]);            /* threads.head */
	put64(im->ts, 8, a[A_TS2]);                /* next */
	put64(im->ts, 56, a[A_CF]);                /* cframe */
	put64(im->ts, 152, 0x7f00deadbeef);        /* thread_id */
	put64(im->ts, 160, 4242);                  /* native_thread_id */
	put64(im->ts2, 160, 9999);                 /* a thread the snapshot does not have */
	put64(im->cf, 8, a[A_FRAME]);              /* current_frame */
	put64(im->frame, 32, a[A_CODE]);           /* f_code */
	put64(im->frame, 48, a[A_FRAME]);          /* previous: itself */
	put64(im->frame, 56, a[A_CODE] + 184 + 4); /* prev_instr: byte offset 4 */
	put64(im->code, 8, BASE + e->code_type);
	put32(im->code, 72, 100);                  /* co_firstlineno */
	put64(im->code, 112, a[A_FILE]);
	put64(im->code, 128, a[A_QUAL]);
	put64(im->code, 136, a[A_LT]);
	put64(im->qual, 8, BASE + e->unicode_type);
	put64(im->qual, 16, 9);
	put32(im->qual, 32, 1 << 2 | 1 << 5 | 1 << 6);   /* kind 1, compact, ascii */
	memcpy(im->qual + 48, "Spin.loop", 9);
	put64(im->file, 8, BASE + e->unicode_type);
	put64(im->file, 16, 9);
	put32(im->file, 32, 2 << 2 | 1 << 5);            /* kind 2, compact */
	memcpy(im->file + 72, fname, sizeof fname);
	put64(im->lt, 16, 3);                            /* bytes ob_size */
	im->lt[32] = 0x80 | 11 << 3 | 3;                 /* ONE_LINE1, 4 units */
	im->version = 0x030B07F0;
	uint8_t *bufs[] = { im->rt, im->interp, im->ts, im->ts2, im->cf, im->frame, im->code,
			    im->qual, im->file, im->lt };
	size_t lens[] = { sizeof im->rt, sizeof im->interp, sizeof im->ts, sizeof im->ts2,
			  sizeof im->cf, sizeof im->frame, sizeof im->code, sizeof im->qual,
			  sizeof im->file, sizeof im->lt };
	for (int i = 0; i < 10; i++)
		im->r[i] = (struct sj_memregion){ a[i], bufs[i], lens[i] };
	im->r[10] = (struct sj_memregion){ BASE + e->py_version, &im->version, 8 };
}

static void check_walk(unsigned flags, const char *version)
{
	static struct image im;
	struct sj_pyelf e;
	struct sj_process p;
	char err[256];

	if (access(LIBPY, R_OK) != 0)
		skip();
	assert_int_equal(sj_pyelf_load(LIBPY, 0, &e, err, sizeof err), 0);
	build_image(&im, &e);
	one_map_proc(&p, LIBPY, BASE);
	assert_int_equal(run(&p, im.r, 11, flags, err), 0);
	assert_null(p.python_note);
	assert_string_equal(p.python_version, version);
	struct sj_thread *t = &p.threads[0];
	assert_true(t->is_python);
	assert_true(t->py_holds_gil);
	assert_int_equal(t->npyframes, SJ_PY_MAX_FRAMES);
	assert_string_equal(t->pyframes[0].func, "Spin.loop");
	assert_string_equal(t->pyframes[0].file, "/tmp/\xce\xb4.py");
	assert_int_equal(t->pyframes[0].line, 101);
	assert_true(t->pyframes[SJ_PY_MAX_FRAMES - 1].is_entry);
	assert_false(p.threads[1].is_python);
	free_proc(&p);
}

static void walk_311_image(void **state)
{
	check_walk(0, "3.11.7");
}

/* Without symbols: _PyRuntime from the .PyRuntime section, the version
 * from the file name. */
static void section_fallback(void **state)
{
	check_walk(SJ_PYELF_NO_SYMBOLS, "3.11.0");
}

/* The same image with a broken code pointer: no frames, no crash. */
static void bad_code_object(void **state)
{
	static struct image im;
	struct sj_pyelf e;
	struct sj_process p;
	char err[256];

	if (access(LIBPY, R_OK) != 0)
		skip();
	assert_int_equal(sj_pyelf_load(LIBPY, 0, &e, err, sizeof err), 0);
	build_image(&im, &e);
	put64(im.code, 8, 0x1234);                 /* ob_type is not PyCode_Type */
	one_map_proc(&p, LIBPY, BASE);
	assert_int_equal(run(&p, im.r, 11, 0, err), 0);
	assert_true(p.threads[0].is_python);
	assert_int_equal(p.threads[0].npyframes, 0);
	free_proc(&p);
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(not_python),
		cmocka_unit_test(no_runtime_symbol),
		cmocka_unit_test(old_python_by_name),
		cmocka_unit_test(unopenable_interpreter),
		cmocka_unit_test(unknown_version),
		cmocka_unit_test(debug_offsets_untrusted),
		cmocka_unit_test(walk_311_image),
		cmocka_unit_test(section_fallback),
		cmocka_unit_test(bad_code_object),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
