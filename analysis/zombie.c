/* zombie.c — one finding per unreaped child, with what its parent does
 * instead of reaping it.
 *
 * A zombie keeps its slot in the process table until the parent calls
 * wait*(); it holds no fds (exit_files() runs before exit_notify()), so it
 * never keeps a pipe open — a zombie is a leak and a symptom (a parent that
 * lost a SIGCHLD or is stuck elsewhere), not a waker. */
#include "internal.h"

#include <sys/wait.h>

static const char advice_zombie[] =
	"Reap every child: call waitpid() for it — in a SIGCHLD handler loop on waitpid(-1, &st, "
	"WNOHANG) until it returns 0, because several exits can arrive as one SIGCHLD — or join() "
	"the multiprocessing.Process.";

/* The parent is already inside a wait that this zombie satisfies: it is
 * being reaped right now, nothing to report. */
static int being_reaped(const struct sj_graph *g, const struct sj_process *parent, const struct sj_process *z)
{
	size_t pi = (size_t)(parent - g->s->procs);
	for (size_t k = g->proc_first[pi]; k < g->proc_first[pi + 1]; k++) {
		const struct sj_gnode *n = &g->n[k];
		pid_t arg = n->t->wait.wait_pid;
		if (n->cls != SJ_NODE_READY)
			continue;
		if (arg == z->pid || arg == -1 || (arg == 0 && z->pgid == parent->pgid) ||
		    (arg < -1 && z->pgid == -arg))
			return 1;
	}
	return 0;
}

static int report_zombie(const struct sj_graph *g, const struct sj_process *z, struct sj_findings *out)
{
	const struct sj_snapshot *s = g->s;
	const struct sj_process *parent = sj_snapshot_proc(s, z->ppid);
	struct sj_fb fb;
	struct sj_sb b = { 0 };
	sja_fb_init(&fb, SJ_FIND_ZOMBIE);
	if (z->exit_status >= 0 && WIFSIGNALED(z->exit_status))
		fb.f.sig = WTERMSIG(z->exit_status);

	sja_sb_printf(&b, "pid %d", (int)z->pid);
	if (z->comm)
		sja_sb_printf(&b, " (%s)", z->comm);
	sja_sb_puts(&b, " is a zombie (");
	sja_sb_status(&b, z->exit_status);
	if (z->zombie_since_ns && s->taken_mono_ns >= z->zombie_since_ns) {
		sja_sb_puts(&b, ", for ");
		sja_sb_seconds(&b, (double)(s->taken_mono_ns - z->zombie_since_ns) / 1e9);
	}
	const char *role = parent ? sja_role_name(g, parent) : NULL;
	sja_sb_printf(&b, "): its parent pid %d%s%s%s has not reaped it", (int)z->ppid, role ? " (" : "",
		     role ? role : "", role ? ")" : "");
	if (parent && (parent->state == 'Z' ||
		       sja_graph_live_threads(g, (size_t)(parent - s->procs)) == 0)) {
		sja_sb_printf(&b, "; pid %d has exited too", (int)parent->pid);
	} else if (parent) {
		sja_sb_puts(&b, "; ");
		sja_sb_proc_activity(&b, g, parent);
	}
	else
		sja_sb_printf(&b, "; pid %d is outside the snapshot", (int)z->ppid);
	sja_sb_puts(&b, ".");
	sja_fb_cause(&fb, &b);
	sja_fb_advice(&fb, advice_zombie);

	sja_sb_puts(&b, "zombie: ");
	sja_sb_status(&b, z->exit_status);
	sja_fb_evidence(&fb, z->pid, 0, sja_sb_take(&b));
	sja_fb_pid(&fb, z->pid);
	if (parent) {
		sja_fb_pid(&fb, parent->pid);
		size_t pi = (size_t)(parent - s->procs);
		for (size_t k = g->proc_first[pi]; k < g->proc_first[pi + 1]; k++) {
			const struct sj_gnode *n = &g->n[k];
			if (n->cls == SJ_NODE_DEAD)
				continue;
			sja_sb_puts(&b, "instead of reaping, ");
			sja_sb_wait(&b, s, parent, n->t, 0);
			sja_sb_where(&b, n->t);
			sja_fb_evidence(&fb, parent->pid, n->t->tid, sja_sb_take(&b));
			sja_fb_thread_locations(&fb, n->t);
		}
	}
	return sja_fb_commit(&fb, out);
}

int sja_detect_zombies(const struct sj_graph *g, struct sj_findings *out)
{
	for (size_t i = 0; i < g->s->nprocs; i++) {
		const struct sj_process *z = &g->s->procs[i];
		if (z->state != 'Z')
			continue;
		const struct sj_process *parent = sj_snapshot_proc(g->s, z->ppid);
		if (parent && being_reaped(g, parent, z))
			continue;
		if (report_zombie(g, z, out))
			return -1;
	}
	return 0;
}
