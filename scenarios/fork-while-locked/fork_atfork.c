/* fork_atfork.c — the fixed twin of fork_locked.c: the same program with
 * pthread_atfork handlers that hold the cache lock across fork(). */
#define FORK_SAFE 1
#include "fork_locked.c"
