/* launch.h — start a command under the shim, wait (and watch) for it, then
 * report. Shared by `sigjam run`, `sigjam demo` and `sigjam scenario`. */
#ifndef SIGJAM_LAUNCH_H
#define SIGJAM_LAUNCH_H

#include <stdint.h>
#include <sys/types.h>

#include "model.h"
#include "output.h"

enum sj_on_hang { SJ_HANG_KILL, SJ_HANG_STOP, SJ_HANG_REPORT };

struct sj_launch {
	char **argv;             /* the command */
	char *inject;            /* all --inject specs joined with ';' (owned) */
	const char *journal;     /* keep the journal here; NULL: a temporary file */
	const char *seed;
	int no_check;
	int quiet;
	int64_t hang_after_ns;   /* 0: no watching */
	int per_test;            /* --per-test: watch inside the runner's tests only (pertest.h) */
	enum sj_on_hang on_hang;
	int summary_fd;          /* where the text summary goes (default 2) */
	int child_out_fd;        /* the command's stdout+stderr go here; -1: inherited */
	int64_t time_limit_ns;   /* 0: none; past it the tree is killed (timed_out) */
	int default_signals;     /* 1: the command starts with every signal at SIG_DFL,
	                          * whatever sigjam inherited (scenarios: a background
	                          * job's ignored SIGINT must not change the outcome) */
	int own_pgrp;            /* 1: the command gets a process group of its own
	                          * (always when sigjam is not a terminal's
	                          * foreground job; see own_group()) */

	/* results, for callers that check them (scenarios) */
	pid_t root_pid;          /* the command's process */
	int hung;                /* a hang was proved */
	int timed_out;           /* the time limit ran out first */
	int exit_status;         /* raw wait status of the command */
	struct sj_findings findings;
	struct sj_journal journal_data;
	struct sj_snapshot snap; /* the capture taken when a hang was suspected */
};

void sj_launch_init(struct sj_launch *lo);
void sj_launch_free(struct sj_launch *lo);
int sj_launch_add_spec(struct sj_launch *lo, const char *spec, char *err, size_t errlen);
int sj_launch_set_on_hang(struct sj_launch *lo, const char *action);
/* Runs the command to the end (or the hang); renders the summary and the
 * outputs; returns the exit status sigjam should exit with. */
int sj_launch_run(struct sj_launch *lo, const struct sj_outputs *out);

#endif
