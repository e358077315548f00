/* wrappers.c — layer 6: the interposed functions made from the rows of
 * wrappers.def, and the records they share with the hand-written ones
 * (wrappers_proc.c, vfork.c).
 *
 * Every wrapper first asks whether it runs in a vfork child (sys.h): then it
 * calls the real function and writes at most a record built on its stack.
 * Every wrapper keeps errno as the real function left it: the journal writer
 * and the rule engine save and restore it around their own syscalls. */
#include "init.h"
#include "handlers.h"
#include "journal.h"
#include "names.h"
#include "real.h"
#include "rules.h"
#include "wrappers.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* Only declared by <bits/unistd.h> under _FORTIFY_SOURCE. */
extern ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen);

/* ---- shared records ---- */

static SJ_NOINLINE void kill_record(const char *func, long long target, int has_target, int sig)
{
	struct sj_jw w;
	sj_jw_begin(&w, "kill");
	sj_jw_str(&w, "func", func);
	if (has_target)
		sj_jw_int(&w, "target", target);
	else
		sj_jw_str(&w, "target", NULL);
	if (sig == 0)
		sj_jw_int(&w, "sig", 0); /* existence probe */
	else
		sj_jw_signame(&w, "sig", sig);
	sj_jw_end(&w);
}

static void note_kill(const char *func, long long target, int has_target, int sig)
{
	if (!sj_in_vfork_child())
		sj_init_ensure();
	if (sj_journal_on())
		kill_record(func, target, has_target, sig);
}

/* "exited 3", "killed by SIGKILL (core dumped)" into text (64 bytes). */
static void status_text(int status, char *text)
{
	size_t n;
	if (WIFEXITED(status)) {
		memcpy(text, "exited ", 7);
		sj_utoa((uint64_t)WEXITSTATUS(status), text + 7);
		return;
	}
	const char *name = sj_signal_name(WTERMSIG(status));
	memcpy(text, "killed by ", 10);
	n = 10;
	if (name) {
		size_t l = strlen(name);
		memcpy(text + n, name, l);
		n += l;
	} else {
		n += sj_utoa((uint64_t)WTERMSIG(status), text + n);
	}
	if (WCOREDUMP(status)) {
		memcpy(text + n, " (core dumped)", 14);
		n += 14;
	}
	text[n] = '\0';
}

/* Each record is written by a function of its own (SJ_NOINLINE), entered
 * only when sj_journal_on() said the stack has room for its buffer: the
 * caller may be a handler on a small alternate signal stack (journal.h). */

static SJ_NOINLINE void reap_record(const char *func, pid_t child, int status)
{
	struct sj_jw w;
	char text[64];
	status_text(status, text);
	sj_jw_begin(&w, "reap");
	sj_jw_str(&w, "func", func);
	sj_jw_int(&w, "child", child);
	sj_jw_str(&w, "status", text);
	if (WIFEXITED(status)) {
		sj_jw_int(&w, "code", WEXITSTATUS(status));
		sj_jw_str(&w, "sig", NULL);
		sj_jw_bool(&w, "core", 0);
	} else {
		sj_jw_str(&w, "code", NULL);
		sj_jw_signame(&w, "sig", WTERMSIG(status));
		sj_jw_bool(&w, "core", WCOREDUMP(status) != 0);
	}
	sj_jw_end(&w);
}

/* A wait that returned a stopped/continued status (WUNTRACED, WCONTINUED)
 * reaped nothing. */
void sj_note_reap(const char *func, pid_t child, int status)
{
	if (!WIFEXITED(status) && !WIFSIGNALED(status))
		return;
	if (!sj_in_vfork_child()) {
		sj_init_ensure();
		sj_children_del(child);
	}
	if (sj_journal_on())
		reap_record(func, child, status);
}

/* cmd is cut to 200 bytes (docs/journal.md), at a UTF-8 boundary. */
static SJ_NOINLINE void spawn_record(const char *func, pid_t child, const char *cmd)
{
	struct sj_jw w;
	char cut[201];
	sj_jw_begin(&w, "spawn");
	sj_jw_str(&w, "func", func);
	if (child > 0)
		sj_jw_int(&w, "child", child);
	if (cmd) {
		size_t n = strlen(cmd);
		if (n > 200) {
			n = 200;
			while (n > 0 && ((unsigned char)cmd[n] & 0xc0) == 0x80)
				n--;
		}
		memcpy(cut, cmd, n);
		cut[n] = '\0';
	}
	sj_jw_str(&w, "cmd", cmd ? cut : NULL);
	sj_jw_end(&w);
}

void sj_note_spawn(const char *func, pid_t child, const char *cmd)
{
	if (!sj_in_vfork_child()) {
		sj_init_ensure();
		if (child > 0)
			sj_children_add(child);
	}
	if (sj_journal_on())
		spawn_record(func, child, cmd);
}

/* `fork` and `exit`: func and one number. */
static SJ_NOINLINE void func_record(const char *ev, const char *func, const char *key, long long v)
{
	struct sj_jw w;
	sj_jw_begin(&w, ev);
	sj_jw_str(&w, "func", func);
	sj_jw_int(&w, key, v);
	sj_jw_end(&w);
}

void sj_note_fork(const char *func, pid_t child)
{
	sj_children_add(child);
	if (sj_journal_on())
		func_record("fork", func, "child", child);
}

static void note_exit(const char *func, int code)
{
	struct sj_call c = { SJ_HOOK_EXIT, func, -1, 0 };
	struct sj_plan plan;
	int vforked = sj_in_vfork_child();
	if (!vforked)
		sj_init_ensure();
	if (sj_journal_on())
		func_record("exit", func, "code", code);
	if (!vforked && sj_hook_live(SJ_HOOK_EXIT) && sj_rules_match(&c, &plan))
		sj_rules_apply(&c, &plan, SJ_SIDE_CALLER);
}

/* ---- the rows ---- */

/* Four functions per row, so that each path pays only for what it needs:
 * the exported wrapper reads one byte (sj_state.fast) and, for a hook with
 * no rule, jumps to libc, and for a hook whose rules have no per-call
 * filter, counts the call (one add and one compare while no rule is due)
 * and jumps to libc; `armed` is the careful path (before init, rules with
 * filters, a vfork child); `ruled` decides and acts; `cold` runs before the
 * shim is ready (init first).  The first two only jump, so they need no
 * stack frame.  SJ_TALLY_PARAMS adds the tally to a parenthesised
 * parameter list, SJ_TALLY_ARGS to an argument list. */
#define SJ_TALLY_PARAMS(...) (__VA_ARGS__, struct sj_tally tally_)
#define SJ_TALLY_ARGS(...) (__VA_ARGS__, tally_)

#define SJ_IO(name, rtype, params, args, hook, fdv, cntv, fallback)                \
	static SJ_NOINLINE rtype name##_ruled SJ_TALLY_PARAMS params               \
	{                                                                          \
		__typeof__(name) *real_ = SJ_REAL_KNOWN(name);                     \
		struct sj_call c = { hook, #name, fdv, 0 };                        \
		struct sj_plan plan;                                               \
		rtype r;                                                           \
		if (!sj_rules_decide(&c, &plan, tally_))                           \
			return real_ ? real_ args : (rtype)(fallback);             \
		sj_rules_apply(&c, &plan, SJ_SIDE_CALLER);                         \
		if (plan.skip) {                                                   \
			errno = plan.err;                                          \
			return (rtype)plan.ret;                                    \
		}                                                                  \
		if (plan.short_max < (uint64_t)cntv)                               \
			cntv = (size_t)plan.short_max;                             \
		r = real_ ? real_ args : (rtype)(fallback);                        \
		sj_rules_finish(&plan);                                            \
		return r;                                                          \
	}                                                                          \
	static rtype name##_armed params;                                          \
	static SJ_NOINLINE rtype name##_cold params                                \
	{                                                                          \
		__typeof__(name) *real_ = SJ_REAL_FN(name);                        \
		if (!sj_in_vfork_child() && sj_hook_live(hook))                    \
			return name##_armed args;                                  \
		return real_ ? real_ args : (rtype)(fallback);                     \
	}                                                                          \
	/* Once ready, the real function is known or missing for good. */         \
	static SJ_NOINLINE rtype name##_armed params                               \
	{                                                                          \
		__typeof__(name) *real_ = SJ_REAL_KNOWN(name);                     \
		struct sj_tally tally_;                                            \
		if (SJ_UNLIKELY(!sj_ready()))                                      \
			return name##_cold args;                                   \
		if (sj_in_vfork_child() || !sj_g.armed[hook] || sj_rules_quiet(hook, fdv, &tally_)) \
			return real_ ? real_ args : (rtype)(fallback);             \
		return name##_ruled SJ_TALLY_ARGS args;                            \
	}                                                                          \
	SJ_EXPORT rtype name params                                                \
	{                                                                          \
		__typeof__(name) *real_ = SJ_REAL_KNOWN(name);                     \
		struct sj_tally tally_;                                            \
		if (SJ_UNLIKELY(real_ == NULL))                                    \
			return name##_armed args;                                  \
		if (SJ_LIKELY(sj_g.fast[hook] == SJ_FAST_BYPASS))                  \
			return real_ args;                                         \
		if (sj_g.fast[hook] != SJ_FAST_PLAIN || sj_in_vfork_child())       \
			return name##_armed args;                                  \
		if (sj_rules_quiet_plain(hook, &tally_))                           \
			return real_ args;                                         \
		return name##_ruled SJ_TALLY_ARGS args;                            \
	}

#define SJ_KILL(name, rtype, params, args, target, has_target, sig, fallback) \
	SJ_EXPORT rtype name params                                           \
	{                                                                     \
		__typeof__(name) *real_ = SJ_REAL_FN(name);                   \
		note_kill(#name, target, has_target, sig);                    \
		return real_ ? real_ args : (rtype)(fallback);                \
	}

#define SJ_REAP(name, rtype, params, args, status, fallback)                 \
	SJ_EXPORT rtype name params                                          \
	{                                                                    \
		__typeof__(name) *real_ = SJ_REAL_FN(name);                  \
		int local_status;                                            \
		rtype r;                                                     \
		if (!status)                                                 \
			status = &local_status;                              \
		r = real_ ? real_ args : (rtype)(fallback);                  \
		if (r > 0)                                                   \
			sj_note_reap(#name, r, *status);                     \
		return r;                                                    \
	}

#define SJ_EXIT(name, as_safe)                                   \
	SJ_EXPORT void name(int status)                          \
	{                                                        \
		__typeof__(name) *real_ = SJ_REAL_FN(name);      \
		if (!(as_safe))                                  \
			sj_note_unsafe(#name);                   \
		note_exit(#name, status);                        \
		if (real_)                                       \
			real_(status);                           \
		sj_sys_exit_group(status);                       \
	}

#define SJ_SPAWN(name, params, args, path, pidp)                 \
	SJ_EXPORT int name params                                \
	{                                                        \
		__typeof__(name) *real_ = SJ_REAL_FN(name);      \
		int r;                                           \
		if (!real_)                                      \
			return ENOSYS;                           \
		r = real_ args;                                  \
		if (r == 0)                                      \
			sj_note_spawn(#name, pidp ? *pidp : -1, path); \
		return r;                                        \
	}

#include "wrappers.def"
