/* text_test.c — the model's shared tables and words: finding kinds,
 * syscall names, terminal majors, and model data in words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "model.h"
#include "text.h"
#include "tty.h"

/* Every kind has its own name, a title and words, and a severity. */
static void test_kinds(void **state)
{
	for (int k = 0; k < SJ_FIND_KIND_COUNT; k++) {
		const struct sj_kind_info *ki = sj_kind_info(k);
		assert_non_null(ki->name);
		assert_non_null(ki->title);
		assert_true(strlen(ki->short_desc) > 10 && strlen(ki->full_desc) > 10 && strlen(ki->help) > 10);
		assert_true(ki->severity <= SJ_SEV_ERROR);
		assert_string_equal(sj_finding_kind_name(k), ki->name);
		for (int o = 0; o < k; o++)
			assert_string_not_equal(sj_kind_info(o)->name, ki->name);
	}
	assert_string_equal(sj_finding_kind_name(SJ_FIND_DEADLOCK), "deadlock");
	assert_string_equal(sj_finding_kind_name(SJ_FIND_QUIESCENT), "quiescent");
	assert_string_equal(sj_finding_kind_name(SJ_FIND_KIND_COUNT), "unknown");
	assert_int_equal(sj_kind_info(SJ_FIND_DEADLOCK)->severity, SJ_SEV_ERROR);
	assert_int_equal(sj_kind_info(SJ_FIND_QUIESCENT)->severity, SJ_SEV_NOTE);
	assert_string_equal(sj_severity_name(SJ_SEV_NOTE), "note");
	assert_string_equal(sj_severity_name(SJ_SEV_ERROR), "error");
}

static void test_syscall_names(void **state)
{
	assert_string_equal(sj_syscall_name(SYS_read), "read");
	assert_string_equal(sj_syscall_name(SYS_wait4), "wait4");
	assert_string_equal(sj_syscall_name(SYS_flock), "flock");       /* named, not decoded */
	assert_string_equal(sj_syscall_name(SYS_restart_syscall), "restart_syscall");
	assert_null(sj_syscall_name(SYS_getpid));
	assert_null(sj_syscall_name(-1));
}

static void test_tty_majors(void **state)
{
	assert_true(sj_is_tty_major(4) && sj_is_tty_major(5));
	assert_true(sj_is_tty_major(136) && sj_is_tty_major(143));
	assert_false(sj_is_tty_major(1));     /* /dev/null, /dev/zero */
	assert_false(sj_is_tty_major(135) || sj_is_tty_major(144));
}

static void test_signal_and_status(void **state)
{
	char buf[64];
	assert_string_equal(sj_signal_text(15, buf, sizeof buf), "SIGTERM");
	assert_string_equal(sj_signal_text(40, buf, sizeof buf), "signal 40");
	assert_string_equal(sj_errno_text(4, buf, sizeof buf), "EINTR");
	assert_string_equal(sj_errno_text(4000, buf, sizeof buf), "4000");
	assert_string_equal(sj_wait_status_text(3 << 8, buf, sizeof buf), "exited 3");
	assert_string_equal(sj_wait_status_text(9, buf, sizeof buf), "killed by SIGKILL");
	assert_string_equal(sj_wait_status_text(11 | 0x80, buf, sizeof buf), "killed by SIGSEGV (core dumped)");
	assert_string_equal(sj_wait_status_text(40, buf, sizeof buf), "killed by signal 40");
	assert_string_equal(sj_wait_status_text(0x137f, buf, sizeof buf), "stopped (status 0x137f)");
	assert_string_equal(sj_wait_status_text(-1, buf, sizeof buf), "unknown");
}

static void test_numbers(void **state)
{
	char buf[48];
	assert_string_equal(sj_duration_text(250000000, buf, sizeof buf), "250 ms");
	assert_string_equal(sj_duration_text(1500000000, buf, sizeof buf), "1.5 s");
	assert_string_equal(sj_duration_text(180000000000LL, buf, sizeof buf), "3 min");
	assert_string_equal(sj_duration_text(7, buf, sizeof buf), "7 ns");
	assert_string_equal(sj_duration_text(-1, buf, sizeof buf), "unknown");
	assert_string_equal(sj_seconds_text(1.234, buf, sizeof buf), "1.2 s");
	assert_string_equal(sj_seconds_text(0.0035, buf, sizeof buf), "0.0035 s");
	assert_string_equal(sj_seconds_text(12.54, buf, sizeof buf), "12.5 s");
	static const struct { long n; const char *s; } ord[] = {
		{ 1, "1st" }, { 2, "2nd" }, { 3, "3rd" }, { 4, "4th" }, { 11, "11th" }, { 12, "12th" },
		{ 13, "13th" }, { 21, "21st" }, { 102, "102nd" }, { 111, "111th" },
	};
	for (size_t i = 0; i < sizeof ord / sizeof ord[0]; i++)
		assert_string_equal(sj_ordinal_text(ord[i].n, buf, sizeof buf), ord[i].s);
}

static void test_names_and_places(void **state)
{
	char buf[64];
	assert_string_equal(sj_basename("/usr/lib/x86_64-linux-gnu/libc.so.6"), "libc.so.6");
	assert_string_equal(sj_basename("repro.py"), "repro.py");
	assert_null(sj_basename(NULL));
	struct sj_thread t = { .name = "python3" };
	assert_string_equal(sj_thread_label(&t), "python3");
	t.py_name = "MainThread";
	assert_string_equal(sj_thread_label(&t), "MainThread");
	struct sj_location l = { "repro.py", 21, "main" };
	assert_string_equal(sj_location_text(&l, buf, sizeof buf), "repro.py:21 in main");
	l = (struct sj_location){ NULL, 0, "on_term" };
	assert_string_equal(sj_location_text(&l, buf, sizeof buf), "on_term()");
	l = (struct sj_location){ NULL, 0, NULL };
	assert_string_equal(sj_location_text(&l, buf, sizeof buf), "unknown location");
	/* a fixed buffer cuts, never overflows */
	char small[8];
	struct sj_tbuf b;
	sj_tbuf_init(&b, small, sizeof small);
	sj_tbuf_printf(&b, "%s", "0123456789");
	sj_tbuf_printf(&b, "%s", "more");
	assert_string_equal(small, "0123456");
}

static void test_process_map(void **state)
{
	struct sj_map maps[2] = { { .start = 0x1000, .end = 0x2000 }, { .start = 0x5000, .end = 0x6000 } };
	struct sj_process p = { .maps = maps, .nmaps = 2 };
	assert_ptr_equal(sj_process_map(&p, 0x1000), &maps[0]);
	assert_ptr_equal(sj_process_map(&p, 0x5fff), &maps[1]);
	assert_null(sj_process_map(&p, 0x2000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_syscall_names),
		cmocka_unit_test(test_tty_majors),
		cmocka_unit_test(test_signal_and_status),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_names_and_places),
		cmocka_unit_test(test_process_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
