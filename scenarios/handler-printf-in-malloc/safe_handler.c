/* safe_handler.c — the fixed twin of malloc_handler.c: an async-signal-safe
 * handler that only counts; the report is printed outside it. */
#define SAFE_HANDLER 1
#include "malloc_handler.c"
