/* state.c — layer 3: the process's state (state.h): configuration from the
 * environment, the role and seed of the process, the children table, and
 * the rules of each hook. */
#include "state.h"
#include "journal.h"
#include "real.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct sj_state sj_g;

/* ---- seeds ---- */

/* FNV-1a over the command line: an exec'd child's stream must not depend on
 * pid values (they differ between runs), only on what was run. */
static uint64_t cmdline_hash(void)
{
	char buf[1024];
	uint64_t h = 0xcbf29ce484222325ull;
	ssize_t n, i;
	int fd = sj_sys_open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return h;
	while ((n = sj_sys_read(fd, buf, sizeof buf)) > 0)
		for (i = 0; i < n; i++)
			h = (h ^ (unsigned char)buf[i]) * 0x100000001b3ull;
	sj_sys_close(fd);
	return h;
}

static uint64_t rule_seed(unsigned i)
{
	const struct sj_rule *r = &sj_g.spec.rules[i];
	uint64_t base = r->has_seed ? sj_mix64(r->seed ^ sj_g.proc_seed) : sj_g.proc_seed;
	return sj_mix64(base + 0x632be59bd9b4e019ull * (i + 1));
}

/* Fresh counters and hints, and the streams of this process. */
static void reset_rules(void)
{
	unsigned h, i;
	for (i = 0; i < sj_g.spec.n; i++) {
		sj_g.sched[i].seed = rule_seed(i);
		atomic_store(&sj_g.count[i], 0);
		atomic_store(&sj_g.next[i], sj_sched_next(&sj_g.sched[i], 0));
	}
	for (h = 0; h < SJ_HOOK_COUNT; h++) {
		struct sj_hook_rules *hr = &sj_g.hooks[h];
		uint64_t next = UINT64_MAX;
		for (i = 0; i < hr->n; i++) {
			uint64_t m = sj_sched_next(&sj_g.sched[hr->rules[i]], 0);
			if (sj_g.call_filters[hr->rules[i]] == 0 && m < next)
				next = m;
		}
		atomic_store(&hr->count, 0);
		atomic_store(&hr->next, next);
	}
}

static uint64_t parse_seed(const char *s)
{
	char *end;
	uint64_t v;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return sj_mix64(cmdline_hash() ^ (uintptr_t)s[0]); /* not a number: still deterministic */
	return v;
}

/* ---- children table ---- */

void sj_children_add(pid_t pid)
{
	unsigned i;
	for (i = 0; i < SJ_MAX_CHILDREN; i++) {
		pid_t zero = 0;
		if (atomic_compare_exchange_strong(&sj_g.children[i], &zero, pid))
			return;
	}
	/* Full: @children will miss this one (documented limit). */
}

void sj_children_del(pid_t pid)
{
	unsigned i;
	for (i = 0; i < SJ_MAX_CHILDREN; i++) {
		pid_t p = pid;
		if (atomic_compare_exchange_strong(&sj_g.children[i], &p, 0))
			return;
	}
}

/* ---- the rules of this process ---- */

static int rule_fits_process(const struct sj_rule *r, const struct sj_sched *s)
{
	if (s->mode == SJ_SCHED_NEVER)
		return 0;
	if (!(sj_hook_props(r->hook) & SJ_HP_SIDES) && r->in != SJ_IN_ANY && (r->in == SJ_IN_CHILD) != sj_g.child)
		return 0;
	return !r->comm[0] || strncmp(r->comm, sj_g.comm, sizeof r->comm) == 0;
}

/* (Re)builds the rules of each hook for this process's role and comm, with
 * fresh counters.  After fork a handler may run a wrapper meanwhile: it
 * finds the hook disarmed until the lists are whole again. */
static void select_rules(void)
{
	unsigned char n[SJ_HOOK_COUNT] = { 0 }, plain[SJ_HOOK_COUNT] = { 0 }, filters[SJ_HOOK_COUNT] = { 0 },
		      kinds[SJ_HOOK_COUNT] = { 0 };
	unsigned h, i;
	for (h = 0; h < SJ_HOOK_COUNT; h++)
		sj_g.armed[h] = sj_g.fast[h] = SJ_FAST_LOOK;
	atomic_signal_fence(memory_order_seq_cst);
	for (i = 0; i < sj_g.spec.n; i++) {
		const struct sj_rule *r = &sj_g.spec.rules[i];
		if ((unsigned)r->hook >= SJ_HOOK_COUNT || !rule_fits_process(r, &sj_g.sched[i]))
			continue;
		sj_g.hooks[r->hook].rules[n[r->hook]++] = (unsigned char)i;
		sj_g.call_filters[i] = (unsigned char)((r->sig ? SJ_CF_SIG : 0) | (r->fd >= 0 ? SJ_CF_FD : 0) |
						       (r->fdclass ? SJ_CF_FDCLASS : 0));
		plain[r->hook] += sj_g.call_filters[i] == 0;
		filters[r->hook] |= sj_g.call_filters[i];
		kinds[r->hook] |= (unsigned char)r->fdclass;
	}
	for (h = 0; h < SJ_HOOK_COUNT; h++) {
		sj_g.hooks[h].n = n[h];
		sj_g.hooks[h].nplain = plain[h];
		sj_g.hooks[h].filters = filters[h];
		sj_g.hooks[h].kinds = kinds[h];
	}
	reset_rules();
	atomic_signal_fence(memory_order_seq_cst);
	for (h = 0; h < SJ_HOOK_COUNT; h++)
		sj_g.armed[h] = n[h] != 0;
	if (sj_ready())
		sj_state_publish();
}

void sj_state_publish(void)
{
	for (unsigned h = 0; h < SJ_HOOK_COUNT; h++) {
		const struct sj_hook_rules *hr = &sj_g.hooks[h];
		sj_g.fast[h] = !sj_g.armed[h] ? SJ_FAST_BYPASS : hr->nplain == hr->n ? SJ_FAST_PLAIN : SJ_FAST_LOOK;
	}
}

/* ---- fork ---- */

void sj_state_after_fork_child(void)
{
	pid_t me = sj_getpid();
	unsigned i;
	if (sj_g.pid == me)
		return;
	sj_g.pid = me;
	sj_g.child = 1;
	/* The parent incremented `forks` before forking, so the child sees its
	 * own index: workers forked in the same order get the same streams on
	 * every run, whatever their pids. */
	sj_g.proc_seed = sj_mix64(sj_g.proc_seed ^ sj_mix64(atomic_load(&sj_g.forks)));
	atomic_store(&sj_g.forks, 0);
	select_rules(); /* in=child rules now apply, in=parent ones no longer */
	for (i = 0; i < SJ_MAX_CHILDREN; i++)
		atomic_store(&sj_g.children[i], 0);
}

/* ---- role ---- */

static void read_comm(void)
{
	int fd = sj_sys_open("/proc/self/comm", O_RDONLY | O_CLOEXEC, 0);
	ssize_t n = 0;
	if (fd >= 0) {
		n = sj_sys_read(fd, sj_g.comm, sizeof sj_g.comm - 1);
		sj_sys_close(fd);
	}
	if (n < 0)
		n = 0;
	sj_g.comm[n] = '\0';
	if (n > 0 && sj_g.comm[n - 1] == '\n')
		sj_g.comm[n - 1] = '\0';
}

/* One /proc/PID/maps line maps `lib` EXECUTABLE ("r-xp ... /dir/lib"): the
 * library is loaded, not merely read as a file (sigjam's own libdw opens
 * libsigjam.so to symbolize backtraces; that must not count). */
static int loads_lib(const struct sj_maps_line *m, void *arg)
{
	const char *lib = arg;
	size_t n = strlen(m->path), libn = strlen(lib);
	return n > libn && m->path[n - libn - 1] == '/' && strcmp(m->path + n - libn, lib) == 0 &&
	       m->perms[2] == 'x';
}

/* An exec'd image is a child when its parent has this library mapped: the
 * parent is a process running the shim.  No variable is added to the
 * environment for this (the program would see one more); the price is that
 * a process whose parent died before our constructor ran is taken for a
 * top-level one. */
static int parent_runs_shim(void)
{
	const char *self = sj_self_path(), *base = strrchr(self, '/');
	base = base ? base + 1 : self;
	return base[0] && sj_maps_each(sj_getppid(), loads_lib, (void *)base);
}

/* ---- rules ---- */

/* A bad spec never aborts the target: one line on stderr, no rules. */
static void spec_error(const struct sj_spec_error *err)
{
	char line[320], col[24];
	const char *parts[] = { "sigjam: SIGJAM_INJECT column ", col, ": ", err->msg, "; running without rules\n" };
	size_t n = 0;
	sj_utoa(err->col, col);
	for (size_t i = 0; i < SJ_NELEM(parts); i++) {
		size_t l = strlen(parts[i]);
		if (n + l >= sizeof line)
			l = sizeof line - 1 - n;
		memcpy(line + n, parts[i], l);
		n += l;
	}
	sj_sys_write(2, line, n);
}

static void load_spec(void)
{
	const char *text = getenv("SIGJAM_INJECT");
	struct sj_spec_error err;
	unsigned i;
	sj_spec_init(&sj_g.spec);
	if (!text || !*text)
		return;
	if (sj_spec_parse(text, &sj_g.spec, &err) != 0) {
		spec_error(&err);
		sj_spec_init(&sj_g.spec);
		return;
	}
	for (i = 0; i < sj_g.spec.n; i++) {
		sj_rule_format(&sj_g.spec.rules[i], sj_g.rule_text[i], SJ_RULE_TEXT);
		sj_sched_init(&sj_g.sched[i], &sj_g.spec.rules[i]);
	}
}

void sj_state_setup(void)
{
	const char *chk = getenv("SIGJAM_CHECK");
	sj_g.pid = sj_getpid();
	sj_g.check = !(chk && strcmp(chk, "0") == 0);
	read_comm();
	sj_g.child = parent_runs_shim();
	sj_g.seed = parse_seed(getenv("SIGJAM_SEED"));
	/* Top-level: the seed itself.  Exec'd child: the seed mixed with what it
	 * runs (its parent's fork counter is not visible across exec). */
	sj_g.proc_seed = sj_g.child ? sj_mix64(sj_g.seed ^ cmdline_hash()) : sj_g.seed;
	load_spec();
	select_rules();
}
