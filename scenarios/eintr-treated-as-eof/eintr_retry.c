/* eintr_retry.c — the fixed twin of eintr_eof.c: retry read() on EINTR. */
#define RETRY_EINTR 1
#include "eintr_eof.c"
