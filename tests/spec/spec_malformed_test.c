/* spec_malformed_test.c — many malformed inputs (a fixed table plus
 * deterministic mutations of valid specs): the parser never crashes, an
 * error points inside the text, leaves the spec alone and is one line, and
 * anything it accepts survives the format round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "spec.h"

static const char *const malformed[] = {
	"", " ", ";", ";;;", ":", "::", ":;:", "=", "==", "@", "|", "..", "+",
	"read:", "read:=", "read:==", "read:a=b=c", "read:signal==KILL",
	"read:signal=KILL@@self", "read:signal=KILL@self@group", "read:signal=@",
	"read:when=+", "read:when=..", "read:when=...", "read:when=1...2", "read:when=1..2..3",
	"read:when=1+2+3", "read:when=-1", "read:when=1-2", "read:when= ",
	"read:p=", "read:p=..5", "read:p=0.5.5", "read:p=-0.5", "read:p=nan", "read:p=inf",
	"read:p=0x1p-3", "read:p=1,5",
	"read:fd=||", "read:fd=|pipe", "read:fd=pipe||tty", "read:fd=9999999999999999999",
	"read:delay=.", "read:delay=..1", "read:delay=1..2ms", "read:delay=1msms", "read:delay=-1",
	"read:delay=1e3", "read:delay=0x10", "read:delay=1 s",
	"read:error=", "read:error=E", "read:error=EINTR EIO", "read:retval=--1", "read:retval=1-",
	"read:retval=+1", "read:short=-1", "read:short=1.5", "read:exit=1.0", "read:exit=",
	"read:comm=\x7f:crash", "read:comm=\x01", "read:crash:crash", "read:crash crash",
	"read crash", "read;crash", "crash", "signal", "exit", "fork:", "sigaction:sig=:crash",
	"read:in=child,parent:crash", "read:in=CHILDREN:crash", "\xff\xfe:crash", "read:\xff=1",
	"read:signal=K\0ILL", /* an embedded NUL ends the text early */
	"read:when=4\n\n5:crash", /* fuzzer: the value was echoed raw into the message */
	"read:signal=KILL;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;x",
};

static void check_error(const char *text, const struct sj_spec *s, const struct sj_spec *before,
			const struct sj_spec_error *e)
{
	size_t len = strlen(text);
	if (e->col < 1 || e->col > len + 1)
		fail_msg("\"%s\": column %u outside 1..%zu", text, e->col, len + 1);
	if (e->msg[0] == '\0' || strchr(e->msg, '\n'))
		fail_msg("\"%s\": message \"%s\" is not one line", text, e->msg);
	assert_memory_equal(s, before, sizeof *s);
}

static void check_accepted(const char *text, const struct sj_spec *s, unsigned from)
{
	for (unsigned i = from; i < s->n; i++) {
		char canon[512];
		struct sj_spec back;
		struct sj_spec_error e;
		assert_true(s->rules[i].actions != 0);
		sj_rule_format(&s->rules[i], canon, sizeof canon);
		sj_spec_init(&back);
		if (sj_spec_parse(canon, &back, &e) != 0)
			fail_msg("\"%s\" -> \"%s\" does not parse: %s", text, canon, e.msg);
		if (back.n != 1 || !sj_rule_same(&s->rules[i], &back.rules[0]))
			fail_msg("\"%s\" -> \"%s\" is not the same rule", text, canon);
	}
}

/* Parses onto a spec that already holds one rule (parsing appends). */
static int try_text(const char *text)
{
	struct sj_spec s, before;
	struct sj_spec_error e;
	int rc;

	sj_spec_init(&s);
	assert_int_equal(sj_spec_parse("write:when=2:delay=1ms", &s, &e), 0);
	before = s;
	rc = sj_spec_parse(text, &s, &e);
	if (rc != 0)
		check_error(text, &s, &before, &e);
	else
		check_accepted(text, &s, 1);
	return rc;
}

static void test_table(void **state)
{
	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++)
		if (try_text(malformed[i]) == 0)
			fail_msg("\"%s\" was accepted", malformed[i]);
}

/* A deterministic generator, so a failure reproduces. */
static uint32_t next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static const char *const valid[] = {
	"read:in=child:fd=pipe:when=3:signal=KILL@self",
	"read:in=parent:fd=pipe:during=200ms:signal=TERM@self",
	"fork:in=parent:when=2..9+3:signal=INT@group",
	"read:p=0.1:seed=5:error=EINTR;write:fd=pipe|socket:short=1",
	"signal:sig=CHLD:delay=1.5:signal=USR1@parent",
	"exit:comm=worker:exit=255",
};

/* Characters that matter to the grammar, to splice in. */
static const char splice[] = ":;=@|.+-0123456789 \tabcdefghijklmnopqrstuvwxyzKILTERM";

static void test_mutations(void **state)
{
	uint32_t seed = 0x5eed1234u;
	unsigned accepted = 0, rejected = 0;

	for (int round = 0; round < 20000; round++) {
		const char *src = valid[next_rand(&seed) % (sizeof valid / sizeof valid[0])];
		char text[256];
		size_t len = strlen(src);
		int edits = 1 + (int)(next_rand(&seed) % 4);

		memcpy(text, src, len + 1);
		for (int k = 0; k < edits && len > 0 && len < sizeof text - 2; k++) {
			size_t at = next_rand(&seed) % len;
			switch (next_rand(&seed) % 3) {
			case 0: /* delete */
				memmove(text + at, text + at + 1, len - at);
				len--;
				break;
			case 1: /* insert */
				memmove(text + at + 1, text + at, len - at + 1);
				text[at] = splice[next_rand(&seed) % (sizeof splice - 1)];
				len++;
				break;
			default: /* replace */
				text[at] = splice[next_rand(&seed) % (sizeof splice - 1)];
				break;
			}
		}
		if (try_text(text) == 0)
			accepted++;
		else
			rejected++;
	}
	/* Both outcomes must really have been exercised. */
	assert_true(accepted > 100);
	assert_true(rejected > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
