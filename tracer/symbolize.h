/* symbolize.h — names, source lines and module offsets for captured pcs
 * (elfutils libdwfl), done after the threads were resumed. */
#ifndef SIGJAM_SYMBOLIZE_H
#define SIGJAM_SYMBOLIZE_H

#include <stdint.h>

#include "snapshot.h"

/* Fills func/func_off/module/module_off/file/line of every frame of every
 * thread of p, with one Dwfl for the whole process.  Uses the live process
 * (dwfl_linux_proc_report); if it has exited meanwhile, falls back to the
 * snapshot's maps and the files on disk.  Never fails: a frame that cannot
 * be named keeps func == NULL. */
void sj_symbolize_process(struct sj_process *p);

#endif
