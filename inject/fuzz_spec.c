/* fuzz_spec.c — libFuzzer target for the rule-language parser.
 *
 * Properties checked on every input (abort() on violation, which both
 * libFuzzer and the corpus-replay test report):
 *  - an error leaves the spec exactly as it was and points at a column
 *    inside the text (or just past its end) with a one-line message;
 *  - every parsed rule formats to canonical text that parses back to the
 *    same rule, and formatting that again gives the same text;
 *  - describe() yields one sentence ending in '.'. */
#include "spec.h"
#include "spec_describe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			abort(); \
	} while (0)

static void check_rule(const struct sj_rule *r)
{
	char canon[1024], again[1024], sentence[1024];
	struct sj_spec back;
	struct sj_spec_error err;
	size_t len = sj_rule_format(r, canon, sizeof canon);

	CHECK(len > 0 && len < SJ_RULE_TEXT_MAX && strlen(canon) == len);
	sj_spec_init(&back);
	CHECK(sj_spec_parse(canon, &back, &err) == 0);
	CHECK(back.n == 1);
	CHECK(sj_rule_same(r, &back.rules[0]));
	CHECK(sj_rule_format(&back.rules[0], again, sizeof again) == len);
	CHECK(strcmp(canon, again) == 0);

	len = sj_rule_describe(r, sentence, sizeof sentence);
	CHECK(len > 0 && len < SJ_RULE_TEXT_MAX && sentence[len - 1] == '.');
	CHECK(strchr(sentence, '\n') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sj_spec spec, before;
	struct sj_spec_error err;
	char text[2048];
	size_t tlen;

	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	tlen = strlen(text); /* the parser sees up to the first NUL */

	/* Start from a non-empty spec: parsing appends, and a failure must not
	 * touch what was there. */
	sj_spec_init(&spec);
	CHECK(sj_spec_parse("write:fd=1:when=2:delay=1ms", &spec, &err) == 0);
	before = spec;

	if (sj_spec_parse(text, &spec, &err) != 0) {
		CHECK(memcmp(&spec, &before, sizeof spec) == 0);
		CHECK(err.col >= 1 && err.col <= tlen + 1);
		CHECK(err.msg[0] != '\0' && strlen(err.msg) < sizeof err.msg);
		CHECK(strchr(err.msg, '\n') == NULL);
		return 0;
	}
	CHECK(spec.n > before.n && spec.n <= SJ_MAX_RULES);
	CHECK(memcmp(&spec.rules[0], &before.rules[0], sizeof spec.rules[0]) == 0);
	for (unsigned i = before.n; i < spec.n; i++) {
		CHECK(spec.rules[i].col >= 1 && spec.rules[i].col <= tlen);
		CHECK(spec.rules[i].actions != 0);
		check_rule(&spec.rules[i]);
	}
	return 0;
}
