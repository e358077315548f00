/* wrappers.c — the interposed functions made from the rows of wrappers.def,
 * and the records they share with the hand-written ones (wrappers_proc.c).
 *
 * Every wrapper keeps errno as the real function left it: the journal writer
 * and the rule engine save and restore it around their own syscalls. */
#include "shimcore.h"
#include "names.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Only declared by <bits/unistd.h> under _FORTIFY_SOURCE. */
extern ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen);

/* ---- shared records ---- */

static void note_kill(const char *func, long long target, int has_target, int sig)
{
	struct sj_jw w;
	if (SJ_UNLIKELY(!sj_ready()))
		sj_shim_init();
	if (!sj_journal_on())
		return;
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

/* A wait that returned a stopped/continued status (WUNTRACED, WCONTINUED)
 * reaped nothing. */
void sj_note_reap(const char *func, pid_t child, int status)
{
	struct sj_jw w;
	char text[64];
	size_t n = 0;
	const char *name;
	int sig;
	if (!WIFEXITED(status) && !WIFSIGNALED(status))
		return;
	sj_children_del(child);
	if (!sj_journal_on())
		return;
	sj_jw_begin(&w, "reap");
	sj_jw_str(&w, "func", func);
	sj_jw_int(&w, "child", child);
	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);
		char digits[4];
		int nd = 0;
		memcpy(text, "exited ", 7);
		n = 7;
		do {
			digits[nd++] = (char)('0' + code % 10);
			code /= 10;
		} while (code);
		while (nd)
			text[n++] = digits[--nd];
		text[n] = '\0';
		sj_jw_str(&w, "status", text);
		sj_jw_int(&w, "code", WEXITSTATUS(status));
		sj_jw_str(&w, "sig", NULL);
		sj_jw_bool(&w, "core", 0);
	} else {
		char num[16];
		sig = WTERMSIG(status);
		name = sj_signal_name(sig);
		if (!name) {
			int v = sig, nd = 0;
			char tmp[8];
			do {
				tmp[nd++] = (char)('0' + v % 10);
				v /= 10;
			} while (v);
			n = 0;
			while (nd)
				num[n++] = tmp[--nd];
			num[n] = '\0';
			name = num;
		}
		n = 0;
		memcpy(text, "killed by ", 10);
		n = 10;
		while (*name && n < 40)
			text[n++] = *name++;
		if (WCOREDUMP(status)) {
			memcpy(text + n, " (core dumped)", 14);
			n += 14;
		}
		text[n] = '\0';
		sj_jw_str(&w, "status", text);
		sj_jw_str(&w, "code", NULL);
		sj_jw_signame(&w, "sig", sig);
		sj_jw_bool(&w, "core", WCOREDUMP(status) != 0);
	}
	sj_jw_end(&w);
}

/* cmd is cut to 200 bytes (docs/journal.md), at a UTF-8 boundary. */
void sj_note_spawn(const char *func, pid_t child, const char *cmd)
{
	struct sj_jw w;
	char cut[201];
	if (SJ_UNLIKELY(!sj_ready()))
		sj_shim_init();
	if (child > 0)
		sj_children_add(child);
	if (!sj_journal_on())
		return;
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

static void note_exit(const char *func, int code)
{
	struct sj_call c = { SJ_HOOK_EXIT, func, -1, 0 };
	struct sj_plan plan;
	if (SJ_UNLIKELY(!sj_ready()))
		sj_shim_init();
	if (sj_journal_on()) {
		struct sj_jw w;
		sj_jw_begin(&w, "exit");
		sj_jw_str(&w, "func", func);
		sj_jw_int(&w, "code", code);
		sj_jw_end(&w);
	}
	if (sj_hook_live(SJ_HOOK_EXIT) && sj_rules_match(&c, &plan))
		sj_rules_apply(&c, &plan, SJ_SIDE_CALLER);
}

/* ---- the rows ---- */

#define SJ_REAL(name)                                                  \
	static __typeof__(name) *real_##name;                          \
	static void resolve_##name(void)                               \
	{                                                              \
		if (!real_##name)                                      \
			real_##name = (__typeof__(name) *)sj_resolve(#name); \
	}

#define SJ_IO(name, rtype, params, args, hook, fdv, cntv, fallback)                  \
	SJ_REAL(name)                                                              \
	SJ_EXPORT rtype name params                                                  \
	{                                                                          \
		struct sj_call c;                                                  \
		struct sj_plan plan;                                               \
		rtype r;                                                             \
		if (SJ_UNLIKELY(!real_##name))                                     \
			resolve_##name();                                          \
		if (SJ_LIKELY(!sj_hook_live(hook)))                                \
			return real_##name ? real_##name args : (rtype)(fallback);   \
		c = (struct sj_call){ hook, #name, fdv, 0 };                       \
		if (!sj_rules_match(&c, &plan))                                    \
			return real_##name ? real_##name args : (rtype)(fallback);   \
		sj_rules_apply(&c, &plan, SJ_SIDE_CALLER);                         \
		if (plan.skip) {                                                   \
			errno = plan.err;                                          \
			return (rtype)plan.ret;                                      \
		}                                                                  \
		if (plan.short_max < (uint64_t)cntv)                               \
			cntv = (size_t)plan.short_max;                             \
		r = real_##name ? real_##name args : (rtype)(fallback);              \
		sj_rules_finish(&plan);                                            \
		return r;                                                          \
	}

#define SJ_KILL(name, rtype, params, args, target, has_target, sig, fallback) \
	SJ_REAL(name)                                                       \
	SJ_EXPORT rtype name params                                           \
	{                                                                   \
		if (SJ_UNLIKELY(!real_##name))                              \
			resolve_##name();                                   \
		note_kill(#name, target, has_target, sig);                  \
		return real_##name ? real_##name args : (rtype)(fallback);    \
	}

#define SJ_REAP(name, rtype, params, args, status, fallback)                 \
	SJ_REAL(name)                                                      \
	SJ_EXPORT rtype name params                                          \
	{                                                                  \
		int local_status;                                          \
		rtype r;                                                     \
		if (SJ_UNLIKELY(!real_##name))                             \
			resolve_##name();                                  \
		if (!status)                                               \
			status = &local_status;                            \
		r = real_##name ? real_##name args : (rtype)(fallback);      \
		if (r > 0) {                                               \
			if (SJ_UNLIKELY(!sj_ready()))                      \
				sj_shim_init();                            \
			sj_note_reap(#name, r, *status);                   \
		}                                                          \
		return r;                                                  \
	}

#define SJ_EXIT(name, as_safe)                           \
	SJ_REAL(name)                                    \
	SJ_EXPORT void name(int status)                  \
	{                                                \
		if (SJ_UNLIKELY(!real_##name))           \
			resolve_##name();                \
		if (!(as_safe))                          \
			sj_note_unsafe(#name);           \
		note_exit(#name, status);                \
		if (real_##name)                         \
			real_##name(status);             \
		sj_sys_exit_group(status);               \
	}

#define SJ_SPAWN(name, params, args, path, pidp)                 \
	SJ_REAL(name)                                            \
	SJ_EXPORT int name params                                \
	{                                                        \
		int r;                                           \
		if (SJ_UNLIKELY(!real_##name))                   \
			resolve_##name();                        \
		if (!real_##name)                                \
			return ENOSYS;                           \
		r = real_##name args;                            \
		if (r == 0)                                      \
			sj_note_spawn(#name, pidp ? *pidp : -1, path); \
		return r;                                        \
	}

#include "wrappers.def"

#undef SJ_IO
#undef SJ_KILL
#undef SJ_REAP
#undef SJ_EXIT
#undef SJ_SPAWN

/* Constructor time: resolve every row while the process is single-threaded
 * and no allocator can be mid-call. */
void sj_wrappers_resolve_rows(void)
{
#define SJ_IO(name, ...) resolve_##name();
#define SJ_KILL(name, ...) resolve_##name();
#define SJ_REAP(name, ...) resolve_##name();
#define SJ_EXIT(name, as_safe) resolve_##name();
#define SJ_SPAWN(name, ...) resolve_##name();
#include "wrappers.def"
#undef SJ_IO
#undef SJ_KILL
#undef SJ_REAP
#undef SJ_EXIT
#undef SJ_SPAWN
}
