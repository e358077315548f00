/* spec.h — the injection rule language, parsed into plain fixed-size data.
 *
 * The grammar and its meaning are documented once, in docs/inject.md ("The
 * rule language"), which is also the man page sigjam-inject(7).
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

enum sj_hook {
	SJ_HOOK_READ,   /* read, __read_chk, readv, pread */
	SJ_HOOK_WRITE,  /* write */
	SJ_HOOK_FORK,   /* fork, vfork; fires in the parent and/or child (see in=) */
	SJ_HOOK_SIGNAL, /* a handler is installed: signal, sigaction, sigset, ... */
	SJ_HOOK_EXIT,   /* exit, _exit */
	SJ_HOOK_COUNT
};

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

/* Actions a rule may carry (a bitmask; several may combine, e.g. delay+signal). */
enum sj_action {
	SJ_ACT_SIGNAL = 1u << 0,
	SJ_ACT_ERROR = 1u << 1,  /* the call is not made; returns -1 with errno (error=0: returns -1, errno 0) */
	SJ_ACT_RETVAL = 1u << 2, /* the call is not made; returns retval */
	SJ_ACT_SHORT = 1u << 3,  /* the call is made with at most short_max bytes */
	SJ_ACT_DELAY = 1u << 4,  /* sleep delay_ns before the call */
	SJ_ACT_DURING = 1u << 5, /* send signal only if the call is still blocked during_ns after it began */
	SJ_ACT_EXIT = 1u << 6,   /* _exit(exit_code) at that point */
	SJ_ACT_CRASH = 1u << 7,  /* a real SIGSEGV at that point */
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
	unsigned actions;  /* enum sj_action bits; never 0 in a parsed rule */
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
 * full list is in spec.c. */
int sj_spec_parse(const char *text, struct sj_spec *spec, struct sj_spec_error *err);

/* A buffer of this size always holds the whole output of sj_rule_format and
 * sj_rule_describe (the longest possible rule needs about 450 bytes). */
#define SJ_RULE_TEXT_MAX 512

/* Canonical text of one rule (parses back to the same rule). Returns the
 * length it needed, like snprintf. */
size_t sj_rule_format(const struct sj_rule *r, char *buf, size_t n);

/* One English sentence: "On the 3rd read of a pipe in each child process,
 * send SIGKILL to that process." Returns the length needed, like snprintf. */
size_t sj_rule_describe(const struct sj_rule *r, char *buf, size_t n);

/* 1 when a and b are the same rule (every field that the rule's actions use;
 * col ignored): the round-trip check of sj_rule_format, and duplicate
 * detection for callers that merge specs. */
int sj_rule_same(const struct sj_rule *a, const struct sj_rule *b);

const char *sj_hook_name(enum sj_hook h);
const char *sj_target_name(enum sj_target t);

#endif
