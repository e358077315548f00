/* schedule.c — layer 3: when one rule fires (schedule.h). */
#include "schedule.h"

#include <string.h>

typedef unsigned __int128 u128;

#define GOLDEN 0x9e3779b97f4a7c15ull
#define NEVER UINT64_MAX
/* A search for the next firing call gives up after this many empty blocks
 * (each is empty with probability below e^-1) and answers a lower bound. */
#define SCAN_BLOCKS 64

/* ---- thresholds (once per rule, integer arithmetic only) ---- */

/* A draw d (53 bits) fires when d * 2^-53 < p, i.e. when d < ceil(p * 2^53):
 * the product is exact (p <= 1, a power of two). */
static uint64_t p_threshold(double p)
{
	double t = p * 9007199254740992.0;
	uint64_t u = (uint64_t)t;
	return (double)u < t ? u + 1 : u;
}

/* x * x for a 128-bit binary fraction x (value x / 2^128), truncated. */
static u128 frac_square(u128 x)
{
	uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
	u128 hh = (u128)hi * hi, hl = (u128)hi * lo, ll = (u128)lo * lo;
	/* x^2 / 2^128 = hh + 2 hl / 2^64 + ll / 2^128 */
	u128 carry = (((u128)(uint64_t)hl << 1) + (ll >> 64)) >> 64;
	return hh + ((hl >> 64) << 1) + carry;
}

/* r / (1 + r) as a 64-bit threshold, for r = x / 2^128 < 1. */
static uint64_t bit_threshold(u128 x)
{
	uint64_t r = (uint64_t)(x >> 64);
	return (uint64_t)(((u128)r << 64) / (((u128)1 << 64) + r));
}

void sj_sched_init(struct sj_sched *s, const struct sj_rule *r)
{
	uint64_t t = p_threshold(r->p);
	u128 x;
	memset(s, 0, sizeof *s);
	s->first = r->first;
	s->last = r->last == SJ_WHEN_INF ? UINT64_MAX : r->last;
	s->step = r->step ? r->step : 1;
	if (t == 0) {
		s->mode = SJ_SCHED_NEVER;
		return;
	}
	if (t >= (1ull << 53)) {
		s->mode = SJ_SCHED_WINDOW;
		return;
	}
	s->mode = SJ_SCHED_DRAW;
	/* t in [2^(63-clz), 2^(64-clz)): 2^bits * q lies in [1, 2). */
	s->bits = (unsigned)__builtin_clzll(t) - 10;
	x = (u128)((1ull << 53) - t) << 75; /* 1 - q, exactly */
	for (unsigned i = 0; i < s->bits; i++) {
		s->bit[i] = bit_threshold(x);
		x = frac_square(x); /* (1 - q)^(2^(i+1)) */
	}
	s->leave = (uint64_t)(x >> 64);
}

/* ---- the draws of one block ---- */

struct stream {
	uint64_t base, t;
};

static uint64_t draw(struct stream *st)
{
	return sj_mix64(st->base + GOLDEN * st->t++);
}

/* Failures before the next firing call of the block; NEVER when there is
 * none left in it (G >= 2^bits: the block is shorter than that). */
static uint64_t gap(const struct sj_sched *s, struct stream *st)
{
	uint64_t g = 0;
	if (draw(st) < s->leave)
		return NEVER;
	for (unsigned i = 0; i < s->bits; i++)
		if (draw(st) < s->bit[i])
			g |= 1ull << i;
	return g;
}

/* The first firing window call k >= from in block b (from inside it), or
 * NEVER.  Walks the block's gaps from its start: about one per block. */
static uint64_t block_first_from(const struct sj_sched *s, uint64_t b, uint64_t from)
{
	uint64_t k = b << s->bits, last = k + ((1ull << s->bits) - 1);
	struct stream st = { sj_mix64(s->seed ^ sj_mix64(b)), 0 };
	for (;;) {
		uint64_t g = gap(s, &st);
		if (g > last - k)
			return NEVER;
		k += g;
		if (k >= from)
			return k;
		k++; /* k < from <= last */
	}
}

/* ---- counts and window calls ---- */

/* The count of window call k, NEVER past the window. */
static uint64_t count_of(const struct sj_sched *s, uint64_t k)
{
	uint64_t n;
	if (k > (UINT64_MAX - s->first) / s->step)
		return NEVER;
	n = s->first + k * s->step;
	return n <= s->last ? n : NEVER;
}

int sj_sched_fires(const struct sj_sched *s, uint64_t n)
{
	uint64_t k;
	if (s->mode == SJ_SCHED_NEVER || n < s->first || n > s->last || (n - s->first) % s->step)
		return 0;
	if (s->mode == SJ_SCHED_WINDOW)
		return 1;
	k = (n - s->first) / s->step;
	return block_first_from(s, k >> s->bits, k) == k;
}

uint64_t sj_sched_next(const struct sj_sched *s, uint64_t n)
{
	uint64_t k, b;
	if (s->mode == SJ_SCHED_NEVER || n >= s->last)
		return NEVER;
	/* the first window call counted after n */
	k = n < s->first ? 0 : (n - s->first) / s->step + 1;
	if (s->mode == SJ_SCHED_WINDOW || count_of(s, k) == NEVER)
		return count_of(s, k);
	b = k >> s->bits;
	for (unsigned i = 0; i < SCAN_BLOCKS; i++) {
		uint64_t f = block_first_from(s, b, k);
		if (f != NEVER)
			return count_of(s, f);
		if (b == UINT64_MAX >> s->bits)
			return NEVER;
		k = ++b << s->bits;
		if (count_of(s, k) == NEVER)
			return NEVER;
	}
	return count_of(s, k); /* a lower bound: the start of the next block */
}
