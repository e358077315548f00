/* init.c — layer 5: the shim's initialisation (init.h). */
#include "init.h"
#include "handlers.h"
#include "journal.h"
#include "real.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

/* After fork, in the child, before anything else runs there: for forks that
 * bypass the fork wrapper (which does the same, first). */
static void atfork_child(void)
{
	sj_journal_fork_child();
	sj_htable_after_fork_child();
	sj_state_after_fork_child();
}

static SJ_NOINLINE void start_record(void)
{
	struct sj_jw w;
	char exe[512];
	ssize_t n;
	n = syscall(SYS_readlink, "/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	sj_jw_begin(&w, "start");
	sj_jw_str(&w, "exe", exe);
	sj_jw_str(&w, "comm", sj_g.comm);
	sj_jw_str(&w, "role", sj_g.child ? "child" : "parent");
	sj_jw_int(&w, "rules", sj_g.spec.n);
	sj_jw_int(&w, "seed", (long long)sj_g.seed);
	sj_jw_bool(&w, "check", sj_g.check);
	sj_jw_end(&w);
}

static void journal_start(void)
{
	if (sj_journal_on())
		start_record();
}

void sj_init(void)
{
	int expect = SJ_INIT_NONE;
	int saved = errno;
	/* A vfork child must not store into its parent's memory (sys.h). */
	if (sj_in_vfork_child())
		return;
	if (!atomic_compare_exchange_strong(&sj_g.init, &expect, SJ_INIT_RUNNING))
		return;
	sj_real_setup();
	sj_journal_setup(getenv("SIGJAM_JOURNAL"));
	sj_state_setup();
	sj_unsafe_setup();
	sj_python_probe();
	pthread_atfork(sj_journal_fork_prepare, NULL, atfork_child);
	atomic_store_explicit(&sj_g.init, SJ_INIT_DONE, memory_order_release);
	sj_state_publish();
	journal_start();
	if (sj_g.child)
		sj_journal_dispositions("exec");
	errno = saved;
}

/* The library's one constructor.  101: the first priority open to programs,
 * so the shim is ready before the constructors of anything loaded after it. */
__attribute__((constructor(101))) static void sj_ctor(void)
{
	sj_init();
}
