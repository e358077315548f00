/* spec.c — the injection rule language: parser, canonical formatter and
 * English describer (grammar in spec.h).
 *
 * The parser runs inside the LD_PRELOAD shim's constructor, before the
 * program's own code and possibly before its allocator is usable, so it
 * allocates nothing, keeps no state, avoids stdio and locale-dependent
 * conversions (strtod would read LC_NUMERIC), and hand-parses every number.
 * Only sj_rule_format and sj_rule_describe use snprintf; the shim calls them
 * from its constructor, never from a handler path.
 *
 * Decisions the grammar in spec.h leaves open:
 *  - keywords (hooks, keys, fd kinds, in=, @targets) are case-insensitive;
 *    comm= is compared exactly, as the kernel does;
 *  - blank rules (";;", a trailing ';') are skipped, but a spec with no rule
 *    at all is an error; an empty item ("read::signal=KILL") is an error;
 *  - giving a key twice in one rule is an error (strace silently keeps the
 *    last when=, which hides typos);
 *  - conflicting actions are errors, see action_conflicts[] below;
 *  - delay= and during= must be > 0 and a whole number of nanoseconds;
 *  - p= has at most 15 significant and 18 fractional digits, so that the
 *    value is exactly the double nearest to the text and prints back
 *    unchanged (round trip of sj_rule_format). */
#include "spec.h"
#include "names.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))
#define HOOKBIT(h) (1u << (h))
#define HOOKS_ALL ((1u << SJ_HOOK_COUNT) - 1)
#define HOOKS_IO (HOOKBIT(SJ_HOOK_READ) | HOOKBIT(SJ_HOOK_WRITE))
#define HOOKS_RETURNING (HOOKS_IO | HOOKBIT(SJ_HOOK_FORK) | HOOKBIT(SJ_HOOK_SIGNAL))

/* Largest finite when= count: SJ_WHEN_INF itself means "no last call". */
#define WHEN_MAX (SJ_WHEN_INF - 1)

/* ------------------------------------------------------------------ */
/* Fact tables                                                          */

static const struct hook_row {
	const char *name;
	enum sj_hook hook;
} hook_rows[] = {
	{ "read", SJ_HOOK_READ },
	{ "write", SJ_HOOK_WRITE },
	{ "fork", SJ_HOOK_FORK },
	{ "signal", SJ_HOOK_SIGNAL },
	{ "sigaction", SJ_HOOK_SIGNAL }, /* alias: both install a disposition */
	{ "exit", SJ_HOOK_EXIT },
};

/* Canonical names and English nouns, indexed by enum sj_hook. */
static const struct hook_text {
	const char *name;
	const char *noun;  /* "the 3rd <noun>" */
	const char *fdprep; /* "read of a pipe", "write to fd 4" */
} hook_text[SJ_HOOK_COUNT] = {
	[SJ_HOOK_READ] = { "read", "read", "of" },
	[SJ_HOOK_WRITE] = { "write", "write", "to" },
	[SJ_HOOK_FORK] = { "fork", "fork", "" },
	[SJ_HOOK_SIGNAL] = { "signal", "handler installation", "" },
	[SJ_HOOK_EXIT] = { "exit", "exit call", "" },
};

static const struct fdkind_row {
	const char *name;
	unsigned bit;
	const char *noun; /* for sj_rule_describe */
} fdkind_rows[] = {
	{ "pipe", SJ_FDC_PIPE, "pipe" },
	{ "fifo", SJ_FDC_FIFO, "FIFO" },
	{ "socket", SJ_FDC_SOCKET, "socket" },
	{ "file", SJ_FDC_FILE, "file" },
	{ "tty", SJ_FDC_TTY, "terminal" },
};

static const struct where_row {
	const char *name;
	enum sj_where in;
} where_rows[] = {
	{ "any", SJ_IN_ANY },
	{ "parent", SJ_IN_PARENT },
	{ "child", SJ_IN_CHILD },
};

static const struct target_row {
	const char *name;
	enum sj_target target;
	const char *phrase; /* "send SIGKILL to <phrase>" */
} target_rows[] = {
	{ "self", SJ_TGT_SELF, "that process" },
	{ "thread", SJ_TGT_THREAD, "the calling thread" },
	{ "parent", SJ_TGT_PARENT, "its parent process" },
	{ "group", SJ_TGT_GROUP, "its process group" },
	{ "children", SJ_TGT_CHILDREN, "each of its child processes" },
};

/* Durations: canonical output picks the largest unit that divides exactly. */
static const struct unit_row {
	const char *name;
	uint64_t ns;
} unit_rows[] = {
	{ "s", 1000000000ull },
	{ "ms", 1000000ull },
	{ "us", 1000ull },
	{ "ns", 1ull },
};
#define BARE_NUMBER_NS 1000ull /* strace: a bare delay is microseconds */

static const uint64_t pow10_tab[] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
	10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
	100000000000ull, 1000000000000ull, 10000000000000ull,
	100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull,
};
/* p=: 10^18 and every mantissa below 10^15 are exact doubles, so one IEEE
 * division gives the double nearest to the decimal text. */
#define PROB_MAX_FRAC 18
#define PROB_MAX_SIG 15

/* ------------------------------------------------------------------ */
/* Text spans and the error-message builder (no stdio)                  */

struct span {
	const char *s;
	size_t n;
};

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }

static struct span trim(struct span t)
{
	while (t.n && is_space((unsigned char)t.s[0]))
		t.s++, t.n--;
	while (t.n && is_space((unsigned char)t.s[t.n - 1]))
		t.n--;
	return t;
}

/* Case-insensitive: span equals the NUL-terminated keyword. */
static int span_is(struct span t, const char *kw)
{
	size_t i;
	for (i = 0; i < t.n; i++)
		if (kw[i] == '\0' || lower((unsigned char)t.s[i]) != kw[i])
			return 0;
	return kw[t.n] == '\0';
}

/* Index of the first c in t, or t.n. */
static size_t span_find(struct span t, char c)
{
	size_t i = 0;
	while (i < t.n && t.s[i] != c)
		i++;
	return i;
}

static struct span span_head(struct span t, size_t n) { return (struct span){ t.s, n < t.n ? n : t.n }; }

static struct span span_tail(struct span t, size_t from)
{
	return from >= t.n ? (struct span){ t.s + t.n, 0 } : (struct span){ t.s + from, t.n - from };
}

struct msg {
	char *p;
	size_t cap, len;
};

static void m_char(struct msg *m, char c)
{
	if (m->len + 1 < m->cap)
		m->p[m->len++] = c;
	m->p[m->len] = '\0';
}

static void m_str(struct msg *m, const char *s)
{
	while (*s)
		m_char(m, *s++);
}

static void m_uint(struct msg *m, uint64_t v)
{
	char d[24];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		m_char(m, d[--n]);
}

/* The text the user wrote, quoted; long tokens are cut so that the whole
 * message stays on one line of struct sj_spec_error.msg, and control bytes
 * become '?' so the message never breaks a terminal or a log line. */
#define QUOTE_MAX 40
static void m_text(struct msg *m, struct span t)
{
	size_t i, n = t.n > QUOTE_MAX ? QUOTE_MAX : t.n;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t.s[i];
		m_char(m, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
	}
	if (n < t.n)
		m_str(m, "...");
}

static void m_quote(struct msg *m, struct span t)
{
	m_char(m, '"');
	m_text(m, t);
	m_char(m, '"');
}

/* "got "x"" or "got nothing" */
static void m_got(struct msg *m, struct span t)
{
	m_str(m, ", got ");
	if (t.n)
		m_quote(m, t);
	else
		m_str(m, "nothing");
}

/* ------------------------------------------------------------------ */
/* Parser state                                                         */

enum key_id {
	K_FD, K_IN, K_COMM, K_SIG, K_WHEN, K_P, K_SEED,
	K_SIGNAL, K_ERROR, K_RETVAL, K_SHORT, K_DELAY, K_DURING, K_EXIT, K_CRASH,
	K_COUNT
};

struct pctx {
	const char *base;          /* start of the whole text: columns count from here */
	struct sj_spec_error *err;
	struct sj_rule *r;
	const char *key_at[K_COUNT]; /* where each key was given; NULL: not given */
};

static unsigned col_of(const struct pctx *c, const char *at) { return (unsigned)(at - c->base) + 1; }

/* Starts an error message at column of `at`; the caller appends the text. */
static struct msg fail_at(struct pctx *c, const char *at)
{
	struct msg m = { c->err->msg, sizeof c->err->msg, 0 };
	c->err->col = col_of(c, at);
	c->err->msg[0] = '\0';
	return m;
}

/* The usual shape: `<expected> after "key=", got "<value>"`. */
static int fail_value(struct pctx *c, struct span key, struct span val, const char *expected)
{
	struct msg m = fail_at(c, val.s);
	m_str(&m, expected);
	m_str(&m, " after \"");
	for (size_t i = 0; i < key.n; i++)
		m_char(&m, (char)lower((unsigned char)key.s[i]));
	m_str(&m, "=\"");
	m_got(&m, val);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Numbers                                                              */

enum num_status { NUM_OK, NUM_SYNTAX, NUM_RANGE };

/* Unsigned decimal, whole span, value <= max. */
static enum num_status parse_u64(struct span t, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (t.n == 0)
		return NUM_SYNTAX;
	for (size_t i = 0; i < t.n; i++) {
		unsigned d;
		if (!is_digit((unsigned char)t.s[i]))
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
static enum num_status parse_long(struct span t, long *out)
{
	int neg = t.n > 0 && t.s[0] == '-';
	uint64_t mag;
	enum num_status st;
	/* |LONG_MIN| = LONG_MAX + 1 */
	const uint64_t lim = (uint64_t)__LONG_MAX__ + (neg ? 1u : 0u);
	if (neg)
		t = span_tail(t, 1);
	st = parse_u64(t, lim, &mag);
	if (st != NUM_OK)
		return st;
	*out = neg ? (long)(0 - mag) : (long)mag;
	return NUM_OK;
}

/* DIGITS[.DIGITS][UNIT] into nanoseconds.  Returns NUM_SYNTAX for bad text,
 * NUM_RANGE for overflow or a fraction of a nanosecond (*why says which). */
static enum num_status parse_duration(struct span t, uint64_t *out, const char **why)
{
	size_t i = 0, int_end, frac_start, frac_end;
	uint64_t whole = 0, frac = 0, unit = BARE_NUMBER_NS;
	unsigned frac_digits;
	struct span unit_text;

	while (i < t.n && is_digit((unsigned char)t.s[i]))
		i++;
	int_end = i;
	frac_start = frac_end = i;
	if (i < t.n && t.s[i] == '.') {
		frac_start = ++i;
		while (i < t.n && is_digit((unsigned char)t.s[i]))
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
		for (u = 0; u < NROWS(unit_rows); u++)
			if (span_is(unit_text, unit_rows[u].name))
				break;
		if (u == NROWS(unit_rows))
			return NUM_SYNTAX;
		unit = unit_rows[u].ns;
	}
	/* Trailing zeros of the fraction carry no value ("1.500s"). */
	while (frac_end > frac_start && t.s[frac_end - 1] == '0')
		frac_end--;
	frac_digits = (unsigned)(frac_end - frac_start);
	if (frac_digits > 9 || (frac_digits && unit % pow10_tab[frac_digits])) {
		*why = "is not a whole number of nanoseconds";
		return NUM_RANGE;
	}
	if (int_end && parse_u64(span_head(t, int_end), UINT64_MAX / unit, &whole) != NUM_OK) {
		*why = "is too long (more than 584 years)";
		return NUM_RANGE;
	}
	if (frac_digits)
		parse_u64((struct span){ t.s + frac_start, frac_digits }, UINT64_MAX, &frac);
	frac = frac * (unit / pow10_tab[frac_digits]);
	if (whole * unit > UINT64_MAX - frac) {
		*why = "is too long (more than 584 years)";
		return NUM_RANGE;
	}
	*out = whole * unit + frac;
	return NUM_OK;
}

/* DIGITS[.DIGITS] or .DIGITS, 0 < value <= 1, see PROB_MAX_*. */
static enum num_status parse_prob(struct span t, double *out)
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
		if (!is_digit((unsigned char)ch))
			return NUM_SYNTAX;
		ndigits++;
		if (in_frac && ++frac_digits > PROB_MAX_FRAC)
			return NUM_RANGE;
		if (mant || ch != '0')
			if (++sig_digits > PROB_MAX_SIG)
				return NUM_RANGE;
		mant = mant * 10 + (uint64_t)(ch - '0');
	}
	if (ndigits == 0 || (in_frac && t.s[t.n - 1] == '.'))
		return NUM_SYNTAX;
	if (mant == 0 || mant > pow10_tab[frac_digits])
		return NUM_RANGE;
	*out = (double)mant / (double)pow10_tab[frac_digits];
	return NUM_OK;
}

/* ------------------------------------------------------------------ */
/* Item parsers: one per key, each fills its fields of the rule          */

typedef int (*item_fn)(struct pctx *c, struct span key, struct span val);

static int item_fd(struct pctx *c, struct span key, struct span val)
{
	static const char expected[] = "expected a descriptor number or pipe, fifo, socket, file, tty (joined by '|')";
	uint64_t v;
	struct span rest = val;

	if (val.n && is_digit((unsigned char)val.s[0])) {
		if (parse_u64(val, (uint64_t)__INT_MAX__, &v) != NUM_OK)
			return fail_value(c, key, val, "expected a descriptor number 0..2147483647 or a kind such as pipe");
		c->r->fd = (int)v;
		return 0;
	}
	if (val.n == 0)
		return fail_value(c, key, val, expected);
	for (;;) {
		size_t bar = span_find(rest, '|'), k;
		struct span kind = trim(span_head(rest, bar));
		for (k = 0; k < NROWS(fdkind_rows); k++)
			if (span_is(kind, fdkind_rows[k].name))
				break;
		if (k == NROWS(fdkind_rows))
			return fail_value(c, key, kind.n ? kind : span_tail(rest, bar), expected);
		c->r->fdclass |= fdkind_rows[k].bit;
		if (bar == rest.n)
			return 0;
		rest = span_tail(rest, bar + 1);
	}
}

static int item_in(struct pctx *c, struct span key, struct span val)
{
	for (size_t i = 0; i < NROWS(where_rows); i++)
		if (span_is(val, where_rows[i].name)) {
			c->r->in = where_rows[i].in;
			return 0;
		}
	return fail_value(c, key, val, "expected parent, child or any");
}

static int item_comm(struct pctx *c, struct span key, struct span val)
{
	/* TASK_COMM_LEN is 16 with the NUL: the kernel cuts longer names, so a
	 * longer filter could never match. */
	const size_t maxlen = sizeof c->r->comm - 1;
	if (val.n == 0)
		return fail_value(c, key, val, "expected a process name (as in /proc/PID/comm)");
	if (val.n > maxlen) {
		struct msg m = fail_at(c, val.s);
		m_str(&m, "process name ");
		m_quote(&m, val);
		m_str(&m, " is ");
		m_uint(&m, val.n);
		m_str(&m, " bytes long: Linux keeps at most 15 in comm, use the first 15");
		return -1;
	}
	for (size_t i = 0; i < val.n; i++) {
		unsigned char ch = (unsigned char)val.s[i];
		if (ch < 0x20 || ch == 0x7f) {
			struct msg m = fail_at(c, val.s + i);
			m_str(&m, "expected printable characters in the process name after \"comm=\", got a control character");
			return -1;
		}
	}
	memcpy(c->r->comm, val.s, val.n);
	c->r->comm[val.n] = '\0';
	return 0;
}

/* A signal name or number; 0 on failure (signal 0 is never accepted). */
static int signal_of(struct span t)
{
	if (t.n == 0 || t.n > 16)
		return 0;
	return sj_signal_from_name_n(t.s, (unsigned)t.n);
}

static int item_sig(struct pctx *c, struct span key, struct span val)
{
	int sig = signal_of(val);
	if (!sig)
		return fail_value(c, key, val, "expected a signal name such as INT or TERM");
	c->r->sig = sig;
	return 0;
}

static int fail_when(struct pctx *c, struct span key, struct span val, struct span bad, const char *what)
{
	struct msg m = fail_at(c, bad.s);
	m_str(&m, what);
	m_str(&m, " in \"when=");
	m_text(&m, val);
	m_str(&m, "\"");
	m_got(&m, bad);
	return -1;
}

/* when=F | F.. | F..L | F+ | F+S | F..L+S  (strace's syntax plus "F..") */
static int when_count(struct pctx *c, struct span key, struct span val, struct span t, const char *what,
		      uint32_t *out)
{
	uint64_t v = 0;
	enum num_status st = parse_u64(t, WHEN_MAX, &v);
	if (st == NUM_RANGE)
		return fail_when(c, key, val, t, "expected a count of at most 4294967294");
	if (st != NUM_OK || v == 0)
		return fail_when(c, key, val, t, what);
	*out = (uint32_t)v;
	return 0;
}

static int item_when(struct pctx *c, struct span key, struct span val)
{
	struct sj_rule *r = c->r;
	size_t plus = span_find(val, '+'), dots;
	struct span range = span_head(val, plus), firstpart;
	uint32_t first, last, step = 1;

	if (val.n == 0)
		return fail_value(c, key, val, "expected a call count such as 3, 3.., 3..5, 3+ or 3+2");
	for (dots = 0; dots + 1 < range.n; dots++)
		if (range.s[dots] == '.' && range.s[dots + 1] == '.')
			break;
	if (dots + 1 >= range.n)
		dots = range.n;
	firstpart = span_head(range, dots);
	if (when_count(c, key, val, firstpart, "expected the first call (1 or more)", &first))
		return -1;
	last = first;
	if (dots < range.n) {
		struct span lastpart = span_tail(range, dots + 2);
		last = SJ_WHEN_INF;
		if (lastpart.n) {
			if (when_count(c, key, val, lastpart, "expected the last call (1 or more)", &last))
				return -1;
			if (last < first)
				return fail_when(c, key, val, lastpart, "expected a last call not before the first");
		}
	}
	if (plus < val.n) {
		struct span steppart = span_tail(val, plus + 1);
		/* "F+" alone means F and every later call */
		if (dots == range.n)
			last = SJ_WHEN_INF;
		if (steppart.n && when_count(c, key, val, steppart, "expected a step of 1 or more", &step))
			return -1;
		if (!steppart.n && dots < range.n)
			return fail_when(c, key, val, steppart, "expected a step after '+'");
	}
	r->first = first;
	r->last = last;
	r->step = step;
	return 0;
}

static int item_p(struct pctx *c, struct span key, struct span val)
{
	enum num_status st = parse_prob(val, &c->r->p);
	if (st != NUM_OK)
		return fail_value(c, key, val,
				  "expected a probability 0 < p <= 1 such as 0.25 (at most 15 significant digits)");
	return 0;
}

static int item_seed(struct pctx *c, struct span key, struct span val)
{
	if (parse_u64(val, UINT64_MAX, &c->r->seed) != NUM_OK)
		return fail_value(c, key, val, "expected a decimal number 0..18446744073709551615");
	c->r->has_seed = 1;
	return 0;
}

static int item_signal(struct pctx *c, struct span key, struct span val)
{
	size_t at = span_find(val, '@');
	struct span name = trim(span_head(val, at));
	int sig = signal_of(name);

	if (!sig) {
		if (name.n == 1 && name.s[0] == '0')
			return fail_value(c, key, name,
					  "expected a signal name such as KILL or TERM (signal 0 only probes a process)");
		return fail_value(c, key, name, "expected a signal name such as KILL or TERM");
	}
	c->r->signo = sig;
	c->r->target = SJ_TGT_SELF;
	c->r->actions |= SJ_ACT_SIGNAL;
	if (at < val.n) {
		struct span tgt = trim(span_tail(val, at + 1));
		size_t i;
		for (i = 0; i < NROWS(target_rows); i++)
			if (span_is(tgt, target_rows[i].name))
				break;
		if (i == NROWS(target_rows)) {
			struct msg m = fail_at(c, tgt.s);
			m_str(&m, "expected self, thread, parent, group or children after \"@\"");
			m_got(&m, tgt);
			return -1;
		}
		c->r->target = target_rows[i].target;
	}
	return 0;
}

static int item_error(struct pctx *c, struct span key, struct span val)
{
	int e = (val.n && val.n <= 32) ? sj_errno_from_name_n(val.s, (unsigned)val.n) : -1;
	if (e < 0)
		return fail_value(c, key, val, "expected an errno name such as EINTR or a number 0..4095");
	c->r->error = e;
	c->r->actions |= SJ_ACT_ERROR;
	return 0;
}

static int item_retval(struct pctx *c, struct span key, struct span val)
{
	enum num_status st = parse_long(val, &c->r->retval);
	if (st == NUM_RANGE)
		return fail_value(c, key, val, "expected an integer that fits in a long");
	if (st != NUM_OK)
		return fail_value(c, key, val, "expected an integer such as 0 or -1");
	c->r->actions |= SJ_ACT_RETVAL;
	return 0;
}

static int item_short(struct pctx *c, struct span key, struct span val)
{
	if (parse_u64(val, UINT64_MAX, &c->r->short_max) != NUM_OK || c->r->short_max == 0)
		return fail_value(c, key, val, "expected a byte count of 1 or more");
	c->r->actions |= SJ_ACT_SHORT;
	return 0;
}

static int duration_item(struct pctx *c, struct span key, struct span val, uint64_t *out)
{
	const char *why = NULL;
	enum num_status st = parse_duration(val, out, &why);
	if (st == NUM_RANGE) {
		struct msg m = fail_at(c, val.s);
		m_str(&m, "duration ");
		m_quote(&m, val);
		m_str(&m, " after \"");
		for (size_t i = 0; i < key.n; i++)
			m_char(&m, (char)lower((unsigned char)key.s[i]));
		m_str(&m, "=\" ");
		m_str(&m, why);
		return -1;
	}
	if (st != NUM_OK)
		return fail_value(c, key, val,
				  "expected a duration such as 200ms, 1.5s or 500us (a bare number is microseconds)");
	if (*out == 0)
		return fail_value(c, key, val, "expected a duration above zero");
	return 0;
}

static int item_delay(struct pctx *c, struct span key, struct span val)
{
	if (duration_item(c, key, val, &c->r->delay_ns))
		return -1;
	c->r->actions |= SJ_ACT_DELAY;
	return 0;
}

static int item_during(struct pctx *c, struct span key, struct span val)
{
	if (duration_item(c, key, val, &c->r->during_ns))
		return -1;
	c->r->actions |= SJ_ACT_DURING;
	return 0;
}

static int item_exit(struct pctx *c, struct span key, struct span val)
{
	uint64_t v;
	if (parse_u64(val, 255, &v) != NUM_OK)
		return fail_value(c, key, val, "expected an exit status 0..255");
	c->r->exit_code = (int)v;
	c->r->actions |= SJ_ACT_EXIT;
	return 0;
}

static int item_crash(struct pctx *c, struct span key, struct span val)
{
	c->r->actions |= SJ_ACT_CRASH;
	return 0;
}

static const struct key_row {
	const char *name;
	enum key_id id;
	item_fn parse;
	int takes_value;
	unsigned hooks;          /* hooks the key applies to */
	const char *hooks_text;  /* for the error when it does not */
} key_rows[] = {
	{ "fd", K_FD, item_fd, 1, HOOKS_IO, "read and write rules" },
	{ "in", K_IN, item_in, 1, HOOKS_ALL, "" },
	{ "comm", K_COMM, item_comm, 1, HOOKS_ALL, "" },
	{ "sig", K_SIG, item_sig, 1, HOOKBIT(SJ_HOOK_SIGNAL), "signal rules" },
	{ "when", K_WHEN, item_when, 1, HOOKS_ALL, "" },
	{ "p", K_P, item_p, 1, HOOKS_ALL, "" },
	{ "seed", K_SEED, item_seed, 1, HOOKS_ALL, "" },
	{ "signal", K_SIGNAL, item_signal, 1, HOOKS_ALL, "" },
	{ "error", K_ERROR, item_error, 1, HOOKS_RETURNING, "read, write, fork and signal rules (exit never returns)" },
	{ "retval", K_RETVAL, item_retval, 1, HOOKS_RETURNING, "read, write, fork and signal rules (exit never returns)" },
	{ "short", K_SHORT, item_short, 1, HOOKS_IO, "read and write rules" },
	{ "delay", K_DELAY, item_delay, 1, HOOKS_ALL, "" },
	{ "during", K_DURING, item_during, 1, HOOKS_IO, "read and write rules (calls that can block)" },
	{ "exit", K_EXIT, item_exit, 1, HOOKS_ALL, "" },
	{ "crash", K_CRASH, item_crash, 0, HOOKS_ALL, "" },
};

/* Pairs of items that cannot share a rule; the error points at whichever
 * of the two was written later. */
static const struct conflict_row {
	enum key_id a, b;
	const char *why;
} conflicts[] = {
	{ K_ERROR, K_RETVAL, "a skipped call returns either an error or a value, not both" },
	{ K_ERROR, K_SHORT, "error= skips the call, short= makes it with fewer bytes" },
	{ K_RETVAL, K_SHORT, "retval= skips the call, short= makes it with fewer bytes" },
	{ K_EXIT, K_CRASH, "the process can either exit or crash" },
	{ K_EXIT, K_ERROR, "after exit= the call never returns" },
	{ K_EXIT, K_RETVAL, "after exit= the call never returns" },
	{ K_EXIT, K_SHORT, "after exit= the call is never made" },
	{ K_CRASH, K_ERROR, "after crash the call never returns" },
	{ K_CRASH, K_RETVAL, "after crash the call never returns" },
	{ K_CRASH, K_SHORT, "after crash the call is never made" },
	{ K_DURING, K_ERROR, "during= watches a call that error= never makes" },
	{ K_DURING, K_RETVAL, "during= watches a call that retval= never makes" },
	{ K_DURING, K_EXIT, "during= watches a call that exit= never makes" },
	{ K_DURING, K_CRASH, "during= watches a call that crash never makes" },
};

static const char known_keys[] =
	"expected fd=, in=, comm=, sig=, when=, p=, seed=, signal=, error=, retval=, short=, delay=, during=, exit= or crash";

/* ------------------------------------------------------------------ */
/* Rules                                                                */

static void rule_defaults(struct sj_rule *r, unsigned col)
{
	memset(r, 0, sizeof *r);
	r->col = col;
	r->fd = -1;
	r->in = SJ_IN_ANY;
	r->first = 1;
	r->last = SJ_WHEN_INF;
	r->step = 1;
	r->p = 1.0;
	r->target = SJ_TGT_SELF;
}

static int parse_hook(struct pctx *c, struct span t)
{
	for (size_t i = 0; i < NROWS(hook_rows); i++)
		if (span_is(t, hook_rows[i].name)) {
			c->r->hook = hook_rows[i].hook;
			return 0;
		}
	struct msg m = fail_at(c, t.s);
	if (t.n) {
		m_str(&m, "unknown hook ");
		m_quote(&m, t);
		m_str(&m, ": expected read, write, fork, signal or exit");
	} else {
		m_str(&m, "expected a hook (read, write, fork, signal or exit) at the start of the rule, got nothing");
	}
	return -1;
}

static int parse_item(struct pctx *c, struct span item)
{
	size_t eq = span_find(item, '=');
	struct span key = trim(span_head(item, eq));
	struct span val = trim(span_tail(item, eq + 1));
	int has_eq = eq < item.n;
	const struct key_row *k = NULL;

	for (size_t i = 0; i < NROWS(key_rows); i++)
		if (span_is(key, key_rows[i].name))
			k = &key_rows[i];
	if (!k) {
		struct msg m = fail_at(c, item.s);
		if (key.n) {
			m_str(&m, "unknown item ");
			m_quote(&m, key);
			m_str(&m, ": ");
		} else {
			m_str(&m, item.n ? "missing name before \"=\": " : "empty item: ");
		}
		m_str(&m, known_keys);
		return -1;
	}
	if (has_eq != k->takes_value) {
		struct msg m = fail_at(c, item.s);
		m_str(&m, k->takes_value ? "expected \"" : "expected just \"");
		m_str(&m, k->name);
		m_str(&m, k->takes_value ? "=VALUE\"" : "\" without a value");
		m_got(&m, item);
		return -1;
	}
	if (!(k->hooks & HOOKBIT(c->r->hook))) {
		struct msg m = fail_at(c, key.s);
		m_char(&m, '"');
		m_str(&m, k->name);
		m_str(&m, k->takes_value ? "=\"" : "\"");
		m_str(&m, " applies only to ");
		m_str(&m, k->hooks_text);
		m_str(&m, hook_text[c->r->hook].name[0] == 'e' ? ", not to an " : ", not to a ");
		m_str(&m, hook_text[c->r->hook].name);
		m_str(&m, " rule");
		return -1;
	}
	if (c->key_at[k->id]) {
		struct msg m = fail_at(c, key.s);
		m_char(&m, '"');
		m_str(&m, k->name);
		m_str(&m, k->takes_value ? "=\"" : "\"");
		m_str(&m, " given twice in one rule (first at column ");
		m_uint(&m, col_of(c, c->key_at[k->id]));
		m_str(&m, "): keep one, or write a second rule after ';'");
		return -1;
	}
	c->key_at[k->id] = key.s;
	return k->parse(c, key, val);
}

static int fail_conflict(struct pctx *c, enum key_id a, enum key_id b, const char *why)
{
	enum key_id later = c->key_at[a] > c->key_at[b] ? a : b;
	enum key_id other = later == a ? b : a;
	struct msg m = fail_at(c, c->key_at[later]);
	m_char(&m, '"');
	m_str(&m, key_rows[later].name);
	m_str(&m, key_rows[later].takes_value ? "=\"" : "\"");
	m_str(&m, " cannot be combined with \"");
	m_str(&m, key_rows[other].name);
	m_str(&m, key_rows[other].takes_value ? "=\"" : "\"");
	m_str(&m, ": ");
	m_str(&m, why);
	return -1;
}

/* Checks that need the whole rule. */
static int check_rule(struct pctx *c, struct span hook)
{
	const struct sj_rule *r = c->r;

	if (r->actions == 0) {
		struct msg m = fail_at(c, hook.s);
		m_str(&m, "this rule has no action: expected signal=, error=, retval=, short=, delay=, exit= or crash");
		return -1;
	}
	for (size_t i = 0; i < NROWS(conflicts); i++)
		if (c->key_at[conflicts[i].a] && c->key_at[conflicts[i].b])
			return fail_conflict(c, conflicts[i].a, conflicts[i].b, conflicts[i].why);
	if (c->key_at[K_DURING] && !c->key_at[K_SIGNAL]) {
		struct msg m = fail_at(c, c->key_at[K_DURING]);
		m_str(&m, "\"during=\" needs a signal= in the same rule: the signal to send while the call is still blocked");
		return -1;
	}
	/* A fork that is not made has no child to run the rule in. */
	if (r->hook == SJ_HOOK_FORK && r->in == SJ_IN_CHILD && (c->key_at[K_ERROR] || c->key_at[K_RETVAL])) {
		enum key_id k = c->key_at[K_ERROR] ? K_ERROR : K_RETVAL;
		struct msg m = fail_at(c, c->key_at[k]);
		m_char(&m, '"');
		m_str(&m, key_rows[k].name);
		m_str(&m, "=\" skips the fork, so there is no child for in=child: use in=parent");
		return -1;
	}
	return 0;
}

/* One rule: HOOK {':' item}.  t is trimmed and not empty. */
static int parse_rule(struct pctx *c, struct span t, struct sj_rule *r)
{
	size_t colon = span_find(t, ':');
	struct span hook = trim(span_head(t, colon)), rest;

	rule_defaults(r, col_of(c, t.s));
	c->r = r;
	memset(c->key_at, 0, sizeof c->key_at);
	if (parse_hook(c, hook))
		return -1;
	for (rest = span_tail(t, colon + 1); colon < t.n;) {
		size_t next = span_find(rest, ':');
		if (parse_item(c, trim(span_head(rest, next))))
			return -1;
		if (next == rest.n)
			break;
		rest = span_tail(rest, next + 1);
	}
	return check_rule(c, hook);
}

/* Parses every non-blank ';'-separated rule into out after its first out->n
 * rules, or into a scratch rule when out is NULL (the validation pass).
 * Stops at the first error. */
static int each_rule(struct pctx *c, const char *text, struct sj_spec *out, unsigned room, unsigned *count)
{
	struct span all = { text, strlen(text) };
	struct sj_rule scratch;
	unsigned n = 0;

	for (;;) {
		size_t semi = span_find(all, ';');
		struct span t = trim(span_head(all, semi));
		if (t.n) {
			if (n == room) {
				struct msg m = fail_at(c, t.s);
				m_str(&m, "too many rules: a spec holds at most ");
				m_uint(&m, SJ_MAX_RULES);
				m_str(&m, ", this rule is one more");
				return -1;
			}
			if (parse_rule(c, t, out ? &out->rules[out->n + n] : &scratch))
				return -1;
			n++;
		}
		if (semi == all.n)
			break;
		all = span_tail(all, semi + 1);
	}
	*count = n;
	return 0;
}

void sj_spec_init(struct sj_spec *spec) { memset(spec, 0, sizeof *spec); }

int sj_spec_parse(const char *text, struct sj_spec *spec, struct sj_spec_error *err)
{
	struct sj_spec_error ignored;
	struct pctx c = { .base = text, .err = err ? err : &ignored };
	unsigned n = 0, room = spec->n < SJ_MAX_RULES ? SJ_MAX_RULES - spec->n : 0;

	err = c.err;
	err->col = 0;
	err->msg[0] = '\0';
	if (!text) {
		static const char none[] = "";
		c.base = none;
		struct msg m = fail_at(&c, none);
		m_str(&m, "no spec given: expected a rule such as read:when=3:signal=KILL");
		return -1;
	}
	/* Validate everything first so that a bad rule leaves spec untouched,
	 * then parse again into place. */
	if (each_rule(&c, text, NULL, room, &n))
		return -1;
	if (n == 0) {
		struct msg m = fail_at(&c, text);
		m_str(&m, "empty spec: expected a rule such as read:when=3:signal=KILL");
		return -1;
	}
	each_rule(&c, text, spec, room, &n);
	spec->n += n;
	return 0;
}

int sj_rule_same(const struct sj_rule *a, const struct sj_rule *b)
{
	return a->hook == b->hook && a->fd == b->fd && a->fdclass == b->fdclass && a->in == b->in &&
	       strncmp(a->comm, b->comm, sizeof a->comm) == 0 && a->sig == b->sig && a->first == b->first &&
	       a->last == b->last && a->step == b->step && a->p == b->p && a->has_seed == b->has_seed &&
	       (!a->has_seed || a->seed == b->seed) && a->actions == b->actions &&
	       (!(a->actions & SJ_ACT_SIGNAL) || (a->signo == b->signo && a->target == b->target)) &&
	       (!(a->actions & SJ_ACT_ERROR) || a->error == b->error) &&
	       (!(a->actions & SJ_ACT_RETVAL) || a->retval == b->retval) &&
	       (!(a->actions & SJ_ACT_SHORT) || a->short_max == b->short_max) &&
	       (!(a->actions & SJ_ACT_DELAY) || a->delay_ns == b->delay_ns) &&
	       (!(a->actions & SJ_ACT_DURING) || a->during_ns == b->during_ns) &&
	       (!(a->actions & SJ_ACT_EXIT) || a->exit_code == b->exit_code);
}

/* ------------------------------------------------------------------ */
/* Output (snprintf allowed from here on)                               */

struct out {
	char *buf;
	size_t n, len; /* len counts what was needed, like snprintf */
};

static void o_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void o_fmt(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;
	va_start(ap, fmt);
	k = vsnprintf(o->len < o->n ? o->buf + o->len : NULL, o->len < o->n ? o->n - o->len : 0, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->len += (size_t)k;
}

static void o_str(struct out *o, const char *s) { o_fmt(o, "%s", s); }

static size_t o_done(struct out *o)
{
	if (o->n)
		o->buf[o->len < o->n ? o->len : o->n - 1] = '\0';
	return o->len;
}

/* Shortest decimal (<= 18 places) that parse_prob reads back as p. */
static void o_prob(struct out *o, double p)
{
	char tmp[40];
	for (int prec = 0; prec <= PROB_MAX_FRAC; prec++) {
		double back;
		snprintf(tmp, sizeof tmp, "%.*f", prec, p);
		if (parse_prob((struct span){ tmp, strlen(tmp) }, &back) == NUM_OK && back == p) {
			o_str(o, tmp);
			return;
		}
	}
	o_fmt(o, "%.17g", p); /* not from the parser; best effort */
}

static const struct unit_row *duration_unit(uint64_t ns)
{
	for (size_t i = 0; i < NROWS(unit_rows); i++)
		if (ns % unit_rows[i].ns == 0)
			return &unit_rows[i];
	return &unit_rows[NROWS(unit_rows) - 1];
}

/* Canonical: exact, largest unit that divides ("1500us"). */
static void o_duration(struct out *o, uint64_t ns)
{
	const struct unit_row *u = duration_unit(ns ? ns : 1);
	o_fmt(o, "%llu%s", (unsigned long long)(ns / u->ns), u->name);
}

/* For people: largest unit not above the value, exact decimals ("1.5 ms"). */
static void o_duration_text(struct out *o, uint64_t ns)
{
	const struct unit_row *u = &unit_rows[NROWS(unit_rows) - 1];
	for (size_t i = 0; i < NROWS(unit_rows); i++)
		if (ns >= unit_rows[i].ns) {
			u = &unit_rows[i];
			break;
		}
	o_fmt(o, "%llu", (unsigned long long)(ns / u->ns));
	if (ns % u->ns) {
		char frac[16];
		int len = 0;
		uint64_t rest = ns % u->ns;
		for (uint64_t scale = u->ns / 10; scale > 0 && rest; scale /= 10) {
			frac[len++] = (char)('0' + rest / scale);
			rest %= scale;
		}
		frac[len] = '\0';
		o_fmt(o, ".%s", frac);
	}
	o_fmt(o, " %s", u->name);
}

static void o_signal(struct out *o, int sig, int with_prefix)
{
	const char *name = sj_signal_name(sig);
	if (name)
		o_str(o, with_prefix ? name : name + 3);
	else
		o_fmt(o, with_prefix ? "signal %d" : "%d", sig);
}

static void o_errno(struct out *o, int e, int sentence)
{
	const char *name = sj_errno_name(e);
	if (name)
		o_str(o, name);
	else
		o_fmt(o, sentence ? "errno %d" : "%d", e);
}

static const char *target_phrase(enum sj_target t)
{
	for (size_t i = 0; i < NROWS(target_rows); i++)
		if (target_rows[i].target == t)
			return target_rows[i].phrase;
	return "an unknown target";
}

static void o_fdclass(struct out *o, unsigned cls, int nouns)
{
	int first = 1;
	unsigned left = cls;
	for (size_t i = 0; i < NROWS(fdkind_rows); i++) {
		if (!(cls & fdkind_rows[i].bit))
			continue;
		left &= ~fdkind_rows[i].bit;
		if (nouns)
			o_str(o, first ? "" : left ? ", " : " or ");
		else
			o_str(o, first ? "" : "|");
		o_str(o, nouns ? fdkind_rows[i].noun : fdkind_rows[i].name);
		first = 0;
	}
}

static int hook_ok(enum sj_hook h) { return (unsigned)h < SJ_HOOK_COUNT; }

size_t sj_rule_format(const struct sj_rule *r, char *buf, size_t n)
{
	struct out o = { buf, n, 0 };

	o_str(&o, sj_hook_name(r->hook));
	if (r->in != SJ_IN_ANY)
		o_fmt(&o, ":in=%s", r->in == SJ_IN_PARENT ? "parent" : "child");
	if (r->comm[0])
		o_fmt(&o, ":comm=%.*s", (int)sizeof r->comm, r->comm);
	if (r->fd >= 0)
		o_fmt(&o, ":fd=%d", r->fd);
	else if (r->fdclass) {
		o_str(&o, ":fd=");
		o_fdclass(&o, r->fdclass, 0);
	}
	if (r->sig) {
		o_str(&o, ":sig=");
		o_signal(&o, r->sig, 0);
	}
	if (r->first != 1 || r->last != SJ_WHEN_INF || r->step != 1) {
		o_fmt(&o, ":when=%u", r->first);
		if (r->last == SJ_WHEN_INF)
			o_str(&o, "+");
		else if (r->last != r->first || r->step != 1)
			o_fmt(&o, "..%u", r->last);
		if (r->step != 1)
			o_fmt(&o, r->last == SJ_WHEN_INF ? "%u" : "+%u", r->step);
	}
	if (r->p != 1.0) {
		o_str(&o, ":p=");
		o_prob(&o, r->p);
	}
	if (r->has_seed)
		o_fmt(&o, ":seed=%llu", (unsigned long long)r->seed);
	if (r->actions & SJ_ACT_DELAY) {
		o_str(&o, ":delay=");
		o_duration(&o, r->delay_ns);
	}
	if (r->actions & SJ_ACT_SHORT)
		o_fmt(&o, ":short=%llu", (unsigned long long)r->short_max);
	if (r->actions & SJ_ACT_ERROR) {
		o_str(&o, ":error=");
		o_errno(&o, r->error, 0);
	}
	if (r->actions & SJ_ACT_RETVAL)
		o_fmt(&o, ":retval=%ld", r->retval);
	if (r->actions & SJ_ACT_DURING) {
		o_str(&o, ":during=");
		o_duration(&o, r->during_ns);
	}
	if (r->actions & SJ_ACT_SIGNAL) {
		o_str(&o, ":signal=");
		o_signal(&o, r->signo, 0);
		o_fmt(&o, "@%s", sj_target_name(r->target));
	}
	if (r->actions & SJ_ACT_EXIT)
		o_fmt(&o, ":exit=%d", r->exit_code);
	if (r->actions & SJ_ACT_CRASH)
		o_str(&o, ":crash");
	return o_done(&o);
}

/* ---- sj_rule_describe ---- */

static const char *ordinal_suffix(uint32_t n)
{
	if (n % 100 >= 11 && n % 100 <= 13)
		return "th";
	switch (n % 10) {
	case 1: return "st";
	case 2: return "nd";
	case 3: return "rd";
	default: return "th";
	}
}

static void o_ordinal(struct out *o, uint32_t n) { o_fmt(o, "%u%s", n, ordinal_suffix(n)); }

/* "read of a pipe", "write to fd 4", "handler installation for SIGINT",
 * with an optional adjective before the noun ("parent-process read"). */
static void o_call(struct out *o, const struct sj_rule *r, const char *adjective)
{
	const struct hook_text *h = &hook_text[r->hook];
	o_fmt(o, "%s%s", adjective, h->noun);
	if (r->fd >= 0) {
		o_fmt(o, " %s fd %d", h->fdprep, r->fd);
	} else if (r->fdclass) {
		o_fmt(o, " %s a ", h->fdprep);
		o_fdclass(o, r->fdclass, 1);
	}
	if (r->sig) {
		o_str(o, " for ");
		o_signal(o, r->sig, 1);
	}
}

/* "every read", "the 3rd read", "the 3rd and every later read",
 * "every 2nd read from the 3rd on", "the 3rd through 7th read",
 * "every 2nd read from the 3rd through the 9th".
 * `a_for_every`: "a read" instead of "every read" (the during= sentence). */
static void o_counted_call(struct out *o, const struct sj_rule *r, const char *adjective, int a_for_every)
{
	int open = r->last == SJ_WHEN_INF;
	if (r->first == r->last) {
		o_str(o, "the ");
		o_ordinal(o, r->first);
		o_str(o, " ");
		o_call(o, r, adjective);
	} else if (r->step == 1 && open && r->first == 1) {
		const char *word = adjective[0] ? adjective : hook_text[r->hook].noun;
		if (!a_for_every)
			o_str(o, "every ");
		else
			o_str(o, strchr("aeiou", word[0]) ? "an " : "a ");
		o_call(o, r, adjective);
	} else if (r->step == 1 && open) {
		o_str(o, "the ");
		o_ordinal(o, r->first);
		o_str(o, " and every later ");
		o_call(o, r, adjective);
	} else if (r->step == 1) {
		o_str(o, "the ");
		o_ordinal(o, r->first);
		o_str(o, " through ");
		o_ordinal(o, r->last);
		o_str(o, " ");
		o_call(o, r, adjective);
	} else {
		o_str(o, "every ");
		o_ordinal(o, r->step);
		o_str(o, " ");
		o_call(o, r, adjective);
		if (open && r->first != 1) {
			o_str(o, " from the ");
			o_ordinal(o, r->first);
			o_str(o, " on");
		} else if (!open) {
			o_str(o, " from the ");
			o_ordinal(o, r->first);
			o_str(o, " through the ");
			o_ordinal(o, r->last);
		}
	}
}

/* " in each child process", " in the parent process named "x"", ... */
static void o_where(struct out *o, const struct sj_rule *r, int in_adjective)
{
	int fork = r->hook == SJ_HOOK_FORK;
	if (!in_adjective) {
		if (r->in == SJ_IN_CHILD)
			o_str(o, fork ? ", in the new child process" : " in each child process");
		else if (r->in == SJ_IN_PARENT)
			o_str(o, fork ? ", in the parent process" : " in the parent process");
		else if (fork)
			o_str(o, ", in both the parent and the new child process");
	}
	if (r->comm[0]) {
		if (r->in == SJ_IN_ANY || in_adjective)
			o_str(o, " in processes");
		o_fmt(o, " named \"%.*s\"", (int)sizeof r->comm, r->comm);
	}
}

static void o_probability(struct out *o, const struct sj_rule *r)
{
	if (r->p == 1.0)
		return;
	o_str(o, " with probability ");
	o_prob(o, r->p);
	if (r->has_seed)
		o_fmt(o, " (seed %llu)", (unsigned long long)r->seed);
}

/* The clauses of the actions, joined "a, b and c". */
static void o_actions(struct out *o, const struct sj_rule *r, unsigned mask)
{
	char clause[8][96];
	int n = 0;
	unsigned a = r->actions & mask;

	if (a & SJ_ACT_DELAY) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		o_str(&c, "delay the call by ");
		o_duration_text(&c, r->delay_ns);
		o_done(&c), n++;
	}
	if (a & SJ_ACT_SIGNAL) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		o_str(&c, "send ");
		o_signal(&c, r->signo, 1);
		o_fmt(&c, " to %s", target_phrase(r->target));
		o_done(&c), n++;
	}
	if (a & SJ_ACT_SHORT) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		o_fmt(&c, "%s at most %llu byte%s", r->hook == SJ_HOOK_WRITE ? "write" : "read",
		      (unsigned long long)r->short_max, r->short_max == 1 ? "" : "s");
		o_done(&c), n++;
	}
	if (a & SJ_ACT_ERROR) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		o_str(&c, "fail with ");
		o_errno(&c, r->error, 1);
		o_done(&c), n++;
	}
	if (a & SJ_ACT_RETVAL) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		o_fmt(&c, "return %ld without making the call", r->retval);
		o_done(&c), n++;
	}
	if (a & SJ_ACT_EXIT) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		o_fmt(&c, "make the process exit with status %d", r->exit_code);
		o_done(&c), n++;
	}
	if (a & SJ_ACT_CRASH) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		o_str(&c, "crash the process with SIGSEGV");
		o_done(&c), n++;
	}
	if (n == 0)
		o_str(o, "do nothing");
	for (int i = 0; i < n; i++) {
		if (i)
			o_str(o, i == n - 1 ? " and " : ", ");
		o_str(o, clause[i]);
	}
}

size_t sj_rule_describe(const struct sj_rule *r, char *buf, size_t n)
{
	struct out o = { buf, n, 0 };

	if (!hook_ok(r->hook)) {
		o_str(&o, "An invalid rule.");
		return o_done(&o);
	}
	if (r->actions & SJ_ACT_DURING) {
		/* The signal is conditional on the call still blocking, so the
		 * sentence leads with that condition. */
		const char *adj = r->in == SJ_IN_PARENT ? "parent-process " : r->in == SJ_IN_CHILD ? "child-process " : "";
		unsigned others = r->actions & ~(unsigned)(SJ_ACT_SIGNAL | SJ_ACT_DURING);
		o_str(&o, "While ");
		o_counted_call(&o, r, adj, 1);
		o_where(&o, r, 1);
		o_str(&o, " is still blocked ");
		o_duration_text(&o, r->during_ns);
		o_str(&o, " after it began");
		if (r->p != 1.0) {
			o_str(&o, ",");
			o_probability(&o, r);
		}
		o_str(&o, ", ");
		o_actions(&o, r, SJ_ACT_SIGNAL);
		if (others) {
			o_str(&o, "; beforehand, ");
			o_actions(&o, r, others);
		}
		o_str(&o, ".");
		return o_done(&o);
	}
	o_str(&o, "On ");
	o_counted_call(&o, r, "", 0);
	o_where(&o, r, 0);
	o_probability(&o, r);
	o_str(&o, ", ");
	o_actions(&o, r, ~0u);
	o_str(&o, ".");
	return o_done(&o);
}

const char *sj_hook_name(enum sj_hook h) { return hook_ok(h) ? hook_text[h].name : "unknown"; }

const char *sj_target_name(enum sj_target t)
{
	for (size_t i = 0; i < NROWS(target_rows); i++)
		if (target_rows[i].target == t)
			return target_rows[i].name;
	return "unknown";
}
