/* flag_only.c — the fixed twin of reaper.c: the SIGCHLD handler only sets a
 * flag; the main program reaps and edits the table with SIGCHLD blocked. */
#define FLAG_ONLY 1
#include "reaper.c"
