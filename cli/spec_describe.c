/* spec_describe.c — one English sentence per rule, for `sigjam check-spec`:
 * "On the 3rd read of a pipe in each child process, send SIGKILL to that
 * process."  CLI-only (the shim never describes a rule); the words for each
 * hook come from inject/hooks.def, the rest from the rule language's tables
 * (inject/spec_int.h). */
#include "spec_describe.h"
#include "spec_int.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* printf-style append (the CLI may use stdio; the shared helpers do not). */
static void o_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void o_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int k;
	va_start(ap, fmt);
	k = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (k > 0)
		sj_out_mem(o, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

/* "the 3rd <noun>", "<noun> <fdprep> a pipe" */
static const struct hook_words {
	const char *noun;
	const char *fdprep;
} hook_words[SJ_HOOK_COUNT] = {
#define SJ_HOOK(id, name, props, noun, fdprep) [SJ_HOOK_##id] = { noun, fdprep },
#include "hooks.def"
};

static const char *target_phrase(enum sj_target t)
{
	for (size_t i = 0; i < sj_target_nrows; i++)
		if (sj_target_rows[i].target == t)
			return sj_target_rows[i].phrase;
	return "an unknown target";
}

/* For people: largest unit not above the value, exact decimals ("1.5 ms"). */
static void o_duration_text(struct out *o, uint64_t ns)
{
	const struct sj_unit_row *u = &sj_unit_rows[sj_unit_nrows - 1];
	for (size_t i = 0; i < sj_unit_nrows; i++)
		if (ns >= sj_unit_rows[i].ns) {
			u = &sj_unit_rows[i];
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

static void o_ordinal(struct out *o, uint32_t n)
{
	char buf[24];
	o_fmt(o, "%s", sj_ordinal_text(n, buf, sizeof buf));
}

/* "read of a pipe", "write to fd 4", "handler installation for SIGINT",
 * with an optional adjective before the noun ("parent-process read"). */
static void o_call(struct out *o, const struct sj_rule *r, const char *adjective)
{
	const struct hook_words *h = &hook_words[r->hook];
	o_fmt(o, "%s%s", adjective, h->noun);
	if (r->fd >= 0) {
		o_fmt(o, " %s fd %d", h->fdprep, r->fd);
	} else if (r->fdclass) {
		o_fmt(o, " %s a ", h->fdprep);
		sj_out_fdclass(o, r->fdclass, 1);
	}
	if (r->sig) {
		sj_out_str(o, " for ");
		sj_out_signal(o, r->sig, 1);
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
		sj_out_str(o, "the ");
		o_ordinal(o, r->first);
		sj_out_str(o, " ");
		o_call(o, r, adjective);
	} else if (r->step == 1 && open && r->first == 1) {
		const char *word = adjective[0] ? adjective : hook_words[r->hook].noun;
		if (!a_for_every)
			sj_out_str(o, "every ");
		else
			sj_out_str(o, strchr("aeiou", word[0]) ? "an " : "a ");
		o_call(o, r, adjective);
	} else if (r->step == 1 && open) {
		sj_out_str(o, "the ");
		o_ordinal(o, r->first);
		sj_out_str(o, " and every later ");
		o_call(o, r, adjective);
	} else if (r->step == 1) {
		sj_out_str(o, "the ");
		o_ordinal(o, r->first);
		sj_out_str(o, " through ");
		o_ordinal(o, r->last);
		sj_out_str(o, " ");
		o_call(o, r, adjective);
	} else {
		sj_out_str(o, "every ");
		o_ordinal(o, r->step);
		sj_out_str(o, " ");
		o_call(o, r, adjective);
		if (open && r->first != 1) {
			sj_out_str(o, " from the ");
			o_ordinal(o, r->first);
			sj_out_str(o, " on");
		} else if (!open) {
			sj_out_str(o, " from the ");
			o_ordinal(o, r->first);
			sj_out_str(o, " through the ");
			o_ordinal(o, r->last);
		}
	}
}

/* " in each child process", " in the parent process named "x"", ... */
static void o_where(struct out *o, const struct sj_rule *r, int in_adjective)
{
	int fork = (sj_hook_props(r->hook) & SJ_HP_SIDES) != 0;
	if (!in_adjective) {
		if (r->in == SJ_IN_CHILD)
			sj_out_str(o, fork ? ", in the new child process" : " in each child process");
		else if (r->in == SJ_IN_PARENT)
			sj_out_str(o, fork ? ", in the parent process" : " in the parent process");
		else if (fork)
			sj_out_str(o, ", in both the parent and the new child process");
	}
	if (r->comm[0]) {
		if (r->in == SJ_IN_ANY || in_adjective)
			sj_out_str(o, " in processes");
		o_fmt(o, " named \"%.*s\"", (int)sizeof r->comm, r->comm);
	}
}

static void o_probability(struct out *o, const struct sj_rule *r)
{
	if (r->p == 1.0)
		return;
	sj_out_str(o, " with probability ");
	sj_out_prob(o, r->p);
	if (r->p == 0.0) {
		sj_out_str(o, " (never)");
		return;
	}
	if (r->has_seed)
		o_fmt(o, " (seed %llu)", (unsigned long long)r->seed);
}

/* The clauses of the actions, joined "a, b and c". */
static void o_actions(struct out *o, const struct sj_rule *r, unsigned mask)
{
	char clause[8][96];
	int n = 0;
	unsigned a = r->actions & mask;

	if (a & SJ_ACT(DELAY)) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		sj_out_str(&c, "delay the call by ");
		o_duration_text(&c, r->delay_ns);
		sj_out_done(&c), n++;
	}
	if (a & SJ_ACT(SIGNAL)) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		sj_out_str(&c, "send ");
		sj_out_signal(&c, r->signo, 1);
		o_fmt(&c, " to %s", target_phrase(r->target));
		sj_out_done(&c), n++;
	}
	if (a & SJ_ACT(SHORT)) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		o_fmt(&c, "%s at most %llu byte%s", sj_hook_name(r->hook),
		      (unsigned long long)r->short_max, r->short_max == 1 ? "" : "s");
		sj_out_done(&c), n++;
	}
	if (a & SJ_ACT(ERROR)) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		sj_out_str(&c, "fail with ");
		sj_out_errno(&c, r->error, 1);
		sj_out_done(&c), n++;
	}
	if (a & SJ_ACT(RETVAL)) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		o_fmt(&c, "return %ld without making the call", r->retval);
		sj_out_done(&c), n++;
	}
	if (a & SJ_ACT(EXIT)) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		o_fmt(&c, "make the process exit with status %d", r->exit_code);
		sj_out_done(&c), n++;
	}
	if (a & SJ_ACT(CRASH)) {
		struct out c = { clause[n], sizeof clause[n], 0 };
		sj_out_str(&c, "crash the process with SIGSEGV");
		sj_out_done(&c), n++;
	}
	if (n == 0)
		sj_out_str(o, "do nothing");
	for (int i = 0; i < n; i++) {
		if (i)
			sj_out_str(o, i == n - 1 ? " and " : ", ");
		sj_out_str(o, clause[i]);
	}
}

size_t sj_rule_describe(const struct sj_rule *r, char *buf, size_t n)
{
	struct out o = { buf, n, 0 };

	if ((unsigned)r->hook >= SJ_HOOK_COUNT) {
		sj_out_str(&o, "An invalid rule.");
		return sj_out_done(&o);
	}
	if (r->actions & SJ_ACT(DURING)) {
		/* The signal is conditional on the call still blocking, so the
		 * sentence leads with that condition. */
		const char *adj = r->in == SJ_IN_PARENT ? "parent-process " : r->in == SJ_IN_CHILD ? "child-process " : "";
		unsigned others = r->actions & ~(unsigned)(SJ_ACT(SIGNAL) | SJ_ACT(DURING));
		sj_out_str(&o, "While ");
		o_counted_call(&o, r, adj, 1);
		o_where(&o, r, 1);
		sj_out_str(&o, " is still blocked ");
		o_duration_text(&o, r->during_ns);
		sj_out_str(&o, " after it began");
		if (r->p != 1.0) {
			sj_out_str(&o, ",");
			o_probability(&o, r);
		}
		sj_out_str(&o, ", ");
		o_actions(&o, r, SJ_ACT(SIGNAL));
		if (others) {
			sj_out_str(&o, "; beforehand, ");
			o_actions(&o, r, others);
		}
		sj_out_str(&o, ".");
		return sj_out_done(&o);
	}
	sj_out_str(&o, "On ");
	o_counted_call(&o, r, "", 0);
	o_where(&o, r, 0);
	o_probability(&o, r);
	sj_out_str(&o, ", ");
	o_actions(&o, r, ~0u);
	sj_out_str(&o, ".");
	return sj_out_done(&o);
}
