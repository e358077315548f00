/* sys.c — layer 1's one variable: the per-thread vfork state (sys.h), kept
 * by vfork.c's entry point and read by every layer that must not write
 * memory while it runs in a vfork child. */
#include "sys.h"

SJ_TLS struct sj_vfork_tls sj_vfork;
