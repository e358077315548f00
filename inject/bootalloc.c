/* bootalloc.c — layer 4, handler group: the allocator's bootstrap arena.
 *
 * The shim forwards malloc & co to whatever allocator comes next in the
 * lookup order (a program's jemalloc/tcmalloc, else glibc), found with
 * dlsym(RTLD_NEXT).  dlsym may itself allocate (older glibc callocs its
 * per-thread dlerror state on a thread's first dlsym; every glibc mallocs
 * the message of a failed lookup) while the next allocator is not known yet.
 * Those few allocations come from this static arena: a bump pointer, never
 * reused, so calloc gets zeroed memory for free.  free() of an arena pointer
 * is ignored; realloc copies it out using the size kept in front of it. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "handlers.h"

_Alignas(64) unsigned char sj_boot_arena[SJ_BOOT_SIZE];
static atomic_size_t boot_used;

#define BOOT_MIN_ALIGN 16 /* malloc's guarantee on x86_64 (alignof(max_align_t)) */
#define BOOT_MAX_ALIGN 4096

void *sj_boot_alloc(size_t n, size_t align)
{
	size_t need, off;
	uintptr_t base, p;
	if (align < BOOT_MIN_ALIGN)
		align = BOOT_MIN_ALIGN;
	if ((align & (align - 1)) != 0 || align > BOOT_MAX_ALIGN || n > SJ_BOOT_SIZE) {
		errno = align > BOOT_MAX_ALIGN || n > SJ_BOOT_SIZE ? ENOMEM : EINVAL;
		return NULL;
	}
	/* room for the size word, the worst alignment gap and n, in 16s */
	need = (sizeof(size_t) + (align - 1) + n + 15) & ~(size_t)15;
	off = atomic_fetch_add_explicit(&boot_used, need, memory_order_relaxed);
	if (off > SJ_BOOT_SIZE || need > SJ_BOOT_SIZE - off) {
		errno = ENOMEM;
		return NULL;
	}
	base = (uintptr_t)sj_boot_arena + off + sizeof(size_t);
	p = (base + align - 1) & ~(uintptr_t)(align - 1);
	memcpy((void *)(p - sizeof(size_t)), &n, sizeof n);
	return (void *)p;
}

size_t sj_boot_size(const void *p)
{
	size_t n;
	memcpy(&n, (const char *)p - sizeof n, sizeof n);
	return n;
}
