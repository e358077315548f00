/* util.c — small helpers shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct unit { const char *suffix; double ns; };

/* Longest suffixes first so "ms" is not read as "s" after "m". */
static const struct unit units[] = {
	{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "", 1e9 },
};

int sj_getopt_error(const char *cmd, int c, char **argv)
{
	/* optind has moved past the offending word; optopt is set for short
	 * options only. */
	const char *word = optind > 0 ? argv[optind - 1] : "?";
	char shortopt[3] = { '-', (char)optopt, '\0' };
	if (optopt && !(word[0] == '-' && word[1] == '-'))
		word = shortopt;
	if (c == ':')
		return sj_usage_error(cmd, "option %s needs a value; see `sigjam %s --help`", word, cmd);
	return sj_usage_error(cmd, "unknown option %s; see `sigjam %s --help`", word, cmd);
}

int64_t sj_parse_duration(const char *text)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || errno || v < 0)
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(end, units[i].suffix)) {
			double ns = v * units[i].ns;
			return ns > (double)INT64_MAX ? -1 : (int64_t)ns;
		}
	return -1;
}

int sj_exe_relative(const char *rel, char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len < 0)
		return -1;
	exe[len] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	int w = snprintf(out, n, "%s/%s", exe, rel);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

const char *sj_shim_path(char *err, size_t errlen)
{
	static char path[PATH_MAX];
	const char *env = getenv("SIGJAM_SHIM");
	if (env && *env) {
		if (access(env, R_OK) == 0)
			return env;
		snprintf(err, errlen, "SIGJAM_SHIM=%s is not readable; unset it or point it at libsigjam.so", env);
		return NULL;
	}
	/* SIGJAM_SHIM_REL is the shim's path relative to the bin dir, the same
	 * in the build tree and in an install (set by cli/CMakeLists.txt). */
	if (sj_exe_relative(SIGJAM_SHIM_REL, path, sizeof path) != 0) {
		snprintf(err, errlen, "cannot locate sigjam's own directory; set SIGJAM_SHIM to libsigjam.so");
		return NULL;
	}
	char canon[PATH_MAX];
	if (access(path, R_OK) == 0) {
		/* The canonical name is what /proc/PID/maps shows. */
		if (realpath(path, canon))
			snprintf(path, sizeof path, "%s", canon);
		return path;
	}
	snprintf(err, errlen, "libsigjam.so not found at %s; reinstall sigjam or set SIGJAM_SHIM", path);
	return NULL;
}
