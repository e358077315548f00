/* spec_parse.c — the rule-language parser (grammar in spec.h).
 *
 * It runs inside the LD_PRELOAD shim's constructor, before the program's own
 * code and possibly before its allocator is usable, so it allocates nothing,
 * keeps no state and avoids stdio and locale-dependent conversions.
 *
 * Decisions the grammar in spec.h leaves open:
 *  - keywords (hooks, keys, fd kinds, in=, @targets) are case-insensitive;
 *    comm= is compared exactly, as the kernel does;
 *  - blank rules (";;", a trailing ';') are skipped, but a spec with no rule
 *    at all is an error; an empty item ("read::signal=KILL") is an error;
 *  - giving a key twice in one rule is an error (strace silently keeps the
 *    last when=, which hides typos);
 *  - a key the hook cannot act on is an error (keys.def `needs` against the
 *    hooks.def columns), so that every rule that parses does something;
 *  - conflicting actions are errors, see conflicts[] below;
 *  - delay= and during= must be > 0 and a whole number of nanoseconds;
 *  - p= has at most 15 significant and 18 fractional digits, so that the
 *    value is exactly the double nearest to the text and prints back
 *    unchanged (round trip of sj_rule_format). */
#include "spec_int.h"
#include "names.h"

#include <string.h>

/* Largest finite when= count: SJ_WHEN_INF itself means "no last call". */
#define WHEN_MAX (SJ_WHEN_INF - 1)

/* ------------------------------------------------------------------ */
/* The error-message builder (no stdio)                                 */

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

struct pctx {
	const char *base;          /* start of the whole text: columns count from here */
	struct sj_spec_error *err;
	struct sj_rule *r;
	const char *key_at[SJ_KEY_COUNT]; /* where each key was given; NULL: not given */
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
		m_char(&m, (char)sj_lower((unsigned char)key.s[i]));
	m_str(&m, "=\"");
	m_got(&m, val);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Item parsers: one per row of keys.def, each fills its fields of the  */
/* rule (the action bit is set by parse_item)                           */

typedef int (*item_fn)(struct pctx *c, struct span key, struct span val);

static int key_FD(struct pctx *c, struct span key, struct span val)
{
	static const char expected[] = "expected a descriptor number or pipe, fifo, socket, file, tty (joined by '|')";
	uint64_t v;
	struct span rest = val;

	if (val.n && sj_is_digit((unsigned char)val.s[0])) {
		if (sj_num_u64(val, (uint64_t)__INT_MAX__, &v) != NUM_OK)
			return fail_value(c, key, val, "expected a descriptor number 0..2147483647 or a kind such as pipe");
		c->r->fd = (int)v;
		return 0;
	}
	if (val.n == 0)
		return fail_value(c, key, val, expected);
	for (;;) {
		size_t bar = span_find(rest, '|'), k;
		struct span kind = sj_span_trim(span_head(rest, bar));
		for (k = 0; k < sj_fdkind_nrows; k++)
			if (sj_span_is(kind, sj_fdkind_rows[k].name))
				break;
		if (k == sj_fdkind_nrows)
			return fail_value(c, key, kind.n ? kind : span_tail(rest, bar), expected);
		c->r->fdclass |= sj_fdkind_rows[k].bit;
		if (bar == rest.n)
			return 0;
		rest = span_tail(rest, bar + 1);
	}
}

static int key_IN(struct pctx *c, struct span key, struct span val)
{
	for (size_t i = 0; i < sj_where_nrows; i++)
		if (sj_span_is(val, sj_where_rows[i].name)) {
			c->r->in = sj_where_rows[i].in;
			return 0;
		}
	return fail_value(c, key, val, "expected parent, child or any");
}

static int key_COMM(struct pctx *c, struct span key, struct span val)
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

static int key_SIG(struct pctx *c, struct span key, struct span val)
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
	enum num_status st = sj_num_u64(t, WHEN_MAX, &v);
	if (st == NUM_RANGE)
		return fail_when(c, key, val, t, "expected a count of at most 4294967294");
	if (st != NUM_OK || v == 0)
		return fail_when(c, key, val, t, what);
	*out = (uint32_t)v;
	return 0;
}

static int key_WHEN(struct pctx *c, struct span key, struct span val)
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

static int key_P(struct pctx *c, struct span key, struct span val)
{
	enum num_status st = sj_num_prob(val, &c->r->p);
	if (st != NUM_OK)
		return fail_value(c, key, val,
				  "expected a probability 0 <= p <= 1 such as 0.25 (at most 15 significant digits)");
	return 0;
}

static int key_SEED(struct pctx *c, struct span key, struct span val)
{
	if (sj_num_u64(val, UINT64_MAX, &c->r->seed) != NUM_OK)
		return fail_value(c, key, val, "expected a decimal number 0..18446744073709551615");
	c->r->has_seed = 1;
	return 0;
}

static int key_SIGNAL(struct pctx *c, struct span key, struct span val)
{
	size_t at = span_find(val, '@');
	struct span name = sj_span_trim(span_head(val, at));
	int sig = signal_of(name);

	if (!sig) {
		if (name.n == 1 && name.s[0] == '0')
			return fail_value(c, key, name,
					  "expected a signal name such as KILL or TERM (signal 0 only probes a process)");
		return fail_value(c, key, name, "expected a signal name such as KILL or TERM");
	}
	c->r->signo = sig;
	c->r->target = SJ_TGT_SELF;
	if (at < val.n) {
		struct span tgt = sj_span_trim(span_tail(val, at + 1));
		size_t i;
		for (i = 0; i < sj_target_nrows; i++)
			if (sj_span_is(tgt, sj_target_rows[i].name))
				break;
		if (i == sj_target_nrows) {
			struct msg m = fail_at(c, tgt.s);
			m_str(&m, "expected self, thread, parent, group or children after \"@\"");
			m_got(&m, tgt);
			return -1;
		}
		c->r->target = sj_target_rows[i].target;
	}
	return 0;
}

static int key_ERROR(struct pctx *c, struct span key, struct span val)
{
	int e = (val.n && val.n <= 32) ? sj_errno_from_name_n(val.s, (unsigned)val.n) : -1;
	if (e < 0)
		return fail_value(c, key, val, "expected an errno name such as EINTR or a number 0..4095");
	c->r->error = e;
	return 0;
}

static int key_RETVAL(struct pctx *c, struct span key, struct span val)
{
	enum num_status st = sj_num_long(val, &c->r->retval);
	if (st == NUM_RANGE)
		return fail_value(c, key, val, "expected an integer that fits in a long");
	if (st != NUM_OK)
		return fail_value(c, key, val, "expected an integer such as 0 or -1");
	return 0;
}

static int key_SHORT(struct pctx *c, struct span key, struct span val)
{
	if (sj_num_u64(val, UINT64_MAX, &c->r->short_max) != NUM_OK || c->r->short_max == 0)
		return fail_value(c, key, val, "expected a byte count of 1 or more");
	return 0;
}

static int duration_item(struct pctx *c, struct span key, struct span val, uint64_t *out)
{
	const char *why = NULL;
	enum num_status st = sj_num_duration(val, out, &why);
	if (st == NUM_RANGE) {
		struct msg m = fail_at(c, val.s);
		m_str(&m, "duration ");
		m_quote(&m, val);
		m_str(&m, " after \"");
		for (size_t i = 0; i < key.n; i++)
			m_char(&m, (char)sj_lower((unsigned char)key.s[i]));
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

static int key_DELAY(struct pctx *c, struct span key, struct span val)
{
	if (duration_item(c, key, val, &c->r->delay_ns))
		return -1;
	return 0;
}

static int key_DURING(struct pctx *c, struct span key, struct span val)
{
	if (duration_item(c, key, val, &c->r->during_ns))
		return -1;
	return 0;
}

static int key_EXIT(struct pctx *c, struct span key, struct span val)
{
	uint64_t v;
	if (sj_num_u64(val, 255, &v) != NUM_OK)
		return fail_value(c, key, val, "expected an exit status 0..255");
	c->r->exit_code = (int)v;
	return 0;
}

static int key_CRASH(struct pctx *c, struct span key, struct span val)
{
	return 0;
}

static const struct key_row {
	const char *name;
	int takes_value;
	enum sj_key_kind kind;
	unsigned needs;          /* hooks.def columns the hook must have */
	item_fn parse;
} key_rows[SJ_KEY_COUNT] = {
#define SJ_KEY(id, name, value, kind, needs) [SJ_KEY_##id] = { name, value, SJ_KK_##kind, needs, key_##id },
#include "keys.def"
};

static const struct hook_row {
	const char *name;
	enum sj_hook hook;
	unsigned props;
} hook_rows[] = {
#define SJ_HOOK(id, name, props, noun, fdprep) { name, SJ_HOOK_##id, props },
#define SJ_HOOK_ALIAS(name, id) { name, SJ_HOOK_##id, 0 },
#include "hooks.def"
};

/* Why a hook without the column cannot take a key that needs it. */
static const struct prop_row {
	unsigned bit;
	const char *why;
} prop_rows[] = {
#define SJ_HOOK_PROP(id, bit, why) { bit, why },
#include "hooks.def"
};

/* Pairs of items that cannot share a rule; the error points at whichever
 * of the two was written later. */
static const struct conflict_row {
	enum sj_key a, b;
	const char *why;
} conflicts[] = {
	{ SJ_KEY_ERROR, SJ_KEY_RETVAL, "a skipped call returns either an error or a value, not both" },
	{ SJ_KEY_ERROR, SJ_KEY_SHORT, "error= skips the call, short= makes it with fewer bytes" },
	{ SJ_KEY_RETVAL, SJ_KEY_SHORT, "retval= skips the call, short= makes it with fewer bytes" },
	{ SJ_KEY_EXIT, SJ_KEY_CRASH, "the process can either exit or crash" },
	{ SJ_KEY_EXIT, SJ_KEY_ERROR, "after exit= the call never returns" },
	{ SJ_KEY_EXIT, SJ_KEY_RETVAL, "after exit= the call never returns" },
	{ SJ_KEY_EXIT, SJ_KEY_SHORT, "after exit= the call is never made" },
	{ SJ_KEY_CRASH, SJ_KEY_ERROR, "after crash the call never returns" },
	{ SJ_KEY_CRASH, SJ_KEY_RETVAL, "after crash the call never returns" },
	{ SJ_KEY_CRASH, SJ_KEY_SHORT, "after crash the call is never made" },
	{ SJ_KEY_DURING, SJ_KEY_ERROR, "during= watches a call that error= never makes" },
	{ SJ_KEY_DURING, SJ_KEY_RETVAL, "during= watches a call that retval= never makes" },
	{ SJ_KEY_DURING, SJ_KEY_EXIT, "during= watches a call that exit= never makes" },
	{ SJ_KEY_DURING, SJ_KEY_CRASH, "during= watches a call that crash never makes" },
};

/* "read, write and fork": the hooks that have every column in props (an
 * alias row has props 0 and is never listed). */
static void m_hooks_with(struct msg *m, unsigned props)
{
	unsigned n = 0, k = 0;
	for (size_t i = 0; i < SJ_NROWS(hook_rows); i++)
		n += (hook_rows[i].props & props) == props;
	for (size_t i = 0; i < SJ_NROWS(hook_rows); i++) {
		if ((hook_rows[i].props & props) != props)
			continue;
		if (k)
			m_str(m, k + 1 == n ? " and " : ", ");
		m_str(m, hook_rows[i].name);
		k++;
	}
}

/* "read, write, fork, signal or exit" */
static void m_all_hooks(struct msg *m)
{
	for (unsigned h = 0; h < SJ_HOOK_COUNT; h++) {
		if (h)
			m_str(m, h + 1 == SJ_HOOK_COUNT ? " or " : ", ");
		m_str(m, sj_hook_name((enum sj_hook)h));
	}
}

/* The keys of the kinds in `kinds` (a bit per enum sj_key_kind), in
 * keys.def order: "in=, comm=, ... or crash". */
static void m_keys(struct msg *m, unsigned kinds)
{
	unsigned n = 0, i = 0;
	for (unsigned k = 0; k < SJ_KEY_COUNT; k++)
		n += (kinds >> key_rows[k].kind) & 1u;
	for (unsigned k = 0; k < SJ_KEY_COUNT; k++) {
		if (!((kinds >> key_rows[k].kind) & 1u))
			continue;
		if (i)
			m_str(m, i + 1 == n ? " or " : ", ");
		m_str(m, key_rows[k].name);
		if (key_rows[k].takes_value)
			m_char(m, '=');
		i++;
	}
}

/* "\"fd=\"" or "\"crash\"" */
static void m_key(struct msg *m, enum sj_key k)
{
	m_char(m, '"');
	m_str(m, key_rows[k].name);
	m_str(m, key_rows[k].takes_value ? "=\"" : "\"");
}

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
	for (size_t i = 0; i < SJ_NROWS(hook_rows); i++)
		if (sj_span_is(t, hook_rows[i].name)) {
			c->r->hook = hook_rows[i].hook;
			return 0;
		}
	struct msg m = fail_at(c, t.s);
	if (t.n) {
		m_str(&m, "unknown hook ");
		m_quote(&m, t);
		m_str(&m, ": expected ");
		m_all_hooks(&m);
	} else {
		m_str(&m, "expected a hook (");
		m_all_hooks(&m);
		m_str(&m, ") at the start of the rule, got nothing");
	}
	return -1;
}

/* The hooks.def column that key k needs and hook h lacks; 0 when k applies. */
static unsigned missing_prop(const struct key_row *k, enum sj_hook h)
{
	return k->needs & ~sj_hook_props(h);
}

static int fail_needs(struct pctx *c, struct span key, enum sj_key id)
{
	const struct key_row *k = &key_rows[id];
	unsigned lack = missing_prop(k, c->r->hook);
	const char *hook = sj_hook_name(c->r->hook);
	struct msg m = fail_at(c, key.s);
	m_key(&m, id);
	m_str(&m, " applies only to ");
	m_hooks_with(&m, k->needs);
	m_str(&m, hook[0] == 'e' ? " rules, not to an " : " rules, not to a ");
	m_str(&m, hook);
	m_str(&m, " rule");
	for (size_t i = 0; i < SJ_NROWS(prop_rows); i++)
		if (lack & prop_rows[i].bit) {
			m_str(&m, ": ");
			m_str(&m, prop_rows[i].why);
			break;
		}
	return -1;
}

static int parse_item(struct pctx *c, struct span item)
{
	size_t eq = span_find(item, '=');
	struct span key = sj_span_trim(span_head(item, eq));
	struct span val = sj_span_trim(span_tail(item, eq + 1));
	int has_eq = eq < item.n;
	const struct key_row *k = NULL;
	enum sj_key id = SJ_KEY_COUNT;

	for (unsigned i = 0; i < SJ_KEY_COUNT; i++)
		if (sj_span_is(key, key_rows[i].name))
			id = (enum sj_key)i;
	if (id == SJ_KEY_COUNT) {
		struct msg m = fail_at(c, item.s);
		if (key.n) {
			m_str(&m, "unknown item ");
			m_quote(&m, key);
			m_str(&m, ": ");
		} else {
			m_str(&m, item.n ? "missing name before \"=\": " : "empty item: ");
		}
		m_str(&m, "expected ");
		m_keys(&m, ~0u);
		return -1;
	}
	k = &key_rows[id];
	if (has_eq != k->takes_value) {
		struct msg m = fail_at(c, item.s);
		m_str(&m, k->takes_value ? "expected \"" : "expected just \"");
		m_str(&m, k->name);
		m_str(&m, k->takes_value ? "=VALUE\"" : "\" without a value");
		m_got(&m, item);
		return -1;
	}
	if (missing_prop(k, c->r->hook))
		return fail_needs(c, key, id);
	if (c->key_at[id]) {
		struct msg m = fail_at(c, key.s);
		m_key(&m, id);
		m_str(&m, " given twice in one rule (first at column ");
		m_uint(&m, col_of(c, c->key_at[id]));
		m_str(&m, "): keep one, or write a second rule after ';'");
		return -1;
	}
	c->key_at[id] = key.s;
	if (k->parse(c, key, val))
		return -1;
	if (k->kind == SJ_KK_ACTION || k->kind == SJ_KK_MODIFIER)
		c->r->actions |= 1u << id;
	return 0;
}

static int fail_conflict(struct pctx *c, enum sj_key a, enum sj_key b, const char *why)
{
	enum sj_key later = c->key_at[a] > c->key_at[b] ? a : b;
	enum sj_key other = later == a ? b : a;
	struct msg m = fail_at(c, c->key_at[later]);
	m_key(&m, later);
	m_str(&m, " cannot be combined with ");
	m_key(&m, other);
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
		m_str(&m, "this rule has no action: expected ");
		m_keys(&m, 1u << SJ_KK_ACTION);
		return -1;
	}
	for (size_t i = 0; i < SJ_NROWS(conflicts); i++)
		if (c->key_at[conflicts[i].a] && c->key_at[conflicts[i].b])
			return fail_conflict(c, conflicts[i].a, conflicts[i].b, conflicts[i].why);
	if (c->key_at[SJ_KEY_DURING] && !c->key_at[SJ_KEY_SIGNAL]) {
		struct msg m = fail_at(c, c->key_at[SJ_KEY_DURING]);
		m_str(&m, "\"during=\" needs a signal= in the same rule: the signal to send while the call is still blocked");
		return -1;
	}
	/* A fork that is not made has no child to run the rule in. */
	if ((sj_hook_props(r->hook) & SJ_HP_SIDES) && r->in == SJ_IN_CHILD &&
	    (c->key_at[SJ_KEY_ERROR] || c->key_at[SJ_KEY_RETVAL])) {
		enum sj_key k = c->key_at[SJ_KEY_ERROR] ? SJ_KEY_ERROR : SJ_KEY_RETVAL;
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
	struct span hook = sj_span_trim(span_head(t, colon)), rest;

	rule_defaults(r, col_of(c, t.s));
	c->r = r;
	memset(c->key_at, 0, sizeof c->key_at);
	if (parse_hook(c, hook))
		return -1;
	for (rest = span_tail(t, colon + 1); colon < t.n;) {
		size_t next = span_find(rest, ':');
		if (parse_item(c, sj_span_trim(span_head(rest, next))))
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
		struct span t = sj_span_trim(span_head(all, semi));
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

