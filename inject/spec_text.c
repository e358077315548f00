/* spec_text.c — the words and numbers of the rule language: the tables of
 * fd kinds, in= sides, @targets and duration units, and the number readers
 * that the parser and the formatter (for its round trip) share.
 *
 * Everything here runs in the shim's constructor: no allocation, no stdio,
 * no locale (strtod would read LC_NUMERIC), every number read by hand. */
#include "spec_int.h"

#include <string.h>

const struct sj_fdkind_row sj_fdkind_rows[] = {
	{ "pipe", SJ_FDC_PIPE, "pipe" },
	{ "fifo", SJ_FDC_FIFO, "FIFO" },
	{ "socket", SJ_FDC_SOCKET, "socket" },
	{ "file", SJ_FDC_FILE, "file" },
	{ "tty", SJ_FDC_TTY, "terminal" },
};
const size_t sj_fdkind_nrows = SJ_NROWS(sj_fdkind_rows);

const struct sj_where_row sj_where_rows[] = {
	{ "any", SJ_IN_ANY },
	{ "parent", SJ_IN_PARENT },
	{ "child", SJ_IN_CHILD },
};
const size_t sj_where_nrows = SJ_NROWS(sj_where_rows);

const struct sj_target_row sj_target_rows[] = {
	{ "self", SJ_TGT_SELF, "that process" },
	{ "thread", SJ_TGT_THREAD, "the calling thread" },
	{ "parent", SJ_TGT_PARENT, "its parent process" },
	{ "group", SJ_TGT_GROUP, "its process group" },
	{ "children", SJ_TGT_CHILDREN, "each of its child processes" },
};
const size_t sj_target_nrows = SJ_NROWS(sj_target_rows);

/* Canonical output picks the largest unit that divides exactly. */
const struct sj_unit_row sj_unit_rows[] = {
	{ "s", 1000000000ull },
	{ "ms", 1000000ull },
	{ "us", 1000ull },
	{ "ns", 1ull },
};
const size_t sj_unit_nrows = SJ_NROWS(sj_unit_rows);
#define BARE_NUMBER_NS 1000ull /* strace: a bare delay is microseconds */

const uint64_t sj_pow10[] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
	10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
	100000000000ull, 1000000000000ull, 10000000000000ull,
	100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull,
};
const size_t sj_pow10_count = SJ_NROWS(sj_pow10);
/* p=: 10^18 and every mantissa below 10^15 are exact doubles, so one IEEE
 * division gives the double nearest to the decimal text. */
_Static_assert(SJ_PROB_MAX_FRAC < SJ_NROWS(sj_pow10), "sj_pow10 covers p='s digits");

static const char *const hook_names[SJ_HOOK_COUNT] = {
#define SJ_HOOK(id, name, props, noun, fdprep) [SJ_HOOK_##id] = name,
#include "hooks.def"
};

const char *sj_hook_name(enum sj_hook h)
{
	return (unsigned)h < SJ_HOOK_COUNT ? hook_names[h] : "unknown";
}

const char *sj_target_name(enum sj_target t)
{
	for (size_t i = 0; i < sj_target_nrows; i++)
		if (sj_target_rows[i].target == t)
			return sj_target_rows[i].name;
	return "unknown";
}

/* ---- spans ---- */

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

struct span sj_span_trim(struct span t)
{
	while (t.n && is_space((unsigned char)t.s[0]))
		t.s++, t.n--;
	while (t.n && is_space((unsigned char)t.s[t.n - 1]))
		t.n--;
	return t;
}

int sj_span_is(struct span t, const char *kw)
{
	size_t i;
	for (i = 0; i < t.n; i++)
		if (kw[i] == '\0' || sj_lower((unsigned char)t.s[i]) != kw[i])
			return 0;
	return kw[t.n] == '\0';
}

/* ---- numbers ---- */

/* Unsigned decimal, whole span, value <= max. */
enum num_status sj_num_u64(struct span t, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (t.n == 0)
		return NUM_SYNTAX;
	for (size_t i = 0; i < t.n; i++) {
		unsigned d;
		if (!sj_is_digit((unsigned char)t.s[i]))
			return NUM_SYNTAX;
		d = (unsigned)(t.s[i] - '0');
		if (v > (max - d) / 10)
			return NUM_RANGE;
		v = v * 10 + d;
	}
	*out = v;
	return NUM_OK;
}

/* Optionally negative decimal within long. */
enum num_status sj_num_long(struct span t, long *out)
{
	int neg = t.n > 0 && t.s[0] == '-';
	uint64_t mag;
	enum num_status st;
	/* |LONG_MIN| = LONG_MAX + 1 */
	const uint64_t lim = (uint64_t)__LONG_MAX__ + (neg ? 1u : 0u);
	if (neg)
		t = span_tail(t, 1);
	st = sj_num_u64(t, lim, &mag);
	if (st != NUM_OK)
		return st;
	*out = neg ? (long)(0 - mag) : (long)mag;
	return NUM_OK;
}

/* DIGITS[.DIGITS][UNIT] into nanoseconds.  Returns NUM_SYNTAX for bad text,
 * NUM_RANGE for overflow or a fraction of a nanosecond (*why says which). */
enum num_status sj_num_duration(struct span t, uint64_t *out, const char **why)
{
	size_t i = 0, int_end, frac_start, frac_end;
	uint64_t whole = 0, frac = 0, unit = BARE_NUMBER_NS;
	unsigned frac_digits;
	struct span unit_text;

	while (i < t.n && sj_is_digit((unsigned char)t.s[i]))
		i++;
	int_end = i;
	frac_start = frac_end = i;
	if (i < t.n && t.s[i] == '.') {
		frac_start = ++i;
		while (i < t.n && sj_is_digit((unsigned char)t.s[i]))
			i++;
		frac_end = i;
		if (frac_end == frac_start)
			return NUM_SYNTAX;
	}
	if (int_end == 0 && frac_end == frac_start)
		return NUM_SYNTAX;
	unit_text = span_tail(t, i);
	if (unit_text.n) {
		size_t u;
		for (u = 0; u < sj_unit_nrows; u++)
			if (sj_span_is(unit_text, sj_unit_rows[u].name))
				break;
		if (u == sj_unit_nrows)
			return NUM_SYNTAX;
		unit = sj_unit_rows[u].ns;
	}
	/* Trailing zeros of the fraction carry no value ("1.500s"). */
	while (frac_end > frac_start && t.s[frac_end - 1] == '0')
		frac_end--;
	frac_digits = (unsigned)(frac_end - frac_start);
	if (frac_digits > 9 || (frac_digits && unit % sj_pow10[frac_digits])) {
		*why = "is not a whole number of nanoseconds";
		return NUM_RANGE;
	}
	if (int_end && sj_num_u64(span_head(t, int_end), UINT64_MAX / unit, &whole) != NUM_OK) {
		*why = "is too long (more than 584 years)";
		return NUM_RANGE;
	}
	if (frac_digits)
		sj_num_u64((struct span){ t.s + frac_start, frac_digits }, UINT64_MAX, &frac);
	frac = frac * (unit / sj_pow10[frac_digits]);
	if (whole * unit > UINT64_MAX - frac) {
		*why = "is too long (more than 584 years)";
		return NUM_RANGE;
	}
	*out = whole * unit + frac;
	return NUM_OK;
}

/* DIGITS[.DIGITS] or .DIGITS, 0 < value <= 1, see SJ_PROB_MAX_*. */
enum num_status sj_num_prob(struct span t, double *out)
{
	uint64_t mant = 0;
	unsigned frac_digits = 0, sig_digits = 0;
	size_t i = 0, ndigits = 0;
	int in_frac = 0;

	for (i = 0; i < t.n; i++) {
		char ch = t.s[i];
		if (ch == '.' && !in_frac) {
			in_frac = 1;
			continue;
		}
		if (!sj_is_digit((unsigned char)ch))
			return NUM_SYNTAX;
		ndigits++;
		if (in_frac && ++frac_digits > SJ_PROB_MAX_FRAC)
			return NUM_RANGE;
		if (mant || ch != '0')
			if (++sig_digits > SJ_PROB_MAX_SIG)
				return NUM_RANGE;
		mant = mant * 10 + (uint64_t)(ch - '0');
	}
	if (ndigits == 0 || (in_frac && t.s[t.n - 1] == '.'))
		return NUM_SYNTAX;
	if (mant > sj_pow10[frac_digits])
		return NUM_RANGE;
	*out = (double)mant / (double)sj_pow10[frac_digits];
	return NUM_OK;
}
