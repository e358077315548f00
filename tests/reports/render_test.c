/* render_test.c — every renderer over every fixture, compared with the
 * golden files in tests/reports/golden/ (SIGJAM_UPDATE_GOLDEN=1 rewrites
 * them), plus the properties a golden file cannot show: colour escapes
 * only with colour on, hostile strings neutralised, write errors reported,
 * the renderer table, SVG through Graphviz. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include "fixture.h"
#include "render.h"

typedef struct fixture *(*fixture_fn)(void);

static const struct { const char *name; fixture_fn make; } fixtures[] = {
	{ "deadlock", fixture_deadlock },
	{ "journal-only", fixture_journal_only },
	{ "clean", fixture_clean },
	{ "empty", fixture_empty },
};
#define NFIX (sizeof fixtures / sizeof fixtures[0])

/* The formats with golden files (svg depends on the Graphviz version). */
static const char *const golden_formats[] = { "text", "json", "junit", "sarif", "dot" };
#define NFMT (sizeof golden_formats / sizeof golden_formats[0])

/* Renders into a string; returns the renderer's result. */
static int render(const char *format, const struct sj_report *r, char **text, char *err, size_t errlen)
{
	const struct sj_renderer *rd = sj_renderer_find(format);
	size_t len = 0;
	assert_non_null(rd);
	FILE *mem = open_memstream(text, &len);
	assert_non_null(mem);
	int rc = rd->render(r, mem, err, errlen);
	assert_int_equal(fclose(mem), 0);
	return rc;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(f);
	fclose(mem);
	return buf;
}

/* Prints the first differing line so a failure says what changed. */
static void report_difference(const char *path, const char *want, const char *got)
{
	int line = 1;
	const char *w = want, *g = got;
	while (*w && *w == *g) {
		if (*w == '\n')
			line++;
		w++, g++;
	}
	while (w > want && w[-1] != '\n')
		w--;
	while (g > got && g[-1] != '\n')
		g--;
	print_error("%s differs at line %d:\n  want: %.*s\n  got:  %.*s\n"
		    "(SIGJAM_UPDATE_GOLDEN=1 rewrites the golden files after a deliberate change)\n",
		    path, line, (int)strcspn(w, "\n"), w, (int)strcspn(g, "\n"), g);
}

static void check_golden(const char *file, const char *got)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", SJ_GOLDEN_DIR, file);
	const char *update = getenv("SIGJAM_UPDATE_GOLDEN");
	if (update && strcmp(update, "1") == 0) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		fputs(got, f);
		assert_int_equal(fclose(f), 0);
		return;
	}
	char *want = read_file(path);
	if (!want) {
		print_error("%s: missing (%s); run with SIGJAM_UPDATE_GOLDEN=1 to create it\n", path, strerror(errno));
		fail();
	}
	if (strcmp(want, got) != 0) {
		report_difference(path, want, got);
		free(want);
		fail();
	}
	free(want);
}

/* ---- golden tests: one cmocka test per fixture x format ---- */

struct golden_case {
	size_t fixture;
	const char *format;
	int color;
};

static void test_golden(void **state)
{
	const struct golden_case *c = *state;
	struct fixture *f = fixtures[c->fixture].make();
	char *text = NULL, err[256] = "", file[256];
	const struct sj_renderer *rd = sj_renderer_find(c->format);

	f->report.color = c->color;
	assert_int_equal(render(c->format, &f->report, &text, err, sizeof err), 0);
	assert_string_equal(err, "");
	snprintf(file, sizeof file, "%s%s.%s", f->name, c->color ? ".color" : "", rd->ext);
	check_golden(file, text);
	free(text);
	fixture_free(f);
}

/* ---- properties ---- */

/* Colour on: ANSI escapes present; off: not one ESC byte, even though the
 * deadlock fixture's argv and a thread name carry escape sequences. */
static void test_text_colour(void **state)
{
	for (size_t i = 0; i < NFIX; i++) {
		struct fixture *f = fixtures[i].make();
		char *text = NULL, err[256];
		f->report.color = 1;
		assert_int_equal(render("text", &f->report, &text, err, sizeof err), 0);
		assert_non_null(strstr(text, "\033[1m"));
		free(text);
		f->report.color = 0;
		assert_int_equal(render("text", &f->report, &text, err, sizeof err), 0);
		assert_null(strchr(text, '\033'));
		assert_null(strchr(text, '\a'));
		free(text);
		fixture_free(f);
	}
}

/* With colour, the only ESC bytes are the renderer's own SGR sequences:
 * the target's "\e[2J" and "\e]0;" must not get through. */
static void test_text_hostile_strings(void **state)
{
	struct fixture *f = fixture_deadlock();
	char *text = NULL, err[256];
	f->report.color = 1;
	assert_int_equal(render("text", &f->report, &text, err, sizeof err), 0);
	assert_null(strstr(text, "\033[2J"));
	assert_null(strstr(text, "\033]0;"));
	assert_non_null(strstr(text, "--tag=?[2Jx?"));
	for (const char *p = text; (p = strchr(p, '\033')); p++)
		assert_true(p[1] == '[' && strspn(p + 2, "0123456789;") > 0 && p[2 + strspn(p + 2, "0123456789;")] == 'm');
	free(text);
	fixture_free(f);
}

static void test_text_content(void **state)
{
	struct fixture *f = fixture_deadlock();
	char *text = NULL, err[256];
	assert_int_equal(render("text", &f->report, &text, err, sizeof err), 0);
	/* waits in words, as a person reads them */
	assert_non_null(strstr(text, "read(fd 5 = pipe:[8493])"));
	assert_non_null(strstr(text, "write(fd 4 = pipe:[8494])"));
	assert_non_null(strstr(text, "wait4(4101)"));
	assert_non_null(strstr(text, "futex 0x7f3a2c0016a0 private, no timeout"));
	assert_non_null(strstr(text, "futex 0x7f3a2e000010 shared /dev/shm/sem.mp-q1x7, no timeout"));
	assert_non_null(strstr(text, "poll(1 fd, timeout 100 ms)"));
	/* frames, native then Python */
	assert_non_null(strstr(text, "#0  __GI___libc_read+0x4c (libc.so.6) read.c:26"));
	assert_non_null(strstr(text, "File \"" "/root/.pyenv/versions/3.11.7/lib/python3.11/multiprocessing/pool.py\", line 576, in _handle_results"));
	/* zombie, journal, summary last */
	assert_non_null(strstr(text, "zombie: killed by SIGKILL for 12.5 s"));
	assert_non_null(strstr(text, "malloc() called in a SIGTERM handler"));
	assert_non_null(strstr(text, "waitpid reaped child 4108: killed by SIGSEGV (core dumped)"));
	const char *sum = "5 findings: 1 deadlock, 1 blocked-pipe-read, 1 zombie, 1 signal-unsafe-call, 1 nested-handler\n";
	size_t n = strlen(text), m = strlen(sum);
	assert_true(n > m);
	assert_string_equal(text + n - m, sum);
	/* findings come before processes */
	assert_true(strstr(text, "FINDINGS") < strstr(text, "PROCESSES"));
	free(text);
	fixture_free(f);
}

/* The wait decoder's sentences for the kinds the fixtures do not cover. */
static void test_wait_words(void **state)
{
	struct sj_fd fds[] = { { .fd = 3, .kind = SJ_FDK_SOCKET, .target = "socket:[77]" } };
	struct sj_process p = { .pid = 10, .fds = fds, .nfds = 1 };
	struct sj_waitfd wfd = { 3, 0 }, other = { 9, 0 };
	struct sj_thread t = { .tid = 10, .state = 'S', .syscall_nr = -2 };
	char buf[256];
	static const struct {
		struct sj_wait w;
		long nr;
		char state;
		const char *wchan, *want;
	} rows[] = {
		{ { .kind = SJ_WAIT_CHILD, .wait_pid = -1 }, -2, 'S', NULL, "wait4(any child)" },
		{ { .kind = SJ_WAIT_CHILD, .wait_pid = -4100 }, -2, 'S', NULL, "wait4(any child in group 4100)" },
		{ { .kind = SJ_WAIT_CHILD, .wait_pid = 41 }, SYS_waitid, 'S', NULL, "waitid(41)" },
		{ { .kind = SJ_WAIT_SLEEP, .has_timeout = 1, .timeout_ns = 2500000000 }, SYS_nanosleep, 'S', NULL, "nanosleep(2.5 s)" },
		{ { .kind = SJ_WAIT_SIGNAL }, SYS_rt_sigsuspend, 'S', NULL, "rt_sigsuspend (waits for a signal)" },
		{ { .kind = SJ_WAIT_STOPPED }, -1, 'T', NULL, "stopped (state T before capture)" },
		{ { .kind = SJ_WAIT_OTHER }, SYS_flock, 'S', "locks_lock_inode_wait", "flock in locks_lock_inode_wait" },
		{ { .kind = SJ_WAIT_OTHER }, 999, 'D', "0", "syscall 999" },
		{ { .kind = SJ_WAIT_NONE }, -1, 'R', NULL, "running" },
		{ { .kind = SJ_WAIT_FUTEX, .futex_addr = 0x1000, .has_timeout = 1, .timeout_ns = 5000000 }, SYS_futex, 'S', NULL,
		  "futex 0x1000 shared (anonymous memory), timeout 5 ms" },
		{ { .kind = SJ_WAIT_POLL, .has_timeout = 1, .timeout_ns = -1 }, SYS_epoll_wait, 'S', NULL, "epoll_wait(0 fds, with a timeout)" },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		t.wait = rows[i].w;
		t.syscall_nr = rows[i].nr;
		t.state = rows[i].state;
		t.wchan = (char *)rows[i].wchan;
		assert_string_equal(sj_report_wait_text(&p, &t, buf, sizeof buf), rows[i].want);
	}
	t.wchan = NULL;
	t.wait = (struct sj_wait){ .kind = SJ_WAIT_ACCEPT, .fds = &wfd, .nfds = 1 };
	t.syscall_nr = SYS_accept4;
	assert_string_equal(sj_report_wait_text(&p, &t, buf, sizeof buf), "accept4(fd 3 = socket:[77])");
	t.wait = (struct sj_wait){ .kind = SJ_WAIT_READ, .fds = &other, .nfds = 1 };
	t.syscall_nr = -2;   /* unknown syscall, fd not in the table: still a sentence */
	assert_string_equal(sj_report_wait_text(&p, &t, buf, sizeof buf), "read(fd 9)");
	/* a short buffer truncates, never overflows */
	char small[8];
	assert_string_equal(sj_report_wait_text(&p, &t, small, sizeof small), "read(fd");
}

static void test_summary(void **state)
{
	char buf[128];
	struct sj_finding v[3] = { { .kind = SJ_FIND_ZOMBIE }, { .kind = SJ_FIND_DEADLOCK }, { .kind = SJ_FIND_ZOMBIE } };
	struct sj_findings f = { v, 3 };
	assert_string_equal(sj_report_summary(&f, buf, sizeof buf), "3 findings: 1 deadlock, 2 zombie");
	f.n = 1;
	assert_string_equal(sj_report_summary(&f, buf, sizeof buf), "1 finding: 1 zombie");
	f.n = 0;
	assert_string_equal(sj_report_summary(&f, buf, sizeof buf), "no findings");
	assert_string_equal(sj_report_summary(NULL, buf, sizeof buf), "no findings");
}

/* The renderer table: names, extensions, every row renders every fixture. */
static void test_table(void **state)
{
	size_t n;
	const struct sj_renderer *t = sj_renderers(&n);
	assert_true(n >= 6);
	assert_ptr_equal(sj_renderer_find("json")->render, sj_render_json);
	assert_string_equal(sj_renderer_find("junit")->ext, "xml");
	assert_string_equal(sj_renderer_find("sarif")->ext, "sarif");
	assert_null(sj_renderer_find("yaml"));
	assert_null(sj_renderer_find(NULL));
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			assert_true(strcmp(t[i].name, t[j].name) != 0);
}

/* Every renderer reports a failed write instead of claiming success. */
static void test_write_error(void **state)
{
	size_t n;
	const struct sj_renderer *t = sj_renderers(&n);
	for (size_t i = 0; i < n; i++) {
		struct fixture *f = fixture_deadlock();
		FILE *full = fopen("/dev/full", "w");
		char err[256] = "";
		assert_non_null(full);
		setvbuf(full, NULL, _IOFBF, 64);
		int rc = t[i].render(&f->report, full, err, sizeof err);
		fclose(full);
		if (strcmp(t[i].name, "svg") == 0 && strstr(err, "not on PATH")) {
			fixture_free(f);
			continue;   /* no Graphviz: covered by test_svg */
		}
		assert_int_equal(rc, -1);
		assert_non_null(strstr(err, t[i].name));
		assert_null(strchr(err, '\n'));
		fixture_free(f);
	}
}

static int have_dot(void)
{
	return system("command -v dot >/dev/null 2>&1") == 0;
}

static void test_svg(void **state)
{
	struct fixture *f = fixture_deadlock();
	char *text = NULL, err[256] = "";
	if (have_dot()) {
		assert_int_equal(render("svg", &f->report, &text, err, sizeof err), 0);
		assert_non_null(strstr(text, "<svg"));
		assert_non_null(strstr(text, "</svg>"));
		assert_non_null(strstr(text, "pid 4100 python3"));
		free(text);
		text = NULL;
	}
	/* Without Graphviz on PATH: a one-line error, no output. */
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", "/nonexistent-sigjam", 1);
	int rc = render("svg", &f->report, &text, err, sizeof err);
	if (old)
		setenv("PATH", old, 1);
	free(old);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "graphviz"));
	assert_null(strchr(err, '\n'));
	assert_string_equal(text, "");
	free(text);
	fixture_free(f);
}

/* The wait-for graph highlights the knot and greys the zombie. */
static void test_dot_highlights(void **state)
{
	struct fixture *f = fixture_deadlock();
	char *text = NULL, err[256];
	assert_int_equal(render("dot", &f->report, &text, err, sizeof err), 0);
	/* knot edges: finding edges of the deadlock, red and bold */
	assert_non_null(strstr(text, "t4100 -> t4101 [label=\"wait4(4101)\", color=red3, fontcolor=red3, penwidth=2.5, style=bold"));
	assert_non_null(strstr(text, "t4101 -> t4100 [label=\"pipe:[8494]\", color=red3"));
	/* the reader's own write end: a loop on the reading thread (the
	 * finding's edge, orange), never an arrow to the innocent leader */
	assert_non_null(strstr(text, "t4102 -> t4102 [label=\"pipe:[8493] (own write end, fd 6)\", color=darkorange2"));
	assert_null(strstr(text, "t4102 -> t4100"));
	/* an edge to "any thread of 4101" has a hollow arrow */
	assert_non_null(strstr(text, "t4102 -> t4101 [label=\"pipe:[8493]\", color=red3, fontcolor=red3, penwidth=2.5, style=bold, arrowhead=onormal]"));
	/* derived: the semaphore waiter can be woken by the processes sharing the file */
	assert_non_null(strstr(text, "t4106 -> t4100 [label=\"futex shared /dev/shm/sem.mp-q1x7\""));
	/* timed waits are dashed */
	assert_non_null(strstr(text, "t4104 -> t4101 [label=\"poll pipe:[8495]\", color=grey35, fontcolor=grey35, style=dashed"));
	/* zombie cluster greyed */
	const char *z = strstr(text, "subgraph cluster_p4105");
	assert_non_null(z);
	assert_non_null(strstr(z, "fillcolor=grey92"));
	/* hostile thread name escaped: no raw control bytes in DOT */
	for (const char *p = text; *p; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
	free(text);
	fixture_free(f);
}

static void test_json_roundtrip(void **state)
{
	struct fixture *f = fixture_deadlock();
	char err[256];
	json_t *j = sj_report_json(&f->report, err, sizeof err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "schema")), "sigjam-report/1");
	json_t *procs = json_object_get(json_object_get(j, "snapshot"), "processes");
	assert_int_equal(json_array_size(procs), 4);
	json_t *reader = json_array_get(json_object_get(json_array_get(procs, 0), "threads"), 1);
	/* native and Python frames kept separate */
	assert_int_equal(json_array_size(json_object_get(reader, "frames")), 2);
	assert_int_equal(json_array_size(json_object_get(json_object_get(reader, "python"), "frames")), 5);
	assert_string_equal(json_string_value(json_object_get(json_object_get(reader, "wait"), "text")),
			    "read(fd 5 = pipe:[8493])");
	/* journal records are the shim's objects; one kept by fields only is rebuilt */
	json_t *evs = json_object_get(json_object_get(j, "journal"), "events");
	assert_int_equal(json_array_size(evs), 14);
	assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 4), "spec")),
			    "read:fd=pipe:when=3:signal=KILL@self");
	assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 13), "ev")), "spawn");
	/* invalid UTF-8 in argv became U+FFFD instead of failing the report */
	json_t *argv = json_object_get(json_array_get(procs, 1), "argv");
	assert_string_equal(json_string_value(json_array_get(argv, 2)), "--tag=\x1b[2Jx\xef\xbf\xbd");
	json_decref(j);
	fixture_free(f);
}

int main(void)
{
	struct golden_case cases[NFIX * NFMT + 1];
	struct CMUnitTest tests[NFIX * NFMT + 1 + 16];
	char names[NFIX * NFMT + 1][64];
	size_t n = 0, c = 0;

	for (size_t i = 0; i < NFIX; i++)
		for (size_t k = 0; k < NFMT; k++) {
			cases[c] = (struct golden_case){ i, golden_formats[k], 0 };
			snprintf(names[c], sizeof names[c], "golden_%s_%s", fixtures[i].name, golden_formats[k]);
			tests[n++] = (struct CMUnitTest){ names[c], test_golden, NULL, NULL, &cases[c] };
			c++;
		}
	cases[c] = (struct golden_case){ 0, "text", 1 };
	snprintf(names[c], sizeof names[c], "golden_deadlock_text_color");
	tests[n++] = (struct CMUnitTest){ names[c], test_golden, NULL, NULL, &cases[c] };

	const struct CMUnitTest props[] = {
		cmocka_unit_test(test_text_colour),
		cmocka_unit_test(test_text_hostile_strings),
		cmocka_unit_test(test_text_content),
		cmocka_unit_test(test_wait_words),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_dot_highlights),
		cmocka_unit_test(test_json_roundtrip),
	};
	for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
		tests[n++] = props[i];
	return _cmocka_run_group_tests("reports_render", tests, n, NULL, NULL);
}
