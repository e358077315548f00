/* init.h — layer 5: the shim's one initialisation, and the only code that
 * sets up every layer below it, in this order: real functions (1), the
 * journal (2), the process state (3), the handler group (4), then the
 * pthread_atfork handlers and the `start` record.
 *
 * Run by the library's one constructor; a wrapper that runs before it (from
 * another library's constructor, or ld.so) calls sj_init_ensure() first. */
#ifndef SIGJAM_INIT_H
#define SIGJAM_INIT_H

#include "state.h"

/* Idempotent.  A second caller (another thread, or a wrapper re-entered from
 * inside init through dlsym->malloc) does not wait: it runs without rules. */
SJ_HIDDEN void sj_init(void);

static inline void sj_init_ensure(void)
{
	if (SJ_UNLIKELY(!sj_ready()))
		sj_init();
}

/* The hook's rules may act on this call (initialises the shim if needed). */
static inline int sj_hook_live(enum sj_hook h)
{
	if (SJ_UNLIKELY(!sj_ready())) {
		sj_init();
		if (!sj_ready())
			return 0;
	}
	return sj_g.armed[h];
}

#endif
