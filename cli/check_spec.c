/* check_spec.c — `sigjam check-spec SPEC...`: validate and explain. */
#include "cli.h"
#include "help.h"
#include "spec.h"
#include "spec_describe.h"

#include <stdio.h>
#include <string.h>

/* One line: "sigjam check-spec: column 12: expected ..., got ...". */
static int report_error(const struct sj_spec_error *e)
{
	fprintf(stderr, "sigjam check-spec: column %u: %s\n", e->col, e->msg);
	return SJ_EXIT_USAGE;
}

int cmd_check_spec(int argc, char **argv)
{
	if (argc < 2)
		return sj_usage_error("check-spec", "no SPEC given; try: sigjam check-spec 'read:fd=pipe:when=3:signal=KILL'");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		sj_help_print(&sj_help_check_spec, stdout);
		return SJ_EXIT_OK;
	}
	struct sj_spec spec;
	struct sj_spec_error e;
	sj_spec_init(&spec);
	for (int i = 1; i < argc; i++)
		if (sj_spec_parse(argv[i], &spec, &e) != 0)
			return report_error(&e);
	for (unsigned i = 0; i < spec.n; i++) {
		char canon[512], sentence[512];
		sj_rule_format(&spec.rules[i], canon, sizeof canon);
		sj_rule_describe(&spec.rules[i], sentence, sizeof sentence);
		printf("rule %u: %s\n        %s\n", i + 1, canon, sentence);
	}
	return SJ_EXIT_OK;
}
