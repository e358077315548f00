/* journal_sym.h — symbolize the backtraces a journal carries (module path +
 * offset) after the processes that wrote them are gone. */
#ifndef SIGJAM_JOURNAL_SYM_H
#define SIGJAM_JOURNAL_SYM_H

#include "model.h"

/* Fills func/file/line of every bt frame that debug info or symbols can
 * name; frames that cannot be resolved keep NULL. */
void sj_journal_symbolize(struct sj_journal *j);

#endif
