/* spec_describe.h — a rule as one English sentence (cli/spec_describe.c). */
#ifndef SIGJAM_SPEC_DESCRIBE_H
#define SIGJAM_SPEC_DESCRIBE_H

#include "spec.h"

#include <stddef.h>

/* "On the 3rd read of a pipe in each child process, send SIGKILL to that
 * process."  Returns the length needed, like snprintf; SJ_RULE_TEXT_MAX
 * always suffices. */
size_t sj_rule_describe(const struct sj_rule *r, char *buf, size_t n);

#endif
