/* handlers_disp.c — layer 4, handler group: the `dispositions` record, every
 * signal not at SIG_DFL as the program sees it (the program's handler where
 * the kernel holds the trampoline).  Written in a forked child before
 * anything else and by a new image's init, so that analysis can tell which
 * handlers a worker inherited. */
#include "handlers.h"
#include "journal.h"

#include <errno.h>

/* What the program sees for sig: NULL when it is SIG_DFL or refused. */
static const void *program_disp(int sig)
{
	struct sigaction k;
	struct sj_user_act u;
	const void *h;
	if (sj_real_sigaction(sig, NULL, &k) != 0)
		return NULL; /* SIGCANCEL/SIGSETXID: glibc's own, refused */
	h = (k.sa_flags & SA_SIGINFO) ? (const void *)k.sa_sigaction : (const void *)k.sa_handler;
	if (sj_is_trampoline(h) && sj_htable_has(sig)) {
		sj_htable_read(sig, &u);
		h = u.handler;
	}
	return h == (void *)SIG_DFL ? NULL : h;
}

static SJ_NOINLINE void dispositions_record(const char *at)
{
	struct sj_jw w;
	int saved = errno;
	sj_jw_begin(&w, "dispositions");
	sj_jw_str(&w, "at", at);
	sj_jw_array(&w, "list");
	for (int sig = 1; sig < NSIG; sig++) {
		const void *h = program_disp(sig);
		struct sj_jw_mark m;
		int py = 0;
		if (!h)
			continue;
		m = sj_jw_mark(&w);
		sj_jw_object(&w, NULL);
		sj_jw_signame(&w, "sig", sig);
		sj_jw_str(&w, "disp", sj_journal_disp_name(h));
		if (h != (void *)SIG_IGN)
			py = sj_journal_handler_addr(&w, h);
		sj_jw_bool(&w, "python", py);
		sj_jw_close(&w);
		if (!sj_jw_keep(&w, m))
			break; /* cut between entries; the record says "trunc" */
	}
	sj_jw_end(&w);
	errno = saved;
}

void sj_journal_dispositions(const char *at)
{
	if (sj_journal_on())
		dispositions_record(at);
}
