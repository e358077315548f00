/* spec_parse_test.c — every grammar form of the rule language, defaults,
 * appending, limits, and the round trip through sj_rule_format. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <errno.h>
#include <limits.h>
#include <cmocka.h>

#include "spec.h"

/* Parses text that must be valid and returns its only (or first) rule. */
static struct sj_rule parse_one(const char *text)
{
	struct sj_spec s;
	struct sj_spec_error e;
	sj_spec_init(&s);
	if (sj_spec_parse(text, &s, &e) != 0)
		fail_msg("\"%s\" should parse, got col %u: %s", text, e.col, e.msg);
	assert_true(s.n >= 1);
	return s.rules[0];
}

static void test_defaults(void **state)
{
	struct sj_rule r = parse_one("read:crash");
	assert_int_equal(r.hook, SJ_HOOK_READ);
	assert_int_equal(r.col, 1);
	assert_int_equal(r.fd, -1);
	assert_int_equal(r.fdclass, 0);
	assert_int_equal(r.in, SJ_IN_ANY);
	assert_string_equal(r.comm, "");
	assert_int_equal(r.sig, 0);
	assert_int_equal(r.first, 1);
	assert_int_equal(r.last, SJ_WHEN_INF);
	assert_int_equal(r.step, 1);
	assert_true(r.p == 1.0);
	assert_int_equal(r.has_seed, 0);
	assert_int_equal(r.target, SJ_TGT_SELF);
	assert_int_equal(r.actions, SJ_ACT(CRASH));
}

static void test_hooks(void **state)
{
	static const struct { const char *text; enum sj_hook hook; } rows[] = {
		{ "read:crash", SJ_HOOK_READ },
		{ "write:crash", SJ_HOOK_WRITE },
		{ "fork:crash", SJ_HOOK_FORK },
		{ "signal:crash", SJ_HOOK_SIGNAL },
		{ "sigaction:crash", SJ_HOOK_SIGNAL },
		{ "exit:crash", SJ_HOOK_EXIT },
		{ "READ:crash", SJ_HOOK_READ },
		{ "Fork:CRASH", SJ_HOOK_FORK },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		assert_int_equal(parse_one(rows[i].text).hook, rows[i].hook);
	assert_string_equal(sj_hook_name(SJ_HOOK_READ), "read");
	assert_string_equal(sj_hook_name(SJ_HOOK_WRITE), "write");
	assert_string_equal(sj_hook_name(SJ_HOOK_FORK), "fork");
	assert_string_equal(sj_hook_name(SJ_HOOK_SIGNAL), "signal");
	assert_string_equal(sj_hook_name(SJ_HOOK_EXIT), "exit");
	assert_string_equal(sj_hook_name(SJ_HOOK_COUNT), "unknown");
}

static void test_filters(void **state)
{
	struct sj_rule r;

	r = parse_one("read:fd=0:crash");
	assert_int_equal(r.fd, 0);
	r = parse_one("write:fd=2147483647:crash");
	assert_int_equal(r.fd, INT_MAX);
	r = parse_one("read:fd=pipe:crash");
	assert_int_equal(r.fdclass, SJ_FDC_PIPE);
	assert_int_equal(r.fd, -1);
	r = parse_one("write:fd=pipe|fifo|socket|file|tty:crash");
	assert_int_equal(r.fdclass, SJ_FDC_PIPE | SJ_FDC_FIFO | SJ_FDC_SOCKET | SJ_FDC_FILE | SJ_FDC_TTY);
	r = parse_one("read:fd= Socket | TTY :crash");
	assert_int_equal(r.fdclass, SJ_FDC_SOCKET | SJ_FDC_TTY);

	assert_int_equal(parse_one("read:in=parent:crash").in, SJ_IN_PARENT);
	assert_int_equal(parse_one("read:in=child:crash").in, SJ_IN_CHILD);
	assert_int_equal(parse_one("read:in=any:crash").in, SJ_IN_ANY);

	assert_string_equal(parse_one("read:comm=python3:crash").comm, "python3");
	assert_string_equal(parse_one("read:comm=123456789012345:crash").comm, "123456789012345");
	assert_string_equal(parse_one("read:comm=Web Content:crash").comm, "Web Content");

	assert_int_equal(parse_one("signal:sig=INT:crash").sig, SIGINT);
	assert_int_equal(parse_one("signal:sig=SIGTERM:crash").sig, SIGTERM);
	assert_int_equal(parse_one("sigaction:sig=chld:crash").sig, SIGCHLD);
	assert_int_equal(parse_one("signal:sig=10:crash").sig, 10);
	assert_int_equal(parse_one("signal:sig=40:crash").sig, 40);
}

static void test_when_forms(void **state)
{
	static const struct { const char *when; uint32_t first, last, step; } rows[] = {
		{ "3", 3, 3, 1 },
		{ "1", 1, 1, 1 },
		{ "3..", 3, SJ_WHEN_INF, 1 },
		{ "3..7", 3, 7, 1 },
		{ "5..5", 5, 5, 1 },
		{ "3+", 3, SJ_WHEN_INF, 1 },
		{ "3+2", 3, SJ_WHEN_INF, 2 },
		{ "1+1", 1, SJ_WHEN_INF, 1 },
		{ "2..9+3", 2, 9, 3 },
		{ "2..+3", 2, SJ_WHEN_INF, 3 },
		{ "4294967294", 4294967294u, 4294967294u, 1 },
		{ "1..4294967294+4294967294", 1, 4294967294u, 4294967294u },
		{ " 7 .. 9 ", 0, 0, 0 }, /* spaces inside the value are not numbers */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char text[96];
		struct sj_spec s;
		struct sj_spec_error e;
		snprintf(text, sizeof text, "read:when=%s:crash", rows[i].when);
		sj_spec_init(&s);
		if (rows[i].first == 0) {
			assert_int_equal(sj_spec_parse(text, &s, &e), -1);
			continue;
		}
		struct sj_rule r = parse_one(text);
		assert_int_equal(r.first, rows[i].first);
		assert_int_equal(r.last, rows[i].last);
		assert_int_equal(r.step, rows[i].step);
	}
}

static void test_probability_and_seed(void **state)
{
	struct sj_rule r = parse_one("read:p=0.25:seed=42:crash");
	assert_true(r.p == 0.25);
	assert_int_equal(r.has_seed, 1);
	assert_int_equal(r.seed, 42);
	assert_true(parse_one("read:p=1:crash").p == 1.0);
	assert_true(parse_one("read:p=1.000:crash").p == 1.0);
	assert_true(parse_one("read:p=.5:crash").p == 0.5);
	assert_true(parse_one("read:p=0.1:crash").p == 0.1);
	assert_true(parse_one("read:p=0.333333333333333:crash").p == 0.333333333333333);
	assert_true(parse_one("read:p=0.000000000000000001:crash").p == 1e-18);
	/* p=0: a rule that never fires (the schedule, inject/schedule.c) */
	assert_true(parse_one("read:p=0:crash").p == 0.0);
	assert_true(parse_one("read:p=0.000:crash").p == 0.0);
	r = parse_one("read:seed=18446744073709551615:crash");
	assert_true(r.seed == UINT64_MAX);
	r = parse_one("read:seed=0:crash");
	assert_int_equal(r.has_seed, 1);
	assert_true(r.seed == 0);
}

static void test_signal_action(void **state)
{
	static const struct { const char *value; int sig; enum sj_target tgt; } rows[] = {
		{ "KILL", SIGKILL, SJ_TGT_SELF },
		{ "SIGKILL", SIGKILL, SJ_TGT_SELF },
		{ "kill", SIGKILL, SJ_TGT_SELF },
		{ "sigterm", SIGTERM, SJ_TGT_SELF },
		{ "9", SIGKILL, SJ_TGT_SELF },
		{ "64", 64, SJ_TGT_SELF },
		{ "TERM@self", SIGTERM, SJ_TGT_SELF },
		{ "USR1@thread", SIGUSR1, SJ_TGT_THREAD },
		{ "CHLD@parent", SIGCHLD, SJ_TGT_PARENT },
		{ "INT@group", SIGINT, SJ_TGT_GROUP },
		{ "HUP@children", SIGHUP, SJ_TGT_CHILDREN },
		{ "HUP@Children", SIGHUP, SJ_TGT_CHILDREN },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char text[96];
		snprintf(text, sizeof text, "read:signal=%s", rows[i].value);
		struct sj_rule r = parse_one(text);
		assert_int_equal(r.actions, SJ_ACT(SIGNAL));
		assert_int_equal(r.signo, rows[i].sig);
		assert_int_equal(r.target, rows[i].tgt);
	}
	assert_string_equal(sj_target_name(SJ_TGT_SELF), "self");
	assert_string_equal(sj_target_name(SJ_TGT_THREAD), "thread");
	assert_string_equal(sj_target_name(SJ_TGT_PARENT), "parent");
	assert_string_equal(sj_target_name(SJ_TGT_GROUP), "group");
	assert_string_equal(sj_target_name(SJ_TGT_CHILDREN), "children");
}

static void test_other_actions(void **state)
{
	struct sj_rule r;

	r = parse_one("read:error=EINTR");
	assert_int_equal(r.actions, SJ_ACT(ERROR));
	assert_int_equal(r.error, EINTR);
	assert_int_equal(parse_one("read:error=eagain").error, EAGAIN);
	assert_int_equal(parse_one("read:error=5").error, 5);
	assert_int_equal(parse_one("read:error=0").error, 0); /* strace #3 */
	assert_int_equal(parse_one("read:error=4095").error, 4095);

	r = parse_one("read:retval=-1");
	assert_int_equal(r.actions, SJ_ACT(RETVAL));
	assert_int_equal(r.retval, -1);
	assert_true(parse_one("read:retval=9223372036854775807").retval == LONG_MAX);
	assert_true(parse_one("read:retval=-9223372036854775808").retval == LONG_MIN);
	assert_int_equal(parse_one("fork:retval=0").retval, 0);

	r = parse_one("write:short=1");
	assert_int_equal(r.actions, SJ_ACT(SHORT));
	assert_int_equal(r.short_max, 1);

	r = parse_one("read:exit=0");
	assert_int_equal(r.actions, SJ_ACT(EXIT));
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(parse_one("exit:exit=255").exit_code, 255);

	r = parse_one("read:during=1s:signal=TERM");
	assert_int_equal(r.actions, SJ_ACT(DURING) | SJ_ACT(SIGNAL));
	assert_true(r.during_ns == 1000000000ull);

	r = parse_one("read:delay=5ms:signal=TERM@parent:exit=1");
	assert_int_equal(r.actions, SJ_ACT(DELAY) | SJ_ACT(SIGNAL) | SJ_ACT(EXIT));
	assert_int_equal(r.target, SJ_TGT_PARENT);
}

static void test_durations(void **state)
{
	static const struct { const char *value; uint64_t ns; } rows[] = {
		{ "1", 1000ull },              /* bare number: microseconds, as strace */
		{ "1.5", 1500ull },
		{ "7ns", 7ull },
		{ "7us", 7000ull },
		{ "7ms", 7000000ull },
		{ "7s", 7000000000ull },
		{ "1.5s", 1500000000ull },
		{ ".25ms", 250000ull },
		{ "0.000000001s", 1ull },
		{ "1.500000000000s", 1500000000ull }, /* trailing zeros carry no value */
		{ "200MS", 200000000ull },
		{ "18446744073709551615ns", UINT64_MAX },
		{ "18446744073s", 18446744073000000000ull },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char text[96];
		snprintf(text, sizeof text, "read:delay=%s", rows[i].value);
		struct sj_rule r = parse_one(text);
		if (r.delay_ns != rows[i].ns)
			fail_msg("delay=%s gave %llu ns", rows[i].value, (unsigned long long)r.delay_ns);
	}
}

static void test_multi_rule_and_whitespace(void **state)
{
	struct sj_spec s;
	struct sj_spec_error e;
	const char *text = "  read : in = child : signal = KILL ;\twrite:fd=1:error=EPIPE ; ;fork:crash;";

	sj_spec_init(&s);
	assert_int_equal(sj_spec_parse(text, &s, &e), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.rules[0].hook, SJ_HOOK_READ);
	assert_int_equal(s.rules[0].in, SJ_IN_CHILD);
	assert_int_equal(s.rules[0].signo, SIGKILL);
	assert_int_equal(s.rules[0].col, 3);
	assert_int_equal(s.rules[1].hook, SJ_HOOK_WRITE);
	assert_int_equal(s.rules[1].col, (unsigned)(strstr(text, "write") - text) + 1);
	assert_int_equal(s.rules[2].hook, SJ_HOOK_FORK);
	assert_int_equal(s.rules[2].col, (unsigned)(strstr(text, "fork") - text) + 1);

	/* Appends: repeated --inject options accumulate. */
	assert_int_equal(sj_spec_parse("exit:exit=2", &s, &e), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.rules[3].hook, SJ_HOOK_EXIT);
	assert_int_equal(s.rules[3].col, 1);
	assert_int_equal(s.rules[0].hook, SJ_HOOK_READ);
}

static void test_error_leaves_spec_unchanged(void **state)
{
	struct sj_spec s, before;
	struct sj_spec_error e;

	sj_spec_init(&s);
	assert_int_equal(sj_spec_parse("read:crash;write:crash", &s, &e), 0);
	/* Scribble on the unused slots so a partial write would show. */
	memset(&s.rules[2], 0x5a, sizeof s.rules - 2 * sizeof s.rules[0]);
	before = s;
	assert_int_equal(sj_spec_parse("fork:crash;exit:exit=1;read:signal=KILLL", &s, &e), -1);
	assert_memory_equal(&s, &before, sizeof s);
}

static void test_rule_limit(void **state)
{
	char text[SJ_MAX_RULES * 16 + 32] = "";
	struct sj_spec s, before;
	struct sj_spec_error e;

	for (int i = 0; i < SJ_MAX_RULES; i++)
		strcat(text, "read:crash;");
	sj_spec_init(&s);
	assert_int_equal(sj_spec_parse(text, &s, &e), 0);
	assert_int_equal(s.n, SJ_MAX_RULES);

	before = s;
	assert_int_equal(sj_spec_parse("write:crash", &s, &e), -1);
	assert_int_equal(e.col, 1);
	assert_non_null(strstr(e.msg, "too many rules"));
	assert_memory_equal(&s, &before, sizeof s);

	/* 33 rules in one text: the 33rd is the one pointed at. */
	strcat(text, "  fork:crash");
	sj_spec_init(&s);
	assert_int_equal(sj_spec_parse(text, &s, &e), -1);
	assert_int_equal(e.col, strlen(text) - strlen("fork:crash") + 1);
	assert_int_equal(s.n, 0);

	/* Room for 2 more, 3 given. */
	sj_spec_init(&s);
	for (int i = 0; i < SJ_MAX_RULES - 2; i++)
		assert_int_equal(sj_spec_parse("read:crash", &s, &e), 0);
	assert_int_equal(sj_spec_parse("read:crash;write:crash;fork:crash", &s, &e), -1);
	assert_int_equal(s.n, SJ_MAX_RULES - 2);
	assert_int_equal(sj_spec_parse("read:crash;write:crash", &s, &e), 0);
	assert_int_equal(s.n, SJ_MAX_RULES);
}

/* Texts whose canonical form is known: format(parse(text)) == canon. */
static const struct { const char *text, *canon; } canon_rows[] = {
	{ "read:in=child:fd=pipe:when=3:signal=KILL@self", "read:in=child:fd=pipe:when=3:signal=KILL@self" },
	{ "read:signal=SIGKILL", "read:signal=KILL@self" },
	{ "read:signal=9@group", "read:signal=KILL@group" },
	{ "read:signal=40", "read:signal=40@self" },
	{ "sigaction:sig=2:delay=1ms", "signal:sig=INT:delay=1ms" },
	{ "READ:when=1+:p=1:crash", "read:crash" },
	{ "read:when=3..:crash", "read:when=3+:crash" },
	{ "read:when=2..+3:crash", "read:when=2+3:crash" },
	{ "read:when=5..5:crash", "read:when=5:crash" },
	{ "read:when=5..5+2:crash", "read:when=5..5+2:crash" },
	{ "read:when=2..9+3:crash", "read:when=2..9+3:crash" },
	{ "read:delay=1.5ms", "read:delay=1500us" },
	{ "read:delay=2", "read:delay=2us" },
	{ "read:delay=3000000us", "read:delay=3s" },
	{ "read:p=.50:error=0", "read:p=0.5:error=0" },
	{ "read:p=0.00:error=0", "read:p=0:error=0" },
	{ "read:error=4000", "read:error=4000" },
	/* aliases read, usual names written */
	{ "read:signal=IOT", "read:signal=ABRT@self" },
	{ "read:signal=SIGPOLL", "read:signal=IO@self" },
	{ "signal:sig=CLD:signal=IOT", "signal:sig=CHLD:signal=ABRT@self" },
	{ "read:error=EWOULDBLOCK", "read:error=EAGAIN" },
	{ "read:error=enotsup", "read:error=EOPNOTSUPP" },
	{ "read:error=EHWPOISON", "read:error=EHWPOISON" },
	{ "write:fd=tty|pipe:short=3:delay=1ns",
	  "write:fd=pipe|tty:delay=1ns:short=3" },
	{ "read:signal=TERM:during=200ms:in=parent:fd=pipe",
	  "read:in=parent:fd=pipe:during=200ms:signal=TERM@self" },
	{ "exit:comm=worker:seed=9:p=0.125:exit=7", "exit:comm=worker:p=0.125:seed=9:exit=7" },
};

static void test_canonical_text(void **state)
{
	for (size_t i = 0; i < sizeof canon_rows / sizeof canon_rows[0]; i++) {
		char buf[256];
		struct sj_rule r = parse_one(canon_rows[i].text);
		size_t len = sj_rule_format(&r, buf, sizeof buf);
		assert_string_equal(buf, canon_rows[i].canon);
		assert_int_equal(len, strlen(canon_rows[i].canon));
	}
}

/* Many rules: canonical text parses back to an identical rule, and the
 * canonical text is a fixed point. */
static const char *const roundtrip_texts[] = {
	"read:crash",
	"read:in=child:fd=pipe:when=3:signal=KILL@self",
	"read:in=parent:fd=pipe:during=200ms:signal=TERM@self",
	"fork:in=child:signal=KILL@self",
	"fork:in=parent:when=2:signal=INT@group",
	"read:p=0.1:error=EINTR",
	"read:fd=pipe:short=1",
	"write:fd=pipe|socket|tty:when=2..9+3:delay=1.5ms:signal=USR1@children",
	"read:when=11+:comm=python3:p=0.33:seed=7:retval=-4",
	"signal:sig=int:when=12:delay=3ms",
	"exit:in=child:exit=3",
	"read:when=112..113:crash",
	"write:fd=7:when=4..:p=.000001:during=1.000000001s:signal=9@thread:delay=20",
	"read:p=0.000000000000000001:crash",
	"read:p=0:crash",
	"read:p=0.999999999999999:crash",
	"read:p=0.123456789012345:crash",
	"read:p=0.3:crash",
	"read:p=0.7:crash",
	"write:retval=-9223372036854775808",
	"write:short=18446744073709551615:when=4294967294",
	"read:seed=18446744073709551615:p=0.5:error=0",
	"read:delay=18446744073709551615ns",
	"read:comm=a b=c@d|e:crash",
	"signal:sig=64:signal=33@thread",
	"fork:in=any:delay=1s:exit=0",
};

static void test_round_trip(void **state)
{
	for (size_t i = 0; i < sizeof roundtrip_texts / sizeof roundtrip_texts[0]; i++) {
		char canon[256], again[256];
		struct sj_rule r = parse_one(roundtrip_texts[i]);
		sj_rule_format(&r, canon, sizeof canon);
		struct sj_rule back = parse_one(canon);
		if (!sj_rule_same(&r, &back))
			fail_msg("\"%s\" -> \"%s\" does not parse back to the same rule", roundtrip_texts[i], canon);
		sj_rule_format(&back, again, sizeof again);
		assert_string_equal(canon, again);
	}
}

static void test_rule_same_detects_differences(void **state)
{
	struct sj_rule a = parse_one("read:fd=pipe:when=3:p=0.5:signal=KILL@group");
	struct sj_rule b = a;
	assert_true(sj_rule_same(&a, &b));
	b.col = 99; /* position is not part of the rule */
	assert_true(sj_rule_same(&a, &b));
	b = a, b.target = SJ_TGT_SELF;
	assert_false(sj_rule_same(&a, &b));
	b = a, b.p = 0.25;
	assert_false(sj_rule_same(&a, &b));
	b = a, b.fdclass = SJ_FDC_FIFO;
	assert_false(sj_rule_same(&a, &b));
	b = a, b.first = 4;
	assert_false(sj_rule_same(&a, &b));
	b = a, strcpy(b.comm, "x");
	assert_false(sj_rule_same(&a, &b));
}

static void test_format_truncation(void **state)
{
	struct sj_rule r = parse_one("read:in=child:fd=pipe:when=3:signal=KILL@self");
	const char *canon = "read:in=child:fd=pipe:when=3:signal=KILL@self";
	char small[10];
	memset(small, 'x', sizeof small);
	assert_int_equal(sj_rule_format(&r, small, sizeof small), strlen(canon));
	assert_string_equal(small, "read:in=c");
	assert_int_equal(sj_rule_format(&r, NULL, 0), strlen(canon));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_when_forms),
		cmocka_unit_test(test_probability_and_seed),
		cmocka_unit_test(test_signal_action),
		cmocka_unit_test(test_other_actions),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_multi_rule_and_whitespace),
		cmocka_unit_test(test_error_leaves_spec_unchanged),
		cmocka_unit_test(test_rule_limit),
		cmocka_unit_test(test_canonical_text),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_rule_same_detects_differences),
		cmocka_unit_test(test_format_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
