/* journal_sym.c — see journal_sym.h. */
#include "journal_sym.h"

#include "capture.h"

void sj_journal_symbolize(struct sj_journal *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		for (size_t k = 0; k < j->ev[i].nbt; k++) {
			struct sj_btframe *f = &j->ev[i].bt[k];
			if (f->module && !f->func)
				/* Return addresses point after the call: the
				 * calling line is at off-1 (as eu-stack does). */
				sj_symbolize_offline(f->module, k ? f->off - 1 : f->off,
						     &f->func, &f->file, &f->line);
		}
}
