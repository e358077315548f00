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
			/* Every journal frame is a return address (the
			 * shim's own innermost frames are dropped), and a
			 * call to a noreturn function is often the last
			 * instruction of its caller: look up off-1, as
			 * eu-stack does for non-activation frames. */
			if (f->module && !f->func && f->off)
				sj_symbolize_offline(f->module, f->off - 1, &f->func, &f->file, &f->line);
		}
}
