/* schedule.h — layer 3: when one rule fires, as a pure function of its count.
 *
 * A rule fires at count n (its n-th counted call, docs/inject.md) when n
 * lies in its when= window and, for p=, when the window's call is one of the
 * rule's seeded draws.  Both are decided here from n and the rule's stream
 * alone, never from what other calls or threads did, so a call needs no
 * shared state but the counter: the shim keeps a hint, "no rule fires before
 * count H", and only a call that reaches H asks here (rules.c).
 *
 * p=: the k-th call of the window (k = 0, 1, ...) fires with probability
 * q = ceil(p * 2^53) / 2^53, independently of every other call.  Instead of
 * one draw per call, the draws give the gaps between firing calls, which
 * follow a geometric distribution: so a call that does not fire costs
 * nothing, and the next firing call is known in advance.  The window is cut
 * into blocks of 2^bits calls (2^bits * q is between 1 and 2); each block
 * has its own splitmix64 stream (the rule's seed, the block's index), whose
 * draws give the gaps from the block's start: whether call k fires depends
 * on its block only, so it can be answered for any k in a few draws.
 *
 * A gap G (failures before the next firing call) is drawn bit by bit: the
 * bits of a geometric variable are independent, bit i being 1 with
 * probability r_i / (1 + r_i), r_i = (1 - q)^(2^i); and G >= 2^bits (no more
 * firing in the block) has probability r_bits.  The thresholds are computed
 * once per rule in integer arithmetic (128-bit fixed point), the same on
 * every machine; each is within 2^-63 of its exact value, so a call's
 * firing probability is q to within about 2^-57 (54 thresholds at most).
 *
 * Everything here is pure, allocation-free and async-signal-safe. */
#ifndef SIGJAM_SCHEDULE_H
#define SIGJAM_SCHEDULE_H

#include "spec.h"

#include <stdint.h>

/* splitmix64 finaliser: mixes seeds; also the output of the streams. */
static inline uint64_t sj_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

enum sj_sched_mode {
	SJ_SCHED_NEVER,  /* p=0: no call fires */
	SJ_SCHED_WINDOW, /* every call of the when= window fires (no p=, or p=1) */
	SJ_SCHED_DRAW,   /* p=: the window's calls fire by the rule's draws */
};

#define SJ_SCHED_MAXBITS 53

struct sj_sched {
	enum sj_sched_mode mode;
	uint64_t first, last, step;        /* the when= window in counts; last UINT64_MAX: none */
	uint64_t seed;                     /* DRAW: the rule's stream in this process */
	unsigned bits;                     /* DRAW: a block is 2^bits calls of the window */
	uint64_t leave;                    /* DRAW: threshold of "no more firing in the block" */
	uint64_t bit[SJ_SCHED_MAXBITS];    /* DRAW: threshold of bit i of a gap */
};

/* The schedule of rule r (seed 0: set it with the process's stream). */
void sj_sched_init(struct sj_sched *s, const struct sj_rule *r);

/* 1 when the rule fires at count n (n >= 1). */
int sj_sched_fires(const struct sj_sched *s, uint64_t n);

/* A count m > n before which the rule does not fire after n: its next firing
 * count, or a smaller one where finding it would take long (a long run of
 * empty blocks).  UINT64_MAX: never again. */
uint64_t sj_sched_next(const struct sj_sched *s, uint64_t n);

#endif
