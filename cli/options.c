/* options.c — reading the command line: usage errors in one line (also
 * getopt's), durations ("10s", "200ms"). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct unit { const char *suffix; double ns; };

/* Longest suffixes first so "ms" is not read as "s" after "m". */
static const struct unit units[] = {
	{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "", 1e9 },
};

int sj_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "sigjam %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return SJ_EXIT_USAGE;
}

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
