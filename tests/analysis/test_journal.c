/* test_journal.c — findings from the journal alone (sj_analyse_journal):
 * every record kind that yields one, and the ones that must not. */
#include "checks.h"

#include <signal.h>

static void run(const struct sj_journal *j, struct sj_findings *f)
{
	memset(f, 0, sizeof *f);
	assert_int_equal(sj_analyse_journal(j, f), 0);
	fx_dump(f);
}

#define SHIM "/usr/lib/sigjam/libsigjam.so"

static void test_unsafe_grouped(void **state)
{
	(void)state;
	struct sj_journal j = { 0 };
	struct sj_findings f;
	/* Three malloc calls from the same handler frame in two processes,
	 * one printf from another place. */
	for (int i = 0; i < 3; i++) {
		char line[512];
		snprintf(line, sizeof line,
			 "{\"t\":%d,\"pid\":%d,\"ppid\":1,\"ev\":\"unsafe\",\"sig\":\"SIGTERM\",\"call\":\"malloc\","
			 "\"bt\":[{\"m\":\"" SHIM "\",\"o\":\"0x1234\"},{\"m\":\"/tmp/prog\",\"o\":\"0x11a9\","
			 "\"func\":\"on_term\",\"file\":\"/tmp/prog.c\",\"line\":17}]}",
			 1000 + i, i == 2 ? 21 : 20);
		fx_jrecord(&j, line);
	}
	fx_jrecord(&j, "{\"t\":2000,\"pid\":20,\"ppid\":1,\"ev\":\"unsafe\",\"sig\":\"SIGTERM\",\"call\":\"printf\","
		   "\"bt\":[{\"m\":\"" SHIM "\",\"o\":\"0x1234\"},{\"m\":\"/tmp/prog\",\"o\":\"0x1300\"}]}");
	run(&j, &f);
	assert_int_equal(f.n, 2);
	assert_int_equal(fx_count(&f, SJ_FIND_SIGNAL_UNSAFE), 2);
	const struct sj_finding *m = NULL, *p = NULL;
	for (size_t i = 0; i < f.n; i++) {
		if (strstr(f.v[i].cause, "malloc"))
			m = &f.v[i];
		if (strstr(f.v[i].cause, "printf"))
			p = &f.v[i];
	}
	assert_non_null(m);
	assert_non_null(p);
	assert_contains(m->cause, "malloc() was called 3 times inside the SIGTERM handler, at on_term (prog.c:17)");
	assert_int_equal(m->sig, SIGTERM);
	assert_int_equal(m->npids, 2);
	assert_true(fx_has_pid(m, 20) && fx_has_pid(m, 21));
	assert_int_equal(m->nlocations, 1);
	assert_string_equal(m->locations[0].file, "/tmp/prog.c");
	assert_int_equal(m->locations[0].line, 17);
	/* Unsymbolized: module+offset of the first frame outside the shim. */
	assert_contains(p->cause, "printf() was called once inside the SIGTERM handler, at prog+0x1300");
	assert_contains(p->advice, "async-signal-safe");
	sj_findings_free(&f);
	sj_journal_free(&j);
}

static void test_errno_clobber(void **state)
{
	(void)state;
	struct sj_journal j = { 0 };
	struct sj_findings f;
	for (int i = 0; i < 2; i++)
		fx_jrecord(&j, "{\"t\":10,\"pid\":30,\"ppid\":1,\"ev\":\"errno\",\"sig\":\"SIGCHLD\",\"before\":\"EINTR\","
			   "\"after\":\"ECHILD\",\"addr\":\"0x401136\",\"module\":\"/tmp/server\",\"off\":\"0x1136\"}");
	run(&j, &f);
	assert_int_equal(f.n, 1);
	const struct sj_finding *e = fx_nth(&f, SJ_FIND_ERRNO_CLOBBER, 0);
	assert_non_null(e);
	assert_contains(e->cause, "The SIGCHLD handler at server+0x1136 returned with errno changed (EINTR before, ECHILD after) 2 times");
	assert_int_equal(e->sig, SIGCHLD);
	assert_contains(e->advice, "errno");
	sj_findings_free(&f);
	sj_journal_free(&j);
}

static void test_nested_handler(void **state)
{
	(void)state;
	struct sj_journal j = { 0 };
	struct sj_findings f;
	fx_jrecord(&j, "{\"t\":10,\"pid\":30,\"ppid\":1,\"ev\":\"nested\",\"sig\":\"SIGUSR1\",\"outer\":\"SIGTERM\",\"depth\":2}");
	fx_jrecord(&j, "{\"t\":11,\"pid\":30,\"ppid\":1,\"ev\":\"nested\",\"sig\":\"SIGUSR1\",\"outer\":\"SIGTERM\",\"depth\":3}");
	fx_jrecord(&j, "{\"t\":12,\"pid\":30,\"ppid\":1,\"ev\":\"nested\",\"sig\":\"SIGALRM\",\"outer\":\"SIGUSR1\",\"depth\":2}");
	run(&j, &f);
	assert_int_equal(fx_count(&f, SJ_FIND_NESTED_HANDLER), 2);
	const struct sj_finding *a = fx_nth(&f, SJ_FIND_NESTED_HANDLER, 0);
	const struct sj_finding *b = fx_nth(&f, SJ_FIND_NESTED_HANDLER, 1);
	if (a->sig != SIGUSR1) {
		const struct sj_finding *t = a;
		a = b;
		b = t;
	}
	assert_contains(a->cause, "The SIGUSR1 handler started while the SIGTERM handler was running on the same thread 2 times (nesting depth up to 3)");
	assert_contains(b->cause, "The SIGALRM handler started while the SIGUSR1 handler was running on the same thread once");
	sj_findings_free(&f);
	sj_journal_free(&j);
}

static void test_inherited_python_sigterm(void **state)
{
	(void)state;
	struct sj_journal j = { 0 };
	struct sj_findings f;
	static const char list[] =
		"\"list\":[{\"sig\":\"SIGINT\",\"disp\":\"handler\",\"addr\":\"0x7f0\",\"module\":\"/usr/lib/libpython3.11.so\",\"off\":\"0x10\",\"python\":true},"
		"{\"sig\":\"SIGTERM\",\"disp\":\"handler\",\"addr\":\"0x7f0\",\"module\":\"/usr/lib/libpython3.11.so\",\"off\":\"0x10\",\"python\":true},"
		"{\"sig\":\"SIGPIPE\",\"disp\":\"ignore\",\"python\":false}]";
	char line[1024];
	for (pid_t c = 201; c <= 204; c += c == 202 ? 2 : 1) {
		snprintf(line, sizeof line, "{\"t\":%d,\"pid\":%d,\"ppid\":100,\"ev\":\"dispositions\",\"at\":\"fork\",%s}",
			 (int)c, (int)c, list);
		fx_jrecord(&j, line);
	}
	/* Worker 204 resets SIGTERM itself (the initializer fix): not inherited any more. */
	fx_jrecord(&j, "{\"t\":300,\"pid\":204,\"ppid\":100,\"ev\":\"handler\",\"func\":\"sigaction\",\"sig\":\"SIGTERM\",\"disp\":\"default\"}");
	/* An exec'd image's dispositions are not a fork inheritance. */
	snprintf(line, sizeof line, "{\"t\":400,\"pid\":203,\"ppid\":100,\"ev\":\"dispositions\",\"at\":\"exec\",%s}", list);
	fx_jrecord(&j, line);
	run(&j, &f);
	/* SIGTERM only: every Python process has a Python SIGINT handler. */
	assert_int_equal(fx_count(&f, SJ_FIND_INHERITED_HANDLER), 1);
	const struct sj_finding *term = NULL, *intr = NULL;
	for (size_t i = 0; i < f.n; i++) {
		if (f.v[i].sig == SIGTERM)
			term = &f.v[i];
		if (f.v[i].sig == SIGINT)
			intr = &f.v[i];
	}
	assert_non_null(term);
	assert_null(intr);
	assert_int_equal(term->severity, SJ_SEV_WARNING);
	assert_contains(term->cause, "2 workers forked by pid 100 (pids 201 and 202) inherited the parent's Python-level SIGTERM handler");
	assert_contains(term->cause, "join()");
	assert_contains(term->advice, "signal.SIG_DFL");
	assert_true(fx_has_pid(term, 100) && fx_has_pid(term, 201) && fx_has_pid(term, 202));
	assert_false(fx_has_pid(term, 203));
	assert_false(fx_has_pid(term, 204));
	sj_findings_free(&f);
	sj_journal_free(&j);
}

static void test_inherited_ignore(void **state)
{
	(void)state;
	struct sj_journal j = { 0 };
	struct sj_findings f;
	/* SIG_IGN for SIGTERM is a hazard; SIG_IGN for SIGINT is the remedy;
	 * a C-level (non-Python) SIGTERM handler is ordinary fork semantics. */
	fx_jrecord(&j, "{\"t\":1,\"pid\":301,\"ppid\":300,\"ev\":\"dispositions\",\"at\":\"fork\",\"list\":["
		   "{\"sig\":\"SIGTERM\",\"disp\":\"ignore\",\"python\":false},"
		   "{\"sig\":\"SIGINT\",\"disp\":\"ignore\",\"python\":false}]}");
	fx_jrecord(&j, "{\"t\":2,\"pid\":302,\"ppid\":300,\"ev\":\"dispositions\",\"at\":\"fork\",\"list\":["
		   "{\"sig\":\"SIGTERM\",\"disp\":\"handler\",\"module\":\"/tmp/cprog\",\"off\":\"0x99\",\"python\":false},"
		   "{\"sig\":\"SIGINT\",\"disp\":\"ignore\",\"python\":false}]}");
	run(&j, &f);
	assert_int_equal(f.n, 1);
	const struct sj_finding *i = fx_nth(&f, SJ_FIND_INHERITED_HANDLER, 0);
	assert_contains(i->cause, "1 worker forked by pid 300 (pid 301) inherited SIG_IGN for SIGTERM");
	sj_findings_free(&f);
	sj_journal_free(&j);
}

/* Deaths, injections, reaps, deliveries and kills alone are no findings in
 * journal-only mode (the CLI lists deaths separately). */
static void test_quiet_records(void **state)
{
	(void)state;
	struct sj_journal j = { 0 };
	struct sj_findings f;
	fx_jrecord(&j, "{\"t\":1,\"pid\":100,\"ppid\":1,\"ev\":\"start\",\"role\":\"parent\"}");
	fx_jrecord(&j, "{\"t\":2,\"pid\":100,\"ppid\":1,\"ev\":\"fork\",\"child\":101}");
	fx_jrecord(&j, "{\"t\":3,\"pid\":101,\"ppid\":100,\"ev\":\"inject\",\"hook\":\"read\",\"n\":3,\"action\":\"signal\",\"sig\":\"SIGKILL\",\"target\":\"self\"}");
	fx_jrecord(&j, "{\"t\":4,\"pid\":100,\"ppid\":1,\"ev\":\"reap\",\"child\":101,\"status\":\"killed by SIGKILL\",\"sig\":\"SIGKILL\"}");
	fx_jrecord(&j, "{\"t\":5,\"pid\":100,\"ppid\":1,\"ev\":\"handler\",\"func\":\"sigaction\",\"sig\":\"SIGTERM\",\"disp\":\"handler\",\"python\":true}");
	fx_jrecord(&j, "{\"t\":6,\"pid\":100,\"ppid\":1,\"ev\":\"deliver\",\"sig\":\"SIGTERM\",\"code\":\"SI_USER\",\"depth\":1}");
	fx_jrecord(&j, "{\"t\":7,\"pid\":100,\"ppid\":1,\"ev\":\"kill\",\"func\":\"kill\",\"target\":101,\"sig\":\"SIGTERM\"}");
	fx_jrecord(&j, "{\"t\":8,\"pid\":100,\"ppid\":1,\"ev\":\"exit\",\"func\":\"exit\",\"code\":0}");
	run(&j, &f);
	assert_int_equal(f.n, 0);
	sj_findings_free(&f);
	/* A NULL journal is no finding either. */
	assert_int_equal(sj_analyse_journal(NULL, &f), 0);
	assert_int_equal(f.n, 0);
	sj_journal_free(&j);
}

/* sj_analyse folds the journal rules in as well. */
static void test_analyse_includes_journal_rules(void **state)
{
	(void)state;
	struct sj_snapshot s;
	struct sj_journal j = { 0 };
	struct sj_findings f;
	fx_init(&s);
	fx_sleep(fx_thread(fx_proc(&s, 30, 1), 30, NULL));
	fx_jrecord(&j, "{\"t\":10,\"pid\":30,\"ppid\":1,\"ev\":\"nested\",\"sig\":\"SIGUSR1\",\"outer\":\"SIGTERM\",\"depth\":2}");
	analyse(&s, &j, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].kind, SJ_FIND_NESTED_HANDLER);
	sj_findings_free(&f);
	sj_journal_free(&j);
	sj_snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsafe_grouped),
		cmocka_unit_test(test_errno_clobber),
		cmocka_unit_test(test_nested_handler),
		cmocka_unit_test(test_inherited_python_sigterm),
		cmocka_unit_test(test_inherited_ignore),
		cmocka_unit_test(test_quiet_records),
		cmocka_unit_test(test_analyse_includes_journal_rules),
	};
	return cmocka_run_group_tests_name("analysis_journal", tests, NULL, NULL);
}
