/* run.c — `sigjam run [options] -- CMD...`: run CMD under libsigjam.so,
 * wait for it (optionally watching for a hang), then summarise the journal. */
#include "cli.h"
#include "help.h"
#include "launch.h"
#include "output.h"
#include "spec.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parses argv into *lo and *out; returns -1 (after printing) on bad input. */
static int parse_args(int argc, char **argv, struct sj_launch *lo, struct sj_outputs *out, int *help)
{
	struct sj_spec spec;
	struct sj_spec_error e;
	char err[256];
	int c;

	struct sj_getopt g;
	sj_getopt_prepare(&sj_help_run, &g);
	sj_spec_init(&spec);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (sj_spec_parse(optarg, &spec, &e) != 0) {
				sj_usage_error("run", "--inject column %u: %s", e.col, e.msg);
				return -1;
			}
			if (sj_launch_add_spec(lo, optarg, err, sizeof err) != 0) {
				sj_usage_error("run", "%s", err);
				return -1;
			}
			break;
		case 'j': lo->journal = optarg; break;
		case SJ_OPT_SEED: {
			char *end;
			strtoull(optarg, &end, 0);
			if (!*optarg || *end) {
				sj_usage_error("run", "--seed wants a whole number, got \"%s\"", optarg);
				return -1;
			}
			lo->seed = optarg;
			break;
		}
		case SJ_OPT_NO_CHECK: lo->no_check = 1; break;
		case SJ_OPT_HANG_AFTER:
			lo->hang_after_ns = sj_parse_duration(optarg);
			/* Below 100 ms the watcher would sample the tree in a
			 * busy loop, and scheduler noise alone looks like a hang. */
			if (lo->hang_after_ns < 100000000) {
				sj_usage_error("run", "--hang-after wants a duration of at least 100ms such as 10s or 500ms, got \"%s\"", optarg);
				return -1;
			}
			break;
		case SJ_OPT_ON_HANG:
			if (sj_launch_set_on_hang(lo, optarg) != 0) {
				sj_usage_error("run", "--on-hang wants kill, stop or report, got \"%s\"", optarg);
				return -1;
			}
			break;
		case SJ_OPT_REPORT:
			if (sj_outputs_add(out, optarg, err, sizeof err) != 0) {
				sj_usage_error("run", "--report %s", err);
				return -1;
			}
			break;
		case SJ_OPT_PER_TEST: lo->per_test = 1; break;
		case 'q': lo->quiet = 1; break;
		case 'h': *help = 1; return 0;
		default:
			sj_getopt_error("run", c, argv);
			return -1;
		}
	}
	if (optind >= argc) {
		sj_usage_error("run", "no command given; usage: sigjam run [options] -- CMD [ARG...]");
		return -1;
	}
	lo->argv = argv + optind;
	if (lo->per_test && !lo->hang_after_ns) {
		sj_usage_error("run", "--per-test watches tests for hangs: give --hang-after DUR too");
		return -1;
	}
	char err2[256];
	if (sj_outputs_check(out, err2, sizeof err2) != 0) {
		sj_usage_error("run", "--report %s", err2);
		return -1;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct sj_launch lo;
	struct sj_outputs out;
	int help = 0;

	sj_launch_init(&lo);
	sj_outputs_init(&out);
	if (parse_args(argc, argv, &lo, &out, &help) != 0) {
		sj_launch_free(&lo);
		sj_outputs_free(&out);
		return SJ_EXIT_USAGE;
	}
	if (help) {
		sj_help_print(&sj_help_run, stdout);
		return SJ_EXIT_OK;
	}
	int status = sj_launch_run(&lo, &out);
	sj_launch_free(&lo);
	sj_outputs_free(&out);
	return status;
}
