/* unsafe.c — interposers for the async-signal-unsafe functions of unsafe.def.
 *
 * Each one is "note the call if a handler runs on this thread, then call the
 * real function".  Outside handlers (nearly always) the cost is one
 * initial-exec TLS load and a not-taken branch in front of the real call:
 * malloc and pthread_mutex_lock run millions of times in a Python program.
 *
 * Fortification is switched off here: with _FORTIFY_SOURCE the headers turn
 * printf & co into inline functions that these definitions would collide with
 * (the fortified entry points, __printf_chk & co, are rows of their own). */
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <pwd.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "handlers_int.h"

/* glibc's allocator under its exported second names (not in any header). */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

/* Every row declared first: the fortified entry points (__vprintf_chk & co)
 * have no prototypes without _FORTIFY_SOURCE, and the variadic rows call
 * their v-function through its declared type. */
#define SJ_UNSAFE(ret, name, params, args) ret name params;
#define SJ_UNSAFE_VOID(name, params, args) void name params;
#define SJ_UNSAFE_VA(ret, name, vname, params, last, vargs) ret name params;
#define SJ_UNSAFE_VA_VOID(name, vname, params, last, vargs) void name params;
#define SJ_UNSAFE_LIBC(ret, name, libcname, params, args) ret name params;
#define SJ_UNSAFE_LIBC_VOID(name, libcname, params, args) void name params;
#include "unsafe.def"
#undef SJ_UNSAFE
#undef SJ_UNSAFE_VOID
#undef SJ_UNSAFE_VA
#undef SJ_UNSAFE_VA_VOID
#undef SJ_UNSAFE_LIBC
#undef SJ_UNSAFE_LIBC_VOID

/* ---- row indices and names ---- */
enum {
#define SJ_UNSAFE(ret, name, params, args) SJ_U_##name,
#define SJ_UNSAFE_VOID(name, params, args) SJ_U_##name,
#define SJ_UNSAFE_VA(ret, name, vname, params, last, vargs) SJ_U_##name,
#define SJ_UNSAFE_VA_VOID(name, vname, params, last, vargs) SJ_U_##name,
#define SJ_UNSAFE_LIBC(ret, name, libcname, params, args) SJ_U_##name,
#define SJ_UNSAFE_LIBC_VOID(name, libcname, params, args) SJ_U_##name,
#include "unsafe.def"
#undef SJ_UNSAFE
#undef SJ_UNSAFE_VOID
#undef SJ_UNSAFE_VA
#undef SJ_UNSAFE_VA_VOID
#undef SJ_UNSAFE_LIBC
#undef SJ_UNSAFE_LIBC_VOID
	SJ_U_COUNT
};

struct unsafe_row {
	const char *name; /* the interposed symbol, as journaled in `call` */
	const char *real; /* the symbol the interposer forwards to; NULL: __libc_* */
};

static const struct unsafe_row rows[SJ_U_COUNT] = {
#define SJ_UNSAFE(ret, name, params, args) [SJ_U_##name] = { #name, #name },
#define SJ_UNSAFE_VOID(name, params, args) [SJ_U_##name] = { #name, #name },
#define SJ_UNSAFE_VA(ret, name, vname, params, last, vargs) [SJ_U_##name] = { #name, #vname },
#define SJ_UNSAFE_VA_VOID(name, vname, params, last, vargs) [SJ_U_##name] = { #name, #vname },
#define SJ_UNSAFE_LIBC(ret, name, libcname, params, args) [SJ_U_##name] = { #name, NULL },
#define SJ_UNSAFE_LIBC_VOID(name, libcname, params, args) [SJ_U_##name] = { #name, NULL },
#include "unsafe.def"
#undef SJ_UNSAFE
#undef SJ_UNSAFE_VOID
#undef SJ_UNSAFE_VA
#undef SJ_UNSAFE_VA_VOID
#undef SJ_UNSAFE_LIBC
#undef SJ_UNSAFE_LIBC_VOID
};

/* sj_note_unsafe keeps "already reported in this handler run" as one bit per
 * function: the table's rows plus a few names reported by other shim parts. */
_Static_assert(SJ_U_COUNT + 16 <= 128, "unsafe.def outgrew the 128-bit per-handler note mask");

/* ---- real functions ----
 * Resolved in the constructor: dlsym takes the loader lock and must never run
 * inside a handler.  A call that comes before the constructor (another
 * library's constructor) resolves lazily. */
static _Atomic(void *) reals[SJ_U_COUNT];

static void *resolve_row(unsigned idx)
{
	void *f = sj_resolve(rows[idx].real);
	if (f)
		atomic_store_explicit(&reals[idx], f, memory_order_relaxed);
	return f;
}

static inline void *real_of(unsigned idx)
{
	void *f = atomic_load_explicit(&reals[idx], memory_order_relaxed);
	if (__builtin_expect(f == NULL, 0)) {
		f = resolve_row(idx);
		/* glibc exports every row; a miss means a foreign libc, where
		 * carrying on would jump to address 0. */
		if (!f)
			__builtin_trap();
	}
	return f;
}

__attribute__((constructor)) static void unsafe_resolve_all(void)
{
	for (unsigned i = 0; i < SJ_U_COUNT; i++)
		if (rows[i].real && !atomic_load_explicit(&reals[i], memory_order_relaxed))
			resolve_row(i);
}

unsigned sj_unsafe_count(void) { return SJ_U_COUNT; }

int sj_unsafe_index(const char *name)
{
	for (unsigned i = 0; i < SJ_U_COUNT; i++)
		if (strcmp(rows[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- the interposers ---- */
#define NOTE(name)                                                  \
	do {                                                        \
		if (__builtin_expect(sj_raw_depth != 0, 0))         \
			sj_note_unsafe_idx(SJ_U_##name, #name);     \
	} while (0)

#define SJ_UNSAFE(ret, name, params, args)                                   \
	SJ_EXPORT ret name params                                            \
	{                                                                    \
		NOTE(name);                                                  \
		return ((ret(*) params)real_of(SJ_U_##name)) args;           \
	}
#define SJ_UNSAFE_VOID(name, params, args)                                   \
	SJ_EXPORT void name params                                           \
	{                                                                    \
		NOTE(name);                                                  \
		((void(*) params)real_of(SJ_U_##name)) args;                 \
	}
#define SJ_UNSAFE_VA(ret, name, vname, params, last, vargs)                  \
	SJ_EXPORT ret name params                                            \
	{                                                                    \
		va_list ap;                                                  \
		ret r;                                                       \
		NOTE(name);                                                  \
		va_start(ap, last);                                          \
		r = ((__typeof__(vname) *)real_of(SJ_U_##name)) vargs;                  \
		va_end(ap);                                                  \
		return r;                                                    \
	}
#define SJ_UNSAFE_VA_VOID(name, vname, params, last, vargs)                  \
	SJ_EXPORT void name params                                           \
	{                                                                    \
		va_list ap;                                                  \
		NOTE(name);                                                  \
		va_start(ap, last);                                          \
		((__typeof__(vname) *)real_of(SJ_U_##name)) vargs;                     \
		va_end(ap);                                                  \
	}
#define SJ_UNSAFE_LIBC(ret, name, libcname, params, args)                    \
	SJ_EXPORT ret name params                                            \
	{                                                                    \
		NOTE(name);                                                  \
		return libcname args;                                        \
	}
#define SJ_UNSAFE_LIBC_VOID(name, libcname, params, args)                    \
	SJ_EXPORT void name params                                           \
	{                                                                    \
		NOTE(name);                                                  \
		libcname args;                                               \
	}

#include "unsafe.def"
