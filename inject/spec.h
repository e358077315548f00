/* spec.h — the injection rule language, parsed into plain fixed-size data.
 *
 * The grammar and its meaning are documented once, in docs/inject.md ("The
 * rule language"), which is also the man page sigjam-inject(7).
 *
 * Which hooks take which keys: the `needs` column of keys.def against the
 * columns of hooks.def (fd= only on hooks that act on a descriptor, error=
 * and retval= only where the call can be skipped, ...).
 *
 * Counting: every rule has its own counter per process; it counts the calls of
 * its hook that passed the rule's filters.  A forked child starts from zero
 * (a worker counts its own reads).  when= and p= must both hold to fire.
 *
 * The structures hold no pointers so that the shim can keep them in static
 * storage and a forked child inherits them by plain memory copy. */
#ifndef SIGJAM_SPEC_H
#define SIGJAM_SPEC_H

#include <stddef.h>
#include <stdint.h>

#define SJ_MAX_RULES 32
#define SJ_WHEN_INF UINT32_MAX

/* The hooks and their columns: hooks.def. */
enum sj_hook_prop {
#define SJ_HOOK_PROP(id, bit, why) SJ_HP_##id = (bit),
#include "hooks.def"
};

enum sj_hook {
#define SJ_HOOK(id, name, props, noun, fdprep) SJ_HOOK_##id,
#include "hooks.def"
	SJ_HOOK_COUNT
};

/* The SJ_HP_* columns of hook h (0 for an invalid hook). */
static inline unsigned sj_hook_props(enum sj_hook h)
{
	static const unsigned props[SJ_HOOK_COUNT] = {
#define SJ_HOOK(id, name, p, noun, fdprep) [SJ_HOOK_##id] = (p),
#include "hooks.def"
	};
	return (unsigned)h < SJ_HOOK_COUNT ? props[h] : 0;
}

/* The keys of a rule: keys.def. */
enum sj_key_kind { SJ_KK_FILTER, SJ_KK_TRIGGER, SJ_KK_ACTION, SJ_KK_MODIFIER };

enum sj_key {
#define SJ_KEY(id, name, value, kind, needs) SJ_KEY_##id,
#include "keys.def"
	SJ_KEY_COUNT
};

/* The bit of an action key (ACTION or MODIFIER in keys.def) in
 * sj_rule.actions: SJ_ACT(SIGNAL), SJ_ACT(DURING), ... */
#define SJ_ACT(id) (1u << SJ_KEY_##id)


/* fd= kinds, a bitmask; 0 means any kind. */
enum sj_fdclass {
	SJ_FDC_PIPE = 1u << 0,
	SJ_FDC_FIFO = 1u << 1,
	SJ_FDC_SOCKET = 1u << 2,
	SJ_FDC_FILE = 1u << 3,
	SJ_FDC_TTY = 1u << 4,
};

enum sj_where { SJ_IN_ANY, SJ_IN_PARENT, SJ_IN_CHILD };

enum sj_target {
	SJ_TGT_SELF,     /* kill(getpid()) — the whole process */
	SJ_TGT_THREAD,   /* tgkill(getpid(), gettid()) — the calling thread */
	SJ_TGT_PARENT,   /* kill(getppid()) */
	SJ_TGT_GROUP,    /* kill(-getpgrp()) — like Ctrl-C on a terminal */
	SJ_TGT_CHILDREN, /* every live child this process forked under the shim */
};


struct sj_rule {
	enum sj_hook hook;
	unsigned col; /* 1-based column of the rule's first character in the spec */

	/* filters */
	int fd;            /* -1: any */
	unsigned fdclass;  /* enum sj_fdclass bits; 0: any */
	enum sj_where in;
	char comm[16];     /* "" any; else compared with the process's comm */
	int sig;           /* signal hook: the signal whose handler is installed; 0 any */

	/* triggers: fires on counted calls n with first <= n <= last and
	 * (n - first) % step == 0, and then with probability p */
	uint32_t first, last, step;
	double p;          /* 1.0: always */
	int has_seed;
	uint64_t seed;

	/* actions */
	unsigned actions;  /* SJ_ACT() bits; never 0 in a parsed rule */
	int signo;
	enum sj_target target;
	int error;
	long retval;
	uint64_t short_max;
	uint64_t delay_ns;
	uint64_t during_ns;
	int exit_code;
};

struct sj_spec {
	unsigned n;
	struct sj_rule rules[SJ_MAX_RULES];
};

struct sj_spec_error {
	unsigned col;   /* 1-based column in the text given to sj_spec_parse */
	char msg[200];  /* "expected ..., got ..." — no trailing newline */
};

void sj_spec_init(struct sj_spec *spec);

/* Parses text and APPENDS its rules to spec (so repeated --inject options
 * accumulate).  Returns 0, or -1 with *err filled and spec unchanged.
 * Pure: no allocation, no global state, safe in a library constructor.
 * Keywords are case-insensitive (comm= is not); blank rules are skipped;
 * a key given twice in one rule, an action that cannot apply to the hook
 * and conflicting actions (error+retval, crash+exit, ...) are errors; the
 * full list is in spec_parse.c. */
int sj_spec_parse(const char *text, struct sj_spec *spec, struct sj_spec_error *err);

/* A buffer of this size always holds the whole output of sj_rule_format and
 * sj_rule_describe (cli/spec_describe.h; the longest possible rule needs
 * about 450 bytes). */
#define SJ_RULE_TEXT_MAX 512

/* Canonical text of one rule (parses back to the same rule). Returns the
 * length it needed, like snprintf. */
size_t sj_rule_format(const struct sj_rule *r, char *buf, size_t n);

/* 1 when a and b are the same rule (every field that the rule's actions use;
 * col ignored): the round-trip check of sj_rule_format, and duplicate
 * detection for callers that merge specs. */
int sj_rule_same(const struct sj_rule *a, const struct sj_rule *b);

const char *sj_hook_name(enum sj_hook h);
const char *sj_target_name(enum sj_target t);

#endif
