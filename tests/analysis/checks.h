/* checks.h — the assertions the analysis tests share (cmocka). */
#ifndef SIGJAM_TEST_ANALYSIS_CHECKS_H
#define SIGJAM_TEST_ANALYSIS_CHECKS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#define assert_contains(hay, needle)                                                   \
	do {                                                                           \
		const char *h_ = (hay);                                                \
		if (!h_ || !strstr(h_, (needle))) {                                    \
			print_error("expected \"%s\" in: %s\n", (needle), h_ ? h_ : "(null)"); \
			fail();                                                        \
		}                                                                      \
	} while (0)

#define assert_not_contains(hay, needle)                                               \
	do {                                                                           \
		const char *h_ = (hay);                                                \
		if (h_ && strstr(h_, (needle))) {                                      \
			print_error("unexpected \"%s\" in: %s\n", (needle), h_);       \
			fail();                                                        \
		}                                                                      \
	} while (0)

/* Runs sj_analyse and prints the findings when the test will look at them. */
static inline void analyse(const struct sj_snapshot *s, const struct sj_journal *j,
			   struct sj_findings *f)
{
	memset(f, 0, sizeof *f);
	assert_int_equal(sj_analyse(s, j, f), 0);
	fx_dump(f);
}

/* An evidence line of finding f about (pid, tid), or NULL. */
static inline const char *evidence_of(const struct sj_finding *f, pid_t pid, pid_t tid)
{
	for (size_t i = 0; i < f->nevidence; i++)
		if (f->evidence[i].pid == pid && f->evidence[i].tid == tid)
			return f->evidence[i].text;
	return NULL;
}

#endif
