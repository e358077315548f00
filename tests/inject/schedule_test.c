/* schedule_test.c — when a rule fires (inject/schedule.c): when= windows and
 * steps against a brute-force reference, p=0, and p= drawn as gaps — the
 * next-firing search agrees with the per-count answer, the rate is p, calls
 * are independent, the thresholds are exact, and the draws depend on the
 * seed only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "schedule.h"

#define NEVER UINT64_MAX

static struct sj_rule rule_of(const char *text)
{
	struct sj_spec s;
	struct sj_spec_error e;
	sj_spec_init(&s);
	if (sj_spec_parse(text, &s, &e) != 0)
		fail_msg("\"%s\" should parse, got col %u: %s", text, e.col, e.msg);
	return s.rules[0];
}

static struct sj_sched sched_of(const char *text, uint64_t seed)
{
	struct sj_rule r = rule_of(text);
	struct sj_sched s;
	sj_sched_init(&s, &r);
	s.seed = seed;
	return s;
}

/* The when= window alone, straight from the rule. */
static int in_window(const struct sj_rule *r, uint64_t n)
{
	uint64_t last = r->last == SJ_WHEN_INF ? UINT64_MAX : r->last;
	return n >= r->first && n <= last && (n - r->first) % r->step == 0;
}

static void test_window_brute_force(void **state)
{
	static const char *const specs[] = {
		"read:crash", "read:when=1:crash", "read:when=3:crash", "read:when=3..:crash",
		"read:when=3..9:crash", "read:when=3+2:crash", "read:when=3..9+2:crash", "read:when=7..7+3:crash",
		"read:when=2..1000+7:crash", "read:when=5+1000:crash", "read:p=1:when=4+3:crash",
	};
	enum { N = 3000 };
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		struct sj_rule r = rule_of(specs[i]);
		struct sj_sched s = sched_of(specs[i], 1);
		uint64_t next = NEVER;
		assert_int_equal(s.mode, SJ_SCHED_WINDOW);
		/* Backwards, so that `next` is the brute-force next firing count. */
		for (uint64_t n = N; n >= 1; n--) {
			uint64_t got = sj_sched_next(&s, n);
			assert_true(next != NEVER ? got == next : got > N);
			assert_int_equal(sj_sched_fires(&s, n), in_window(&r, n));
			if (in_window(&r, n))
				next = n;
		}
		assert_true(next != NEVER ? sj_sched_next(&s, 0) == next : sj_sched_next(&s, 0) > N);
	}
}

static void test_window_far_counts(void **state)
{
	struct sj_sched s = sched_of("read:when=4294967294:crash", 0);
	assert_true(sj_sched_next(&s, 0) == 4294967294u);
	assert_true(sj_sched_next(&s, 4294967294u) == NEVER);
	assert_true(sj_sched_fires(&s, 4294967294u));
	s = sched_of("read:when=5+4294967294:crash", 0);
	assert_true(sj_sched_next(&s, 6) == 5 + 4294967294ull);
	assert_true(sj_sched_next(&s, UINT64_MAX - 1) == NEVER);
	s = sched_of("read:crash", 0);
	assert_true(sj_sched_next(&s, UINT64_MAX - 2) == UINT64_MAX - 1);
	assert_true(sj_sched_next(&s, UINT64_MAX) == NEVER);
}

static void test_p0_never(void **state)
{
	struct sj_sched s = sched_of("read:p=0:crash", 5);
	assert_int_equal(s.mode, SJ_SCHED_NEVER);
	for (uint64_t n = 0; n < 1000; n++) {
		assert_false(sj_sched_fires(&s, n + 1));
		assert_true(sj_sched_next(&s, n) == NEVER);
	}
}

/* No answer of next skips a count that fires (it may stop short of one: a
 * lower bound), and walking from next to next visits every one. */
static void check_walk(const char *spec, uint64_t seed, uint64_t N)
{
	struct sj_sched s = sched_of(spec, seed);
	uint64_t next = NEVER, m = 0, visited = 0, firing = 0;
	assert_int_equal(s.mode, SJ_SCHED_DRAW);
	for (uint64_t n = N; n >= 1; n--) {
		uint64_t got = sj_sched_next(&s, n);
		assert_true(got > n && got <= next);
		if (sj_sched_fires(&s, n)) {
			next = n;
			firing++;
		}
	}
	assert_true(firing > 0 && sj_sched_next(&s, 0) <= next);
	while ((m = sj_sched_next(&s, m)) <= N)
		visited += sj_sched_fires(&s, m);
	assert_true(visited == firing);
}

static void test_draw_next_agrees(void **state)
{
	check_walk("read:p=0.5:crash", 1, 4000);
	check_walk("read:p=0.999999:crash", 2, 2000);
	check_walk("read:p=0.25:crash", 3, 4000);
	check_walk("read:p=0.1:crash", 4, 6000);
	check_walk("read:p=0.01:crash", 5, 20000);
	check_walk("read:when=5..3000+3:p=0.3:crash", 6, 4000);
	check_walk("read:when=100+2:p=0.02:crash", 7, 20000);
}

/* Fires in the window's first `calls` calls, by jumping from one to the next. */
static uint64_t fires_in(const struct sj_sched *s, uint64_t calls)
{
	uint64_t m = 0, k = 0;
	while ((m = sj_sched_next(s, m)) <= calls)
		k += sj_sched_fires(s, m);
	return k;
}

static void check_rate(const char *spec, double q, uint64_t calls)
{
	double mean = q * (double)calls, sigma = sqrt(mean * (1 - q));
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct sj_sched s = sched_of(spec, seed);
		double got = (double)fires_in(&s, calls);
		if (fabs(got - mean) > 5 * sigma)
			fail_msg("%s seed %llu: %.0f fires in %llu calls, expected %.1f +- %.1f", spec,
				 (unsigned long long)seed, got, (unsigned long long)calls, mean, 5 * sigma);
	}
}

static void test_draw_rate(void **state)
{
	check_rate("read:p=0.5:crash", 0.5, 200000);
	check_rate("read:p=0.1:crash", 0.1, 200000);
	check_rate("read:p=0.013:crash", 0.013, 400000);
	check_rate("read:p=0.000001:crash", 1e-6, 2000000000ull);
	/* blocks of 2^41 calls */
	check_rate("read:p=0.000000000001:crash", ceil(1e-12 * 9007199254740992.0) / 9007199254740992.0,
		   2000000000000000ull);
}

/* Neighbouring calls are independent: both fire at rate q^2, at every lag
 * and across block boundaries (p=0.3: blocks of 4). */
static void test_draw_independent(void **state)
{
	struct sj_sched s = sched_of("read:p=0.3:crash", 11);
	enum { N = 200000 };
	static unsigned char f[N + 8];
	for (uint64_t n = 1; n <= N + 7; n++)
		f[n] = (unsigned char)sj_sched_fires(&s, n);
	for (unsigned lag = 1; lag <= 7; lag++) {
		double both = 0, mean = 0.09 * N, sigma = sqrt(mean * 0.91);
		for (uint64_t n = 1; n <= N; n++)
			both += f[n] && f[n + lag];
		if (fabs(both - mean) > 5 * sigma)
			fail_msg("lag %u: %.0f pairs, expected %.0f +- %.0f", lag, both, mean, 5 * sigma);
	}
}

static void test_thresholds(void **state)
{
	/* p=0.5: blocks of 2; bit 0 of a gap is 1 with (1/2)/(1+1/2) = 1/3; no
	 * firing left in a block of 2 with (1/2)^2. */
	struct sj_sched s = sched_of("read:p=0.5:crash", 0);
	assert_int_equal(s.bits, 1);
	assert_true(s.bit[0] == UINT64_MAX / 3 || s.bit[0] == UINT64_MAX / 3 + 1);
	assert_true(s.leave == 1ull << 62 || s.leave == (1ull << 62) - 1);
	/* the smallest p: blocks of 2^53, (1 - 2^-53)^(2^53) = e^-1 */
	s = sched_of("read:p=0.000000000000000001:crash", 0);
	assert_int_equal(s.bits, SJ_SCHED_MAXBITS);
	assert_true(fabs((double)s.leave / 18446744073709551616.0 - exp(-1.0)) < 1e-15);
	assert_true(fabs((double)s.bit[0] / 18446744073709551616.0 - 0.5) < 1e-15);
	/* 2^bits * q in [1, 2) */
	for (double p = 0.9; p > 1e-15; p /= 3) {
		char text[64];
		snprintf(text, sizeof text, "read:p=%.15f:crash", p);
		if (rule_of(text).p == 0)
			break;
		s = sched_of(text, 0);
		double q = ceil(rule_of(text).p * 9007199254740992.0) / 9007199254740992.0;
		assert_true(ldexp(q, (int)s.bits) >= 1 && ldexp(q, (int)s.bits) < 2);
	}
}

static void test_draw_seeds(void **state)
{
	enum { N = 10000 };
	static unsigned char forward[N + 1];
	struct sj_sched a = sched_of("read:p=0.1:crash", 42), b = sched_of("read:p=0.1:crash", 42),
			c = sched_of("read:p=0.1:crash", 43);
	unsigned differ = 0;
	for (uint64_t n = 1; n <= N; n++)
		forward[n] = (unsigned char)sj_sched_fires(&a, n);
	/* the same seed, asked in another order, another copy: the same answers */
	for (uint64_t n = N; n >= 1; n--) {
		assert_int_equal(sj_sched_fires(&b, n), forward[n]);
		differ += sj_sched_fires(&c, n) != forward[n];
	}
	assert_true(differ > 500); /* two streams at p=0.1 differ on about 18% */
}

static void test_draw_far_counts(void **state)
{
	struct sj_sched s = sched_of("read:p=0.5:crash", 9);
	uint64_t m = sj_sched_next(&s, UINT64_MAX - 100);
	assert_true(m > UINT64_MAX - 100);
	s = sched_of("read:p=0.000000000000000001:crash", 9);
	m = sj_sched_next(&s, UINT64_MAX - (1ull << 54));
	assert_true(m > UINT64_MAX - (1ull << 54));
	s = sched_of("read:when=4294967294..+4294967294:p=0.5:crash", 9);
	m = sj_sched_next(&s, 0);
	assert_true(m == NEVER || (m >= 4294967294u && (m - 4294967294u) % 4294967294u == 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_brute_force), cmocka_unit_test(test_window_far_counts),
		cmocka_unit_test(test_p0_never),           cmocka_unit_test(test_draw_next_agrees),
		cmocka_unit_test(test_draw_rate),          cmocka_unit_test(test_draw_independent),
		cmocka_unit_test(test_thresholds),         cmocka_unit_test(test_draw_seeds),
		cmocka_unit_test(test_draw_far_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
