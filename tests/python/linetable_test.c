/* python_linetable: sj_py_addr2line against CPython's PyCode_Addr2Line.
 * The cases (code objects of gen_linetable.py, compiled by the build's
 * Python) hold, for every code unit, the line CPython itself computes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linetable.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned b;

	while (n < cap && sscanf(s + 2 * n, "%2x", &b) == 1)
		out[n++] = (uint8_t)b;
	return n;
}

static void generated_cases(void **state)
{
	FILE *f = fopen(LT_CASES, "r");
	char line[65536], name[512], hex[60000];
	uint8_t table[30000];
	size_t len = 0, ncases = 0, nchecks = 0;
	int first = 0;

	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		long off;
		int want;
		hex[0] = 0;
		if (sscanf(line, "case %511s %d %59999s", name, &first, hex) >= 2) {
			len = unhex(hex, table, sizeof table);
			ncases++;
		} else if (sscanf(line, "at %ld %d", &off, &want) == 2) {
			int got = sj_py_addr2line(table, len, first, off);
			if (got != want)
				fail_msg("%s: offset %ld: line %d, CPython says %d", name, off, got, want);
			nchecks++;
		}
	}
	fclose(f);
	/* the generator's sources give 26 code objects; a truncated file or an
	 * empty one must not pass silently */
	assert_true(ncases >= 20);
	assert_true(nchecks >= 400);
}

/* Hand-made tables for the rules the generated ones may not reach. */
static void hand_made(void **state)
{
	/* kind 13 (no columns) with delta -3 (svarint 7), two code units each */
	const uint8_t back[] = { 0x80 | (10 << 3) | 1, 0, 0,       /* ONE_LINE0, 2 units: line 10 */
				 0x80 | (13 << 3) | 1, 7,          /* NO_COLUMNS -3: line 7 */
				 0x80 | (15 << 3) | 0,             /* NONE, 1 unit: -1 */
				 0x80 | (14 << 3) | 0, 0x48, 0x01, 0, 0, 0 }; /* LONG +... */
	assert_int_equal(sj_py_addr2line(back, sizeof back, 10, -2), 10);
	assert_int_equal(sj_py_addr2line(back, sizeof back, 10, 0), 10);
	assert_int_equal(sj_py_addr2line(back, sizeof back, 10, 2), 10);
	assert_int_equal(sj_py_addr2line(back, sizeof back, 10, 4), 7);
	assert_int_equal(sj_py_addr2line(back, sizeof back, 10, 6), 7);
	assert_int_equal(sj_py_addr2line(back, sizeof back, 10, 8), -1);
	/* 0x48 0x01: varint 8 | 1<<6 = 72 → +36; the NONE entry added 0 */
	assert_int_equal(sj_py_addr2line(back, sizeof back, 10, 10), 43);
	assert_int_equal(sj_py_addr2line(back, sizeof back, 10, 12), -1);   /* past the end */
	/* a truncated varint at the end of the table must not read past it */
	const uint8_t cut[] = { 0x80 | (14 << 3), 0x40 };
	assert_int_equal(sj_py_addr2line(cut, sizeof cut, 5, 0), 5);
	assert_int_equal(sj_py_addr2line(NULL, 0, 5, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(generated_cases),
		cmocka_unit_test(hand_made),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
