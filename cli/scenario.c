/* scenario.c — `sigjam scenario list|run` and `sigjam demo`: run the
 * catalogue of reproduced failures and check each against its recipe. */
#include "cli.h"
#include "help.h"
#include "pythons.h"
#include "recipe.h"

#include "capture.h"
#include "text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "watch.h"

#define MAX_PYTHONS 16
#define MAX_SCENARIOS 64
#define MAX_PREFIX 8     /* argv words that start an interpreter (pyroot run --bind DIR TAG) */

struct scen_opts {
	struct sj_python pythons[MAX_PYTHONS];
	size_t npythons;
	const char *format;      /* print each run's report in this format */
	const char *start;       /* --start: the one start method ("default": the interpreter's) */
	int verbose;             /* print reports and program output */
	char dir[PATH_MAX];
};

/* <bindir>/SIGJAM_SCENARIO_REL, like the shim (cli/util.c). */
static int default_dir(char *out, size_t n)
{
	return sj_env_or_exe_relative("SIGJAM_SCENARIOS", SIGJAM_SCENARIO_REL, out, n);
}

static int cmp_recipe(const void *a, const void *b)
{
	const struct recipe *x = a, *y = b;
	return x->number != y->number ? x->number - y->number : strcmp(x->name, y->name);
}

/* Loads every recipe under o->dir, sorted by catalogue number.  The
 * folder is made canonical first: an interpreter in a root sees only the
 * folders bound into it, not "bin/../share". */
static int load_all(struct scen_opts *o, struct recipe *rs, size_t *n)
{
	char err[512], path[PATH_MAX + 256], real[PATH_MAX];
	if (realpath(o->dir, real))
		snprintf(o->dir, sizeof o->dir, "%s", real);
	DIR *d = opendir(o->dir);
	if (!d)
		return sj_usage_error("scenario", "no scenario folder at %s (%s); build sigjam or pass --dir",
				      o->dir, strerror(errno));
	struct dirent *de;
	*n = 0;
	while ((de = readdir(d)) && *n < MAX_SCENARIOS) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", o->dir, de->d_name);
		char probe[PATH_MAX + 300];
		snprintf(probe, sizeof probe, "%s/scenario.json", path);
		if (access(probe, R_OK) != 0)
			continue;
		if (recipe_load(path, &rs[*n], err, sizeof err) != 0) {
			closedir(d);
			for (size_t i = 0; i < *n; i++)
				recipe_free(&rs[i]);
			return sj_usage_error("scenario", "%s", err);
		}
		(*n)++;
	}
	closedir(d);
	qsort(rs, *n, sizeof rs[0], cmp_recipe);
	return 0;
}

/* What one run of a Python scenario uses: the interpreter and the start
 * method (NULL for the C scenarios). */
struct run_with {
	const struct sj_python *py;
	const char *start;
	const char *bind;        /* the scenario folder, for an interpreter in a root */
};

/* argv with {python} (the interpreter's command, several words for one in
 * a root), {start} (--start=METHOD) and {dir} replaced; strings are owned
 * by the caller.  NULL on allocation failure. */
static char **expand_argv(const struct variant *v, const char *dir, const struct run_with *w)
{
	size_t n = json_array_size(v->argv), k = 0;
	char **argv = calloc(n + MAX_PREFIX + 1, sizeof *argv);
	for (size_t i = 0; argv && i < n; i++) {
		const char *s = json_string_value(json_array_get(v->argv, i));
		if (!s)
			s = "";
		if (!strcmp(s, "{python}")) {
			size_t m = w->py ? sj_python_argv(w->py, w->bind, argv + k, MAX_PREFIX) : 0;
			if (!m)
				goto fail;
			k += m;
			continue;
		}
		if (!strcmp(s, "{start}")) {
			if (asprintf(&argv[k], "--start=%s", w->start ? w->start : "fork") < 0)
				goto fail;
		} else if (!strncmp(s, "{dir}", 5)) {
			if (asprintf(&argv[k], "%s%s", dir, s + 5) < 0)
				goto fail;
		} else if (!(argv[k] = strdup(s))) {
			goto fail;
		}
		k++;
	}
	return argv;
fail:
	for (size_t i = 0; i < k; i++)
		free(argv[i]);
	free(argv);
	return NULL;
}

static void free_argv(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static char *slurp_fd(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return NULL;
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return NULL;
	ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* A run's orphans (a resource tracker still ending after its program)
 * came back to sigjam, their subreaper: give them a moment to end by
 * themselves, then end them, so that no run sees the last one's processes
 * and none outlives `sigjam scenario`. */
static void end_leftovers(void)
{
	pid_t kids[64];
	for (int i = 0; i < 60; i++) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (!sj_children_of(getpid(), kids, 64))
			return;
		usleep(50000);
	}
	size_t n = sj_children_of(getpid(), kids, 64);
	for (size_t i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

/* A one-word account of how a run ended, for verdict lines. */
static const char *ending(const struct sj_launch *lo, char *buf, size_t n)
{
	if (lo->hung)
		snprintf(buf, n, "hang");
	else if (lo->timed_out)
		snprintf(buf, n, "timed out");
	else
		sj_wait_status_text(lo->exit_status, buf, n);
	return buf;
}

/* Runs one variant under the shim and the watcher; returns failures. */
static int run_variant(const struct recipe *r, const struct variant *v, const struct run_with *w,
		       const struct scen_opts *o, char *line, size_t linelen)
{
	struct sj_launch lo;
	struct sj_outputs outs;
	char err[256], msgs[2048], out_path[] = "/tmp/sigjam-scenario-XXXXXX";
	int fails = 0;

	sj_launch_init(&lo);
	sj_outputs_init(&outs);
	char **argv = expand_argv(v, r->dir, w);
	int out_fd = mkostemp(out_path, O_CLOEXEC);  /* dup2 to 1/2 in the child clears it */
	if (!argv || out_fd < 0) {
		snprintf(line, linelen, "%s: cannot prepare the run", v->label);
		free_argv(argv);
		return 1;
	}
	unlink(out_path);
	lo.argv = argv;
	lo.child_out_fd = out_fd;
	lo.hang_after_ns = v->hang_after_ns;
	lo.time_limit_ns = v->time_limit_ns;
	lo.on_hang = SJ_HANG_KILL;
	lo.own_pgrp = 1;         /* @group injections stay inside the scenario */
	lo.default_signals = 1;  /* started from a script, sigjam may ignore SIGINT */
	lo.quiet = !o->verbose;
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	lo.summary_fd = o->verbose ? 1 : devnull;
	size_t i;
	json_t *spec;
	json_array_foreach(v->inject, i, spec)
		if (json_string_value(spec))
			sj_launch_add_spec(&lo, json_string_value(spec), err, sizeof err);

	if (o->verbose)
		printf("--- %s %s%s%s%s%s ---\n", r->name, v->label, w->py ? " with " : "", w->py ? w->py->tag : "",
		       w->start ? " " : "", w->start ? w->start : "");
	fflush(stdout);
	sj_launch_run(&lo, &outs);
	end_leftovers();
	char *output = slurp_fd(out_fd);
	if (o->verbose && output)
		printf("program output:\n%s\n", output);
	if (o->format && strcmp(o->format, "text")) {
		struct sj_report rep = { .snap = lo.hung ? &lo.snap : NULL, .findings = &lo.findings,
					 .journal = &lo.journal_data, .command = argv[0] };
		sj_render_to(o->format, &rep, stdout, err, sizeof err);
	}
	struct run_result res = { .lo = &lo, .output = output, .root = lo.root_pid };
	fails = recipe_check(v, &res, msgs, sizeof msgs);

	char end[64], kinds[256] = "";
	size_t used = 0;
	for (size_t k = 0; k < lo.findings.n && used < sizeof kinds; k++)
		used += snprintf(kinds + used, sizeof kinds - used, "%s%s", k ? " " : "",
				 sj_finding_kind_name(lo.findings.v[k].kind));
	snprintf(line, linelen, "%s: %s, %s%s%s%s", v->label, ending(&lo, end, sizeof end),
		 lo.findings.n ? "findings: " : "no findings", kinds, fails ? "\n" : "", fails ? msgs : "");
	free(output);
	close(out_fd);
	if (devnull >= 0)
		close(devnull);
	free_argv(argv);
	sj_launch_free(&lo);
	sj_symbolize_offline_free();  /* each run starts from a clean sigjam */
	return fails;
}

struct tally {
	int passed, failed, skipped;
};

/* Runs bug and twin of one scenario with one interpreter and start method
 * (or none, for C); prints a verdict, and the premise when the recipe says
 * this version or start method changes the story. */
static void run_one(const struct recipe *r, const struct run_with *w, const struct scen_opts *o,
		    struct tally *t)
{
	char bug[3072], twin[3072], err[512];
	struct variant vb, vt;
	const char *says = NULL, *says_twin;
	const char *minor = w->py ? w->py->minor : NULL;
	int fails;
	if (recipe_resolve(r, "bug", minor, w->start, &vb, &says, err, sizeof err) != 0 ||
	    recipe_resolve(r, "twin", minor, w->start, &vt, &says_twin, err, sizeof err) != 0) {
		printf("FAIL %2d %s: %s\n", r->number, r->name, err);
		t->failed++;
		return;
	}
	fails = run_variant(r, &vb, w, o, bug, sizeof bug);
	fails += run_variant(r, &vt, w, o, twin, sizeof twin);
	printf("%s %2d %s", fails ? "FAIL" : "PASS", r->number, r->name);
	if (w->py)
		printf(" [%s %s]", w->py->tag, w->start);
	printf("\n     %s\n     %s\n", bug, twin);
	if (says)
		printf("     premise: %s\n", says);
	fflush(stdout);
	variant_free(&vb);
	variant_free(&vt);
	if (fails)
		t->failed++;
	else
		t->passed++;
}

/* The start methods a Python scenario runs with on one interpreter: its
 * default, plus fork and spawn when the scenario's point depends on it. */
static size_t start_methods(const struct recipe *r, const struct sj_python *py, const char *only,
			    const char *out[3])
{
	static const char *const extra[] = { "fork", "spawn" };
	size_t n = 0;
	if (only) {
		out[n++] = strcmp(only, "default") ? only : py->start;
		return n;
	}
	out[n++] = py->start;
	for (size_t i = 0; r->start_matters && i < 2; i++)
		if (strcmp(py->start, extra[i]))
			out[n++] = extra[i];
	return n;
}

static void run_recipe(const struct recipe *r, struct scen_opts *o, struct tally *t)
{
	if (!r->python) {
		struct run_with w = { 0 };
		run_one(r, &w, o, t);
		return;
	}
	for (size_t i = 0; i < o->npythons; i++) {
		struct sj_python *py = &o->pythons[i];
		if (py->ok && !py->minor[0] && sj_python_ask(py, o->dir) != 0) {
			py->ok = 0;
			snprintf(py->why, sizeof py->why, "%s does not start (or has no multiprocessing)", py->interp);
		}
		if (!py->ok) {
			printf("SKIP %2d %s [%s]\n     SKIP: python %s: %s\n", r->number, r->name, py->tag, py->tag,
			       py->why);
			t->skipped++;
			continue;
		}
		const char *methods[3];
		size_t n = start_methods(r, py, o->start, methods);
		for (size_t m = 0; m < n; m++) {
			struct run_with w = { .py = py, .start = methods[m], .bind = o->dir };
			run_one(r, &w, o, t);
		}
	}
}

static int cmd_list(struct scen_opts *o)
{
	struct recipe rs[MAX_SCENARIOS];
	size_t n;
	int rc = load_all(o, rs, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		printf("%2d  %-34s %s\n", rs[i].number, rs[i].name, rs[i].story);
		recipe_free(&rs[i]);
	}
	return SJ_EXIT_OK;
}

/* Runs the named scenarios (or all); prints "N passed, M failed, K skipped". */
static int cmd_run_scenarios(struct scen_opts *o, int all, char **names, int nnames)
{
	struct recipe rs[MAX_SCENARIOS];
	size_t n;
	int rc = load_all(o, rs, &n);
	struct tally t = { 0 };
	if (rc)
		return rc;
	for (int k = 0; k < nnames; k++) {
		size_t i = 0;
		while (i < n && strcmp(rs[i].name, names[k]))
			i++;
		if (i == n) {
			for (i = 0; i < n; i++)
				recipe_free(&rs[i]);
			return sj_usage_error("scenario", "no scenario named \"%s\"; `sigjam scenario list` shows them", names[k]);
		}
	}
	char err[512];
	if (!o->npythons && sj_pythons_load(o->pythons, MAX_PYTHONS, &o->npythons, err, sizeof err) != 0) {
		for (size_t i = 0; i < n; i++)
			recipe_free(&rs[i]);
		return sj_usage_error("scenario", "%s", err);
	}
	for (size_t i = 0; i < n; i++) {
		int wanted = all;
		for (int k = 0; k < nnames && !wanted; k++)
			wanted = !strcmp(rs[i].name, names[k]);
		if (wanted)
			run_recipe(&rs[i], o, &t);
		recipe_free(&rs[i]);
	}
	printf("scenarios: %d passed, %d failed, %d skipped\n", t.passed, t.failed, t.skipped);
	return t.failed ? SJ_EXIT_FINDINGS : SJ_EXIT_OK;
}

/* --python TAG (an entry of pythons/list) or PATH (an interpreter here). */
static int choose_python(struct scen_opts *o, const char *arg)
{
	struct sj_python all[MAX_PYTHONS];
	size_t n = 0;
	char err[512];
	if (sj_pythons_load(all, MAX_PYTHONS, &n, err, sizeof err) == 0)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(all[i].tag, arg)) {
				o->pythons[o->npythons++] = all[i];
				return 0;
			}
	if (access(arg, X_OK) != 0)
		return sj_usage_error("scenario", "--python %s is neither a tag of pythons/list nor an executable",
				      arg);
	sj_python_from_path(&o->pythons[o->npythons++], arg);
	return 0;
}

int cmd_scenario(int argc, char **argv)
{
	struct scen_opts o = { 0 };
	int all = 0, c, rc;
	if (argc < 2)
		return sj_usage_error("scenario", "usage: sigjam scenario list | run NAME... | run --all");
	const char *verb = argv[1];
	if (!strcmp(verb, "--help") || !strcmp(verb, "-h")) {
		sj_help_print(&sj_help_scenario, stdout);
		return SJ_EXIT_OK;
	}
	struct sj_getopt g;
	sj_getopt_prepare(&sj_help_scenario, &g);
	default_dir(o.dir, sizeof o.dir);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, g.shortopts, g.longopts, NULL)) != -1) {
		switch (c) {
		case SJ_OPT_ALL: all = 1; break;
		case SJ_OPT_PYTHON:
			if (o.npythons == MAX_PYTHONS)
				return sj_usage_error("scenario", "at most %d --python options", MAX_PYTHONS);
			if ((rc = choose_python(&o, optarg)) != 0)
				return rc;
			break;
		case 'f':
			if (!sj_format_known(optarg))
				return sj_usage_error("scenario", "unknown format \"%s\"", optarg);
			o.format = optarg;
			break;
		case 'v': o.verbose = 1; break;
		case SJ_OPT_START:
			if (strcmp(optarg, "default") && strcmp(optarg, "fork") && strcmp(optarg, "spawn") &&
			    strcmp(optarg, "forkserver"))
				return sj_usage_error("scenario", "--start %s: expected default, fork, spawn or forkserver",
						      optarg);
			o.start = optarg;
			break;
		case SJ_OPT_DIR: snprintf(o.dir, sizeof o.dir, "%s", optarg); break;
		case 'h': sj_help_print(&sj_help_scenario, stdout); return SJ_EXIT_OK;
		default: return sj_getopt_error("scenario", c, argv + 1);
		}
	}
	if (!strcmp(verb, "list")) {
		if (argc - 1 > optind)
			return sj_usage_error("scenario", "list takes no arguments, got \"%s\"", argv[1 + optind]);
		return cmd_list(&o);
	}
	if (strcmp(verb, "run"))
		return sj_usage_error("scenario", "unknown verb \"%s\": expected list or run", verb);
	int nnames = argc - 1 - optind;
	if (!all && nnames <= 0)
		return sj_usage_error("scenario", "name a scenario or give --all; `sigjam scenario list` shows them");
	return cmd_run_scenarios(&o, all, argv + 1 + optind, nnames);
}

/* The flagship: a Pool worker SIGKILLed on its 3rd pipe read, the parent
 * waiting forever, sigjam proving why — then the fixed twin. */
int cmd_demo(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		sj_help_print(&sj_help_demo, stdout);
		return SJ_EXIT_OK;
	}
	if (argc > 1)
		return sj_usage_error("demo", "takes no arguments, got \"%s\"; see `sigjam demo --help`", argv[1]);
	char *args[] = { "scenario", "run", "--verbose", "--python", "local", "--start", "default",
			 "pool-worker-killed", NULL };
	return cmd_scenario(8, args);
}
