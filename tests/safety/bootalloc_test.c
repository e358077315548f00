/* bootalloc_test.c — the allocator's bootstrap arena (inject/bootalloc.c),
 * which serves dlsym's own allocations while the shim resolves the next
 * malloc.  In a real process it is reached only when dlsym allocates (older
 * glibc, failed lookups), so its contract is checked here directly. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handlers.h"

static void test_aligned_and_owned(void **state)
{
	size_t aligns[] = { 0, 8, 16, 64, 4096 };
	(void)state;
	for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
		unsigned char *p = sj_boot_alloc(100, aligns[i]);
		size_t want = aligns[i] < 16 ? 16 : aligns[i];
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % want, 0);
		assert_true(sj_boot_owns(p));
		assert_true(sj_boot_owns(p + 99));
		assert_int_equal(sj_boot_size(p), 100);
		/* never reused, so calloc may rely on it being zero */
		for (int k = 0; k < 100; k++)
			assert_int_equal(p[k], 0);
		memset(p, 0xab, 100);
	}
}

static void test_blocks_do_not_overlap(void **state)
{
	unsigned char *a = sj_boot_alloc(24, 0), *b = sj_boot_alloc(1, 0);
	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	memset(a, 1, 24);
	memset(b, 2, 1);
	assert_true(b >= a + 24 || b + 1 <= a);
	assert_int_equal(a[23], 1);
	assert_int_equal(sj_boot_size(a), 24);
	assert_int_equal(sj_boot_size(b), 1);
}

static void test_foreign_pointers_not_owned(void **state)
{
	void *heap = malloc(16);
	int local;
	(void)state;
	assert_false(sj_boot_owns(NULL));
	assert_false(sj_boot_owns(heap));
	assert_false(sj_boot_owns(&local));
	assert_false(sj_boot_owns(sj_boot_arena + SJ_BOOT_SIZE));
	free(heap);
}

static void test_bad_requests(void **state)
{
	(void)state;
	errno = 0;
	assert_null(sj_boot_alloc(SJ_BOOT_SIZE + 1, 0));
	assert_int_equal(errno, ENOMEM);
	errno = 0;
	assert_null(sj_boot_alloc(8, 24)); /* not a power of two */
	assert_int_equal(errno, EINVAL);
}

/* Last: spends the arena. */
static void test_exhaustion_is_enomem(void **state)
{
	void *p;
	size_t got = 0;
	(void)state;
	while ((p = sj_boot_alloc(1000, 0)) != NULL) {
		assert_true(sj_boot_owns(p) && sj_boot_owns((char *)p + 999));
		got++;
		assert_true(got < SJ_BOOT_SIZE / 1000 + 1);
	}
	assert_int_equal(errno, ENOMEM);
	assert_true(got > 0);
	/* and stays spent, without wrapping around */
	assert_null(sj_boot_alloc(1, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aligned_and_owned),
		cmocka_unit_test(test_blocks_do_not_overlap),
		cmocka_unit_test(test_foreign_pointers_not_owned),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_exhaustion_is_enomem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
