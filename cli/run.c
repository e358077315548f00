/* run.c — `sigjam run [options] -- CMD...`: run CMD under libsigjam.so,
 * wait for it (optionally watching for a hang), then summarise the journal. */
#include "cli.h"
#include "launch.h"
#include "output.h"
#include "spec.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_help(void)
{
	puts("usage: sigjam run [options] -- CMD [ARG...]\n"
	     "\n"
	     "Runs CMD with libsigjam.so preloaded into it and every process it starts,\n"
	     "waits for it, then prints on stderr what it found, root causes first, and a\n"
	     "summary of what the shim saw (`sigjam report` shows the whole journal).\n"
	     "\n"
	     "options:\n"
	     "  -i, --inject SPEC      injection rules (repeatable; see `sigjam check-spec`)\n"
	     "  -j, --journal FILE     keep the journal in FILE (default: a temporary file)\n"
	     "      --seed N           seed for p= rules (same seed, same decisions)\n"
	     "      --no-check         no signal-safety diagnostics (SIGJAM_CHECK=0)\n"
	     "      --hang-after DUR   watch the tree; when every thread has made no progress\n"
	     "                         for DUR (e.g. 10s, 500ms), capture and diagnose it\n"
	     "      --on-hang ACTION   kill (default): report, end the tree, exit 124;\n"
	     "                         stop: report, leave the tree stopped (SIGSTOP) for a\n"
	     "                         debugger and exit 124 once it ends;\n"
	     "                         report: report, let it run on, exit 124 once it ends\n"
	     "      --report FMT:FILE  also write the report as FMT (text json junit sarif dot\n"
	     "                         svg) to FILE (repeatable)\n"
	     "  -q, --quiet            print the summary only when there is something to say\n"
	     "  -v, --verbose          list the wait-for edges behind each finding\n"
	     "\n"
	     "exit status: the program's own (128+N when killed by signal N); 124 when\n"
	     "--hang-after found a hang; 2 for usage errors (bad spec, missing command).");
}

enum { OPT_SEED = 256, OPT_NO_CHECK, OPT_HANG_AFTER, OPT_ON_HANG, OPT_REPORT };

static const struct option options[] = {
	{ "inject", required_argument, NULL, 'i' },
	{ "journal", required_argument, NULL, 'j' },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "no-check", no_argument, NULL, OPT_NO_CHECK },
	{ "hang-after", required_argument, NULL, OPT_HANG_AFTER },
	{ "on-hang", required_argument, NULL, OPT_ON_HANG },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Parses argv into *lo and *out; returns -1 (after printing) on bad input. */
static int parse_args(int argc, char **argv, struct sj_launch *lo, struct sj_outputs *out, int *help)
{
	struct sj_spec spec;
	struct sj_spec_error e;
	char err[256];
	int c;

	sj_spec_init(&spec);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:i:j:qvh", options, NULL)) != -1) {
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
		case OPT_SEED: {
			char *end;
			strtoull(optarg, &end, 0);
			if (!*optarg || *end) {
				sj_usage_error("run", "--seed wants a whole number, got \"%s\"", optarg);
				return -1;
			}
			lo->seed = optarg;
			break;
		}
		case OPT_NO_CHECK: lo->no_check = 1; break;
		case OPT_HANG_AFTER:
			lo->hang_after_ns = sj_parse_duration(optarg);
			/* Below 100 ms the watcher would sample the tree in a
			 * busy loop, and scheduler noise alone looks like a hang. */
			if (lo->hang_after_ns < 100000000) {
				sj_usage_error("run", "--hang-after wants a duration of at least 100ms such as 10s or 500ms, got \"%s\"", optarg);
				return -1;
			}
			break;
		case OPT_ON_HANG:
			if (sj_launch_set_on_hang(lo, optarg) != 0) {
				sj_usage_error("run", "--on-hang wants kill, stop or report, got \"%s\"", optarg);
				return -1;
			}
			break;
		case OPT_REPORT:
			if (sj_outputs_add(out, optarg, err, sizeof err) != 0) {
				sj_usage_error("run", "--report %s", err);
				return -1;
			}
			break;
		case 'q': lo->quiet = 1; break;
		case 'v': lo->verbose = 1; break;
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
		print_help();
		return SJ_EXIT_OK;
	}
	int status = sj_launch_run(&lo, &out);
	sj_launch_free(&lo);
	sj_outputs_free(&out);
	return status;
}
