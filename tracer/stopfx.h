/* stopfx.h — what a stop does to the call a thread is blocked in (table:
 * stopfx.def).  Capture stops a thread only when the kernel will restart
 * its call as if nothing happened; a thread in any other call is captured
 * without a stop, so that detaching leaves every thread as a run without
 * sigjam would: no EINTR from epoll_wait, no short write. */
#ifndef SIGJAM_STOPFX_H
#define SIGJAM_STOPFX_H

#include <stdint.h>

enum sj_stopfx {
	SJ_FX_RESTARTS, /* re-executed or continued when the stop ends: invisible */
	SJ_FX_EINTR,    /* returns EINTR */
	SJ_FX_SHORT,    /* returns the count moved so far */
	SJ_FX_UNKNOWN,  /* not in the table: assumed visible */
};

/* The effect for a thread in syscall nr with these arguments, as
 * /proc/TID/syscall shows them; nr -1 (running, or blocked outside a
 * syscall) is RESTARTS: a stop in user space changes nothing. */
enum sj_stopfx sj_stop_effect(long nr, const uint64_t args[6]);
/* "restarts", "EINTR", "a short count", "unknown". */
const char *sj_stopfx_words(enum sj_stopfx fx);

#endif
