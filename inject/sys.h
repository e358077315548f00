/* sys.h — layer 1 of libsigjam.so: raw system calls, and the attributes
 * every layer uses.
 *
 * The layers (docs/ARCHITECTURE.md, "The shim"), each calling only the ones
 * below it:
 *   1 sys.h, real.*            raw system calls; the real functions
 *   2 journal*, maps.c         the journal: records, the file, /proc/self/maps
 *   3 state.*, fdkind.c,       process state: configuration, role, seeds,
 *     schedule.*               children, rules per hook, descriptor kinds,
 *                              when each rule fires
 *   4 rules*, during.c,        the rule engine; the handler group (table,
 *     handlers*, unsafe.c      trampoline, records, unsafe-call checks)
 *   5 init.*                   the one constructor: sets up 1-4 in order
 *   6 wrappers*, wrap_*.c,     the interposed functions (call init first
 *     vfork.c                  when they run before the constructor)
 *
 * Why raw system calls: the shim exports read, write, kill, close, ..., so
 * calling those names from inside the library would land in its own
 * wrappers.  Everything here is async-signal-safe and inline (no symbol, so
 * no link edge between layers). */
#ifndef SIGJAM_SYS_H
#define SIGJAM_SYS_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define SJ_EXPORT __attribute__((visibility("default")))
#define SJ_HIDDEN __attribute__((visibility("hidden")))

/* initial-exec TLS: the shim is loaded at startup (LD_PRELOAD), so its TLS is
 * in the static block and an access is one %fs-relative load.  The default
 * general-dynamic model may call __tls_get_addr, which can allocate. */
#define SJ_TLS __thread __attribute__((tls_model("initial-exec")))

#define SJ_NOINLINE __attribute__((noinline))
#define SJ_LIKELY(x) __builtin_expect(!!(x), 1)
#define SJ_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define SJ_NELEM(t) (sizeof(t) / sizeof((t)[0]))

/* ---- the vfork rule ----
 *
 * Between vfork and exec/_exit the child runs on its parent's memory: every
 * store it makes lands in the parent (handler tables, counters, caches,
 * journal state, even the TLS of the parent's thread).  So shim code that
 * runs in a vfork child writes nothing but its own stack: wrappers call the
 * real function and, at most, write a journal record built on the stack.
 * vfork.c's entry point keeps this per-thread state; depth > 0 means "this
 * thread is a vfork child" (nested vforks count up, and each parent puts its
 * own depth back when it resumes, even if its child was killed).  Layout
 * known to the entry point: depth at 0, the slots at 16, 16 bytes each. */
#define SJ_VFORK_NEST 8
struct sj_vfork_tls {
	uint32_t depth;
	uint32_t pad[3];
	struct {
		uint64_t ret;  /* the program's return address */
		uint64_t rbx;  /* the program's %rbx, which carries the slot across vfork */
	} slot[SJ_VFORK_NEST];
};
extern SJ_TLS struct sj_vfork_tls sj_vfork SJ_HIDDEN;

static inline int sj_in_vfork_child(void)
{
	return SJ_UNLIKELY(sj_vfork.depth != 0);
}

static inline pid_t sj_gettid(void) { return (pid_t)syscall(SYS_gettid); }
static inline pid_t sj_getpid(void) { return (pid_t)syscall(SYS_getpid); }
static inline pid_t sj_getppid(void) { return (pid_t)syscall(SYS_getppid); }
static inline ssize_t sj_sys_read(int fd, void *buf, size_t n) { return syscall(SYS_read, fd, buf, n); }
static inline ssize_t sj_sys_write(int fd, const void *buf, size_t n) { return syscall(SYS_write, fd, buf, n); }
static inline int sj_sys_open(const char *path, int flags, int mode)
{
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}
static inline int sj_sys_close(int fd) { return (int)syscall(SYS_close, fd); }
static inline int sj_sys_kill(pid_t pid, int sig) { return (int)syscall(SYS_kill, pid, sig); }
static inline int sj_sys_tgkill(pid_t tgid, pid_t tid, int sig) { return (int)syscall(SYS_tgkill, tgid, tid, sig); }

static inline __attribute__((noreturn)) void sj_sys_exit_group(int code)
{
	for (;;)
		syscall(SYS_exit_group, code);
}

/* "123" into buf (at least 21 bytes); returns the length. */
static inline size_t sj_utoa(uint64_t v, char *buf)
{
	char tmp[24];
	size_t n = 0, i;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

#endif
