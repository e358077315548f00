/* stopfx.c — sj_stop_effect over stopfx.def. */
#include "stopfx.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

static const struct {
	long nr;
	enum sj_stopfx fx;
	int flags_arg; /* recv*: the argument holding MSG_WAITALL, else -1 */
} table[] = {
#define SJ_FX(name, fx, flags_arg) { SYS_##name, fx, flags_arg },
#include "stopfx.def"
#undef SJ_FX
};

enum sj_stopfx sj_stop_effect(long nr, const uint64_t args[6])
{
	if (nr == -1)
		return SJ_FX_RESTARTS;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (table[i].nr != nr)
			continue;
		/* MSG_WAITALL keeps a stream read waiting after part of the
		 * data came: a stop then returns what it has. */
		if (table[i].flags_arg >= 0 && (args[table[i].flags_arg] & MSG_WAITALL))
			return SJ_FX_SHORT;
		return table[i].fx;
	}
	return SJ_FX_UNKNOWN;
}

const char *sj_stopfx_words(enum sj_stopfx fx)
{
	switch (fx) {
	case SJ_FX_RESTARTS: return "restarts";
	case SJ_FX_EINTR: return "EINTR";
	case SJ_FX_SHORT: return "a short count";
	default: return "unknown";
	}
}
