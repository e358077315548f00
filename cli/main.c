/* main.c — `sigjam` dispatches to its subcommands (and nothing calls back
 * into it). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "run", cmd_run, "run a command under the shim (injection, journal, hang watch)" },
	{ "trace", cmd_trace, "capture a running process tree and explain what is stuck" },
	{ "report", cmd_report, "render a journal written by an earlier run" },
	{ "check-spec", cmd_check_spec, "validate and explain an injection spec" },
	{ "scenario", cmd_scenario, "list and run the catalogue of reproduced failures" },
	{ "demo", cmd_demo, "the flagship demo: a Pool worker killed, the hang explained" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sigjam <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		fprintf(f, "  %-11s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f,
		"\n`sigjam <command> --help` describes each command.\n"
		"\nexit status:\n"
		"  0    nothing found (trace, report, check-spec), or the program's own status (run)\n"
		"  1    findings reported (trace, report)\n"
		"  2    usage error: bad option or spec, vanished pid, ptrace not permitted\n"
		"  124  run --hang-after: a hang was found and reported\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return SJ_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return SJ_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("sigjam %s\n", SIGJAM_VERSION);
		return SJ_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "sigjam: unknown command \"%s\"; run `sigjam --help` for the list\n", argv[1]);
	return SJ_EXIT_USAGE;
}
