/* real.c — layer 1: resolving the real functions of real.def (and of
 * unsafe.def, through the same resolver) and finding this library's path. */
#include "real.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct sj_real sj_reals[SJ_R_COUNT] = {
#define SJ_REAL_ROW(name, miss) [SJ_R_##name] = { NULL, #name, miss },
#include "real.def"
};

/* dlsym can allocate (dlerror state, unresolved-symbol paths), and an
 * allocator that reads files or takes signals can re-enter a wrapper whose
 * real function is being resolved on this thread. */
static SJ_TLS int resolving;

void *sj_real_resolve(struct sj_real *r)
{
	void *f = NULL;
	if (!resolving) {
		resolving = 1;
		f = dlsym(RTLD_NEXT, r->name);
		resolving = 0;
		if (f)
			atomic_store_explicit(&r->fn, f, memory_order_relaxed);
	}
	if (f)
		return f;
	switch (r->miss) {
	case SJ_MISS_TRAP:
		__builtin_trap();
	case SJ_MISS_ENOSYS:
		errno = ENOSYS;
		break;
	case SJ_MISS_EAGAIN:
		errno = EAGAIN;
		break;
	case SJ_MISS_SYSCALL:
		break;
	}
	return NULL;
}

static char self_path[256];

const char *sj_self_path(void)
{
	return self_path;
}

/* dladdr names the file as LD_PRELOAD spelt it ("bin/../lib/..."),
 * /proc/self/maps canonically.  realpath may allocate, which is fine here:
 * this runs once, in init, never on a handler path. */
static void find_self(void)
{
	Dl_info info;
	char canon[PATH_MAX];
	if (dladdr((void *)&sj_real_setup, &info) && info.dli_fname) {
		const char *name = realpath(info.dli_fname, canon) ? canon : info.dli_fname;
		if (strlen(name) < sizeof self_path)
			strcpy(self_path, name);
	}
}

void sj_real_try(struct sj_real *r)
{
	int saved = errno;
	if (!atomic_load_explicit(&r->fn, memory_order_relaxed)) {
		void *f = dlsym(RTLD_NEXT, r->name);
		if (f)
			atomic_store_explicit(&r->fn, f, memory_order_relaxed);
	}
	errno = saved;
}

void sj_real_setup(void)
{
	find_self();
	for (unsigned i = 0; i < SJ_R_COUNT; i++)
		sj_real_try(&sj_reals[i]);
}
