/* spec_int.h — what the parts of the rule language share: text spans, the
 * number readers, the word tables, and the output buffer of the formatter
 * and the describer.  Used by spec_text.c, spec_parse.c, spec_format.c and
 * cli/spec_describe.c; not part of the API (spec.h). */
#ifndef SIGJAM_SPEC_INT_H
#define SIGJAM_SPEC_INT_H

#include "spec.h"

#include <stddef.h>
#include <stdint.h>

#define SJ_NROWS(t) (sizeof(t) / sizeof((t)[0]))

/* ---- spans: a piece of the spec text, not NUL-terminated ---- */

struct span {
	const char *s;
	size_t n;
};

static inline int sj_is_digit(int c) { return c >= '0' && c <= '9'; }
static inline int sj_lower(int c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }

static inline struct span span_head(struct span t, size_t n) { return (struct span){ t.s, n < t.n ? n : t.n }; }

static inline struct span span_tail(struct span t, size_t from)
{
	return from >= t.n ? (struct span){ t.s + t.n, 0 } : (struct span){ t.s + from, t.n - from };
}

/* Index of the first c in t, or t.n. */
static inline size_t span_find(struct span t, char c)
{
	size_t i = 0;
	while (i < t.n && t.s[i] != c)
		i++;
	return i;
}

/* Case-insensitive: span equals the NUL-terminated lower-case keyword. */
int sj_span_is(struct span t, const char *kw);
struct span sj_span_trim(struct span t);

/* ---- numbers (no locale, no stdio: the shim parses in its constructor) ---- */

enum num_status { NUM_OK, NUM_SYNTAX, NUM_RANGE };

/* Unsigned decimal, whole span, value <= max. */
enum num_status sj_num_u64(struct span t, uint64_t max, uint64_t *out);
/* Optionally negative decimal within long. */
enum num_status sj_num_long(struct span t, long *out);
/* DIGITS[.DIGITS][UNIT] into nanoseconds; NUM_RANGE with *why for overflow
 * or a fraction of a nanosecond. */
enum num_status sj_num_duration(struct span t, uint64_t *out, const char **why);
/* p=: DIGITS[.DIGITS] or .DIGITS, 0 <= value <= 1, at most SJ_PROB_MAX_SIG
 * significant and SJ_PROB_MAX_FRAC fractional digits, so that the value is
 * exactly the double nearest to the text and prints back unchanged. */
enum num_status sj_num_prob(struct span t, double *out);
#define SJ_PROB_MAX_FRAC 18
#define SJ_PROB_MAX_SIG 15

/* ---- word tables (spec_text.c) ---- */

struct sj_fdkind_row {
	const char *name;
	unsigned bit;
	const char *noun; /* for the describer */
};
extern const struct sj_fdkind_row sj_fdkind_rows[];
extern const size_t sj_fdkind_nrows;

struct sj_where_row {
	const char *name;
	enum sj_where in;
};
extern const struct sj_where_row sj_where_rows[];
extern const size_t sj_where_nrows;

struct sj_target_row {
	const char *name;
	enum sj_target target;
	const char *phrase; /* "send SIGKILL to <phrase>" */
};
extern const struct sj_target_row sj_target_rows[];
extern const size_t sj_target_nrows;

/* Duration units, largest first. */
struct sj_unit_row {
	const char *name;
	uint64_t ns;
};
extern const struct sj_unit_row sj_unit_rows[];
extern const size_t sj_unit_nrows;

/* 10^0 .. 10^18 */
extern const uint64_t sj_pow10[];
extern const size_t sj_pow10_count;

/* ---- output: a snprintf-like buffer for the formatter and the describer
 * (no stdio: the shim formats in its constructor) ---- */

struct out {
	char *buf;
	size_t n, len; /* len counts what was needed, like snprintf */
};

void sj_out_mem(struct out *o, const char *s, size_t n);
void sj_out_str(struct out *o, const char *s);
void sj_out_u64(struct out *o, uint64_t v);
void sj_out_i64(struct out *o, int64_t v);
/* Terminates the buffer; returns the length needed. */
size_t sj_out_done(struct out *o);
/* Shortest decimal that sj_num_prob reads back as p. */
void sj_out_prob(struct out *o, double p);
/* "SIGTERM"/"TERM" (with_prefix 0), or the number ("signal 40" in a sentence). */
void sj_out_signal(struct out *o, int sig, int with_prefix);
/* "EINTR", or the number ("errno 4000" in a sentence). */
void sj_out_errno(struct out *o, int e, int sentence);
/* "pipe|fifo" (nouns 0) or "pipe, FIFO or socket" (nouns 1). */
void sj_out_fdclass(struct out *o, unsigned cls, int nouns);

#endif
