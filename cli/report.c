/* report.c — `sigjam report JOURNAL`: render a journal after the fact. */
#include "cli.h"
#include "help.h"
#include "output.h"

#include "analysis.h"
#include "journal_sym.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_report(int argc, char **argv)
{
	const char *format = "text", *output = NULL;
	int c;
	struct sj_getopt g;
	sj_getopt_prepare(&sj_help_report, &g);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 'h': sj_help_print(&sj_help_report, stdout); return SJ_EXIT_OK;
		default: return sj_getopt_error("report", c, argv);
		}
	}
	if (optind != argc - 1)
		return sj_usage_error("report", "give exactly one journal file; usage: sigjam report JOURNAL");
	if (!sj_format_known(format))
		return sj_usage_error("report", "unknown format \"%s\"; see `sigjam report --help`", format);

	char err[512];
	struct sj_journal j = { 0 };
	if (sj_journal_load(argv[optind], &j, err, sizeof err))
		return sj_usage_error("report", "%s", err);
	if (j.n == 0) {
		sj_journal_free(&j);
		return sj_usage_error("report", "%s is not a sigjam journal (no records); pass the file "
				      "written by `sigjam run --journal FILE`", argv[optind]);
	}
	sj_journal_symbolize(&j);
	struct sj_findings findings = { 0 };
	sj_analyse_journal(&j, &findings);

	int rc = SJ_EXIT_USAGE;
	FILE *f = output ? fopen(output, "w") : stdout;
	if (!f) {
		sj_usage_error("report", "cannot write %s: %s", output, strerror(errno));
	} else {
		struct sj_report r = { .findings = &findings, .journal = &j, .command = argv[optind],
				       .color = !output && !strcmp(format, "text") && sj_want_color(f) };
		if (sj_render_to(format, &r, f, err, sizeof err))
			sj_usage_error("report", "%s", err);
		else
			rc = findings.n ? SJ_EXIT_FINDINGS : SJ_EXIT_OK;
		if (output)
			fclose(f);
	}
	sj_findings_free(&findings);
	sj_journal_free(&j);
	return rc;
}
