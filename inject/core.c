/* core.c — the shim's process state: configuration from the environment,
 * the process's role and seed, the journal descriptor, the children table,
 * and the real-function resolver.
 *
 * All state lives in one static struct (sj_g) so that a forked child inherits
 * it by memory copy and only has to reset a few fields. */
#include "shimcore.h"

#include <dlfcn.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct sj_state sj_g = { .jfd = -1 };

/* Journal descriptors are moved at least this high so that programs which
 * expect their low fds (dup2 onto 3, close_range(3, ~0) before exec, shells
 * counting fds) never collide with ours. */
#define SJ_JOURNAL_MIN_FD 1000

/* ---- raw system calls ---- */

pid_t sj_gettid(void) { return (pid_t)syscall(SYS_gettid); }
pid_t sj_getpid(void) { return (pid_t)syscall(SYS_getpid); }
ssize_t sj_sys_read(int fd, void *buf, size_t n) { return syscall(SYS_read, fd, buf, n); }
ssize_t sj_sys_write(int fd, const void *buf, size_t n) { return syscall(SYS_write, fd, buf, n); }
int sj_sys_open(const char *path, int flags, int mode) { return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode); }
int sj_sys_close(int fd) { return (int)syscall(SYS_close, fd); }
int sj_sys_kill(pid_t pid, int sig) { return (int)syscall(SYS_kill, pid, sig); }
int sj_sys_tgkill(pid_t tgid, pid_t tid, int sig) { return (int)syscall(SYS_tgkill, tgid, tid, sig); }

void sj_sys_exit_group(int code)
{
	for (;;)
		syscall(SYS_exit_group, code);
}

/* ---- the resolver ---- */

/* dlsym can allocate (dlerror state, unresolved-symbol paths), and an
 * allocator that reads files or takes signals can re-enter a wrapper whose
 * real pointer is being resolved.  The re-entered call gets NULL and falls
 * back (raw syscall or an error), like libfiu's "fail on init". */
static SJ_TLS int resolving;

void *sj_resolve(const char *name)
{
	void *p;
	if (resolving)
		return NULL;
	resolving = 1;
	p = dlsym(RTLD_NEXT, name);
	resolving = 0;
	return p;
}

/* ---- seeds ---- */

uint64_t sj_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

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

uint64_t sj_rule_seed(unsigned i)
{
	const struct sj_rule *r = &sj_g.spec.rules[i];
	uint64_t base = r->has_seed ? sj_mix64(r->seed ^ sj_g.proc_seed) : sj_g.proc_seed;
	return sj_mix64(base + 0x632be59bd9b4e019ull * (i + 1));
}

static void reseed_rules(void)
{
	unsigned i;
	for (i = 0; i < SJ_MAX_RULES; i++) {
		atomic_store(&sj_g.count[i], 0);
		atomic_store(&sj_g.prng[i], i < sj_g.spec.n ? sj_rule_seed(i) : 0);
	}
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

/* ---- fork ---- */

void sj_after_fork_child(void)
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
	reseed_rules();
	for (i = 0; i < SJ_MAX_CHILDREN; i++)
		atomic_store(&sj_g.children[i], 0);
}

static void atfork_child(void)
{
	sj_after_fork_child();
}

/* ---- configuration ---- */

int sj_shim_check_enabled(void)
{
	if (!sj_ready())
		sj_shim_init();
	return sj_g.check;
}

static int move_high(int fd)
{
	int hi = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, SJ_JOURNAL_MIN_FD);
	if (hi < 0)
		return fd; /* RLIMIT_NOFILE below 1000: keep the low one */
	sj_sys_close(fd);
	return hi;
}

static int open_journal_path(void)
{
	int fd = sj_sys_open(sj_g.jpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	return fd < 0 ? -1 : move_high(fd);
}

static void setup_journal(void)
{
	const char *j = getenv("SIGJAM_JOURNAL");
	sj_g.jfd = -1;
	if (!j || !*j)
		return;
	if (strncmp(j, "fd:", 3) == 0) {
		char *end;
		long fd = strtol(j + 3, &end, 10);
		if (*end == '\0' && fd >= 0 && fd < 1 << 20 && syscall(SYS_fcntl, (int)fd, F_GETFD) >= 0) {
			sj_g.jfd = (int)fd;
			sj_g.jfd_inherited = 1;
		}
		return;
	}
	if (strlen(j) >= sizeof sj_g.jpath)
		return;
	strcpy(sj_g.jpath, j);
	sj_g.jfd = open_journal_path();
}

/* The program closed our descriptor (close_range, a daemon closing every fd):
 * open the path again, once per failure.  An inherited fd:N cannot be
 * recovered. */
int sj_journal_reopen(int badfd)
{
	int fd;
	if (sj_g.jfd_inherited || !sj_g.jpath[0] || sj_g.jfd != badfd)
		return -1;
	fd = open_journal_path();
	sj_g.jfd = fd;
	return fd;
}

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

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* Does /proc/<pid>/maps map a file whose name ends in "/<lib>"?  Streams the
 * file in chunks, keeping an overlap so a name split across reads still
 * matches. */
/* One /proc/PID/maps line maps `lib` EXECUTABLE ("r-xp ... /dir/lib"):
 * the library is loaded, not merely read as a file (sigjam's own libdw
 * opens libsigjam.so to symbolize backtraces; that must not count). */
static int line_loads_lib(const char *line, size_t n, const char *lib, size_t libn)
{
	size_t i = 0;
	if (n < libn + 1 || line[n - libn - 1] != '/' || memcmp(line + n - libn, lib, libn) != 0)
		return 0;
	while (i < n && line[i] != ' ')
		i++;
	return i + 3 < n && line[i + 3] == 'x';
}

static int maps_has_lib(pid_t pid, const char *lib)
{
	char path[64], buf[4096 + 256];
	size_t keep = 0, libn = strlen(lib);
	ssize_t n;
	int fd, found = 0;
	char *p = path;
	static const char pre[] = "/proc/";
	char digits[16];
	int nd = 0;
	if (libn == 0 || libn + 2 > 256)
		return 0;
	memcpy(p, pre, sizeof pre - 1);
	p += sizeof pre - 1;
	do {
		digits[nd++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0);
	while (nd > 0)
		*p++ = digits[--nd];
	memcpy(p, "/maps", 6);
	fd = sj_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	while (!found && (n = sj_sys_read(fd, buf + keep, sizeof buf - keep - 1)) > 0) {
		size_t len = keep + (size_t)n, start = 0, i;
		for (i = 0; i < len && !found; i++)
			if (buf[i] == '\n') {
				found = line_loads_lib(buf + start, i - start, lib, libn);
				start = i + 1;
			}
		/* An incomplete last line waits for the next read; one longer
		 * than the buffer cannot be ours and is dropped. */
		keep = len - start < sizeof buf / 2 ? len - start : 0;
		memmove(buf, buf + len - keep, keep);
	}
	sj_sys_close(fd);
	return found;
}

/* An exec'd image is a child when its parent has this library mapped: the
 * parent is a process running the shim.  Nothing is added to the
 * environment (the program would see it); the price is that a process whose
 * parent died before our constructor ran is taken for a top-level one. */
static void find_role(void)
{
	Dl_info info;
	char canon[PATH_MAX];
	sj_g.self_path[0] = '\0';
	/* dladdr names the file as LD_PRELOAD spelt it ("bin/../lib/..."),
	 * /proc/self/maps canonically: backtraces compare with the latter.
	 * realpath may allocate, which is fine here: this runs once, in the
	 * constructor, never on a handler path. */
	if (dladdr((void *)&sj_shim_init, &info) && info.dli_fname) {
		const char *name = realpath(info.dli_fname, canon) ? canon : info.dli_fname;
		if (strlen(name) < sizeof sj_g.self_path)
			strcpy(sj_g.self_path, name);
	}
	sj_g.child = sj_g.self_path[0] && maps_has_lib(getppid(), base_name(sj_g.self_path));
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

/* A bad spec never aborts the target: one line on stderr, no rules. */
static void load_spec(void)
{
	const char *text = getenv("SIGJAM_INJECT");
	struct sj_spec_error err;
	unsigned i;
	sj_spec_init(&sj_g.spec);
	if (!text || !*text)
		return;
	if (sj_spec_parse(text, &sj_g.spec, &err) != 0) {
		char line[320];
		size_t n = 0;
		const char *parts[] = { "sigjam: SIGJAM_INJECT column ", NULL, ": ", err.msg, "; running without rules\n" };
		char col[16];
		int nc = 0;
		unsigned c = err.col;
		char tmp[16];
		do {
			tmp[nc++] = (char)('0' + c % 10);
			c /= 10;
		} while (c > 0);
		for (i = 0; nc > 0; i++)
			col[i] = tmp[--nc];
		col[i] = '\0';
		parts[1] = col;
		for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
			size_t l = strlen(parts[i]);
			if (n + l >= sizeof line)
				l = sizeof line - 1 - n;
			memcpy(line + n, parts[i], l);
			n += l;
		}
		sj_sys_write(2, line, n);
		sj_spec_init(&sj_g.spec);
		return;
	}
	for (i = 0; i < sj_g.spec.n; i++) {
		const struct sj_rule *r = &sj_g.spec.rules[i];
		sj_rule_format(r, sj_g.rule_text[i], SJ_RULE_TEXT);
		if ((unsigned)r->hook < SJ_HOOK_COUNT) {
			sj_g.hook_rules[r->hook][sj_g.hook_nrules[r->hook]++] = (unsigned char)i;
			sj_g.armed[r->hook] = 1;
		}
	}
}

static void journal_start(void)
{
	struct sj_jw w;
	char exe[512];
	ssize_t n;
	if (!sj_journal_on())
		return;
	n = syscall(SYS_readlink, "/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	sj_jw_begin(&w, "start");
	sj_jw_str(&w, "exe", exe);
	sj_jw_str(&w, "comm", sj_g.comm);
	sj_jw_str(&w, "role", sj_g.child ? "child" : "parent");
	sj_jw_int(&w, "rules", sj_g.spec.n);
	sj_jw_int(&w, "seed", (long long)sj_g.seed);
	sj_jw_bool(&w, "check", sj_g.check);
	sj_jw_end(&w);
}

void sj_shim_init(void)
{
	int expect = SJ_INIT_NONE;
	int saved = errno;
	const char *chk;
	/* A second caller (another thread, or a wrapper re-entered from inside
	 * init through dlsym->malloc) does not wait: it runs without rules. */
	if (!atomic_compare_exchange_strong(&sj_g.init, &expect, SJ_INIT_RUNNING))
		return;
	sj_g.pid = sj_getpid();
	chk = getenv("SIGJAM_CHECK");
	sj_g.check = !(chk && strcmp(chk, "0") == 0);
	read_comm();
	find_role();
	sj_g.seed = parse_seed(getenv("SIGJAM_SEED"));
	/* Top-level: the seed itself.  Exec'd child: the seed mixed with what it
	 * runs (its parent's fork counter is not visible across exec). */
	sj_g.proc_seed = sj_g.child ? sj_mix64(sj_g.seed ^ cmdline_hash()) : sj_g.seed;
	load_spec();
	reseed_rules();
	setup_journal();
	sj_wrappers_resolve();
	sj_rules_resolve();
	pthread_atfork(NULL, NULL, atfork_child);
	atomic_store_explicit(&sj_g.init, SJ_INIT_DONE, memory_order_release);
	journal_start();
	if (sj_g.child)
		sj_journal_dispositions("exec");
	errno = saved;
}

/* 101: the first priority open to programs, so the shim is ready before the
 * constructors of anything else in this library or loaded after it. */
__attribute__((constructor(101))) static void sj_ctor(void)
{
	sj_shim_init();
}
