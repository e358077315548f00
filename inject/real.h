/* real.h — layer 1: the real functions behind the interposed names.
 *
 * One table (real.def) names every function the wrappers forward to and its
 * failure policy; one resolver (sj_real_resolve) finds them with
 * dlsym(RTLD_NEXT) and applies the policy.  A call site reads
 *
 *     __typeof__(read) *f = SJ_REAL_FN(read);
 *     if (!f) return syscall(SYS_read, ...);   // the row's policy: SJ_MISS_SYSCALL
 *
 * Async-signal-safe once resolved (one relaxed atomic load); init resolves
 * every row while the process is single-threaded. */
#ifndef SIGJAM_REAL_H
#define SIGJAM_REAL_H

#include "sys.h"

#include <stdatomic.h>

enum sj_miss {
	SJ_MISS_SYSCALL, /* NULL: the caller makes the raw system call */
	SJ_MISS_ENOSYS,  /* NULL with errno ENOSYS: the caller fails */
	SJ_MISS_EAGAIN,  /* NULL with errno EAGAIN: the caller fails */
	SJ_MISS_TRAP,    /* never returns NULL: traps instead */
};

/* One real function: its slot, its name, its policy. */
struct sj_real {
	_Atomic(void *) fn;
	const char *name;
	enum sj_miss miss;
};

enum sj_real_id {
#define SJ_REAL_ROW(name, miss) SJ_R_##name,
#include "real.def"
	SJ_R_COUNT
};

extern struct sj_real sj_reals[SJ_R_COUNT] SJ_HIDDEN;

/* dlsym(RTLD_NEXT, r->name) into r->fn, then the row's policy if it is still
 * unknown.  A call re-entered while this thread's dlsym runs gets the policy
 * at once instead of recursing (libfiu's "fail on init"). */
SJ_HIDDEN void *sj_real_resolve(struct sj_real *r);

static inline void *sj_real_get(struct sj_real *r)
{
	void *f = atomic_load_explicit(&r->fn, memory_order_relaxed);
	return SJ_LIKELY(f != NULL) ? f : sj_real_resolve(r);
}

#define SJ_REAL_FN(name) ((__typeof__(name) *)sj_real_get(&sj_reals[SJ_R_##name]))
/* The real function if it is known, else NULL (no resolving: for a fast
 * path whose caller resolves on its slow one). */
#define SJ_REAL_KNOWN(name) \
	((__typeof__(name) *)atomic_load_explicit(&sj_reals[SJ_R_##name].fn, memory_order_relaxed))

/* dlsym(RTLD_NEXT, r->name) into r->fn when found; no policy (init time). */
SJ_HIDDEN void sj_real_try(struct sj_real *r);
/* Init (layer 5): this library's own path, then every row of real.def. */
SJ_HIDDEN void sj_real_setup(void);

/* The canonical path of libsigjam.so as /proc/self/maps spells it ("" when
 * unknown): backtraces drop its frames, and a new image is a child when its
 * parent maps it. */
SJ_HIDDEN const char *sj_self_path(void);

#endif
