/* spec.c — PLACEHOLDER until the parser lands. */
#include "spec.h"
#include <string.h>
#include <stdio.h>
void sj_spec_init(struct sj_spec *spec) { memset(spec, 0, sizeof *spec); }
int sj_spec_parse(const char *text, struct sj_spec *spec, struct sj_spec_error *err)
{ (void)text; (void)spec; err->col = 1; snprintf(err->msg, sizeof err->msg, "parser not built yet"); return -1; }
size_t sj_rule_format(const struct sj_rule *r, char *buf, size_t n) { (void)r; return snprintf(buf, n, "?"); }
size_t sj_rule_describe(const struct sj_rule *r, char *buf, size_t n) { (void)r; return snprintf(buf, n, "?"); }
const char *sj_hook_name(enum sj_hook h) { (void)h; return "?"; }
const char *sj_target_name(enum sj_target t) { (void)t; return "?"; }
