/* unsafe.c — layer 4, handler group: interposers for the async-signal-unsafe functions of unsafe.def.
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
#include <errno.h>
#include <malloc.h>
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
#include <unistd.h>

#include "handlers.h"
#include "real.h"

/* Every row declared first: the fortified entry points (__vprintf_chk & co)
 * have no prototypes without _FORTIFY_SOURCE, and the variadic rows call
 * their v-function through its declared type. */
#define SJ_UNSAFE(ret, name, params, args) ret name params;
#define SJ_UNSAFE_VOID(name, params, args) void name params;
#define SJ_UNSAFE_VA(ret, name, vname, params, last, vargs) ret name params;
#define SJ_UNSAFE_VA_VOID(name, vname, params, last, vargs) void name params;
#define SJ_UNSAFE_ALLOC(name) /* stdlib.h, malloc.h */
#include "unsafe.def"
#undef SJ_UNSAFE
#undef SJ_UNSAFE_VOID
#undef SJ_UNSAFE_VA
#undef SJ_UNSAFE_VA_VOID
#undef SJ_UNSAFE_ALLOC

/* ---- row indices and names ---- */
enum {
#define SJ_UNSAFE(ret, name, params, args) SJ_U_##name,
#define SJ_UNSAFE_VOID(name, params, args) SJ_U_##name,
#define SJ_UNSAFE_VA(ret, name, vname, params, last, vargs) SJ_U_##name,
#define SJ_UNSAFE_VA_VOID(name, vname, params, last, vargs) SJ_U_##name,
#define SJ_UNSAFE_ALLOC(name) SJ_U_##name,
#include "unsafe.def"
#undef SJ_UNSAFE
#undef SJ_UNSAFE_VOID
#undef SJ_UNSAFE_VA
#undef SJ_UNSAFE_VA_VOID
#undef SJ_UNSAFE_ALLOC
	SJ_U_COUNT
};

/* The names journaled in `call`, and the functions the interposers forward
 * to (real.h's resolver; no name: the allocator's own resolver below).  A
 * row that cannot be found traps: glibc exports every one, and carrying on
 * would jump to address 0. */
static const char *const names[SJ_U_COUNT] = {
#define SJ_UNSAFE(ret, name, params, args) [SJ_U_##name] = #name,
#define SJ_UNSAFE_VOID(name, params, args) [SJ_U_##name] = #name,
#define SJ_UNSAFE_VA(ret, name, vname, params, last, vargs) [SJ_U_##name] = #name,
#define SJ_UNSAFE_VA_VOID(name, vname, params, last, vargs) [SJ_U_##name] = #name,
#define SJ_UNSAFE_ALLOC(name) [SJ_U_##name] = #name,
#include "unsafe.def"
#undef SJ_UNSAFE
#undef SJ_UNSAFE_VOID
#undef SJ_UNSAFE_VA
#undef SJ_UNSAFE_VA_VOID
#undef SJ_UNSAFE_ALLOC
};

static struct sj_real reals[SJ_U_COUNT] = {
#define SJ_UNSAFE(ret, name, params, args) [SJ_U_##name] = { NULL, #name, SJ_MISS_TRAP },
#define SJ_UNSAFE_VOID(name, params, args) [SJ_U_##name] = { NULL, #name, SJ_MISS_TRAP },
#define SJ_UNSAFE_VA(ret, name, vname, params, last, vargs) [SJ_U_##name] = { NULL, #vname, SJ_MISS_TRAP },
#define SJ_UNSAFE_VA_VOID(name, vname, params, last, vargs) [SJ_U_##name] = { NULL, #vname, SJ_MISS_TRAP },
#define SJ_UNSAFE_ALLOC(name) [SJ_U_##name] = { NULL, NULL, SJ_MISS_TRAP },
#include "unsafe.def"
#undef SJ_UNSAFE
#undef SJ_UNSAFE_VOID
#undef SJ_UNSAFE_VA
#undef SJ_UNSAFE_VA_VOID
#undef SJ_UNSAFE_ALLOC
};

/* sj_note_unsafe keeps "already reported in this handler run" as one bit per
 * function: the table's rows plus a few names reported by the wrappers. */
#define EXTRA_NAMES 16
_Static_assert(SJ_U_COUNT + EXTRA_NAMES <= 128, "unsafe.def outgrew the 128-bit per-handler note mask");

static inline void *real_of(unsigned idx)
{
	return sj_real_get(&reals[idx]);
}

static int unsafe_index(const char *name)
{
	for (unsigned i = 0; i < SJ_U_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

/* Names reported through sj_note_unsafe that are not rows of unsafe.def
 * (the wrappers' exit); their note bits follow the rows'. */
static _Atomic(const char *) extra_names[EXTRA_NAMES];

static int extra_index(const char *name)
{
	for (int i = 0; i < EXTRA_NAMES; i++) {
		const char *cur = atomic_load(&extra_names[i]);
		if (!cur) {
			const char *expected = NULL;
			if (atomic_compare_exchange_strong(&extra_names[i], &expected, name))
				return i;
			cur = expected;
		}
		if (cur == name || strcmp(cur, name) == 0)
			return i;
	}
	return -1;
}

void sj_note_unsafe(const char *func)
{
	int idx;
	if (SJ_LIKELY(sj_raw_depth == 0))
		return;
	idx = unsafe_index(func);
	if (idx < 0) {
		int x = extra_index(func);
		idx = x < 0 ? 127 : SJ_U_COUNT + x;
	}
	sj_note_unsafe_idx((unsigned)idx, func);
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
#define SJ_UNSAFE_ALLOC(name) /* written out below */
#include "unsafe.def"

/* ---- the allocator ----
 * Forwarded to the next definition in the lookup order, as without the shim:
 * a program that links jemalloc or tcmalloc as a shared library keeps it.
 * (Binding to glibc's __libc_* twins would move the program to glibc's
 * allocator behind its back, and calls that bypass the shim, such as the
 * other allocator's malloc_usable_size, would then get foreign pointers.)
 *
 * The pointers start at resolvers that run dlsym(RTLD_NEXT) on the first call,
 * which may come before any constructor (from ld.so or another library's
 * constructor).  dlsym may allocate; on the resolving thread those calls are
 * served from the bootstrap arena (bootalloc.c), whose pointers free()
 * ignores and realloc() copies out for as long as the process lives.  Once
 * resolved, the fast path outside handlers is NOTE's TLS load and branch,
 * and an indirect call. */

/* glibc's allocator under its exported second names (not in any header):
 * the fallback if dlsym cannot name a next definition. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
typedef void *(*memalign_fn)(size_t, size_t);

/* name, pointer type, fallback */
#define SJ_ALLOC_FUNCS(X)                                 \
	X(malloc, malloc_fn, __libc_malloc)               \
	X(calloc, calloc_fn, __libc_calloc)               \
	X(realloc, realloc_fn, __libc_realloc)            \
	X(free, free_fn, __libc_free)                     \
	X(memalign, memalign_fn, __libc_memalign)         \
	X(valloc, malloc_fn, __libc_valloc)               \
	X(pvalloc, malloc_fn, __libc_pvalloc)

static void *first_malloc(size_t n);
static void *first_calloc(size_t nmemb, size_t n);
static void *first_realloc(void *p, size_t n);
static void first_free(void *p);
static void *first_memalign(size_t align, size_t n);
static void *first_valloc(size_t n);
static void *first_pvalloc(size_t n);

#define X(name, type, fallback) static _Atomic(type) next_##name = first_##name;
SJ_ALLOC_FUNCS(X)
#undef X

#define NEXT(name) atomic_load_explicit(&next_##name, memory_order_relaxed)

/* This thread is inside the allocator's dlsym calls. */
static __thread int alloc_resolving __attribute__((tls_model("initial-exec")));

/* All names are looked up before any is published, so that memory from the
 * next malloc is never handed to a free that still goes elsewhere. */
static void alloc_resolve(void)
{
#define X(name, type, fallback) void *f_##name;
	SJ_ALLOC_FUNCS(X)
#undef X
	alloc_resolving++;
#define X(name, type, fallback) f_##name = dlsym(RTLD_NEXT, #name);
	SJ_ALLOC_FUNCS(X)
#undef X
	alloc_resolving--;
#define X(name, type, fallback) \
	atomic_store_explicit(&next_##name, f_##name ? (type)f_##name : fallback, memory_order_relaxed);
	SJ_ALLOC_FUNCS(X)
#undef X
}

static void *first_malloc(size_t n)
{
	if (alloc_resolving)
		return sj_boot_alloc(n, 0);
	alloc_resolve();
	return NEXT(malloc)(n);
}

static void *first_calloc(size_t nmemb, size_t n)
{
	size_t total;
	if (alloc_resolving) {
		if (__builtin_mul_overflow(nmemb, n, &total)) {
			errno = ENOMEM;
			return NULL;
		}
		return sj_boot_alloc(total, 0); /* never reused: still zero */
	}
	alloc_resolve();
	return NEXT(calloc)(nmemb, n);
}

/* realloc of an arena pointer: the arena keeps it, the copy goes to whatever
 * malloc is current (the arena again while resolving). */
static void *realloc_from_boot(void *p, size_t n)
{
	size_t old = sj_boot_size(p);
	void *q;
	if (n == 0)
		return NULL; /* glibc's realloc(p, 0): p freed, NULL returned */
	q = NEXT(malloc)(n);
	if (q)
		memcpy(q, p, old < n ? old : n);
	return q;
}

static void *first_realloc(void *p, size_t n)
{
	if (alloc_resolving) {
		if (p) { /* from an allocator not known yet: its size is unknown */
			errno = ENOMEM;
			return NULL;
		}
		return sj_boot_alloc(n, 0);
	}
	alloc_resolve();
	return NEXT(realloc)(p, n);
}

static void first_free(void *p)
{
	/* Only memory allocated before the shim saw any allocation can get
	 * here while resolving; leaking it beats guessing its allocator. */
	if (alloc_resolving)
		return;
	alloc_resolve();
	NEXT(free)(p);
}

static void *first_memalign(size_t align, size_t n)
{
	if (alloc_resolving)
		return sj_boot_alloc(n, align);
	alloc_resolve();
	return NEXT(memalign)(align, n);
}

static void *first_valloc(size_t n)
{
	if (alloc_resolving)
		return sj_boot_alloc(n, (size_t)getpagesize());
	alloc_resolve();
	return NEXT(valloc)(n);
}

static void *first_pvalloc(size_t n)
{
	size_t page = (size_t)getpagesize();
	if (alloc_resolving)
		return sj_boot_alloc((n + page - 1) & ~(page - 1), page);
	alloc_resolve();
	return NEXT(pvalloc)(n);
}

SJ_EXPORT void *malloc(size_t n)
{
	NOTE(malloc);
	return NEXT(malloc)(n);
}

SJ_EXPORT void *calloc(size_t nmemb, size_t n)
{
	NOTE(calloc);
	return NEXT(calloc)(nmemb, n);
}

SJ_EXPORT void *realloc(void *p, size_t n)
{
	NOTE(realloc);
	if (__builtin_expect(sj_boot_owns(p), 0))
		return realloc_from_boot(p, n);
	return NEXT(realloc)(p, n);
}

SJ_EXPORT void free(void *p)
{
	NOTE(free);
	if (__builtin_expect(sj_boot_owns(p), 0))
		return;
	NEXT(free)(p);
}

SJ_EXPORT void *memalign(size_t align, size_t n)
{
	NOTE(memalign);
	return NEXT(memalign)(align, n);
}

SJ_EXPORT void *valloc(size_t n)
{
	NOTE(valloc);
	return NEXT(valloc)(n);
}

SJ_EXPORT void *pvalloc(size_t n)
{
	NOTE(pvalloc);
	return NEXT(pvalloc)(n);
}

/* Init (layer 5): early, single-threaded in the common case; the resolvers
 * above cover calls made before it. */
void sj_unsafe_setup(void)
{
	if (NEXT(malloc) == first_malloc)
		alloc_resolve();
	for (unsigned i = 0; i < SJ_U_COUNT; i++)
		if (reals[i].name)
			sj_real_try(&reals[i]);
}
