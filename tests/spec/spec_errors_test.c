/* spec_errors_test.c — every error path of the parser: the column it points
 * at and a substring of its message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "spec.h"

struct err_row {
	const char *text;
	unsigned col;
	const char *msg; /* must occur in err.msg */
};

static const struct err_row rows[] = {
	/* the spec as a whole */
	{ "", 1, "empty spec: expected a rule" },
	{ "  ; ;  ", 1, "empty spec" },

	/* hooks */
	{ "reed:signal=KILL", 1, "unknown hook \"reed\": expected read, write, fork, signal or exit" },
	{ "  reed", 3, "unknown hook \"reed\"" },
	{ ":signal=KILL", 1, "expected a hook (read, write, fork, signal or exit) at the start of the rule, got nothing" },
	{ "read:crash;wirte:crash", 12, "unknown hook \"wirte\"" },

	/* items */
	{ "read::crash", 6, "empty item: expected in=, comm=, fd=" },
	{ "read:crash:", 12, "empty item" },
	{ "read:bogus=1", 6, "unknown item \"bogus\": expected in=, comm=, fd=, sig=, when=, p=, seed=, delay=, short=, error=, retval=, during=, signal=, exit= or crash" },
	{ "read:=3", 6, "missing name before \"=\"" },
	{ "read:signal", 6, "expected \"signal=VALUE\", got \"signal\"" },
	{ "read:crash=1", 6, "expected just \"crash\" without a value, got \"crash=1\"" },
	{ "read:when=3:when=4:crash", 13, "\"when=\" given twice in one rule (first at column 6)" },
	{ "read:signal=KILL:signal=TERM", 18, "\"signal=\" given twice" },

	/* hook applicability */
	{ "fork:fd=3:crash", 6, "\"fd=\" applies only to read and write rules, not to a fork rule: only their calls act on a descriptor" },
	{ "read:sig=INT:crash", 6, "\"sig=\" applies only to signal rules, not to a read rule: only they install a handler" },
	{ "exit:error=EIO", 6, "\"error=\" applies only to read, write and fork rules, not to an exit rule: only their calls can be skipped" },
	{ "exit:retval=1", 6, "\"retval=\" applies only to" },
	{ "signal:sig=INT:error=EINVAL", 16, "\"error=\" applies only to read, write and fork rules, not to a signal rule: only their calls can be skipped" },
	{ "sigaction:retval=0", 11, "\"retval=\" applies only to read, write and fork rules, not to a signal rule" },
	{ "fork:short=1", 6, "\"short=\" applies only to read and write rules, not to a fork rule: only their calls move bytes" },
	{ "signal:during=1s:signal=KILL", 8, "\"during=\" applies only to read and write rules, not to a signal rule: only their calls can block" },

	/* fd= */
	{ "read:fd=pip:crash", 9, "expected a descriptor number or pipe, fifo, socket, file, tty (joined by '|') after \"fd=\", got \"pip\"" },
	{ "read:fd=:crash", 9, "after \"fd=\", got nothing" },
	{ "read:fd=pipe|:crash", 14, "got nothing" },
	{ "read:fd=pipe|sock:crash", 14, "got \"sock\"" },
	{ "read:fd=-1:crash", 9, "got \"-1\"" },
	{ "read:fd=2147483648:crash", 9, "expected a descriptor number 0..2147483647" },
	{ "read:fd=3x:crash", 9, "expected a descriptor number 0..2147483647" },

	/* in=, comm=, sig= */
	{ "read:in=kid:crash", 9, "expected parent, child or any after \"in=\", got \"kid\"" },
	{ "read:in=:crash", 9, "got nothing" },
	{ "read:comm=abcdefghijklmnop:crash", 11, "is 16 bytes long: Linux keeps at most 15" },
	{ "read:comm=:crash", 11, "expected a process name" },
	{ "read:comm=a\tb:crash", 12, "control character" },
	{ "signal:sig=FOO:crash", 12, "expected a signal name such as INT or TERM after \"sig=\", got \"FOO\"" },
	{ "signal:sig=0:crash", 12, "got \"0\"" },

	/* when= */
	{ "read:when=:crash", 11, "expected a call count such as 3" },
	{ "read:when=0:crash", 11, "expected the first call (1 or more) in \"when=0\", got \"0\"" },
	{ "read:when=x:crash", 11, "expected the first call" },
	{ "read:when=..5:crash", 11, "expected the first call" },
	{ "read:when=5..2:crash", 14, "expected a last call not before the first in \"when=5..2\", got \"2\"" },
	{ "read:when=5..0:crash", 14, "expected the last call (1 or more)" },
	{ "read:when=3+0:crash", 13, "expected a step of 1 or more" },
	{ "read:when=3..5+:crash", 16, "expected a step after '+'" },
	{ "read:when=3++:crash", 13, "expected a step" },
	{ "read:when=3.5:crash", 11, "expected the first call" },
	{ "read:when=4294967295:crash", 11, "expected a count of at most 4294967294" },
	{ "read:when=99999999999999999999999:crash", 11, "at most 4294967294" },

	/* p=, seed= */
	{ "read:p=-0:crash", 8, "expected a probability 0 <= p <= 1 such as 0.25" },
	{ "read:p=1.5:crash", 8, "got \"1.5\"" },
	{ "read:p=1.:crash", 8, "expected a probability" },
	{ "read:p=.:crash", 8, "expected a probability" },
	{ "read:p=25%:crash", 8, "expected a probability" },
	{ "read:p=0.1234567890123456:crash", 8, "at most 15 significant digits" },
	{ "read:p=0.0000000000000000001:crash", 8, "expected a probability" },
	{ "read:p=1e-3:crash", 8, "expected a probability" },
	{ "read:seed=-1:crash", 11, "expected a decimal number 0..18446744073709551615 after \"seed=\"" },
	{ "read:seed=18446744073709551616:crash", 11, "expected a decimal number" },

	/* signal= */
	{ "read:signal=KILLL", 13, "expected a signal name such as KILL or TERM after \"signal=\", got \"KILLL\"" },
	{ "read:signal=0", 13, "signal 0 only probes a process" },
	{ "read:signal=SIG0", 13, "expected a signal name such as KILL or TERM" },
	{ "read:signal=65", 13, "got \"65\"" },
	{ "read:signal=", 13, "got nothing" },
	{ "read:signal=@self", 13, "got nothing" },
	{ "read:signal=KILL@kids", 18, "expected self, thread, parent, group or children after \"@\", got \"kids\"" },
	{ "read:signal=KILL@", 18, "after \"@\", got nothing" },

	/* error=, retval=, short=, exit= */
	{ "read:error=EINTRR", 12, "expected an errno name such as EINTR or a number 0..4095 after \"error=\", got \"EINTRR\"" },
	{ "read:error=4096", 12, "got \"4096\"" },
	{ "read:error=-4", 12, "got \"-4\"" },
	{ "read:retval=x", 13, "expected an integer such as 0 or -1 after \"retval=\", got \"x\"" },
	{ "read:retval=-", 13, "expected an integer" },
	{ "read:retval=9223372036854775808", 13, "expected an integer that fits in a long" },
	{ "read:retval=-9223372036854775809", 13, "fits in a long" },
	{ "read:short=0", 12, "expected a byte count of 1 or more after \"short=\", got \"0\"" },
	{ "read:short=18446744073709551616", 12, "expected a byte count" },
	{ "read:exit=256", 11, "expected an exit status 0..255 after \"exit=\", got \"256\"" },
	{ "read:exit=-1", 11, "expected an exit status" },

	/* durations */
	{ "read:delay=", 12, "expected a duration such as 200ms" },
	{ "read:delay=5m", 12, "expected a duration such as 200ms, 1.5s or 500us" },
	{ "read:delay=ms", 12, "expected a duration" },
	{ "read:delay=1.s", 12, "expected a duration" },
	{ "read:delay=5 ms", 12, "expected a duration" },
	{ "read:delay=0", 12, "expected a duration above zero" },
	{ "read:delay=0.5ns", 12, "duration \"0.5ns\" after \"delay=\" is not a whole number of nanoseconds" },
	{ "read:delay=0.0000000001s", 12, "not a whole number of nanoseconds" },
	{ "read:delay=18446744073709551616ns", 12, "is too long" },
	{ "read:delay=18446744074s", 12, "is too long" },
	{ "read:delay=18446744073.709551616s", 12, "is too long" },
	{ "read:during=0ms:signal=KILL", 13, "expected a duration above zero" },

	/* rule consistency */
	{ "read", 1, "this rule has no action: expected delay=, short=, error=, retval=, signal=, exit= or crash" },
	{ "read:when=3:fd=pipe", 1, "has no action" },
	{ "read:crash; write:in=child", 13, "has no action" },
	{ "read:error=EINTR:retval=3", 18, "\"retval=\" cannot be combined with \"error=\"" },
	{ "read:retval=3:error=EINTR", 15, "\"error=\" cannot be combined with \"retval=\"" },
	{ "read:error=EIO:short=1", 16, "\"short=\" cannot be combined with \"error=\"" },
	{ "read:short=1:retval=0", 14, "\"retval=\" cannot be combined with \"short=\"" },
	{ "read:exit=1:crash", 13, "\"crash\" cannot be combined with \"exit=\"" },
	{ "read:exit=1:error=EIO", 13, "after exit= the call never returns" },
	{ "read:crash:retval=1", 12, "after crash the call never returns" },
	{ "read:crash:short=1", 12, "after crash the call is never made" },
	{ "read:during=1s:signal=KILL:error=EIO", 28, "during= watches a call that error= never makes" },
	{ "read:during=1s:signal=KILL:exit=2", 28, "\"exit=\" cannot be combined with \"during=\"" },
	{ "read:crash:during=1s:signal=KILL", 12, "\"during=\" cannot be combined with \"crash\"" },
	{ "write:during=1s", 7, "\"during=\" needs a signal= in the same rule" },
	{ "write:delay=1ms:during=1s", 17, "needs a signal=" },
	{ "fork:in=child:error=EAGAIN", 15, "skips the fork, so there is no child for in=child: use in=parent" },
	{ "fork:retval=5:in=child", 6, "\"retval=\" skips the fork" },

	/* column counted over the whole multi-rule text */
	{ "read:crash;write:crash;fork:signal=KILL@nobody", 41, "after \"@\", got \"nobody\"" },
	{ "read:crash ;  write : fd = socks : crash", 28, "got \"socks\"" },
};

static void test_error_rows(void **state)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct sj_spec s;
		struct sj_spec_error e;
		sj_spec_init(&s);
		if (sj_spec_parse(rows[i].text, &s, &e) != -1)
			fail_msg("\"%s\" should not parse", rows[i].text);
		if (e.col != rows[i].col || !strstr(e.msg, rows[i].msg))
			fail_msg("\"%s\": got col %u \"%s\", want col %u containing \"%s\"", rows[i].text, e.col, e.msg,
				 rows[i].col, rows[i].msg);
		assert_null(strchr(e.msg, '\n'));
		assert_int_equal(s.n, 0);
	}
}

static void test_null_text(void **state)
{
	struct sj_spec s;
	struct sj_spec_error e;
	sj_spec_init(&s);
	assert_int_equal(sj_spec_parse(NULL, &s, &e), -1);
	assert_int_equal(e.col, 1);
	assert_non_null(strstr(e.msg, "no spec given"));
}

/* A long bad token is cut in the message and control bytes are masked, so
 * the message stays one printable line. */
static void test_message_is_one_clean_line(void **state)
{
	char text[600] = "read:signal=";
	struct sj_spec s;
	struct sj_spec_error e;
	memset(text + strlen(text), 'Q', 500);
	sj_spec_init(&s);
	assert_int_equal(sj_spec_parse(text, &s, &e), -1);
	assert_int_equal(e.col, 13);
	assert_non_null(strstr(e.msg, "QQQ...\""));
	assert_true(strlen(e.msg) < sizeof e.msg);

	assert_int_equal(sj_spec_parse("r\x01\x1b[31m:crash", &s, &e), -1);
	for (const char *p = e.msg; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	assert_non_null(strstr(e.msg, "\"r??[31m\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_rows),
		cmocka_unit_test(test_null_text),
		cmocka_unit_test(test_message_is_one_clean_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
