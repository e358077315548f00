/* countalloc.c — a stand-in for jemalloc/tcmalloc linked as a shared library:
 * it defines malloc, calloc, realloc and free, counts every call, and hands
 * the work to glibc's allocator under its __libc_* names.  A program linked
 * with it must reach it with and without the shim. */
#include <stdatomic.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

enum { C_MALLOC, C_CALLOC, C_REALLOC, C_FREE, C_N };
static atomic_long counts[C_N];

void *malloc(size_t n)
{
	atomic_fetch_add(&counts[C_MALLOC], 1);
	return __libc_malloc(n);
}

void *calloc(size_t nmemb, size_t n)
{
	atomic_fetch_add(&counts[C_CALLOC], 1);
	return __libc_calloc(nmemb, n);
}

void *realloc(void *p, size_t n)
{
	atomic_fetch_add(&counts[C_REALLOC], 1);
	return __libc_realloc(p, n);
}

void free(void *p)
{
	atomic_fetch_add(&counts[C_FREE], 1);
	__libc_free(p);
}

void countalloc_get(long out[C_N])
{
	for (int i = 0; i < C_N; i++)
		out[i] = atomic_load(&counts[i]);
}
