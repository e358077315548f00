/* waits.c — what a thread waits for, in the renderers' words:
 * "read(fd 5 = pipe:[8493])", "futex 0x7f.. private, no timeout". */
#include "internal.h"

#include <inttypes.h>
#include <string.h>

static void describe_fd(struct sj_tbuf *b, const struct sj_process *p, int fd)
{
	const struct sj_fd *f = p ? sj_process_fd(p, fd) : NULL;
	if (f && f->target)
		sj_tbuf_printf(b, "fd %d = %s", fd, f->target);
	else
		sj_tbuf_printf(b, "fd %d", fd);
}

static void describe_timeout(struct sj_tbuf *b, const struct sj_wait *w)
{
	char d[32];
	if (!w->has_timeout)
		sj_tbuf_printf(b, "no timeout");
	else if (w->timeout_ns >= 0)
		sj_tbuf_printf(b, "timeout %s", sj_duration_text(w->timeout_ns, d, sizeof d));
	else
		sj_tbuf_printf(b, "with a timeout");
}

static const char *call_name(const struct sj_thread *t, const char *fallback)
{
	const char *n = sj_syscall_name(t->syscall_nr);
	return n ? n : fallback;
}

/* "read(fd 5 = pipe:[8493])"; with `what`, "flock(fd 4 = /tmp/l, write flock)". */
static void wait_io(struct sj_tbuf *b, const struct sj_process *p, const struct sj_thread *t,
		    const char *fallback, const char *what)
{
	sj_tbuf_printf(b, "%s(", call_name(t, fallback));
	if (t->wait.nfds)
		describe_fd(b, p, t->wait.fds[0].fd);
	else
		sj_tbuf_printf(b, "unknown fd");
	sj_tbuf_printf(b, "%s%s)", what ? ", " : "", what ? what : "");
}

static void wait_poll(struct sj_tbuf *b, const struct sj_process *p, const struct sj_thread *t)
{
	sj_tbuf_printf(b, "%s(%zu fd%s, ", call_name(t, "poll"), t->wait.nfds,
		       t->wait.nfds == 1 ? "" : "s");
	describe_timeout(b, &t->wait);
	sj_tbuf_printf(b, ")");
}

static void wait_child(struct sj_tbuf *b, const struct sj_thread *t)
{
	pid_t w = t->wait.wait_pid;
	const char *call = call_name(t, "wait4");
	if (w > 0)
		sj_tbuf_printf(b, "%s(%d)", call, (int)w);
	else if (w == -1)
		sj_tbuf_printf(b, "%s(any child)", call);
	else if (w == 0)
		sj_tbuf_printf(b, "%s(any child in own group)", call);
	else
		sj_tbuf_printf(b, "%s(any child in group %d)", call, (int)-w);
}

static void wait_futex(struct sj_tbuf *b, const struct sj_process *p, const struct sj_thread *t)
{
	const struct sj_wait *w = &t->wait;
	sj_tbuf_printf(b, "futex 0x%" PRIx64 " ", w->futex_addr);
	if (w->futex_private) {
		sj_tbuf_printf(b, "private");
	} else {
		const struct sj_map *m = p ? sj_process_map(p, w->futex_addr) : NULL;
		if (m && m->path)
			sj_tbuf_printf(b, "shared %s", m->path);
		else
			sj_tbuf_printf(b, "shared (anonymous memory)");
	}
	sj_tbuf_printf(b, ", ");
	describe_timeout(b, w);
}

const char *sj_report_wait_text(const struct sj_process *p, const struct sj_thread *t,
			     char *buf, size_t len)
{
	struct sj_tbuf b;
	char d[96];

	sj_tbuf_init(&b, buf, len);
	switch (t->wait.kind) {
	case SJ_WAIT_NONE:
		sj_tbuf_printf(&b, t->state == 'R' ? "running" : t->state == 'Z' ? "exited"
			       : "not in a blocking call");
		break;
	case SJ_WAIT_READ:
		wait_io(&b, p, t, "read", NULL);
		break;
	case SJ_WAIT_WRITE:
		wait_io(&b, p, t, "write", NULL);
		break;
	case SJ_WAIT_ACCEPT:
		wait_io(&b, p, t, "accept", NULL);
		break;
	case SJ_WAIT_POLL:
		wait_poll(&b, p, t);
		break;
	case SJ_WAIT_CHILD:
		wait_child(&b, t);
		break;
	case SJ_WAIT_FUTEX:
		wait_futex(&b, p, t);
		break;
	case SJ_WAIT_SLEEP:
		if (t->wait.has_timeout && t->wait.timeout_ns >= 0)
			sj_tbuf_printf(&b, "%s(%s)", call_name(t, "sleep"),
				       sj_duration_text(t->wait.timeout_ns, d, sizeof d));
		else
			sj_tbuf_printf(&b, "%s", call_name(t, "sleep"));
		break;
	case SJ_WAIT_SIGNAL:
		sj_tbuf_printf(&b, "%s (waits for a signal", call_name(t, "pause"));
		if (t->wait.has_timeout) {
			sj_tbuf_printf(&b, ", ");
			describe_timeout(&b, &t->wait);
		}
		sj_tbuf_printf(&b, ")");
		break;
	case SJ_WAIT_LOCK:
		wait_io(&b, p, t, "lock", sj_lock_text(&t->wait.lock, d, sizeof d));
		break;
	case SJ_WAIT_STOPPED:
		sj_tbuf_printf(&b, "stopped (state %c before capture)", t->state ? t->state : 'T');
		break;
	case SJ_WAIT_OTHER:
	default:
		if (sj_syscall_name(t->syscall_nr))
			sj_tbuf_printf(&b, "%s", sj_syscall_name(t->syscall_nr));
		else
			sj_tbuf_printf(&b, "syscall %ld", t->syscall_nr);
		if (t->wchan && t->wchan[0] && strcmp(t->wchan, "0") != 0)
			sj_tbuf_printf(&b, " in %s", t->wchan);
		break;
	}
	return buf;
}
