/* help.h — the one table every text about sigjam's command line comes from:
 * `sigjam --help`, each `sigjam CMD --help`, the getopt arrays the commands
 * parse with, the man page sigjam(1) and the bash completion (both written
 * at build time by cli/docgen.c).  Nothing here can drift from the parser:
 * an option exists for getopt only because it has a row here. */
#ifndef SIGJAM_HELP_H
#define SIGJAM_HELP_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/* getopt values of the options that have no short letter (one space for
 * all commands, so that each command's switch reads the table's names). */
enum {
	SJ_OPT_SEED = 256,
	SJ_OPT_NO_CHECK,
	SJ_OPT_HANG_AFTER,
	SJ_OPT_ON_HANG,
	SJ_OPT_REPORT,
	SJ_OPT_PER_TEST,
	SJ_OPT_NO_CHILDREN,
	SJ_OPT_PYTHON,
	SJ_OPT_NO_NATIVE,
	SJ_OPT_ALL,
	SJ_OPT_DIR,
	SJ_OPT_START,
};

/* What a value is, for completion and for the man page's markup. */
enum sj_value {
	SJ_VAL_NONE,        /* a flag */
	SJ_VAL_TEXT,        /* free text: a spec, a number, a duration */
	SJ_VAL_FILE,
	SJ_VAL_DIR,
	SJ_VAL_EXE,         /* an executable */
	SJ_VAL_PID,
	SJ_VAL_FORMAT,      /* a report format (reports/render.c's table) */
	SJ_VAL_FORMAT_FILE, /* FMT:FILE */
	SJ_VAL_CHOICE,      /* one of the row's choices */
	SJ_VAL_SCENARIO,    /* a scenario name (`sigjam scenario list`) */
	SJ_VAL_COMMAND,     /* a command and its arguments */
};

struct sj_opt {
	int id;                 /* getopt's value: the short letter or an SJ_OPT_* */
	const char *name;       /* long name without "--" */
	const char *metavar;    /* NULL for a flag; "=MODE" is shown as --name=MODE */
	enum sj_value value;
	const char *choices;    /* SJ_VAL_CHOICE: the words, space-separated */
	const char *help;       /* lines separated by '\n'; {formats} lists the formats */
};

#define SJ_MAX_OPTS 12

struct sj_cmd_help {
	const char *name;
	const char *summary;     /* one line, for `sigjam --help` and the man page */
	const char *usage;       /* synopsis lines after "sigjam ", '\n'-separated */
	const char *description; /* paragraphs separated by an empty line */
	const char *verbs;       /* sub-verbs (scenario: "list run"), or NULL */
	int stop_at_operand;     /* options end at the first operand (run's CMD) */
	enum sj_value operands;  /* what the operands are, for completion */
	struct sj_opt opts[SJ_MAX_OPTS];  /* ends at the first row without a name */
	const char *exit_status;
};

extern const struct sj_cmd_help sj_help_run, sj_help_trace, sj_help_report, sj_help_check_spec,
	sj_help_scenario, sj_help_demo;

/* Every command, in `sigjam --help` order (main.c pairs each with its function). */
extern const struct sj_cmd_help *const sj_help_cmds[];
extern const size_t sj_help_ncmds;

/* A name and what it means: exit statuses, environment variables, files. */
struct sj_term {
	const char *name;
	const char *text;
};
extern const char sj_help_intro[];       /* what sigjam is, a paragraph */
extern const struct sj_term sj_help_exits[], sj_help_env[], sj_help_files[], sj_help_examples[];
extern const size_t sj_help_nexits, sj_help_nenv, sj_help_nfiles, sj_help_nexamples;

/* `sigjam CMD --help` on f. */
void sj_help_print(const struct sj_cmd_help *c, FILE *f);
/* `sigjam --help` on f. */
void sj_help_print_main(FILE *f);
/* Writes text with {formats} replaced by "text, json, ..."; the rest verbatim. */
void sj_help_expand(const char *text, FILE *f);

/* getopt_long's arrays for a command: its table rows plus -h/--help. */
struct sj_getopt {
	struct option longopts[SJ_MAX_OPTS + 2];
	char shortopts[3 * SJ_MAX_OPTS + 8];
};
void sj_getopt_prepare(const struct sj_cmd_help *c, struct sj_getopt *g);

#endif
