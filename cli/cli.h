/* cli.h — the subcommands of `sigjam` and the helpers they share. */
#ifndef SIGJAM_CLI_H
#define SIGJAM_CLI_H

#include <stdint.h>
#include <stdio.h>

/* Exit statuses, also listed in `sigjam --help`. */
enum {
	SJ_EXIT_OK = 0,        /* trace/report: nothing stuck, no findings */
	SJ_EXIT_FINDINGS = 1,  /* trace/report: findings reported */
	SJ_EXIT_USAGE = 2,     /* bad arguments, bad spec, vanished pid, EPERM ... */
	SJ_EXIT_HANG = 124,    /* run --hang-after: a hang was proved (like timeout(1)) */
};

int cmd_run(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_check_spec(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_scenario(int argc, char **argv);

/* One-line error "sigjam <cmd>: <msg>" on stderr; returns SJ_EXIT_USAGE. */
int sj_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one-line error for getopt_long's ':' (missing value) and '?' (unknown
 * option) returns, given argv and optind after the call; returns 2.
 * Option strings must start with ':' (after any '+') and opterr be 0. */
int sj_getopt_error(const char *cmd, int c, char **argv);

/* "10s", "200ms", "1.5s", "500us", "3" (seconds) → ns; -1 if malformed. */
int64_t sj_parse_duration(const char *text);

/* <directory of the sigjam executable>/rel into out; -1 if unknown or too long. */
int sj_exe_relative(const char *rel, char *out, size_t n);

/* $env_name when set and not empty (a user's override), else
 * sj_exe_relative(rel); -1 if unknown or too long. */
int sj_env_or_exe_relative(const char *env_name, const char *rel, char *out, size_t n);

/* Path of libsigjam.so next to this executable (cli/paths.c), or
 * NULL with err filled. */
const char *sj_shim_path(char *err, size_t errlen);

/* 1 when colour should be used on this stream (a tty, NO_COLOR unset). */
int sj_want_color(FILE *f);

#endif
