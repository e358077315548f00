/* trace.c — `sigjam trace PID...`: capture a live tree, prove what is stuck. */
#include "cli.h"
#include "help.h"
#include "output.h"

#include "analysis.h"
#include "capture.h"
#include "journal_sym.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_PIDS 64

struct trace_args {
	pid_t pids[MAX_PIDS];
	size_t npids;
	struct sj_capture_opts co;
	const char *format, *output, *journal;
	struct sj_outputs outs;
};

static int add_pid(struct trace_args *a, const char *text)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || *end || v <= 0 || v > 0x3fffffff)
		return sj_usage_error("trace", "\"%s\" is not a process id; give a number such as 4242", text);
	if (a->npids == MAX_PIDS)
		return sj_usage_error("trace", "at most %d target pids", MAX_PIDS);
	a->pids[a->npids++] = (pid_t)v;
	return 0;
}

static int parse_python(const char *mode, enum sj_python_mode *out)
{
	static const struct { const char *name; enum sj_python_mode v; } modes[] = {
		{ "auto", SJ_PY_AUTO }, { "off", SJ_PY_OFF }, { "only", SJ_PY_ONLY },
	};
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (!strcmp(mode, modes[i].name)) {
			*out = modes[i].v;
			return 0;
		}
	return sj_usage_error("trace", "--python wants auto, off or only, got \"%s\"", mode);
}

/* 0, 1 for --help, or SJ_EXIT_USAGE after printing. */
static int parse_args(int argc, char **argv, struct trace_args *a)
{
	char err[256];
	int c;
	struct sj_getopt g;
	sj_getopt_prepare(&sj_help_trace, &g);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'p': if (add_pid(a, optarg)) return SJ_EXIT_USAGE; break;
		case SJ_OPT_NO_CHILDREN: a->co.children = 0; break;
		case 'f': a->format = optarg; break;
		case 'o': a->output = optarg; break;
		case SJ_OPT_REPORT:
			if (sj_outputs_add(&a->outs, optarg, err, sizeof err))
				return sj_usage_error("trace", "--report %s", err);
			break;
		case 'j': a->journal = optarg; break;
		case SJ_OPT_PYTHON: if (parse_python(optarg, &a->co.python)) return SJ_EXIT_USAGE; break;
		case SJ_OPT_NO_NATIVE: a->co.native = 0; break;
		case 'h': return 1;
		default: return sj_getopt_error("trace", c, argv);
		}
	}
	for (int i = optind; i < argc; i++)
		if (add_pid(a, argv[i]))
			return SJ_EXIT_USAGE;
	if (!a->npids)
		return sj_usage_error("trace", "no process given; usage: sigjam trace PID");
	if (!sj_format_known(a->format))
		return sj_usage_error("trace", "unknown format \"%s\"; see `sigjam trace --help`", a->format);
	return 0;
}

/* Renders the main report to f (stdout or the -o file) and the --report
 * outputs; 0 or SJ_EXIT_USAGE. */
static int render_all(const struct trace_args *a, struct sj_report *r, FILE *f)
{
	char err[512];
	r->color = a->output ? 0 : sj_want_color(f) && !strcmp(a->format, "text");
	if (sj_render_to(a->format, r, f, err, sizeof err))
		return sj_usage_error("trace", "%s", err);
	if (fflush(f) != 0)
		return sj_usage_error("trace", "cannot write the report: %s", strerror(errno));
	if (sj_outputs_write(&a->outs, r, err, sizeof err))
		return sj_usage_error("trace", "%s", err);
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_args a = { .co = { .children = 1, .native = 1, .python = SJ_PY_AUTO, .symbolize = 1 },
				.format = "text" };
	sj_outputs_init(&a.outs);
	int rc = parse_args(argc, argv, &a);
	if (rc) {
		if (rc == 1)
			sj_help_print(&sj_help_trace, stdout);
		sj_outputs_free(&a.outs);
		return rc == 1 ? SJ_EXIT_OK : rc;
	}
	a.co.pids = a.pids;
	a.co.npids = a.npids;
	if (a.co.python == SJ_PY_ONLY)
		a.co.native = 0;  /* Python frames only: no native unwinding at all */

	char err[512];
	struct sj_journal journal = { 0 };
	if (a.journal && sj_journal_load(a.journal, &journal, err, sizeof err)) {
		sj_outputs_free(&a.outs);
		return sj_usage_error("trace", "%s", err);
	}
	/* Every output is opened before the target is touched: a bad path
	 * must not cost the target a stop. */
	FILE *out = a.output ? fopen(a.output, "w") : stdout;
	if (!out || sj_outputs_check(&a.outs, err, sizeof err)) {
		if (!out)
			snprintf(err, sizeof err, "cannot write %s: %s", a.output, strerror(errno));
		else if (a.output)
			fclose(out);
		sj_journal_free(&journal);
		sj_outputs_free(&a.outs);
		return sj_usage_error("trace", "%s", err);
	}
	struct sj_snapshot snap = { 0 };
	sj_capture_install_signal_guard();
	if (sj_capture(&a.co, &snap, err, sizeof err)) {
		if (a.output)
			fclose(out);
		sj_journal_free(&journal);
		sj_outputs_free(&a.outs);
		return sj_usage_error("trace", "%s", err);
	}
	sj_journal_symbolize(&journal);
	struct sj_findings findings = { 0 };
	sj_analyse(&snap, a.journal ? &journal : NULL, &findings);

	char cmdline[64];
	snprintf(cmdline, sizeof cmdline, "sigjam trace %d", (int)a.pids[0]);
	struct sj_report r = { .snap = &snap, .findings = &findings,
			       .journal = a.journal ? &journal : NULL, .command = cmdline };
	rc = render_all(&a, &r, out);
	if (a.output)
		fclose(out);
	if (!rc)
		rc = findings.n ? SJ_EXIT_FINDINGS : SJ_EXIT_OK;
	sj_findings_free(&findings);
	sj_snapshot_free(&snap);
	sj_journal_free(&journal);
	sj_outputs_free(&a.outs);
	return rc;
}
