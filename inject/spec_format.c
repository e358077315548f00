/* spec_format.c — a parsed rule back to text: the canonical form
 * (sj_rule_format, what the journal's `inject` records quote and
 * `sigjam check-spec` prints) and the output helpers the describer
 * (cli/spec_describe.c) shares.  Keys are written in keys.def's row order,
 * so that order is the canonical one.
 *
 * No stdio: the shim formats its rules in its constructor, where snprintf
 * would be its own interposer (unsafe.c) and could take locks; everything
 * here is plain appends to a caller's buffer. */
#include "spec_int.h"
#include "names.h"

#include <string.h>

/* ---- the output buffer ---- */

void sj_out_mem(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->n)
			o->buf[o->len] = s[i];
}

void sj_out_str(struct out *o, const char *s) { sj_out_mem(o, s, strlen(s)); }

void sj_out_u64(struct out *o, uint64_t v)
{
	char tmp[24];
	int i = sizeof tmp;
	do
		tmp[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	sj_out_mem(o, tmp + i, sizeof tmp - (size_t)i);
}

void sj_out_i64(struct out *o, int64_t v)
{
	if (v < 0)
		sj_out_mem(o, "-", 1);
	sj_out_u64(o, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

size_t sj_out_done(struct out *o)
{
	if (o->n)
		o->buf[o->len < o->n ? o->len : o->n - 1] = '\0';
	return o->len;
}

/* p * 10^prec rounded to an integer, ties to even as printf rounds: exact,
 * from the bits of p.  A p in (0, 1] is m / 2^k with a 53-bit m and
 * 52 <= k <= 112 (p >= 10^-18, the parser's floor), so m * 10^18 fits in 128
 * bits.  0 for anything else. */
static int prob_scaled(double p, unsigned prec, uint64_t *out)
{
	uint64_t bits, m;
	unsigned e;
	int k;
	unsigned __int128 n, q, rem, half;
	memcpy(&bits, &p, sizeof bits);
	e = (unsigned)(bits >> 52) & 0x7ff;
	m = (bits & ((1ull << 52) - 1)) | (1ull << 52);
	k = 1075 - (int)e;
	if ((bits >> 63) || e == 0 || k < 1 || k > 120 || prec >= sj_pow10_count)
		return 0;
	n = (unsigned __int128)m * sj_pow10[prec];
	q = n >> k;
	rem = n - (q << k);
	half = (unsigned __int128)1 << (k - 1);
	if (rem > half || (rem == half && (q & 1)))
		q++;
	*out = (uint64_t)q;
	return 1;
}

/* "0.25": p with exactly prec decimals, as printf's "%.*f" writes it. */
static size_t prob_text(double p, unsigned prec, char *buf, size_t n)
{
	struct out o = { buf, n, 0 };
	uint64_t q;
	if (!prob_scaled(p, prec, &q))
		return 0;
	sj_out_u64(&o, q / sj_pow10[prec]);
	if (prec) {
		char frac[24];
		uint64_t f = q % sj_pow10[prec];
		for (unsigned i = prec; i-- > 0; f /= 10)
			frac[i] = (char)('0' + f % 10);
		sj_out_mem(&o, ".", 1);
		sj_out_mem(&o, frac, prec);
	}
	return sj_out_done(&o);
}

void sj_out_prob(struct out *o, double p)
{
	char tmp[48];
	size_t len = 0;
	for (unsigned prec = 0; prec <= SJ_PROB_MAX_FRAC; prec++) {
		double back;
		len = prob_text(p, prec, tmp, sizeof tmp);
		if (len && sj_num_prob((struct span){ tmp, len }, &back) == NUM_OK && back == p) {
			sj_out_mem(o, tmp, len);
			return;
		}
	}
	/* Not a value the parser makes: the closest 18 decimals, or "0". */
	sj_out_str(o, len ? tmp : "0");
}

void sj_out_signal(struct out *o, int sig, int with_prefix)
{
	const char *name = sj_signal_name(sig);
	if (name) {
		sj_out_str(o, with_prefix ? name : name + 3);
		return;
	}
	if (with_prefix)
		sj_out_str(o, "signal ");
	sj_out_i64(o, sig);
}

void sj_out_errno(struct out *o, int e, int sentence)
{
	const char *name = sj_errno_name(e);
	if (name) {
		sj_out_str(o, name);
		return;
	}
	if (sentence)
		sj_out_str(o, "errno ");
	sj_out_i64(o, e);
}

void sj_out_fdclass(struct out *o, unsigned cls, int nouns)
{
	int first = 1;
	unsigned left = cls;
	for (size_t i = 0; i < sj_fdkind_nrows; i++) {
		if (!(cls & sj_fdkind_rows[i].bit))
			continue;
		left &= ~sj_fdkind_rows[i].bit;
		if (nouns)
			sj_out_str(o, first ? "" : left ? ", " : " or ");
		else
			sj_out_str(o, first ? "" : "|");
		sj_out_str(o, nouns ? sj_fdkind_rows[i].noun : sj_fdkind_rows[i].name);
		first = 0;
	}
}

/* Canonical duration: exact, in the largest unit that divides ("1500us"). */
static void out_duration(struct out *o, uint64_t ns)
{
	const struct sj_unit_row *u = &sj_unit_rows[sj_unit_nrows - 1];
	for (size_t i = 0; i < sj_unit_nrows; i++)
		if (ns && ns % sj_unit_rows[i].ns == 0) {
			u = &sj_unit_rows[i];
			break;
		}
	sj_out_u64(o, ns / u->ns);
	sj_out_str(o, u->name);
}

/* ---- one value writer per row of keys.def; 0 when the rule leaves the
 * key at its default (nothing is written) ---- */

typedef int (*value_fn)(struct out *o, const struct sj_rule *r);

static int val_IN(struct out *o, const struct sj_rule *r)
{
	for (size_t i = 0; r->in != SJ_IN_ANY && i < sj_where_nrows; i++)
		if (sj_where_rows[i].in == r->in)
			sj_out_str(o, sj_where_rows[i].name);
	return r->in != SJ_IN_ANY;
}

static int val_COMM(struct out *o, const struct sj_rule *r)
{
	sj_out_mem(o, r->comm, strnlen(r->comm, sizeof r->comm));
	return r->comm[0] != '\0';
}

static int val_FD(struct out *o, const struct sj_rule *r)
{
	if (r->fd >= 0)
		sj_out_i64(o, r->fd);
	else
		sj_out_fdclass(o, r->fdclass, 0);
	return r->fd >= 0 || r->fdclass;
}

static int val_SIG(struct out *o, const struct sj_rule *r)
{
	if (r->sig)
		sj_out_signal(o, r->sig, 0);
	return r->sig != 0;
}

static int val_WHEN(struct out *o, const struct sj_rule *r)
{
	if (r->first == 1 && r->last == SJ_WHEN_INF && r->step == 1)
		return 0;
	sj_out_u64(o, r->first);
	if (r->last == SJ_WHEN_INF)
		sj_out_str(o, "+");
	else if (r->last != r->first || r->step != 1)
		sj_out_str(o, ".."), sj_out_u64(o, r->last);
	if (r->step != 1)
		sj_out_str(o, r->last == SJ_WHEN_INF ? "" : "+"), sj_out_u64(o, r->step);
	return 1;
}

static int val_P(struct out *o, const struct sj_rule *r)
{
	if (r->p != 1.0)
		sj_out_prob(o, r->p);
	return r->p != 1.0;
}

static int val_SEED(struct out *o, const struct sj_rule *r)
{
	sj_out_u64(o, r->seed);
	return r->has_seed;
}

static int val_DELAY(struct out *o, const struct sj_rule *r)
{
	out_duration(o, r->delay_ns);
	return 1;
}

static int val_SHORT(struct out *o, const struct sj_rule *r)
{
	sj_out_u64(o, r->short_max);
	return 1;
}

static int val_ERROR(struct out *o, const struct sj_rule *r)
{
	sj_out_errno(o, r->error, 0);
	return 1;
}

static int val_RETVAL(struct out *o, const struct sj_rule *r)
{
	sj_out_i64(o, r->retval);
	return 1;
}

static int val_DURING(struct out *o, const struct sj_rule *r)
{
	out_duration(o, r->during_ns);
	return 1;
}

static int val_SIGNAL(struct out *o, const struct sj_rule *r)
{
	sj_out_signal(o, r->signo, 0);
	sj_out_str(o, "@");
	sj_out_str(o, sj_target_name(r->target));
	return 1;
}

static int val_EXIT(struct out *o, const struct sj_rule *r)
{
	sj_out_i64(o, r->exit_code);
	return 1;
}

static int val_CRASH(struct out *o, const struct sj_rule *r)
{
	return 1;
}

static const struct key_out {
	const char *name;
	int takes_value;
	int action;       /* ACTION/MODIFIER: written when its bit is set */
	value_fn value;
} keys[SJ_KEY_COUNT] = {
#define SJ_KEY(id, name, value, kind, needs) \
	[SJ_KEY_##id] = { name, value, SJ_KK_##kind == SJ_KK_ACTION || SJ_KK_##kind == SJ_KK_MODIFIER, val_##id },
#include "keys.def"
};

size_t sj_rule_format(const struct sj_rule *r, char *buf, size_t n)
{
	struct out o = { buf, n, 0 };

	sj_out_str(&o, sj_hook_name(r->hook));
	for (unsigned k = 0; k < SJ_KEY_COUNT; k++) {
		char val[160];
		struct out v = { val, sizeof val, 0 };
		if (keys[k].action && !(r->actions & (1u << k)))
			continue;
		if (!keys[k].value(&v, r))
			continue;
		sj_out_str(&o, ":");
		sj_out_str(&o, keys[k].name);
		if (keys[k].takes_value) {
			sj_out_str(&o, "=");
			sj_out_mem(&o, val, v.len < sizeof val ? v.len : sizeof val - 1);
		}
	}
	return sj_out_done(&o);
}

int sj_rule_same(const struct sj_rule *a, const struct sj_rule *b)
{
	return a->hook == b->hook && a->fd == b->fd && a->fdclass == b->fdclass && a->in == b->in &&
	       strncmp(a->comm, b->comm, sizeof a->comm) == 0 && a->sig == b->sig && a->first == b->first &&
	       a->last == b->last && a->step == b->step && a->p == b->p && a->has_seed == b->has_seed &&
	       (!a->has_seed || a->seed == b->seed) && a->actions == b->actions &&
	       (!(a->actions & SJ_ACT(SIGNAL)) || (a->signo == b->signo && a->target == b->target)) &&
	       (!(a->actions & SJ_ACT(ERROR)) || a->error == b->error) &&
	       (!(a->actions & SJ_ACT(RETVAL)) || a->retval == b->retval) &&
	       (!(a->actions & SJ_ACT(SHORT)) || a->short_max == b->short_max) &&
	       (!(a->actions & SJ_ACT(DELAY)) || a->delay_ns == b->delay_ns) &&
	       (!(a->actions & SJ_ACT(DURING)) || a->during_ns == b->during_ns) &&
	       (!(a->actions & SJ_ACT(EXIT)) || a->exit_code == b->exit_code);
}
