/* spec_describe_test.c — the English sentence of sj_rule_describe for the
 * documented example specs and for every combination of its parts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "spec_describe.h"

/* Describes every rule of text, joined by " | ". */
static void describe(const char *text, char *out, size_t n)
{
	struct sj_spec s;
	struct sj_spec_error e;
	size_t len = 0;
	sj_spec_init(&s);
	if (sj_spec_parse(text, &s, &e) != 0)
		fail_msg("\"%s\" should parse: col %u: %s", text, e.col, e.msg);
	out[0] = '\0';
	for (unsigned i = 0; i < s.n; i++) {
		if (i)
			len += (size_t)snprintf(out + len, n - len, " | ");
		len += sj_rule_describe(&s.rules[i], out + len, n - len);
		assert_true(len < n);
	}
}

static const struct { const char *text, *sentence; } rows[] = {
	/* the five example specs of the design */
	{ "read:in=child:fd=pipe:when=3:signal=KILL@self",
	  "On the 3rd read of a pipe in each child process, send SIGKILL to that process." },
	{ "read:in=parent:fd=pipe:during=200ms:signal=TERM@self",
	  "While a parent-process read of a pipe is still blocked 200 ms after it began, send SIGTERM to that process." },
	{ "fork:in=child:signal=KILL@self",
	  "On every fork, in the new child process, send SIGKILL to that process." },
	{ "fork:in=parent:when=2:signal=INT@group",
	  "On the 2nd fork, in the parent process, send SIGINT to its process group." },
	{ "read:p=0.1:error=EINTR;read:fd=pipe:short=1",
	  "On every read with probability 0.1, fail with EINTR. | On every read of a pipe, read at most 1 byte." },

	/* counting forms */
	{ "write:when=3+:crash", "On the 3rd and every later write, crash the process with SIGSEGV." },
	{ "write:when=1+2:crash", "On every 2nd write, crash the process with SIGSEGV." },
	{ "write:when=4+3:crash", "On every 3rd write from the 4th on, crash the process with SIGSEGV." },
	{ "write:when=2..5:crash", "On the 2nd through 5th write, crash the process with SIGSEGV." },
	{ "write:when=2..9+3:crash", "On every 3rd write from the 2nd through the 9th, crash the process with SIGSEGV." },
	{ "write:when=5..5+2:crash", "On the 5th write, crash the process with SIGSEGV." },

	/* filters */
	{ "read:fd=4:error=EIO", "On every read of fd 4, fail with EIO." },
	{ "write:fd=0:error=EPIPE", "On every write to fd 0, fail with EPIPE." },
	{ "write:fd=pipe|fifo|socket:error=EPIPE", "On every write to a pipe, FIFO or socket, fail with EPIPE." },
	{ "read:fd=file|tty:error=EIO", "On every read of a file or terminal, fail with EIO." },
	{ "read:comm=python3:error=EIO", "On every read in processes named \"python3\", fail with EIO." },
	{ "read:in=child:comm=worker:error=EIO", "On every read in each child process named \"worker\", fail with EIO." },
	{ "read:in=parent:error=EIO", "On every read in the parent process, fail with EIO." },
	{ "fork:error=EAGAIN", "On every fork, in both the parent and the new child process, fail with EAGAIN." },
	{ "signal:sig=INT:when=2:signal=USR1", "On the 2nd handler installation for SIGINT, send SIGUSR1 to that process." },
	{ "sigaction:delay=1ms", "On every handler installation, delay the call by 1 ms." },
	{ "exit:in=child:delay=1s", "On every exit call in each child process, delay the call by 1 s." },
	{ "read:p=0.25:seed=9:signal=USR1", "On every read with probability 0.25 (seed 9), send SIGUSR1 to that process." },
	{ "read:p=0:seed=9:signal=USR1", "On every read with probability 0 (never), send SIGUSR1 to that process." },

	/* actions and targets */
	{ "read:signal=USR2@thread", "On every read, send SIGUSR2 to the calling thread." },
	{ "read:signal=CHLD@parent", "On every read, send SIGCHLD to its parent process." },
	{ "read:signal=HUP@children", "On every read, send SIGHUP to each of its child processes." },
	{ "read:signal=40", "On every read, send signal 40 to that process." },
	{ "read:error=0", "On every read, fail with errno 0." },
	{ "read:error=4000", "On every read, fail with errno 4000." },
	{ "read:retval=-5", "On every read, return -5 without making the call." },
	{ "write:short=100", "On every write, write at most 100 bytes." },
	{ "read:exit=3", "On every read, make the process exit with status 3." },
	{ "read:delay=1.5ms:signal=TERM@parent:exit=1",
	  "On every read, delay the call by 1.5 ms, send SIGTERM to its parent process and make the process exit with status 1." },
	{ "read:delay=999:short=2", "On every read, delay the call by 999 us and read at most 2 bytes." },
	{ "read:delay=1234567891ns:crash", "On every read, delay the call by 1.234567891 s and crash the process with SIGSEGV." },

	/* during= sentences */
	{ "write:in=child:fd=pipe:when=3:during=1s:signal=KILL@group",
	  "While the 3rd child-process write to a pipe is still blocked 1 s after it began, send SIGKILL to its process group." },
	{ "read:during=50us:signal=ALRM", "While a read is still blocked 50 us after it began, send SIGALRM to that process." },
	{ "read:comm=w:p=0.5:during=2s:signal=TERM",
	  "While a read in processes named \"w\" is still blocked 2 s after it began, with probability 0.5, send SIGTERM to that process." },
	{ "read:delay=5ms:short=1:during=2s:signal=TERM",
	  "While a read is still blocked 2 s after it began, send SIGTERM to that process; beforehand, delay the call by 5 ms and read at most 1 byte." },
};

static void test_sentences(void **state)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char got[1024];
		describe(rows[i].text, got, sizeof got);
		if (strcmp(got, rows[i].sentence) != 0)
			fail_msg("\"%s\"\n got: %s\nwant: %s", rows[i].text, got, rows[i].sentence);
	}
}

static void test_ordinals(void **state)
{
	static const struct { unsigned n; const char *ord; } ords[] = {
		{ 1, "1st" }, { 2, "2nd" }, { 3, "3rd" }, { 4, "4th" }, { 10, "10th" },
		{ 11, "11th" }, { 12, "12th" }, { 13, "13th" }, { 14, "14th" },
		{ 21, "21st" }, { 22, "22nd" }, { 23, "23rd" }, { 100, "100th" },
		{ 101, "101st" }, { 102, "102nd" }, { 111, "111th" }, { 112, "112th" },
		{ 113, "113th" }, { 1001, "1001st" }, { 4294967294u, "4294967294th" },
	};
	for (size_t i = 0; i < sizeof ords / sizeof ords[0]; i++) {
		char text[64], got[256], want[256];
		snprintf(text, sizeof text, "read:when=%u:crash", ords[i].n);
		describe(text, got, sizeof got);
		snprintf(want, sizeof want, "On the %s read, crash the process with SIGSEGV.", ords[i].ord);
		assert_string_equal(got, want);
	}
}

/* Like snprintf: returns the full length and always terminates. */
static void test_truncation(void **state)
{
	struct sj_spec s;
	struct sj_spec_error e;
	char full[256], small[12];
	sj_spec_init(&s);
	assert_int_equal(sj_spec_parse("read:in=child:fd=pipe:when=3:signal=KILL@self", &s, &e), 0);
	size_t len = sj_rule_describe(&s.rules[0], full, sizeof full);
	assert_int_equal(len, strlen(full));
	assert_int_equal(sj_rule_describe(&s.rules[0], small, sizeof small), len);
	assert_string_equal(small, "On the 3rd ");
	assert_int_equal(sj_rule_describe(&s.rules[0], NULL, 0), len);
}

/* The longest rule the grammar allows still fits SJ_RULE_TEXT_MAX. */
static void test_longest_rule_fits(void **state)
{
	static const char longest[] =
		"write:in=child:comm=123456789012345:fd=pipe|fifo|socket|file|tty"
		":when=4294967293..4294967294+4294967293:p=0.123456789012345:seed=18446744073709551615"
		":delay=18446744073709551615ns:short=18446744073709551615:during=18446744073709551615ns"
		":signal=STKFLT@children"; /* the longest signal name */
	struct sj_spec s;
	struct sj_spec_error e;
	sj_spec_init(&s);
	if (sj_spec_parse(longest, &s, &e) != 0)
		fail_msg("col %u: %s", e.col, e.msg);
	assert_true(sj_rule_format(&s.rules[0], NULL, 0) < SJ_RULE_TEXT_MAX);
	assert_true(sj_rule_describe(&s.rules[0], NULL, 0) < SJ_RULE_TEXT_MAX);
	/* and with an unnamed errno instead of a short count */
	sj_spec_init(&s);
	assert_int_equal(sj_spec_parse("fork:in=parent:comm=123456789012345:when=4294967293..4294967294+4294967293"
				       ":p=0.123456789012345:seed=18446744073709551615:delay=18446744073709551615ns"
				       ":retval=-9223372036854775808:signal=STKFLT@children",
				       &s, &e), 0);
	assert_true(sj_rule_format(&s.rules[0], NULL, 0) < SJ_RULE_TEXT_MAX);
	assert_true(sj_rule_describe(&s.rules[0], NULL, 0) < SJ_RULE_TEXT_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sentences),
		cmocka_unit_test(test_ordinals),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_longest_rule_fits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
