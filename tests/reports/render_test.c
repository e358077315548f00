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
	{ "kernel", fixture_kernel },
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
	int color, verbose, summary;   /* the text report's options */
};

static void test_golden(void **state)
{
	const struct golden_case *c = *state;
	struct fixture *f = fixtures[c->fixture].make();
	char *text = NULL, err[256] = "", file[256];
	const struct sj_renderer *rd = sj_renderer_find(c->format);

	f->report.color = c->color;
	f->report.verbose = c->verbose;
	f->report.journal_summary = c->summary;
	assert_int_equal(render(c->format, &f->report, &text, err, sizeof err), 0);
	assert_string_equal(err, "");
	snprintf(file, sizeof file, "%s%s%s%s.%s", f->name, c->color ? ".color" : "",
		 c->verbose ? ".verbose" : "", c->summary ? ".summary" : "", rd->ext);
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

/* The report opens with one verdict line per root cause, then the header;
 * consequences name their causes, root causes say they are one. */
static void test_text_verdict_first(void **state)
{
	struct fixture *f = fixture_deadlock();
	char *text = NULL, err[256];
	assert_int_equal(render("text", &f->report, &text, err, sizeof err), 0);
	assert_true(strncmp(text, "verdict: the SIGTERM handler of pid 4101 called malloc()", 56) == 0);
	const char *second = strstr(text, "\nverdict: SIGUSR1 handler");
	const char *header = strstr(text, "\nsigjam report: ");
	assert_non_null(second);
	assert_non_null(header);
	assert_true(second < header);
	assert_non_null(strstr(text, "1. warning signal-unsafe-call (root cause): "));
	assert_non_null(strstr(text, "3. error deadlock (because of 1 and 2): "));
	assert_non_null(strstr(text, "5. warning zombie (because of 3): "));
	free(text);
	fixture_free(f);

	/* Seven root causes: five named at the top, the rest counted. */
	struct sj_finding v[7];
	char verdicts[7][32];
	for (int i = 0; i < 7; i++) {
		snprintf(verdicts[i], sizeof verdicts[i], "pid %d is a zombie.", 10 + i);
		v[i] = (struct sj_finding){ .kind = SJ_FIND_ZOMBIE, .severity = SJ_SEV_WARNING,
					    .cause = verdicts[i], .verdict = verdicts[i] };
	}
	struct sj_findings fs = { v, 7 };
	struct sj_report r = { .findings = &fs };
	assert_int_equal(render("text", &r, &text, err, sizeof err), 0);
	assert_true(strncmp(text, "verdict: pid 10 is a zombie. (finding 1)\n", 41) == 0);
	assert_non_null(strstr(text, "verdict: pid 14 is a zombie. (finding 5)\n"
				     "verdict: and 2 more root causes, below\n\nsigjam report"));
	assert_null(strstr(text, "verdict: pid 15"));
	free(text);
}

/* Columns of line [s, e): UTF-8 characters, colour escapes not counted. */
static size_t columns(const char *s, const char *e)
{
	size_t n = 0;
	while (s < e) {
		if (*s == '\033') {
			s += strcspn(s, "m") + 1;
			continue;
		}
		n += ((unsigned char)*s++ & 0xc0) != 0x80;
	}
	return n;
}

static size_t widest_line(const char *text)
{
	size_t widest = 0;
	for (const char *p = text; *p;) {
		const char *e = p + strcspn(p, "\n");
		size_t w = columns(p, e);
		widest = w > widest ? w : widest;
		p = *e ? e + 1 : e;
	}
	return widest;
}

/* No line is wider than 400 columns, in colour or not, however long the
 * target's argv, a frame's name or a cause; prose wraps at 100. */
static void test_text_line_width(void **state)
{
	struct fixture *f = fixture_deadlock();
	char *text = NULL, err[256];
	char *huge = malloc(3001);
	assert_non_null(huge);
	for (int i = 0; i < 3000; i++)
		huge[i] = i % 700 == 699 ? ' ' : (char)('a' + i % 26);
	huge[3000] = '\0';
	struct sj_process *p = &f->snap->procs[0];
	free(p->argv[1]);
	p->argv[1] = strdup(huge);
	free(p->threads[0].frames[0].func);
	p->threads[0].frames[0].func = strdup(huge);
	free(f->findings->v[2].cause);
	f->findings->v[2].cause = strdup(huge);
	for (int color = 0; color < 2; color++) {
		f->report.color = color;
		f->report.verbose = 1;
		assert_int_equal(render("text", &f->report, &text, err, sizeof err), 0);
		assert_true(widest_line(text) <= 400);
		assert_true(widest_line(text) >= 390);   /* the long words were cut, not dropped */
		/* the cause, a sentence, wrapped at 100 */
		const char *c = strstr(text, "3. ");
		assert_non_null(c);
		assert_true(columns(c, c + strcspn(c, "\n")) <= 100);
		free(text);
	}
	free(huge);
	fixture_free(f);
}

/* The raw wait-for edges only with --verbose; a count says they exist. */
static void test_text_edges_only_verbose(void **state)
{
	struct fixture *f = fixture_deadlock();
	char *text = NULL, err[256];
	assert_int_equal(render("text", &f->report, &text, err, sizeof err), 0);
	assert_null(strstr(text, "wait-for:"));
	assert_non_null(strstr(text, "(3 wait-for edges: --verbose lists them)"));
	free(text);
	f->report.verbose = 1;
	assert_int_equal(render("text", &f->report, &text, err, sizeof err), 0);
	assert_non_null(strstr(text, "     wait-for: pid 4100 main thread -> pid 4101 via wait4(4101)\n"));
	free(text);
	/* Locations where several threads stand are folded with their count. */
	f->findings->v[2].locations[1].count = 3;
	assert_int_equal(render("text", &f->report, &text, err, sizeof err), 0);
	assert_non_null(strstr(text, "pool.py:576 in _handle_results (3 threads)\n"));
	free(text);
	fixture_free(f);
}

/* The journal summary folds like records into one line with a count and
 * shows at most 20 lines of the records behind the findings. */
static void test_text_journal_summary_folds(void **state)
{
	char *lines = NULL, *text = NULL, err[256];
	size_t len = 0;
	FILE *mem = open_memstream(&lines, &len);
	assert_non_null(mem);
	for (int i = 0; i < 100; i++)
		fprintf(mem, "{\"v\":1,\"t\":%d,\"pid\":7,\"ppid\":1,\"ev\":\"unsafe\",\"sig\":\"SIGTERM\",\"call\":\"malloc\"}\n", i);
	for (int i = 1; i <= 50; i++)
		fprintf(mem, "{\"v\":1,\"t\":%d,\"pid\":7,\"ppid\":1,\"ev\":\"inject\",\"hook\":\"read\",\"n\":%d,"
			"\"action\":\"delay\",\"ns\":1000}\n", 1000 + i, i);
	for (int i = 0; i < 30; i++)
		fprintf(mem, "{\"v\":1,\"t\":%d,\"pid\":8,\"ppid\":1,\"ev\":\"fork\",\"child\":%d}\n", 2000 + i, 100 + i);
	assert_int_equal(fclose(mem), 0);
	struct sj_journal j = { 0 };
	assert_int_equal(sj_journal_parse_text(lines, len, &j, err, sizeof err), 0);
	free(lines);
	struct sj_finding f = { .kind = SJ_FIND_SIGNAL_UNSAFE, .severity = SJ_SEV_ERROR, .cause = "malloc() in a handler" };
	size_t recs[150];
	for (size_t i = 0; i < 150; i++)
		recs[i] = i;
	f.records = recs;
	f.nrecords = 150;
	struct sj_findings fs = { &f, 1 };
	struct sj_report r = { .findings = &fs, .journal = &j, .journal_summary = 1 };
	assert_int_equal(render("text", &r, &text, err, sizeof err), 0);
	assert_non_null(strstr(text, "JOURNAL: 180 records\n  by kind: 100 unsafe, 50 inject, 30 fork\n"));
	assert_non_null(strstr(text, "malloc() called in a SIGTERM handler (100 times) (finding 1)\n"));
	assert_non_null(strstr(text, "read, call 19: delay 1 us (finding 1)\n"));
	assert_null(strstr(text, "call 20:"));
	assert_non_null(strstr(text, "  and 31 more (the JSON report lists"));
	assert_null(strstr(text, " fork "));   /* records behind no finding: counted only */
	free(text);
	sj_journal_free(&j);
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
		{ { .kind = SJ_WAIT_LOCK, .lock = { .flavor = SJ_LOCK_POSIX, .start = 10, .end = 19 } }, SYS_fcntl, 'S', NULL,
		  "fcntl(unknown fd, read record lock on bytes 10-19)" },
		{ { .kind = SJ_WAIT_LOCK, .lock = { .flavor = SJ_LOCK_OFD, .write = 1, .start = 100, .end = UINT64_MAX } },
		  SYS_fcntl, 'S', NULL, "fcntl(unknown fd, write OFD lock from byte 100)" },
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

/* ---- kernel facts: sockets, pipes, locks ---- */

static json_t *proc_fd(json_t *procs, size_t pi, size_t fi)
{
	return json_array_get(json_object_get(json_array_get(procs, pi), "fds"), fi);
}

static json_int_t jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

/* Each socket names its peer and who holds it; a listener its reach; a
 * TCP socket its protocol and endpoints; an fd with no sock_diag facts
 * (a pipe) has null. */
static void test_json_sockets(void **state)
{
	struct fixture *f = fixture_kernel();
	char err[256];
	json_t *j = sj_report_json(&f->report, err, sizeof err);
	assert_non_null(j);
	json_t *procs = json_object_get(json_object_get(j, "snapshot"), "processes");
	json_t *c = json_object_get(proc_fd(procs, 0, 0), "socket");
	assert_string_equal(jstr(c, "family"), "unix");
	assert_string_equal(jstr(c, "type"), "stream");
	assert_string_equal(jstr(c, "state"), "established");
	assert_true(json_is_null(json_object_get(c, "protocol")));
	assert_int_equal(jint(c, "peer_inode"), 9002);
	assert_int_equal(jint(c, "wqueue"), 11);
	assert_int_equal(jint(c, "rqueue"), 0);
	json_t *h = json_object_get(c, "peer_holders");
	assert_int_equal(json_array_size(h), 1);
	assert_int_equal(jint(json_array_get(h, 0), "pid"), 4201);
	assert_int_equal(jint(json_array_get(h, 0), "fd"), 4);
	assert_string_equal(jstr(c, "reach"), "unchecked");
	assert_true(json_is_null(json_object_get(c, "vfs")));
	/* the server's end points back at the client's */
	json_t *sv = json_object_get(proc_fd(procs, 1, 0), "socket");
	assert_int_equal(jint(sv, "peer_inode"), 9001);
	assert_int_equal(jint(json_array_get(json_object_get(sv, "peer_holders"), 0), "pid"), 4200);
	json_t *l = json_object_get(proc_fd(procs, 1, 1), "socket");
	assert_string_equal(jstr(l, "state"), "listen");
	assert_string_equal(jstr(l, "local"), "/tmp/sj/srv.sock");
	assert_true(json_is_true(json_object_get(l, "named")));
	assert_string_equal(jstr(l, "reach"), "tree");
	assert_true(json_is_null(json_object_get(l, "peer_inode")));
	assert_int_equal(json_array_size(json_object_get(l, "peer_holders")), 0);
	assert_int_equal(jint(json_object_get(l, "vfs"), "inode"), 7001);
	assert_string_equal(jstr(json_object_get(l, "vfs"), "dev"), "08:01");
	json_t *tcp = json_object_get(proc_fd(procs, 0, 1), "socket");
	assert_string_equal(jstr(tcp, "family"), "inet");
	assert_string_equal(jstr(tcp, "protocol"), "tcp");
	assert_string_equal(jstr(tcp, "remote"), "127.0.0.1:5000");
	assert_int_equal(jint(json_array_get(json_object_get(tcp, "peer_holders"), 0), "fd"), 7);
	/* a listener some process outside could reach: how many, and one */
	json_decref(j);
	struct sj_sock *k = &f->snap->procs[1].fds[1].sock;
	k->reach = SJ_REACH_OUTSIDE;
	k->reach_outsiders = 2;
	k->reach_example = 77;
	j = sj_report_json(&f->report, err, sizeof err);
	procs = json_object_get(json_object_get(j, "snapshot"), "processes");
	l = json_object_get(proc_fd(procs, 1, 1), "socket");
	assert_string_equal(jstr(l, "reach"), "outside");
	assert_int_equal(jint(l, "reach_outsiders"), 2);
	assert_int_equal(jint(l, "reach_example"), 77);
	assert_true(json_is_null(json_object_get(json_object_get(proc_fd(procs, 0, 0), "socket"), "reach_outsiders")));
	/* not a socket, not a waited-on pipe: null */
	assert_true(json_is_null(json_object_get(proc_fd(procs, 2, 0), "socket")));
	assert_true(json_is_null(json_object_get(proc_fd(procs, 2, 0), "pipe")));
	json_decref(j);
	fixture_free(f);

	/* the full pipe of the deadlock's writer */
	f = fixture_deadlock();
	j = sj_report_json(&f->report, err, sizeof err);
	procs = json_object_get(json_object_get(j, "snapshot"), "processes");
	json_t *pipe = json_object_get(proc_fd(procs, 1, 0), "pipe");
	assert_int_equal(jint(pipe, "queued"), 65536);
	assert_int_equal(jint(pipe, "size"), 65536);
	assert_true(json_is_null(json_object_get(proc_fd(procs, 1, 1), "pipe")));   /* size unknown */
	json_decref(j);
	fixture_free(f);
}

/* Locks an fd holds, the request a thread waits for, /proc/locks. */
static void test_json_locks(void **state)
{
	struct fixture *f = fixture_kernel();
	char err[256];
	json_t *j = sj_report_json(&f->report, err, sizeof err);
	assert_non_null(j);
	json_t *snap = json_object_get(j, "snapshot"), *procs = json_object_get(snap, "processes");
	json_t *held = json_object_get(proc_fd(procs, 2, 0), "locks");
	assert_int_equal(json_array_size(held), 1);
	json_t *l = json_array_get(held, 0);
	assert_string_equal(jstr(l, "flavor"), "flock");
	assert_string_equal(jstr(l, "access"), "write");
	assert_int_equal(jint(l, "inode"), 5001);
	assert_string_equal(jstr(l, "dev"), "08:01");
	assert_string_equal(jstr(l, "file"), "/tmp/sj/lock-a");
	assert_true(json_is_null(json_object_get(l, "end")));   /* to EOF */
	assert_true(json_is_false(json_object_get(l, "blocked")));
	json_t *rec = json_array_get(json_object_get(proc_fd(procs, 3, 2), "locks"), 0);
	assert_string_equal(jstr(rec, "flavor"), "posix");
	assert_int_equal(jint(rec, "end"), 99);
	assert_int_equal(jint(proc_fd(procs, 3, 0), "pos"), 12);
	assert_int_equal(json_array_size(json_object_get(proc_fd(procs, 3, 0), "locks")), 0);
	/* the waiter's request */
	json_t *w = json_object_get(json_array_get(json_object_get(json_array_get(procs, 2), "threads"), 0), "wait");
	assert_string_equal(jstr(w, "kind"), "lock");
	assert_string_equal(jstr(w, "text"), "flock(fd 4 = /tmp/sj/lock-b, write flock)");
	json_t *req = json_object_get(w, "lock");
	assert_int_equal(jint(req, "inode"), 5002);
	assert_int_equal(jint(req, "pid"), 4202);
	assert_string_equal(jstr(req, "file"), "/tmp/sj/lock-b");
	/* other waits have none */
	w = json_object_get(json_array_get(json_object_get(json_array_get(procs, 0), "threads"), 0), "wait");
	assert_true(json_is_null(json_object_get(w, "lock")));
	/* /proc/locks: held and waiting, the file named where an fd names it */
	json_t *all = json_object_get(snap, "locks");
	assert_int_equal(json_array_size(all), 6);
	assert_true(json_is_true(json_object_get(json_array_get(all, 1), "blocked")));
	assert_int_equal(jint(json_array_get(all, 1), "pid"), 4203);
	assert_string_equal(jstr(json_array_get(all, 1), "file"), "/tmp/sj/lock-a");
	assert_string_equal(jstr(json_array_get(all, 5), "flavor"), "ofd");
	assert_true(json_is_null(json_object_get(json_array_get(all, 5), "pid")));   /* OFD: no owner pid */
	assert_true(json_is_null(json_object_get(json_array_get(all, 5), "file")));
	json_decref(j);
	fixture_free(f);
}

/* The PROCESSES part shows the peer and its holder, the pipe's fill, a
 * lock's holders and waiters; nothing for fds nobody waits on. */
static void test_text_kernel_facts(void **state)
{
	struct fixture *f = fixture_kernel();
	char *text = NULL, err[256];
	assert_int_equal(render("text", &f->report, &text, err, sizeof err), 0);
	assert_non_null(strstr(text, "recvfrom(fd 3 = socket:[9001])\n"
				     "    fd 3: unix stream, peer socket:[9002] in pid 4201 (fd 4), 11 bytes sent and not yet read\n"));
	assert_non_null(strstr(text, "    fd 4: unix stream, peer socket:[9001] in pid 4200 (fd 3)\n"
				     "    fd 5: unix stream listening at /tmp/sj/srv.sock, 1 connection waiting, "
				     "only the snapshot's processes can reach it\n"));
	assert_null(strstr(text, "fd 6:"));   /* the TCP socket nobody waits on */
	assert_non_null(strstr(text, "  holds a write flock on fd 3 = /tmp/sj/lock-a; pid 4203 waits for it\n"));
	assert_non_null(strstr(text, "  holds a write record lock on bytes 0-99 on fd 5 = /tmp/sj/db\n"));
	assert_non_null(strstr(text, "flock(fd 4 = /tmp/sj/lock-b, write flock)\n"
				     "    fd 4: held by pid 4203 (fd 4, write flock)\n"));
	free(text);
	/* a poll set: facts for four fds, the rest counted; reach from outside */
	struct sj_thread *th = &f->snap->procs[1].threads[0];
	struct sj_waitfd many[6] = { { 4, 0 }, { 5, 0 }, { 4, 0 }, { 5, 0 }, { 4, 0 }, { 7, 0 } };
	struct sj_waitfd *own = th->wait.fds;
	th->wait.fds = many;
	th->wait.nfds = 6;
	f->snap->procs[1].fds[1].sock.reach = SJ_REACH_OUTSIDE;
	f->snap->procs[1].fds[1].sock.reach_outsiders = 2;
	f->snap->procs[1].fds[1].sock.reach_example = 77;
	assert_int_equal(render("text", &f->report, &text, err, sizeof err), 0);
	assert_non_null(strstr(text, ", 2 processes outside the snapshot can reach it (pid 77)\n"));
	assert_non_null(strstr(text, "    and 2 more fds\npid 4202 locker"));
	free(text);
	th->wait.fds = own;
	th->wait.nfds = 2;
	fixture_free(f);

	f = fixture_deadlock();
	assert_int_equal(render("text", &f->report, &text, err, sizeof err), 0);
	assert_non_null(strstr(text, "write(fd 4 = pipe:[8494])\n    fd 4: 65536 of 65536 bytes queued\n"));
	assert_null(strstr(text, "fd 5: "));   /* a pipe whose fill capture did not read */
	free(text);
	fixture_free(f);
}

/* Without findings, socket and lock waits still get edges to the
 * holders of the peer socket and of the lock in the way. */
static void test_dot_socket_lock_edges(void **state)
{
	struct fixture *f = fixture_kernel();
	char *text = NULL, err[256];
	f->report.findings = NULL;
	assert_int_equal(render("dot", &f->report, &text, err, sizeof err), 0);
	assert_non_null(strstr(text, "t4200 -> t4201 [label=\"socket:[9001] -> socket:[9002]\", color=grey35"));
	assert_non_null(strstr(text, "t4201 -> t4200 [label=\"socket:[9002] -> socket:[9001]\", color=grey35"));
	assert_non_null(strstr(text, "t4202 -> t4203 [label=\"lock /tmp/sj/lock-b\", color=grey35"));
	assert_non_null(strstr(text, "t4203 -> t4202 [label=\"lock /tmp/sj/lock-a\", color=grey35"));
	assert_null(strstr(text, "-> t4201 [label=\"socket:[9003]"));   /* the listener has no peer */
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

/* The text report's variants with golden files of their own. */
static const struct golden_case text_variants[] = {
	{ 0, "text", 1, 0, 0 },   /* deadlock.color.txt */
	{ 0, "text", 0, 1, 0 },   /* deadlock.verbose.txt: the wait-for edges */
	{ 0, "text", 0, 0, 1 },   /* deadlock.summary.txt: the journal as `sigjam run` shows it */
	{ 2, "text", 0, 0, 1 },   /* journal-only.summary.txt */
};
#define NVAR (sizeof text_variants / sizeof text_variants[0])

int main(void)
{
	struct golden_case cases[NFIX * NFMT + NVAR];
	struct CMUnitTest tests[NFIX * NFMT + NVAR + 24];
	char names[NFIX * NFMT + NVAR][64];
	size_t n = 0, c = 0;

	for (size_t i = 0; i < NFIX; i++)
		for (size_t k = 0; k < NFMT; k++) {
			cases[c] = (struct golden_case){ i, golden_formats[k], 0, 0, 0 };
			snprintf(names[c], sizeof names[c], "golden_%s_%s", fixtures[i].name, golden_formats[k]);
			tests[n++] = (struct CMUnitTest){ names[c], test_golden, NULL, NULL, &cases[c] };
			c++;
		}
	for (size_t v = 0; v < NVAR; v++, c++) {
		cases[c] = text_variants[v];
		snprintf(names[c], sizeof names[c], "golden_%s_text%s%s%s", fixtures[cases[c].fixture].name,
			 cases[c].color ? "_color" : "", cases[c].verbose ? "_verbose" : "",
			 cases[c].summary ? "_summary" : "");
		tests[n++] = (struct CMUnitTest){ names[c], test_golden, NULL, NULL, &cases[c] };
	}

	const struct CMUnitTest props[] = {
		cmocka_unit_test(test_text_colour),
		cmocka_unit_test(test_text_hostile_strings),
		cmocka_unit_test(test_text_content),
		cmocka_unit_test(test_text_verdict_first),
		cmocka_unit_test(test_text_line_width),
		cmocka_unit_test(test_text_edges_only_verbose),
		cmocka_unit_test(test_text_journal_summary_folds),
		cmocka_unit_test(test_wait_words),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_dot_highlights),
		cmocka_unit_test(test_dot_socket_lock_edges),
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_json_sockets),
		cmocka_unit_test(test_json_locks),
		cmocka_unit_test(test_text_kernel_facts),
	};
	for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
		tests[n++] = props[i];
	return _cmocka_run_group_tests("reports_render", tests, n, NULL, NULL);
}
