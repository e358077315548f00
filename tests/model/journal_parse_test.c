/* journal_parse_test.c — reading hand-written journals: every record kind
 * of docs/journal.md, interleaved writers, out-of-order timestamps, a torn
 * last line, garbage lines, and the file API. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <errno.h>
#include <unistd.h>
#include <cmocka.h>

#include "model.h"

/* One of every record kind, as the shim writes them (written order is not
 * time order: t jumps back where another process's write landed late). */
static const char every_kind[] =
	"{\"v\":1,\"t\":1000,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"start\",\"exe\":\"/usr/bin/python3\",\"comm\":\"python3\",\"role\":\"parent\",\"rules\":2,\"seed\":7,\"check\":true}\n"
	"{\"v\":1,\"t\":2000,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"handler\",\"func\":\"sigaction\",\"sig\":\"SIGTERM\",\"disp\":\"handler\",\"addr\":\"0x55d0c0de1000\",\"module\":\"/usr/bin/python3\",\"off\":\"0x1000\",\"flags\":\"SA_RESTART|SA_SIGINFO\",\"python\":true}\n"
	"{\"v\":1,\"t\":3000,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"fork\",\"func\":\"fork\",\"child\":101}\n"
	"{\"v\":1,\"t\":3100,\"pid\":101,\"ppid\":100,\"tid\":101,\"ev\":\"dispositions\",\"at\":\"fork\",\"list\":[{\"sig\":\"SIGTERM\",\"disp\":\"handler\",\"addr\":\"0x55d0c0de1000\",\"module\":\"/usr/bin/python3\",\"off\":\"0x1000\",\"python\":true}]}\n"
	"{\"v\":1,\"t\":3050,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"spawn\",\"func\":\"posix_spawn\",\"child\":102,\"cmd\":\"/bin/true\"}\n"
	"{\"v\":1,\"t\":4000,\"pid\":101,\"ppid\":100,\"tid\":101,\"ev\":\"inject\",\"comm\":\"python3\",\"rule\":0,\"spec\":\"read:in=child:fd=pipe:when=3:signal=KILL@self\",\"hook\":\"read\",\"func\":\"read\",\"n\":3,\"fd\":5,\"fdkind\":\"pipe\",\"action\":\"signal\",\"sig\":\"SIGKILL\",\"target\":\"self\"}\n"
	"{\"v\":1,\"t\":4100,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"reap\",\"func\":\"waitpid\",\"child\":101,\"status\":\"killed by SIGKILL\",\"code\":null,\"sig\":\"SIGKILL\",\"core\":false}\n"
	"{\"v\":1,\"t\":4200,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"deliver\",\"sig\":\"SIGCHLD\",\"code\":\"CLD_KILLED\",\"from\":101,\"depth\":1}\n"
	"{\"v\":1,\"t\":4300,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"unsafe\",\"sig\":\"SIGCHLD\",\"call\":\"malloc\",\"bt\":[{\"m\":\"/lib/x86_64-linux-gnu/libc.so.6\",\"o\":\"0x9a0f0\"},{\"m\":\"/usr/bin/python3\",\"o\":\"0x1234\"},{\"m\":\"/big\",\"o\":\"0xffffffffffffff00\"}]}\n"
	"{\"v\":1,\"t\":4400,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"errno\",\"sig\":\"SIGCHLD\",\"before\":\"EINTR\",\"after\":\"ECHILD\",\"addr\":\"0x1\",\"module\":\"/usr/bin/python3\",\"off\":\"0x1\"}\n"
	"{\"v\":1,\"t\":4500,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"nested\",\"sig\":\"SIGTERM\",\"outer\":\"SIGCHLD\",\"depth\":2}\n"
	"{\"v\":1,\"t\":4600,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"kill\",\"func\":\"kill\",\"target\":-100,\"sig\":\"SIGINT\"}\n"
	"{\"v\":1,\"t\":4700,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"kill\",\"func\":\"kill\",\"target\":102,\"sig\":0}\n"
	"{\"v\":1,\"t\":4800,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"inject\",\"rule\":1,\"spec\":\"read:p=0.1:error=EINTR\",\"hook\":\"read\",\"func\":\"__read_chk\",\"n\":12,\"action\":\"error\",\"errno\":\"EINTR\"}\n"
	"{\"v\":1,\"t\":4900,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"inject\",\"rule\":2,\"spec\":\"fork:in=parent:when=2:signal=INT@group\",\"hook\":\"fork\",\"func\":\"fork\",\"n\":2,\"action\":\"signal\",\"sig\":\"SIGINT\",\"target\":\"group\",\"target_pid\":-100}\n"
	"{\"v\":1,\"t\":4910,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"inject\",\"rule\":3,\"hook\":\"write\",\"func\":\"write\",\"n\":1,\"action\":\"delay\",\"ns\":250000000}\n"
	"{\"v\":1,\"t\":4920,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"inject\",\"rule\":4,\"hook\":\"read\",\"func\":\"read\",\"n\":1,\"action\":\"retval\",\"retval\":-1}\n"
	"{\"v\":1,\"t\":4930,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"inject\",\"rule\":5,\"hook\":\"read\",\"func\":\"read\",\"n\":1,\"action\":\"short\",\"short\":1,\"trunc\":true}\n"
	"{\"v\":1,\"t\":5000,\"pid\":100,\"ppid\":1,\"tid\":100,\"ev\":\"exit\",\"func\":\"exit\",\"code\":3}\n";

static const struct sj_jevent *find(const struct sj_journal *j, const char *ev, int64_t t)
{
	for (size_t i = 0; i < j->n; i++)
		if (strcmp(j->ev[i].ev, ev) == 0 && j->ev[i].t_ns == t)
			return &j->ev[i];
	fail_msg("no %s event at t=%lld", ev, (long long)t);
	return NULL;
}

static void parse_ok(const char *text, struct sj_journal *j)
{
	char err[256] = "";
	if (sj_journal_parse_text(text, strlen(text), j, err, sizeof err) != 0)
		fail_msg("parse failed: %s", err);
}

static void test_every_kind(void **state)
{
	struct sj_journal j;
	const struct sj_jevent *e;

	parse_ok(every_kind, &j);
	assert_int_equal(j.n, 19);
	assert_int_equal(j.bad_lines, 0);

	e = find(&j, "start", 1000);
	assert_int_equal(e->pid, 100);
	assert_int_equal(e->ppid, 1);
	assert_int_equal(e->tid, 100);
	assert_string_equal(e->comm, "python3");
	assert_int_equal(e->fd, -1);
	assert_int_equal(e->err, -1);
	assert_int_equal(e->code, -1);
	assert_int_equal(e->sig, 0);
	assert_null(e->hook);
	assert_string_equal(e->exe, "/usr/bin/python3");
	assert_string_equal(e->role, "parent");
	assert_true(e->rules.set && e->rules.v == 2);
	assert_true(e->seed.set && e->seed.v == 7);
	assert_int_equal(e->check, 1);
	assert_false(e->rule.set);
	assert_false(e->trunc);
	/* the record object, kept for the verbatim copy in the JSON report */
	assert_non_null(e->record);

	e = find(&j, "handler", 2000);
	assert_string_equal(e->func, "sigaction");
	assert_int_equal(e->sig, SIGTERM);
	assert_string_equal(e->disp, "handler");
	assert_true(e->addr.set && e->addr.v == 0x55d0c0de1000);
	assert_string_equal(e->module, "/usr/bin/python3");
	assert_true(e->off.set && e->off.v == 0x1000);
	assert_string_equal(e->flags, "SA_RESTART|SA_SIGINFO");
	assert_int_equal(e->python, 1);

	e = find(&j, "fork", 3000);
	assert_int_equal(e->child, 101);
	assert_string_equal(e->func, "fork");

	e = find(&j, "spawn", 3050);
	assert_string_equal(e->func, "posix_spawn");
	assert_int_equal(e->child, 102);
	assert_string_equal(e->cmd, "/bin/true");

	e = find(&j, "dispositions", 3100);
	assert_string_equal(e->at, "fork");
	assert_int_equal(e->ppid, 100);
	assert_int_equal(e->ndisps, 1);
	assert_int_equal(e->disps[0].sig, SIGTERM);
	assert_string_equal(e->disps[0].disp, "handler");
	assert_string_equal(e->disps[0].module, "/usr/bin/python3");
	assert_true(e->disps[0].addr.set && e->disps[0].addr.v == 0x55d0c0de1000);
	assert_true(e->disps[0].off.set && e->disps[0].off.v == 0x1000);
	assert_int_equal(e->disps[0].python, 1);

	e = find(&j, "inject", 4000);
	assert_string_equal(e->hook, "read");
	assert_string_equal(e->func, "read");
	assert_string_equal(e->action, "signal");
	assert_string_equal(e->fdkind, "pipe");
	assert_string_equal(e->target, "self");
	assert_int_equal(e->fd, 5);
	assert_int_equal(e->n, 3);
	assert_int_equal(e->sig, SIGKILL);
	assert_int_equal(e->target_pid, 0);
	assert_true(e->rule.set && e->rule.v == 0);
	assert_string_equal(e->spec, "read:in=child:fd=pipe:when=3:signal=KILL@self");
	assert_string_equal(e->comm, "python3");

	e = find(&j, "reap", 4100);
	assert_string_equal(e->status, "killed by SIGKILL");
	assert_int_equal(e->child, 101);
	assert_int_equal(e->code, -1); /* "code":null */
	assert_int_equal(e->sig, SIGKILL);
	assert_int_equal(e->core, 0);

	e = find(&j, "deliver", 4200);
	assert_int_equal(e->sig, SIGCHLD);
	assert_int_equal(e->code, -1); /* an si_code name is not an exit code */
	assert_string_equal(e->si_code, "CLD_KILLED");
	assert_true(e->from.set && e->from.v == 101);
	assert_int_equal(e->depth, 1);

	e = find(&j, "unsafe", 4300);
	assert_string_equal(e->call, "malloc");
	assert_int_equal(e->sig, SIGCHLD);
	assert_int_equal(e->nbt, 3);
	assert_string_equal(e->bt[0].module, "/lib/x86_64-linux-gnu/libc.so.6");
	assert_true(e->bt[0].off == 0x9a0f0);
	assert_string_equal(e->bt[1].module, "/usr/bin/python3");
	assert_true(e->bt[1].off == 0x1234);
	assert_true(e->bt[2].off == 0xffffffffffffff00ull);
	assert_null(e->bt[0].func);

	e = find(&j, "errno", 4400);
	assert_int_equal(e->sig, SIGCHLD);
	assert_true(e->before.set && e->before.v == EINTR);
	assert_true(e->after.set && e->after.v == ECHILD);
	assert_string_equal(e->module, "/usr/bin/python3");
	assert_true(e->off.set && e->off.v == 1);

	e = find(&j, "nested", 4500);
	assert_int_equal(e->sig, SIGTERM);
	assert_int_equal(e->outer, SIGCHLD);
	assert_int_equal(e->depth, 2);

	e = find(&j, "kill", 4600);
	assert_int_equal(e->target_pid, -100);
	assert_null(e->target);
	assert_int_equal(e->sig, SIGINT);
	e = find(&j, "kill", 4700);
	assert_int_equal(e->target_pid, 102);
	assert_int_equal(e->sig, 0); /* existence probe */

	e = find(&j, "inject", 4800);
	assert_int_equal(e->err, EINTR);
	assert_string_equal(e->func, "__read_chk");
	assert_int_equal(e->n, 12);

	e = find(&j, "inject", 4900);
	assert_string_equal(e->target, "group");
	assert_int_equal(e->target_pid, -100);

	e = find(&j, "inject", 4910);
	assert_true(e->ns.set && e->ns.v == 250000000);
	assert_false(e->retval.set);
	e = find(&j, "inject", 4920);
	assert_true(e->retval.set && e->retval.v == -1);
	e = find(&j, "inject", 4930);
	assert_true(e->short_len.set && e->short_len.v == 1);
	assert_true(e->trunc);

	e = find(&j, "exit", 5000);
	assert_int_equal(e->code, 3);

	sj_journal_free(&j);
	assert_int_equal(j.n, 0);
	assert_null(j.ev);
}

static void test_sorted_by_time_stably(void **state)
{
	/* Two writers; pid 201's records reached the file late.  Equal
	 * timestamps keep their written order. */
	static const char text[] =
		"{\"v\":1,\"t\":50,\"pid\":200,\"tid\":200,\"ev\":\"fork\",\"child\":201}\n"
		"{\"v\":1,\"t\":90,\"pid\":200,\"tid\":200,\"ev\":\"exit\",\"code\":0}\n"
		"{\"v\":1,\"t\":60,\"pid\":201,\"tid\":201,\"ev\":\"start\"}\n"
		"{\"v\":1,\"t\":70,\"pid\":201,\"tid\":201,\"ev\":\"kill\",\"target\":200,\"sig\":\"SIGUSR1\"}\n"
		"{\"v\":1,\"t\":70,\"pid\":201,\"tid\":202,\"ev\":\"kill\",\"target\":200,\"sig\":\"SIGUSR2\"}\n"
		"{\"v\":1,\"t\":70,\"pid\":200,\"tid\":200,\"ev\":\"deliver\",\"sig\":\"SIGUSR1\"}\n"
		"{\"v\":1,\"t\":10,\"pid\":200,\"tid\":200,\"ev\":\"start\"}\n";
	static const struct { int64_t t; pid_t tid; const char *ev; } want[] = {
		{ 10, 200, "start" }, { 50, 200, "fork" }, { 60, 201, "start" }, { 70, 201, "kill" },
		{ 70, 202, "kill" }, { 70, 200, "deliver" }, { 90, 200, "exit" },
	};
	struct sj_journal j;

	parse_ok(text, &j);
	assert_int_equal(j.n, 7);
	for (size_t i = 0; i < j.n; i++) {
		assert_int_equal(j.ev[i].t_ns, want[i].t);
		assert_int_equal(j.ev[i].tid, want[i].tid);
		assert_string_equal(j.ev[i].ev, want[i].ev);
	}
	assert_int_equal(j.ev[3].sig, SIGUSR1);
	assert_int_equal(j.ev[4].sig, SIGUSR2);
	sj_journal_free(&j);
}

static void test_garbage_and_torn_tail(void **state)
{
	static const char text[] =
		"\n"
		"{\"v\":1,\"t\":1,\"pid\":1,\"ev\":\"start\"}\n"
		"not json at all\n"
		"   \t\r\n"                                         /* blank: not counted */
		"{\"v\":1,\"t\":2,\"pid\":1}\n"                      /* no ev */
		"{\"v\":1,\"t\":\"soon\",\"pid\":1,\"ev\":\"x\"}\n"  /* t not a number */
		"{\"t\":3,\"pid\":1,\"ev\":\"exit\"}\n"              /* no version */
		"{\"v\":0,\"t\":3,\"pid\":1,\"ev\":\"exit\"}\n"      /* bad version */
		"[1,2,3]\n"
		"{\"v\":1,\"t\":4,\"pid\":1,\"ev\":\"exit\"} trailing\n"
		"{\"v\":1,\"t\":5,\"pid\":1,\"ev\":\"exit\",\"code\":7}\r\n" /* CRLF is fine */
		"{\"v\":2,\"t\":6,\"pid\":1,\"ev\":\"future\",\"new\":{}}\n"
		"{\"v\":1,\"t\":7,\"pid\":1,\"ev\":\"inj"; /* torn: writer killed */
	struct sj_journal j;

	parse_ok(text, &j);
	assert_int_equal(j.n, 3);
	assert_int_equal(j.bad_lines, 7);
	assert_string_equal(j.ev[0].ev, "start");
	assert_string_equal(j.ev[1].ev, "exit");
	assert_int_equal(j.ev[1].code, 7);
	assert_string_equal(j.ev[2].ev, "future");
	sj_journal_free(&j);
}

static void test_final_line_without_newline_is_kept(void **state)
{
	static const char text[] = "{\"v\":1,\"t\":1,\"pid\":1,\"ev\":\"start\"}\n"
				   "{\"v\":1,\"t\":2,\"pid\":1,\"ev\":\"exit\",\"code\":0}";
	struct sj_journal j;
	parse_ok(text, &j);
	assert_int_equal(j.n, 2);
	assert_int_equal(j.bad_lines, 0);
	assert_int_equal(j.ev[1].code, 0);
	sj_journal_free(&j);
}

static void test_field_variants(void **state)
{
	/* Numbers above 2^53 arrive as hex strings; real-time signals and
	 * unknown errnos as numbers; a bt frame without an offset is dropped. */
	static const char text[] =
		"{\"v\":1,\"t\":\"0x20000000000001\",\"pid\":9,\"ev\":\"inject\",\"sig\":40,\"errno\":4000,\"n\":\"0x10\",\"fd\":\"x\"}\n"
		"{\"v\":1,\"t\":2,\"pid\":9,\"ev\":\"unsafe\",\"sig\":\"10\",\"bt\":[{\"m\":\"/a\"},7,{\"o\":\"0x10\"},{\"m\":\"/b\",\"o\":32}]}\n"
		"{\"v\":1,\"t\":3,\"pid\":9,\"ev\":\"reap\",\"child\":10,\"code\":null,\"sig\":\"SIGSEGV\",\"core\":true,\"errno\":\"ENOTANERRNO\"}\n"
		"{\"v\":1,\"t\":4,\"pid\":9,\"ev\":\"exit\",\"comm\":\"w\\u00e9\\n\",\"trunc\":true}\n";
	struct sj_journal j;

	parse_ok(text, &j);
	assert_int_equal(j.n, 4);
	assert_int_equal(j.bad_lines, 0);
	/* sorted: t=2,3,4 then 2^53+1 */
	assert_string_equal(j.ev[0].ev, "unsafe");
	assert_int_equal(j.ev[0].sig, 10);
	assert_int_equal(j.ev[0].nbt, 2);
	assert_null(j.ev[0].bt[0].module);
	assert_true(j.ev[0].bt[0].off == 0x10);
	assert_string_equal(j.ev[0].bt[1].module, "/b");
	assert_true(j.ev[0].bt[1].off == 32);

	assert_int_equal(j.ev[1].core, 1);
	assert_int_equal(j.ev[1].sig, SIGSEGV);
	assert_int_equal(j.ev[1].err, -1);
	assert_int_equal(j.ev[1].code, -1);

	assert_string_equal(j.ev[2].comm, "w\xc3\xa9\n");

	assert_true(j.ev[3].t_ns == 0x20000000000001ll);
	assert_int_equal(j.ev[3].sig, 40);
	assert_int_equal(j.ev[3].err, 4000);
	assert_int_equal(j.ev[3].n, 16);
	assert_int_equal(j.ev[3].fd, -1);
	sj_journal_free(&j);
}

static void test_empty_text(void **state)
{
	struct sj_journal j;
	char err[64];
	assert_int_equal(sj_journal_parse_text("", 0, &j, err, sizeof err), 0);
	assert_int_equal(j.n, 0);
	assert_int_equal(j.bad_lines, 0);
	sj_journal_free(&j);
	assert_int_equal(sj_journal_parse_text(NULL, 0, &j, err, sizeof err), 0);
	assert_int_equal(sj_journal_parse_text(NULL, 5, &j, err, sizeof err), -1);
	assert_non_null(strstr(err, "no journal text"));
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/sigjam-journal-test-XXXXXX";
	char err[256] = "";
	struct sj_journal j;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	/* Larger than one read() buffer, to cover the growth path. */
	for (int i = 0; i < 3000; i++)
		assert_true(write(fd, every_kind, sizeof every_kind - 1) == (ssize_t)(sizeof every_kind - 1));
	close(fd);
	assert_int_equal(sj_journal_load(path, &j, err, sizeof err), 0);
	assert_int_equal(j.n, 19 * 3000);
	assert_int_equal(j.bad_lines, 0);
	for (size_t i = 1; i < j.n; i++)
		assert_true(j.ev[i - 1].t_ns <= j.ev[i].t_ns);
	assert_string_equal(j.ev[0].ev, "start");
	assert_string_equal(j.ev[j.n - 1].ev, "exit");
	sj_journal_free(&j);
	unlink(path);

	assert_int_equal(sj_journal_load(path, &j, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot open journal"));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(j.n, 0);
}

static uint32_t next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Damaged journals (bytes replaced, dropped, newlines inserted): never a
 * crash or leak (the ASan build checks), every line is either an event or
 * counted, and the result stays sorted. */
static void test_mutated_journals(void **state)
{
	static const char bytes[] = "{}[]\":,0x19-\n\\u ";
	uint32_t seed = 0xfeedbeefu;
	size_t len = sizeof every_kind - 1, kept = 0;
	char *text = malloc(len + 1);
	assert_non_null(text);

	for (int round = 0; round < 300; round++) {
		struct sj_journal j;
		char err[128];
		size_t lines = 0, n = len;
		memcpy(text, every_kind, len + 1);
		for (int k = 0; k < 8; k++) {
			size_t at = next_rand(&seed) % n;
			if (next_rand(&seed) % 4 == 0) {
				memmove(text + at, text + at + 1, n - at);
				n--;
			} else {
				text[at] = bytes[next_rand(&seed) % (sizeof bytes - 1)];
			}
		}
		for (size_t i = 0; i < n; i++)
			lines += text[i] == '\n';
		assert_int_equal(sj_journal_parse_text(text, n, &j, err, sizeof err), 0);
		assert_true(j.n + j.bad_lines <= lines + 1);
		kept += j.n;
		for (size_t i = 1; i < j.n; i++)
			assert_true(j.ev[i - 1].t_ns <= j.ev[i].t_ns);
		for (size_t i = 0; i < j.n; i++)
			assert_non_null(j.ev[i].ev);
		sj_journal_free(&j);
	}
	free(text);
	assert_true(kept > 300 * 4); /* the damage left records to read */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_sorted_by_time_stably),
		cmocka_unit_test(test_garbage_and_torn_tail),
		cmocka_unit_test(test_final_line_without_newline_is_kept),
		cmocka_unit_test(test_field_variants),
		cmocka_unit_test(test_empty_text),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_mutated_journals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
