/* handlers.c — layer 4, handler group: the table of the program's handlers.
 *
 * Table consistency without a lock on the reading side: a handler reads its
 * slot under a per-slot sequence counter and retries if a writer was active
 * (a torn read would pair one handler with another's SA_SIGINFO and call it
 * with the wrong arguments).  Writers (sigaction calls, rare) serialize on a
 * spin flag with every signal blocked, so a handler never spins on a writer
 * that it interrupted on its own thread.  A vfork child never writes here
 * (sys.h): the installing wrappers pass its calls straight to libc. */
#include "handlers.h"
#include "real.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

struct slot {
	atomic_uint seq;         /* odd while a writer updates the slot */
	_Atomic(void *) handler; /* the program's handler */
	atomic_int flags;        /* the program's sa_flags */
};

static struct slot table[NSIG];
static atomic_flag wlock = ATOMIC_FLAG_INIT;

void sj_htable_read(int sig, struct sj_user_act *out)
{
	struct slot *s = &table[sig];
	unsigned a, b;
	do {
		a = atomic_load_explicit(&s->seq, memory_order_acquire);
		out->handler = atomic_load_explicit(&s->handler, memory_order_relaxed);
		out->flags = atomic_load_explicit(&s->flags, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		b = atomic_load_explicit(&s->seq, memory_order_relaxed);
	} while ((a & 1) || a != b);
}

void sj_htable_store(int sig, void *handler, int flags)
{
	struct slot *s = &table[sig];
	atomic_fetch_add_explicit(&s->seq, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->handler, handler, memory_order_relaxed);
	atomic_store_explicit(&s->flags, flags, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->seq, 1, memory_order_release);
}

void sj_htable_lock(sigset_t *saved)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, saved);
	while (atomic_flag_test_and_set_explicit(&wlock, memory_order_acquire))
		sched_yield();
}

void sj_htable_unlock(const sigset_t *saved)
{
	atomic_flag_clear_explicit(&wlock, memory_order_release);
	pthread_sigmask(SIG_SETMASK, saved, NULL);
}

/* A fork child has only the forking thread: a writer caught mid-update on
 * another thread would leave the flag set and a slot odd forever. */
void sj_htable_after_fork_child(void)
{
	atomic_flag_clear(&wlock);
	for (int sig = 1; sig < NSIG; sig++) {
		unsigned s = atomic_load(&table[sig].seq);
		if (s & 1)
			atomic_store(&table[sig].seq, s + 1);
	}
}

int sj_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	__typeof__(sigaction) *f = SJ_REAL_FN(sigaction);
	return f ? f(sig, act, old) : -1; /* errno ENOSYS: real.def */
}

void sj_htable_forget_if_reset(int sig)
{
	struct sigaction k;
	sigset_t mask;
	sj_htable_lock(&mask);
	if (sj_real_sigaction(sig, NULL, &k) == 0 && k.sa_handler == SIG_DFL)
		sj_htable_store(sig, (void *)SIG_DFL, 0);
	sj_htable_unlock(&mask);
}
