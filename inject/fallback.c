/* fallback.c — weak stand-ins for the safety half's functions (shim.h,
 * "handlers.c"), so the core links and runs before handlers.c lands.  A
 * strong definition in any other object of the library replaces them; this
 * file goes away once handlers.c is in. */
#include "shim.h"

__attribute__((weak)) int sj_handler_depth(void)
{
	return 0;
}

__attribute__((weak)) void sj_note_unsafe(const char *func)
{
	(void)func;
}

__attribute__((weak)) void sj_journal_dispositions(const char *at)
{
	(void)at;
}
