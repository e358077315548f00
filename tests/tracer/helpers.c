/* helpers.c — see helpers.h. */
#include "helpers.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "procfs.h"

#define TH_WAIT_NS (30ULL * 1000000000ULL)

uint64_t th_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

pid_t th_spawn(void (*fn)(void *), void *arg)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		fn(arg);
		_exit(0);
	}
	return pid;
}

void th_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

struct tstate {
	pid_t tid;
	char state;
	long nr;
};

/* States and syscall numbers of all threads of pid; returns the count. */
static int read_states(pid_t pid, struct tstate *out, int max)
{
	pid_t *tids;
	size_t n;
	if (sj_procfs_tasks(pid, &tids, &n) != 0)
		return -1;
	int k = 0;
	for (size_t i = 0; i < n && k < max; i++) {
		char path[96], *text;
		struct sj_stat st;
		snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tids[i]);
		if (sj_procfs_slurp(path, &text) < 0)
			continue;
		int ok = sj_parse_stat(text, &st) == 0;
		free(text);
		if (!ok)
			continue;
		out[k].tid = tids[i];
		out[k].state = st.state;
		out[k].nr = -2;
		snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", (int)pid, (int)tids[i]);
		if (sj_procfs_slurp(path, &text) >= 0) {
			uint64_t a[6], sp, pc;
			sj_parse_syscall(text, &out[k].nr, a, &sp, &pc);
			free(text);
		}
		k++;
	}
	free(tids);
	return k;
}

pid_t th_wait_syscall(pid_t pid, long nr)
{
	uint64_t end = th_now_ns() + TH_WAIT_NS;
	while (th_now_ns() < end) {
		struct tstate st[64];
		int n = read_states(pid, st, 64);
		for (int i = 0; i < n; i++)
			if (st[i].nr == nr && st[i].state == 'S')
				return st[i].tid;
		nap_ms(5);
	}
	return -1;
}

int th_wait_all_blocked(pid_t pid, int nthreads)
{
	uint64_t end = th_now_ns() + TH_WAIT_NS;
	while (th_now_ns() < end) {
		struct tstate st[64];
		int n = read_states(pid, st, 64), blocked = 0;
		for (int i = 0; i < n; i++)
			blocked += st[i].nr >= 0 && (st[i].state == 'S' || st[i].state == 'D');
		if (n == nthreads && blocked == nthreads)
			return 0;
		nap_ms(5);
	}
	return -1;
}

int th_wait_state(pid_t pid, char c)
{
	uint64_t end = th_now_ns() + TH_WAIT_NS;
	while (th_now_ns() < end) {
		char path[64], *text;
		struct sj_stat st;
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
		if (sj_procfs_slurp(path, &text) >= 0) {
			int ok = sj_parse_stat(text, &st) == 0 && st.state == c;
			free(text);
			if (ok)
				return 0;
		}
		nap_ms(5);
	}
	return -1;
}

int th_any_stopped(pid_t pid)
{
	struct tstate st[256];
	int n = read_states(pid, st, 256);
	for (int i = 0; i < n; i++)
		if (st[i].state == 't' || st[i].state == 'T')
			return 1;
	return 0;
}

int th_wait_none_stopped(pid_t pid)
{
	uint64_t end = th_now_ns() + 5000000000ULL;
	while (th_now_ns() < end) {
		if (!th_any_stopped(pid))
			return 0;
		nap_ms(2);
	}
	return -1;
}

void th_capture(pid_t pid, int children, int symbolize, struct sj_snapshot *s)
{
	struct sj_capture_opts o = { .pids = &pid, .npids = 1, .children = children, .native = 1,
				     .python = SJ_PY_OFF, .symbolize = symbolize };
	char err[512] = "";
	int rc = sj_capture(&o, s, err, sizeof err);
	if (rc != 0)
		fail_msg("sj_capture(%d) = %d: %s", (int)pid, rc, err);
}

struct sj_thread *th_thread_in(const struct sj_snapshot *s, pid_t pid, long nr)
{
	struct sj_process *p = sj_snapshot_proc(s, pid);
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i].syscall_nr == nr)
			return &p->threads[i];
	return NULL;
}
