/* main.c — `sigjam` dispatches to its subcommands (and nothing calls back
 * into it). */
#include "cli.h"
#include "help.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The functions behind help.c's command table; kept here so that the texts
 * do not link the commands (and the commands can print their help). */
static const struct {
	const struct sj_cmd_help *help;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ &sj_help_run, cmd_run },
	{ &sj_help_trace, cmd_trace },
	{ &sj_help_report, cmd_report },
	{ &sj_help_check_spec, cmd_check_spec },
	{ &sj_help_scenario, cmd_scenario },
	{ &sj_help_demo, cmd_demo },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		sj_help_print_main(stderr);
		return SJ_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		sj_help_print_main(stdout);
		return SJ_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("sigjam %s\n", SIGJAM_VERSION);
		return SJ_EXIT_OK;
	}
	/* The commands and their texts are one table (cli/help.c). */
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].help->name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "sigjam: unknown command \"%s\"; run `sigjam --help` for the list\n", argv[1]);
	return SJ_EXIT_USAGE;
}
