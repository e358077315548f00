/* launch.c — run a command under the shim, forward signals the way a
 * wrapper should, watch for a hang, then report. */
#include "launch.h"

#include "analysis.h"
#include "capture.h"
#include "cli.h"
#include "journal_sym.h"
#include "pertest.h"
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void sj_launch_init(struct sj_launch *lo)
{
	memset(lo, 0, sizeof *lo);
	lo->summary_fd = 2;
	lo->child_out_fd = -1;
	lo->on_hang = SJ_HANG_KILL;
}

void sj_launch_free(struct sj_launch *lo)
{
	free(lo->inject);
	lo->inject = NULL;
	sj_findings_free(&lo->findings);
	sj_journal_free(&lo->journal_data);
	sj_snapshot_free(&lo->snap);
}

int sj_launch_add_spec(struct sj_launch *lo, const char *spec, char *err, size_t errlen)
{
	size_t old = lo->inject ? strlen(lo->inject) : 0;
	char *p = realloc(lo->inject, old + strlen(spec) + 2);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (old)
		p[old++] = ';';
	strcpy(p + old, spec);
	lo->inject = p;
	return 0;
}

int sj_launch_set_on_hang(struct sj_launch *lo, const char *action)
{
	static const struct { const char *name; enum sj_on_hang v; } actions[] = {
		{ "kill", SJ_HANG_KILL }, { "stop", SJ_HANG_STOP }, { "report", SJ_HANG_REPORT },
	};
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		if (!strcmp(action, actions[i].name)) {
			lo->on_hang = actions[i].v;
			return 0;
		}
	return -1;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The journal file: the user's (truncated, so runs do not accumulate) or a
 * fresh temporary one. */
static int prepare_journal(const struct sj_launch *lo, char *path, size_t n, int *is_temp)
{
	int fd;
	*is_temp = !lo->journal;
	if (lo->journal) {
		snprintf(path, n, "%s", lo->journal);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	} else {
		const char *dir = getenv("TMPDIR");
		snprintf(path, n, "%s/sigjam-journal-XXXXXX.jsonl", dir && *dir ? dir : "/tmp");
		fd = mkstemps(path, 6);
	}
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* In the child, between fork and exec: the environment that loads the shim. */
static void child_environment(const struct sj_launch *lo, const char *shim, const char *journal)
{
	const char *old = getenv("LD_PRELOAD");
	char *preload;
	if (old && *old && asprintf(&preload, "%s:%s", shim, old) > 0)
		setenv("LD_PRELOAD", preload, 1);
	else
		setenv("LD_PRELOAD", shim, 1);
	setenv("SIGJAM_JOURNAL", journal, 1);
	if (lo->inject)
		setenv("SIGJAM_INJECT", lo->inject, 1);
	else
		unsetenv("SIGJAM_INJECT");
	if (lo->seed)
		setenv("SIGJAM_SEED", lo->seed, 1);
	if (lo->no_check)
		setenv("SIGJAM_CHECK", "0", 1);
}

/* fork + exec; an exec failure comes back through a close-on-exec pipe so
 * that a missing command is a usage error (exit 2), not a 127 in disguise. */
static pid_t start_child(const struct sj_launch *lo, const char *shim, const char *journal,
			 const sigset_t *oldmask, struct sj_pertest *pt, char *err, size_t errlen)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		child_environment(lo, shim, journal);
		if (pt)
			sj_pertest_child(pt);
		if (lo->own_pgrp)
			setpgid(0, 0);
		if (lo->default_signals)
			for (int sig = 1; sig < NSIG; sig++)
				signal(sig, SIG_DFL);  /* only SIG_IGN survives exec */
		if (lo->child_out_fd >= 0) {
			dup2(lo->child_out_fd, 1);
			dup2(lo->child_out_fd, 2);
		}
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		execvp(lo->argv[0], lo->argv);
		int e = errno;
		(void)!write(pfd[1], &e, sizeof e);
		_exit(127);
	}
	close(pfd[1]);
	int e = 0;
	ssize_t r;
	while ((r = read(pfd[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	if (r == (ssize_t)sizeof e) {
		waitpid(pid, NULL, 0);
		snprintf(err, errlen, "cannot run \"%s\": %s", lo->argv[0], strerror(e));
		return -1;
	}
	return pid;
}

/* Should the command get its own process group?  At a terminal, sigjam is
 * the foreground job and the program must stay in it, so that ^C reaches it
 * exactly as without sigjam.  Anywhere else (CI, ctest, a script) a group of
 * its own keeps signal=...@group injections and the program's own
 * kill(0, ...) inside the program's tree instead of hitting the caller. */
static int own_group(const struct sj_launch *lo)
{
	if (lo->own_pgrp)
		return 1;
	pid_t fg = tcgetpgrp(STDIN_FILENO);
	return fg < 0 || fg != getpgrp();
}

/* Is pid `p` the child or one of its descendants? (walks ppid links) */
static int in_tree(pid_t p, pid_t root)
{
	for (int depth = 0; p > 1 && depth < 64; depth++) {
		if (p == root)
			return 1;
		char path[64], buf[512];
		snprintf(path, sizeof path, "/proc/%d/stat", p);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 0;
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			return 0;
		buf[n] = '\0';
		char *rp = strrchr(buf, ')');
		int ppid;
		if (!rp || sscanf(rp + 2, "%*c %d", &ppid) != 1)
			return 0;
		p = ppid;
	}
	return 0;
}

/* A signal sigjam received while waiting. Without sigjam the program would
 * have got it: a terminal's ^C already reached it (same process group), a
 * signal the tree sent itself (signal=INT@group) is not ours to pass on,
 * anything else sent to sigjam is forwarded. */
static void forward_signal(const siginfo_t *si, pid_t child)
{
	if (si->si_code == SI_KERNEL)
		return;
	if ((si->si_code == SI_USER || si->si_code == SI_QUEUE || si->si_code == SI_TKILL) &&
	    si->si_pid > 0 && in_tree(si->si_pid, child))
		return;
	kill(child, si->si_signo);
}

/* Exit status sigjam passes on: the program's own, 128+N for signal N. */
static int pass_on_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

/* Capture the tree and decide whether it is hung. 1: hang proved.  Journal
 * events before since_ns (a test's start under --per-test) are left out. */
static int diagnose(struct sj_launch *lo, const char *journal, int64_t since_ns)
{
	/* sigjam is a child subreaper while it watches: the tree is every
	 * descendant of sigjam, including orphans the program's processes
	 * left behind. */
	pid_t roots[256];
	size_t nroots = sj_children_of(getpid(), roots, 256);
	struct sj_capture_opts co = { .pids = roots, .npids = nroots, .children = 1, .native = 1,
				      .python = SJ_PY_AUTO, .symbolize = 1 };
	char err[512];
	sj_snapshot_free(&lo->snap);
	sj_findings_free(&lo->findings);
	sj_journal_free(&lo->journal_data);
	if (sj_capture(&co, &lo->snap, err, sizeof err) != 0) {
		dprintf(lo->summary_fd, "sigjam run: capture failed: %s\n", err);
		return 0;
	}
	if (sj_journal_load(journal, &lo->journal_data, err, sizeof err) != 0)
		memset(&lo->journal_data, 0, sizeof lo->journal_data);
	if (since_ns)
		sj_journal_keep_since(&lo->journal_data, since_ns);
	sj_analyse(&lo->snap, &lo->journal_data, &lo->findings);
	for (size_t i = 0; i < lo->findings.n; i++)
		if (lo->findings.v[i].kind == SJ_FIND_DEADLOCK)
			return 1;
	return 0;
}

/* What --on-hang asks for, applied to every process of the captured tree. */
static void act_on_hang(struct sj_launch *lo)
{
	int sig = lo->on_hang == SJ_HANG_KILL ? SIGKILL : lo->on_hang == SJ_HANG_STOP ? SIGSTOP : 0;
	if (!sig)
		return;
	for (size_t i = 0; i < lo->snap.nprocs; i++)
		kill(lo->snap.procs[i].pid, sig);
}

/* Loads the journal, runs the journal-only detectors, writes the summary
 * and the requested outputs. */
static void report(struct sj_launch *lo, const struct sj_outputs *out, const char *journal)
{
	char err[512];
	if (!lo->hung) {
		/* What a capture that proved no hang found is stale now the
		 * program has ended: the report is the journal's. */
		sj_findings_free(&lo->findings);
		sj_journal_free(&lo->journal_data);
		if (sj_journal_load(journal, &lo->journal_data, err, sizeof err) != 0)
			dprintf(lo->summary_fd, "sigjam run: %s\n", err);
	}
	sj_journal_symbolize(&lo->journal_data);
	/* After a hang, sj_analyse already ran the journal detectors. */
	if (!lo->hung)
		sj_analyse_journal(&lo->journal_data, &lo->findings);

	struct sj_report r = {
		.snap = lo->hung ? &lo->snap : NULL,
		.findings = &lo->findings,
		.journal = &lo->journal_data,
		.command = lo->argv[0],
		.verbose = lo->verbose,
		.journal_summary = 1,   /* `sigjam report --verbose JOURNAL` shows every record */
	};
	if (!lo->quiet || lo->findings.n || lo->hung) {
		FILE *f = fdopen(dup(lo->summary_fd), "w");
		if (f) {
			r.color = sj_want_color(f);
			if (sj_render_to("text", &r, f, err, sizeof err) != 0)
				fprintf(f, "sigjam run: %s\n", err);
			fclose(f);
		}
	}
	if (sj_outputs_write(out, &r, err, sizeof err) != 0)
		dprintf(lo->summary_fd, "sigjam run: %s\n", err);
}

/* SIGKILL every process the watcher last saw in the tree (root first). */
static void kill_tree(struct sj_watch *w)
{
	const pid_t *pids;
	sj_watch_sample(w);
	size_t n = sj_watch_pids(w, &pids);
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
}

struct waitloop {
	pid_t child;
	int status;
	int exited;
	int reported;
	struct sj_pertest *pt;   /* --per-test; NULL otherwise */
};

/* The hang watch's state: --per-test opens and closes it per test. */
struct window {
	int watching;
	int64_t length;          /* no progress for this long: diagnose */
	int64_t last_progress;
};

/* Under --per-test, a test that hung again after this many interrupts has a
 * runner that does not take them: the run ends as --on-hang says. */
#define MAX_INTERRUPTS 3

/* Reaps every child that ended: the command, and orphans of its tree that
 * came back to sigjam as their subreaper (while it watches). 1 once the
 * command ended. */
static int reap(struct waitloop *wl)
{
	int st;
	pid_t r;
	/* Only an exit or a death ends the command: a ptrace stop of a thread
	 * the tracer could not detach earlier is not its end. */
	while ((r = waitpid(-1, &st, WNOHANG)) > 0)
		if (r == wl->child && (WIFEXITED(st) || WIFSIGNALED(st))) {
			wl->status = st;
			wl->exited = 1;
		}
	return wl->exited;
}

/* --per-test: the runner's messages since the last look.  A test's start
 * opens a fresh window (the next sample is its baseline); its end closes it. */
static void take_messages(struct sj_launch *lo, struct waitloop *wl, struct sj_watch *w, struct window *win)
{
	enum sj_pt_event ev;
	while ((ev = sj_pertest_read(wl->pt, wl->child, getpid())) != SJ_PT_NONE) {
		win->watching = ev == SJ_PT_START;
		if (ev == SJ_PT_START) {
			sj_watch_sample(w);
			win->length = lo->hang_after_ns;
			win->last_progress = now_ns();
		}
	}
}

/* --per-test: a hang proved inside a test fails that test (pertest.c). */
static void fail_test(struct sj_launch *lo, struct waitloop *wl)
{
	sj_journal_symbolize(&lo->journal_data);
	struct sj_report r = { .snap = &lo->snap, .findings = &lo->findings,
			       .journal = &lo->journal_data, .command = wl->pt->test };
	sj_pertest_hang(wl->pt, &r, lo->hang_after_ns, wl->child, getpid());
}

/* sigjam samples the tree while the program runs. */
static int watches_tree(const struct sj_launch *lo)
{
	return lo->hang_after_ns || lo->time_limit_ns || lo->per_test;
}

/* Waits for the child, forwarding signals and watching for a hang. */
static void wait_and_watch(struct sj_launch *lo, struct waitloop *wl, const sigset_t *waitset,
			   const char *journal, const struct sj_outputs *out)
{
	struct sj_watch *w = lo->hang_after_ns || lo->time_limit_ns ? sj_watch_new_children(getpid()) : NULL;
	int64_t start = now_ns();
	struct window win = { .watching = lo->hang_after_ns > 0 && !wl->pt, .length = lo->hang_after_ns,
			      .last_progress = start };

	for (;;) {
		/* Detach threads an earlier capture could not stop (stuck in
		 * the kernel) as soon as they stop — before reap()'s waitpid,
		 * which would otherwise take their stop status. */
		sj_capture_reap_pending();
		if (reap(wl))
			break;
		if (wl->pt)
			take_messages(lo, wl, w, &win);
		/* A tenth of the window between samples keeps the report within
		 * window + 0.1 window of the hang forming, at ~0.1% CPU. */
		int64_t step = win.watching ? win.length / 10 : w ? 100000000 : 1000000000;
		if (step > 250000000)
			step = 250000000;
		struct timespec ts = { step / 1000000000, step % 1000000000 };
		siginfo_t si;
		int sig = sigtimedwait(waitset, &si, &ts);
		/* SIGIO: a --per-test message, read at the top of the loop. */
		if (sig > 0 && sig != SIGCHLD && !(sig == SIGIO && wl->pt))
			forward_signal(&si, wl->child);
		int64_t now = now_ns();
		if (lo->time_limit_ns && !lo->timed_out && now - start > lo->time_limit_ns) {
			lo->timed_out = 1;
			kill_tree(w);
			win.watching = 0;
			continue;
		}
		if (!win.watching)
			continue;
		if (sj_watch_sample(w))
			win.last_progress = now;
		if (now - win.last_progress < win.length)
			continue;
		if (diagnose(lo, journal, wl->pt ? wl->pt->start_ns : 0)) {
			if (wl->pt && wl->pt->hangs < MAX_INTERRUPTS) {
				fail_test(lo, wl);
				win.last_progress = now_ns();
				win.length = lo->hang_after_ns;
				continue;
			}
			lo->hung = 1;
			act_on_hang(lo);
			win.watching = 0;
			if (lo->on_hang != SJ_HANG_KILL) {
				/* Report now; then wait, still the tree's parent:
				 * were sigjam to exit, the stopped tree's orphaned
				 * process group would get SIGHUP from the kernel. */
				report(lo, out, journal);
				if (lo->on_hang == SJ_HANG_STOP)
					dprintf(lo->summary_fd, "sigjam run: the tree is left stopped for a debugger "
						"(gdb -p PID); sigjam exits when it ends (kill -CONT or kill -KILL it)\n");
				wl->reported = 1;
			}
			continue;  /* killed: reap it on the next round */
		}
		/* Blocked but not provably stuck (an outside peer, a slow
		 * producer): look again after a longer quiet spell. */
		win.last_progress = now;
		if (win.length < 8 * lo->hang_after_ns)
			win.length *= 2;
	}
	sj_watch_free(w);
}

int sj_launch_run(struct sj_launch *lo, const struct sj_outputs *out)
{
	char err[512], journal[4096];
	int is_temp;
	const char *shim = sj_shim_path(err, sizeof err);
	if (!shim)
		return sj_usage_error("run", "%s", err);
	if (prepare_journal(lo, journal, sizeof journal, &is_temp) != 0)
		return sj_usage_error("run", "cannot create the journal %s: %s", journal, strerror(errno));

	/* Signals sigjam must not die of while the program runs are blocked
	 * and taken synchronously; the child gets the original mask back. */
	sigset_t waitset, oldmask;
	sigemptyset(&waitset);
	sigaddset(&waitset, SIGCHLD);
	sigaddset(&waitset, SIGINT);
	sigaddset(&waitset, SIGQUIT);
	sigaddset(&waitset, SIGTERM);
	sigaddset(&waitset, SIGHUP);
	struct sj_pertest pt = { .fd = -1, .child_fd = -1 };
	if (lo->per_test) {
		if (sj_pertest_open(&pt, err, sizeof err) != 0)
			return sj_usage_error("run", "%s", err);
		sigaddset(&waitset, SIGIO);  /* a message from the runner */
	}
	sigprocmask(SIG_BLOCK, &waitset, &oldmask);
	/* While sigjam watches the tree (a hang window, a time limit, tests),
	 * orphaned descendants come back to sigjam rather than to the nearest
	 * reaper above it, so they stay descendants: traceable under
	 * ptrace_scope=1, seen by the watcher, killed with the tree.  Only
	 * then: a program can see it (an orphan's getppid() is sigjam's pid),
	 * docs/inject.md, "What a program can tell". */
	if (watches_tree(lo))
		prctl(PR_SET_CHILD_SUBREAPER, 1);

	lo->own_pgrp = own_group(lo);
	struct waitloop wl = { 0 };
	wl.pt = lo->per_test ? &pt : NULL;
	wl.child = start_child(lo, shim, journal, &oldmask, wl.pt, err, sizeof err);
	if (wl.child < 0) {
		sj_pertest_close(&pt);
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		if (is_temp)
			unlink(journal);
		return sj_usage_error("run", "%s", err);
	}
	lo->root_pid = wl.child;
	if (wl.pt)
		sj_pertest_parent(wl.pt);
	wait_and_watch(lo, &wl, &waitset, journal, out);
	sj_pertest_close(&pt);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	lo->exit_status = wl.status;
	/* Under --per-test each hang went to its test; the runner's output is
	 * the run's report, unless the run itself ended in a hang. */
	if (!wl.reported && (!lo->per_test || lo->hung))
		report(lo, out, journal);
	if (lo->journal == NULL && is_temp)
		unlink(journal);
	if (lo->hung)
		return SJ_EXIT_HANG;
	return pass_on_status(wl.status);
}
