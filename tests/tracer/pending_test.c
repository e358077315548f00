/* pending_test.c — a thread that never stops while we wait for it (here:
 * the parent of a vfork, in uninterruptible sleep until its child exits)
 * is still traced when the capture returns, with our interrupt armed.
 * sj_capture_reap_pending must let it go once it leaves the kernel, or
 * it stays ptrace-stopped for as long as the tracer lives. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "attach.h"
#include "helpers.h"

static int gate[2]; /* the vfork child exits once a byte arrives here */

/* vfork whose child reads one byte from gate[0] and exits, all in
 * registers: the child shares the parent's stack, so it must not call
 * (or return from) anything.  The parent sleeps in D (TASK_KILLABLE in
 * wait_for_vfork_done) until then; only a fatal signal wakes it, not a
 * PTRACE_INTERRUPT. */
static long vfork_child_reads_gate(int fd, char *byte)
{
	long ret;
	__asm__ volatile("mov %[vfork], %%eax\n\t"
			 "syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "mov %[read], %%eax\n\t"
			 "mov %[fd], %%edi\n\t"
			 "mov %[buf], %%rsi\n\t"
			 "mov $1, %%edx\n\t"
			 "syscall\n\t"
			 "mov %[exit], %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n\t"
			 "1:\n\t"
			 : "=&a"(ret)
			 : [vfork] "i"(SYS_vfork), [read] "i"(SYS_read), [exit] "i"(SYS_exit), [fd] "r"(fd),
			   [buf] "r"(byte)
			 : "rdi", "rsi", "rdx", "rcx", "r11", "memory");
	return ret;
}

#define VFORK_PARENT_STATUS 7

static void vfork_parent(void *arg)
{
	char byte;
	close(gate[1]);
	if (vfork_child_reads_gate(gate[0], &byte) > 0)
		_exit(VFORK_PARENT_STATUS);
	_exit(1);
}

static int has_note(const struct sj_snapshot *s, const char *text)
{
	for (size_t i = 0; i < s->nnotes; i++)
		if (strstr(s->notes[i], text))
			return 1;
	return 0;
}

static pid_t start_in_d(void)
{
	assert_int_equal(pipe(gate), 0);
	pid_t pid = th_spawn(vfork_parent, NULL);
	close(gate[0]);
	assert_int_equal(th_wait_state(pid, 'D'), 0);
	return pid;
}

/* Polls until pid (one thread) is in a ptrace stop; 0, or -1 after 30 s. */
static int wait_stopped(pid_t pid)
{
	uint64_t end = th_now_ns() + 30000000000ULL;
	while (th_now_ns() < end) {
		if (th_any_stopped(pid))
			return 0;
		usleep(5000);
	}
	return -1;
}

/* The capture leaves the D thread traced and says so; a second capture
 * meanwhile neither fails (EPERM: we trace it already) nor waits again. */
static void capture_while_in_d(pid_t pid)
{
	struct sj_snapshot s;
	th_capture(pid, 0, 0, &s);
	assert_true(has_note(&s, "still traced until it leaves the kernel; detached then"));
	assert_false(has_note(&s, "left running"));
	assert_non_null(sj_snapshot_proc(&s, pid)->threads[0].unwind_error);
	sj_snapshot_free(&s);

	uint64_t t0 = th_now_ns();
	th_capture(pid, 0, 0, &s);
	assert_true(th_now_ns() - t0 < 2000000000ULL); /* no 3 s deadline again */
	assert_true(has_note(&s, "since an earlier capture"));
	sj_snapshot_free(&s);
	assert_false(th_any_stopped(pid));
}

static void release_and_expect_stop(pid_t pid)
{
	assert_int_equal(write(gate[1], "x", 1), 1);
	close(gate[1]);
	/* It leaves D and takes the trap our interrupt armed: this is what
	 * stayed stopped forever before. */
	assert_int_equal(wait_stopped(pid), 0);
}

static void expect_own_exit(pid_t pid)
{
	assert_int_equal(th_wait_none_stopped(pid), 0);
	int st;
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	assert_int_equal(r, pid);
	if (!WIFEXITED(st))
		fail_msg("pid %d: wait status 0x%x, not an exit (stopped: %d)", (int)pid, st, WIFSTOPPED(st));
	assert_int_equal(WEXITSTATUS(st), VFORK_PARENT_STATUS);
}

static void test_d_thread_reaped_after_it_leaves_the_kernel(void **state)
{
	pid_t pid = start_in_d();
	capture_while_in_d(pid);
	release_and_expect_stop(pid);
	sj_capture_reap_pending();
	expect_own_exit(pid);
}

/* sigjam run's own waitpid(-1, WNOHANG) also collects ptrace stops of its
 * tracees: the reaper must recognise a stop whose status is gone. */
static void test_d_thread_reaped_after_caller_took_its_stop(void **state)
{
	pid_t pid = start_in_d();
	capture_while_in_d(pid);
	release_and_expect_stop(pid);
	int st;
	assert_int_equal(waitpid(-1, &st, WNOHANG), pid);
	assert_true(WIFSTOPPED(st));
	sj_capture_reap_pending();
	expect_own_exit(pid);
}

/* Nothing pending: a call reaps nothing of the caller's.  A long-lived
 * caller (sigjam run) calls it before its own waitpid(-1, ...), so it must
 * not take the exit status of a child it was never given. */
static void test_reap_pending_leaves_other_children(void **state)
{
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(3);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	assert_int_equal(waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT), 0); /* a zombie now */
	assert_false(sj_attach_is_pending(child));
	assert_int_equal(sj_attach_reap_pending(), 0);
	sj_capture_reap_pending();
	int st = 0;
	assert_int_equal(waitpid(child, &st, WNOHANG), child);  /* still ours to collect */
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reap_pending_leaves_other_children),
		cmocka_unit_test(test_d_thread_reaped_after_it_leaves_the_kernel),
		cmocka_unit_test(test_d_thread_reaped_after_caller_took_its_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
