/* main.c — `sigjam` dispatches to its subcommands. */
#include "cli.h"
#include "help.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	for (size_t i = 0; i < sj_help_ncmds; i++)
		if (!strcmp(argv[1], sj_help_cmds[i]->name))
			return sj_help_cmds[i]->fn(argc - 1, argv + 1);
	fprintf(stderr, "sigjam: unknown command \"%s\"; run `sigjam --help` for the list\n", argv[1]);
	return SJ_EXIT_USAGE;
}
