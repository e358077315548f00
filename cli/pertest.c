/* pertest.c — the per-test watch windows of `sigjam run --per-test` (see
 * pertest.h for the protocol). */
#include "pertest.h"

#include "output.h"
#include "procfs.h"
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* How long sigjam waits for the runner to take a message before giving up
 * on it (a runner that stopped reading must not hang sigjam). */
#define SEND_TIMEOUT_MS 10000

int sj_pertest_open(struct sj_pertest *pt, char *err, size_t errlen)
{
	int sv[2];
	memset(pt, 0, sizeof *pt);
	pt->fd = pt->child_fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	pt->fd = sv[0];
	pt->child_fd = sv[1];
	return 0;
}

void sj_pertest_child(struct sj_pertest *pt)
{
	char num[16];
	fcntl(pt->child_fd, F_SETFD, 0);  /* survives the exec */
	snprintf(num, sizeof num, "%d", pt->child_fd);
	setenv("SIGJAM_CONTROL_FD", num, 1);
}

void sj_pertest_parent(struct sj_pertest *pt)
{
	close(pt->child_fd);
	pt->child_fd = -1;
	fcntl(pt->fd, F_SETOWN, getpid());
	fcntl(pt->fd, F_SETFL, O_ASYNC | O_NONBLOCK);
}

static void free_set(struct sj_procset *s)
{
	free(s->pid);
	free(s->start);
	memset(s, 0, sizeof *s);
}

void sj_pertest_close(struct sj_pertest *pt)
{
	if (pt->fd >= 0)
		close(pt->fd);
	if (pt->child_fd >= 0)
		close(pt->child_fd);
	pt->fd = pt->child_fd = -1;
	free_set(&pt->before);
}

static uint64_t start_ticks(pid_t pid)
{
	char path[64], *text = NULL;
	struct sj_stat st;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	uint64_t t = 0;
	if (sj_procfs_slurp(path, &text) > 0 && sj_parse_stat(text, &st) == 0)
		t = st.start_ticks;
	free(text);
	return t;
}

/* Every process below parent now (its children, theirs, ...). */
static void snapshot_tree(pid_t parent, struct sj_procset *s)
{
	const pid_t *pids;
	struct sj_watch *w = sj_watch_new_children(parent);
	free_set(s);
	if (!w)
		return;
	sj_watch_sample(w);
	size_t n = sj_watch_pids(w, &pids);
	s->pid = malloc(n * sizeof *s->pid + 1);
	s->start = malloc(n * sizeof *s->start + 1);
	if (s->pid && s->start)
		for (size_t i = 0; i < n; i++) {
			s->pid[s->n] = pids[i];
			s->start[s->n++] = start_ticks(pids[i]);
		}
	sj_watch_free(w);
}

static int in_set(const struct sj_procset *s, pid_t pid, uint64_t start)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->pid[i] == pid && s->start[i] == start)
			return 1;
	return 0;
}

/* Writes all of buf, waiting while the socket is full; -1 when the runner
 * is gone or has not read for SEND_TIMEOUT_MS. */
static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -1;
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (poll(&p, 1, SEND_TIMEOUT_MS) <= 0)
			return -1;
	}
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One complete line of buf, NUL-terminated in place and removed from buf
 * by the caller (*used); NULL if none yet. */
static char *next_line(struct sj_pertest *pt, size_t *used)
{
	char *nl = memchr(pt->buf, '\n', pt->len);
	if (!nl)
		return NULL;
	*nl = '\0';
	*used = (size_t)(nl - pt->buf) + 1;
	return pt->buf;
}

/* SIGKILLs every process below parent that was not there when the test
 * started, except the runner. */
static void kill_new(const struct sj_pertest *pt, pid_t root, pid_t parent)
{
	struct sj_procset now = { 0 };
	snapshot_tree(parent, &now);
	for (size_t i = 0; i < now.n; i++)
		if (now.pid[i] != root && !in_set(&pt->before, now.pid[i], now.start[i]))
			kill(now.pid[i], SIGKILL);
	free_set(&now);
}

static enum sj_pt_event handle_line(struct sj_pertest *pt, const char *line, pid_t root, pid_t parent)
{
	int sig, off = 0;
	if (sscanf(line, "start %d %n", &sig, &off) == 1 && off > 0 && sig > 0 && sig < NSIG) {
		pt->in_test = 1;
		pt->sig = sig;
		snprintf(pt->test, sizeof pt->test, "%s", line + off);
		pt->start_ns = now_ns();
		pt->hangs = 0;
		snapshot_tree(parent, &pt->before);
		return SJ_PT_START;
	}
	if (!strcmp(line, "end")) {
		pt->in_test = 0;
		if (pt->hangs)  /* what the hung test left behind */
			kill_new(pt, root, parent);
		send_all(pt->fd, "ok\n", 3);
		return SJ_PT_END;
	}
	return SJ_PT_NONE;  /* not ours to understand: ignored */
}

enum sj_pt_event sj_pertest_read(struct sj_pertest *pt, pid_t root, pid_t parent)
{
	if (pt->fd < 0)
		return SJ_PT_NONE;
	for (;;) {
		size_t used;
		char *line = next_line(pt, &used);
		if (line) {
			enum sj_pt_event ev = handle_line(pt, line, root, parent);
			memmove(pt->buf, pt->buf + used, pt->len - used);
			pt->len -= used;
			if (ev != SJ_PT_NONE)
				return ev;
			continue;
		}
		if (pt->len == sizeof pt->buf)
			pt->len = 0;  /* a line longer than any message: drop it */
		ssize_t n = read(pt->fd, pt->buf + pt->len, sizeof pt->buf - pt->len);
		if (n > 0) {
			pt->len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN) {
			/* The runner closed its end: no more tests to watch. */
			close(pt->fd);
			pt->fd = -1;
			pt->in_test = 0;
			return SJ_PT_GONE;
		}
		return SJ_PT_NONE;
	}
}

/* "3s", "1.5s", "500ms" for the verdict. */
static void format_duration(int64_t ns, char *buf, size_t n)
{
	if (ns % 1000000000 == 0)
		snprintf(buf, n, "%" PRId64 "s", ns / 1000000000);
	else if (ns >= 1000000000)
		snprintf(buf, n, "%.1fs", (double)ns / 1e9);
	else
		snprintf(buf, n, "%" PRId64 "ms", ns / 1000000);
}

/* The verdict, then the text report: what the test fails with. */
static char *render(const struct sj_pertest *pt, const struct sj_report *r, int64_t hang_after_ns,
		    size_t *len)
{
	char *text = NULL, dur[32], err[256];
	FILE *f = open_memstream(&text, len);
	if (!f)
		return NULL;
	format_duration(hang_after_ns, dur, sizeof dur);
	fprintf(f, "sigjam: this test hung: no thread of its process tree made progress for %s, "
		   "and sigjam proved that it never will (", dur);
	unsigned seen = 0;  /* each kind once, in the report's order */
	for (size_t i = 0; i < r->findings->n; i++) {
		unsigned bit = 1u << r->findings->v[i].kind;
		if (!(seen & bit))
			fprintf(f, "%s%s", seen ? ", " : "", sj_finding_kind_name(r->findings->v[i].kind));
		seen |= bit;
	}
	fprintf(f, "). %s\n\n", pt->hangs ? "It hung again after the interrupt: the processes it started were killed."
					  : "sigjam interrupted the test; the processes it started are killed when it ends.");
	struct sj_report plain = *r;
	plain.color = 0;
	if (sj_render_to("text", &plain, f, err, sizeof err) != 0)
		fprintf(f, "(no report: %s)\n", err);
	fclose(f);
	return text;
}

void sj_pertest_hang(struct sj_pertest *pt, const struct sj_report *r, int64_t hang_after_ns,
		     pid_t root, pid_t parent)
{
	size_t len = 0;
	char *text = render(pt, r, hang_after_ns, &len);
	char head[32];
	int n = snprintf(head, sizeof head, "hang %zu\n", text ? len : 0);
	if (send_all(pt->fd, head, (size_t)n) == 0 && text)
		send_all(pt->fd, text, len);
	free(text);
	/* The first interrupt leaves the test's processes alone: the code it
	 * unwinds may end them cleanly (Pool.terminate() needs live workers:
	 * one killed while holding the task queue's lock would hang it).  If
	 * the test hangs again, they go first. */
	if (pt->hangs)
		kill_new(pt, root, parent);
	/* The main thread: a Python handler runs there only, and a signal
	 * sent to the process could land on a thread that is not blocked. */
	syscall(SYS_tgkill, root, root, pt->sig);
	pt->hangs++;
}

/* Records that describe a process's state rather than an event. */
static int state_record(const char *ev)
{
	static const char *const kinds[] = { "start", "dispositions", "handler" };
	for (size_t i = 0; ev && i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(ev, kinds[i]))
			return 1;
	return 0;
}

void sj_journal_keep_since(struct sj_journal *j, int64_t since_ns)
{
	struct sj_journal old = { .ev = malloc(j->n * sizeof *j->ev + 1) };
	if (!old.ev)
		return;
	size_t kept = 0;
	for (size_t i = 0; i < j->n; i++) {
		if (j->ev[i].t_ns >= since_ns || state_record(j->ev[i].ev))
			j->ev[kept++] = j->ev[i];
		else
			old.ev[old.n++] = j->ev[i];
	}
	j->n = kept;
	sj_journal_free(&old);  /* what the dropped events own */
}
