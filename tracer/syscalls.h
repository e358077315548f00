/* syscalls.h — decoding what a blocked thread waits for from its syscall
 * (x86-64), driven by the table in syscalls.def. */
#ifndef SIGJAM_SYSCALLS_H
#define SIGJAM_SYSCALLS_H

#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

/* Fills t->wait from t->state and t->syscall_nr/args (read from procfs
 * BEFORE the thread was stopped).  Arrays the syscall points to (pollfds,
 * fd_sets, timespecs) are read from pid's memory with process_vm_readv and
 * epoll interest lists from /proc/pid/fdinfo: the thread is still blocked,
 * so they are what it waits on.  Unreadable memory leaves fds empty and the
 * timeout unknown; it is never an error. */
void sj_decode_wait(pid_t pid, struct sj_thread *t); /* pid: the thread's own tid works best */

/* What a blocking syscall returns in rax when a signal or a ptrace trap
 * (our PTRACE_INTERRUPT) woke it: the kernel-internal -ERESTARTSYS,
 * -ERESTARTNOINTR, -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK (the thread
 * stops in get_signal() before the restart logic rewrites rax), or -EINTR
 * from syscalls that are never restarted (epoll_wait, sigtimedwait...). */
int sj_syscall_interrupted(long ret);

/* A second look at a thread whose wait was decoded from the first one. */
struct sj_recheck {
	int ok;             /* the look succeeded (else nothing is confirmed) */
	int stopped;        /* 1: seen ptrace-stopped, from its registers; 0: from
			       /proc/TID/syscall while it kept running */
	long nr;            /* orig_rax, or /proc's nr (-1 not in a syscall) */
	uint64_t args[6];
	long ret;           /* stopped only: rax */
	uint64_t sp, pc;
	uint64_t vcsw;      /* voluntary context switches, 0 unknown */
	uint64_t runs;      /* times scheduled in (schedstat), 0 unknown: preferred */
	int have_word;      /* futex waits: the futex word was read at the look */
	uint32_t word;
};

/* 1 if t (facts read before the stop) was still blocked in the same
 * syscall at the second look and never woke in between: each sleep counts
 * one voluntary context switch, and a stop in the ptrace trap counts one
 * more, so a thread that ran and blocked again, even in the same call,
 * shows a larger difference. */
int sj_wait_confirmed(const struct sj_thread *t, const struct sj_recheck *now);
/* 1 if t's wait is a FUTEX_WAIT/FUTEX_WAIT_BITSET, whose restart blocks
 * again only while the futex word still holds the value it compares. */
int sj_wait_compares_word(const struct sj_thread *t);

#endif
