/* syscalls.h — decoding what a blocked thread waits for from its syscall
 * (x86-64), driven by the table in syscalls.def. */
#ifndef SIGJAM_SYSCALLS_H
#define SIGJAM_SYSCALLS_H

#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

/* The syscall's name ("read"), or NULL if it is not in the table. */
const char *sj_syscall_name(long nr);

/* Fills t->wait from t->state and t->syscall_nr/args (read from procfs
 * BEFORE the thread was stopped).  Arrays the syscall points to (pollfds,
 * fd_sets, timespecs) are read from pid's memory with process_vm_readv and
 * epoll interest lists from /proc/pid/fdinfo: the thread is still blocked,
 * so they are what it waits on.  Unreadable memory leaves fds empty and the
 * timeout unknown; it is never an error. */
void sj_decode_wait(pid_t pid, struct sj_thread *t); /* pid: the thread's own tid works best */

#endif
