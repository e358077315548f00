/* procfs.c — parsing /proc for the tracer (see procfs.h). */
#include "procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tty.h"

/* ---- parsers ---------------------------------------------------------- */

int sj_parse_stat(const char *text, struct sj_stat *st)
{
	memset(st, 0, sizeof *st);
	st->exit_code = -1;
	/* comm may hold spaces and ')' (prctl(PR_SET_NAME) takes anything):
	 * it ends at the LAST ')' of the line. */
	const char *open = strchr(text, '(');
	const char *close = strrchr(text, ')');
	if (!open || !close || close < open || close[1] != ' ')
		return -EINVAL;
	st->pid = (pid_t)strtol(text, NULL, 10);
	size_t clen = (size_t)(close - open - 1);
	if (clen >= sizeof st->comm)
		clen = sizeof st->comm - 1;
	memcpy(st->comm, open + 1, clen);
	st->comm[clen] = '\0';

	/* Fields after comm, numbered as in proc(5): 3 is state. */
	const char *p = close + 2;
	st->state = *p;
	if (!st->state)
		return -EINVAL;
	p++;
	int field = 3;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		field++;
		char *end;
		long long v = strtoll(p, &end, 10);
		if (end == p)
			return -EINVAL;
		switch (field) {
		case 4: st->ppid = (pid_t)v; break;
		case 5: st->pgid = (pid_t)v; break;
		case 6: st->sid = (pid_t)v; break;
		case 14: st->utime = (uint64_t)v; break;
		case 15: st->stime = (uint64_t)v; break;
		case 22: st->start_ticks = (uint64_t)v; break;
		case 52: st->exit_code = (int)v; break;
		default: break;
		}
		p = end;
	}
	return field >= 22 ? 0 : -EINVAL;
}

int sj_parse_syscall(const char *text, long *nr, uint64_t args[6], uint64_t *sp, uint64_t *pc)
{
	memset(args, 0, 6 * sizeof *args);
	*sp = *pc = 0;
	if (strncmp(text, "running", 7) == 0) {
		*nr = -1;
		return 0;
	}
	char *end;
	long n = strtol(text, &end, 10);
	if (end == text)
		return -EINVAL;
	*nr = n;
	const char *p = end;
	/* In a syscall: six args then sp, pc; blocked elsewhere: sp, pc. */
	uint64_t v[8];
	int want = n >= 0 ? 8 : 2, got = 0;
	while (got < want) {
		uint64_t x = strtoull(p, &end, 16);
		if (end == p)
			return -EINVAL;
		v[got++] = x;
		p = end;
	}
	if (n >= 0) {
		memcpy(args, v, 6 * sizeof *args);
		*sp = v[6];
		*pc = v[7];
	} else {
		*sp = v[0];
		*pc = v[1];
		*nr = -1;
	}
	return 0;
}

int sj_parse_map_line(const char *line, struct sj_map *m)
{
	memset(m, 0, sizeof *m);
	unsigned long long start, end, off, ino;
	unsigned maj, min;
	char perms[8];
	int pathpos = 0;
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off, &maj, &min,
		   &ino, &pathpos) < 7)
		return -EINVAL;
	m->start = start;
	m->end = end;
	m->offset = off;
	m->inode = ino;
	m->dev_major = maj;
	m->dev_minor = min;
	snprintf(m->perms, sizeof m->perms, "%.4s", perms);
	/* The path is the rest of the line and may contain spaces. */
	const char *path = line + pathpos;
	size_t len = strcspn(path, "\n");
	if (len) {
		m->path = strndup(path, len);
		if (!m->path)
			return -ENOMEM;
	}
	return 0;
}

/* /proc/locks and fdinfo "lock:" lines, as fs/locks.c lock_get_status()
 * prints them: "1: POSIX  ADVISORY  WRITE 1234 08:01:1312 0 EOF", a
 * waiting request with "-> " after the id, OFD locks as "OFDLCK" with pid
 * -1.  Leases and delegations are not locks a thread waits on. */
static const struct {
	const char *word;
	enum sj_lock_flavor flavor;
} lock_words[] = {
	{ "FLOCK", SJ_LOCK_FLOCK }, { "POSIX", SJ_LOCK_POSIX }, { "OFDLCK", SJ_LOCK_OFD },
};

int sj_parse_lock_line(const char *line, struct sj_lock *l)
{
	memset(l, 0, sizeof *l);
	const char *p = line;
	if (strncmp(p, "lock:", 5) == 0)
		p += 5;
	char *end;
	strtoul(p, &end, 10);
	if (end == p || *end != ':')
		return -EINVAL;
	p = end + 1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "->", 2) == 0) {
		l->blocked = 1;
		p += 2;
	}
	char flavor[16], mode[16], type[16], endw[24];
	long pid;
	unsigned maj, min;
	unsigned long long ino, start;
	if (sscanf(p, "%15s %15s %15s %ld %x:%x:%llu %llu %23s", flavor, mode, type, &pid, &maj, &min, &ino,
		   &start, endw) != 9)
		return -EINVAL;
	for (size_t i = 0; i < sizeof lock_words / sizeof lock_words[0]; i++)
		if (!strcmp(flavor, lock_words[i].word))
			l->flavor = lock_words[i].flavor;
	if (l->flavor == SJ_LOCK_NONE)
		return -EINVAL;
	l->write = !strcmp(type, "WRITE");
	l->pid = (pid_t)pid;
	l->dev_major = maj;
	l->dev_minor = min;
	l->inode = ino;
	l->start = start;
	l->end = !strcmp(endw, "EOF") ? UINT64_MAX : strtoull(endw, NULL, 10);
	return 0;
}

/* Appends a parsed lock line to *v. */
static int add_lock(struct sj_lock **v, size_t *n, const struct sj_lock *l)
{
	struct sj_lock *nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = *l;
	*v = nv;
	return 0;
}

int sj_parse_locks(const char *text, struct sj_lock **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		struct sj_lock l;
		if (sj_parse_lock_line(line, &l) == 0 && add_lock(v, n, &l) != 0)
			return -ENOMEM;
	}
	return 0;
}

int sj_parse_fdinfo(const char *text, struct sj_fd *fd, unsigned **tfd_events)
{
	int *tfds = NULL;
	unsigned *evs = NULL;
	size_t n = 0, cap = 0;
	int have_flags = 0;
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned long long flags, pos;
		int tfd;
		unsigned ev;
		struct sj_lock lk;
		if (sscanf(line, "pos: %llu", &pos) == 1) {
			fd->pos = pos;
		} else if (strncmp(line, "lock:", 5) == 0) {
			if (sj_parse_lock_line(line, &lk) == 0)
				add_lock(&fd->locks, &fd->nlocks, &lk);
		} else if (sscanf(line, "flags: %llo", &flags) == 1) {
			fd->flags = (unsigned)flags;
			fd->accmode = (int)(flags & O_ACCMODE);
			have_flags = 1;
		} else if (sscanf(line, "tfd: %d events: %x", &tfd, &ev) == 2) {
			if (n == cap) {
				cap = cap ? 2 * cap : 8;
				int *nt = realloc(tfds, cap * sizeof *tfds);
				unsigned *ne = nt ? realloc(evs, cap * sizeof *evs) : NULL;
				if (nt)
					tfds = nt;
				if (ne)
					evs = ne;
				if (!nt || !ne) {
					free(tfds);
					free(evs);
					return -ENOMEM;
				}
			}
			tfds[n] = tfd;
			evs[n++] = ev;
		}
	}
	fd->epoll_tfds = tfds;
	fd->n_epoll_tfds = n;
	if (tfd_events)
		*tfd_events = evs;
	else
		free(evs);
	return have_flags ? 0 : -EINVAL;
}

/* readlink targets of non-path fds, from fs/anon_inodes.c, fs/pipe.c,
 * net/socket.c; pidfds read "pidfd:[N]" since pidfs (6.9) and
 * "anon_inode:[pidfd]" before. */
static const struct {
	const char *prefix;
	enum sj_fdkind kind;
} fd_prefixes[] = {
	{ "pipe:[", SJ_FDK_PIPE },
	{ "socket:[", SJ_FDK_SOCKET },
	{ "anon_inode:[eventfd]", SJ_FDK_EVENTFD },
	{ "anon_inode:[eventpoll]", SJ_FDK_EPOLL },
	{ "anon_inode:[signalfd]", SJ_FDK_SIGNALFD },
	{ "anon_inode:[timerfd]", SJ_FDK_TIMERFD },
	{ "anon_inode:[pidfd]", SJ_FDK_PIDFD },
	{ "pidfd:[", SJ_FDK_PIDFD },
	{ "anon_inode:", SJ_FDK_ANON },
};

enum sj_fdkind sj_classify_fd_target(const char *target, uint64_t *inode)
{
	*inode = 0;
	for (size_t i = 0; i < sizeof fd_prefixes / sizeof fd_prefixes[0]; i++) {
		size_t len = strlen(fd_prefixes[i].prefix);
		if (strncmp(target, fd_prefixes[i].prefix, len) != 0)
			continue;
		const char *br = strchr(target, '[');
		if (br && isdigit((unsigned char)br[1]))
			*inode = strtoull(br + 1, NULL, 10);
		return fd_prefixes[i].kind;
	}
	return SJ_FDK_UNKNOWN;
}

/* ---- readers ---------------------------------------------------------- */

ssize_t sj_procfs_slurp(const char *path, char **out)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			close(fd);
			/* A task that died between open and read reads ESRCH. */
			return -e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return (ssize_t)len;
}

static ssize_t slurp_fmt(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static ssize_t slurp_fmt(char **out, const char *fmt, ...)
{
	char path[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	return sj_procfs_slurp(path, out);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* Numeric entries of a /proc directory. */
static int list_numeric(const char *dir, pid_t **ids, size_t *n)
{
	*ids = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			pid_t *ni = realloc(*ids, cap * sizeof **ids);
			if (!ni) {
				closedir(d);
				free(*ids);
				*ids = NULL;
				*n = 0;
				return -ENOMEM;
			}
			*ids = ni;
		}
		(*ids)[(*n)++] = (pid_t)strtol(de->d_name, NULL, 10);
	}
	closedir(d);
	if (*n) /* qsort(NULL, 0) is undefined */
		qsort(*ids, *n, sizeof **ids, cmp_pid);
	return 0;
}

int sj_procfs_tasks(pid_t pid, pid_t **tids, size_t *n)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
	int r = list_numeric(dir, tids, n);
	if (r == 0 && *n == 0)
		return -ESRCH; /* a reaped process can leave an empty task dir */
	return r;
}

static int read_stat(pid_t pid, pid_t tid, struct sj_stat *st)
{
	char *text;
	ssize_t r = tid ? slurp_fmt(&text, "/proc/%d/task/%d/stat", (int)pid, (int)tid)
			: slurp_fmt(&text, "/proc/%d/stat", (int)pid);
	if (r < 0)
		return (int)r;
	int rc = sj_parse_stat(text, st);
	free(text);
	return rc;
}

int sj_procfs_descendants(const pid_t *roots, size_t nroots, pid_t **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	pid_t *all;
	size_t nall;
	int r = list_numeric("/proc", &all, &nall);
	if (r)
		return r;
	pid_t *ppids = calloc(nall ? nall : 1, sizeof *ppids);
	pid_t *res = malloc((nall ? nall : 1) * sizeof *res);
	if (!ppids || !res) {
		free(all);
		free(ppids);
		free(res);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nall; i++) {
		struct sj_stat st;
		ppids[i] = read_stat(all[i], 0, &st) == 0 ? st.ppid : 0;
	}
	/* Breadth first, so parents come before their children. */
	size_t nres = 0, head = 0;
	for (size_t i = 0; i < nall; i++)
		for (size_t k = 0; k < nroots; k++)
			if (ppids[i] == roots[k] && all[i] != roots[k])
				res[nres++] = all[i];
	for (; head < nres; head++)
		for (size_t i = 0; i < nall; i++)
			if (ppids[i] == res[head]) {
				int seen = 0;
				for (size_t k = 0; k < nres && !seen; k++)
					seen = res[k] == all[i];
				for (size_t k = 0; k < nroots && !seen; k++)
					seen = roots[k] == all[i];
				if (!seen)
					res[nres++] = all[i];
			}
	free(all);
	free(ppids);
	*out = res;
	*nout = nres;
	return 0;
}

static char **split_cmdline(const char *buf, size_t len, size_t *argc)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			n++;
	if (len && buf[len - 1] != '\0')
		n++; /* a process that rewrote its argv may drop the last NUL */
	char **argv = calloc(n + 1, sizeof *argv);
	if (!argv)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < len && k < n; k++) {
		size_t l = strnlen(buf + i, len - i);
		argv[k] = strndup(buf + i, l);
		i += l + 1;
	}
	*argc = k;
	return argv;
}

static char *readlink_path(const char *path)
{
	char target[4096];
	ssize_t l = readlink(path, target, sizeof target - 1);
	if (l < 0)
		return NULL;
	target[l] = '\0';
	return strdup(target);
}

static void classify_path_fd(const char *base, struct sj_fd *f)
{
	char path[96];
	struct stat sb;
	snprintf(path, sizeof path, "%s/fd/%d", base, f->fd);
	if (stat(path, &sb) != 0) /* stat follows the magic link without opening */
		return;
	f->inode = sb.st_ino;
	f->dev_major = major(sb.st_dev);
	f->dev_minor = minor(sb.st_dev);
	if (S_ISFIFO(sb.st_mode))
		f->kind = SJ_FDK_FIFO;
	else if (S_ISSOCK(sb.st_mode))
		f->kind = SJ_FDK_SOCKET;
	else if (S_ISCHR(sb.st_mode))
		f->kind = sj_is_tty_major(major(sb.st_rdev)) ? SJ_FDK_TTY : SJ_FDK_CHR; /* a device */
	else
		f->kind = SJ_FDK_FILE;
}

static int read_one_fd(const char *base, int fdnum, struct sj_fd *f)
{
	memset(f, 0, sizeof *f);
	f->fd = fdnum;
	char path[96];
	snprintf(path, sizeof path, "%s/fd/%d", base, fdnum);
	f->target = readlink_path(path);
	if (!f->target)
		return -errno;
	f->kind = sj_classify_fd_target(f->target, &f->inode);
	if (f->kind == SJ_FDK_UNKNOWN)
		classify_path_fd(base, f);
	char *info;
	if (slurp_fmt(&info, "%s/fdinfo/%d", base, fdnum) >= 0) {
		sj_parse_fdinfo(info, f, NULL);
		free(info);
		if (f->kind != SJ_FDK_EPOLL) { /* only epoll "tfd:" lines mean anything */
			free(f->epoll_tfds);
			f->epoll_tfds = NULL;
			f->n_epoll_tfds = 0;
		}
	}
	return 0;
}

static int read_fds(const char *base, struct sj_process *p)
{
	char dir[96];
	pid_t *nums;
	size_t n;
	snprintf(dir, sizeof dir, "%s/fd", base);
	int r = list_numeric(dir, &nums, &n);
	if (r)
		return r;
	p->fds = calloc(n ? n : 1, sizeof *p->fds);
	if (!p->fds) {
		free(nums);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (read_one_fd(base, (int)nums[i], &p->fds[p->nfds]) == 0)
			p->nfds++; /* an fd closed meanwhile is simply not there */
	free(nums);
	return 0;
}

static int read_maps(const char *base, struct sj_process *p)
{
	char *text;
	ssize_t r = slurp_fmt(&text, "%s/maps", base);
	if (r < 0)
		return (int)r;
	size_t lines = 0;
	for (char *c = text; *c; c++)
		lines += *c == '\n';
	p->maps = calloc(lines + 1, sizeof *p->maps);
	if (!p->maps) {
		free(text);
		return -ENOMEM;
	}
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line && sj_parse_map_line(line, &p->maps[p->nmaps]) == 0)
			p->nmaps++;
		if (!nl)
			break;
		line = nl + 1;
	}
	free(text);
	return 0;
}

static void drop_files(struct sj_process *p)
{
	free(p->exe);
	p->exe = NULL;
	for (size_t i = 0; i < p->nfds; i++)
		sj_fd_release(&p->fds[i]);
	free(p->fds);
	p->fds = NULL;
	p->nfds = 0;
	for (size_t i = 0; i < p->nmaps; i++)
		free(p->maps[i].path);
	free(p->maps);
	p->maps = NULL;
	p->nmaps = 0;
}

/* exe, fds and maps as seen through base (/proc/PID or a task of it).
 * A zombie has neither fds (exit_files() ran before exit_notify()) nor mm:
 * the lists come back empty. */
static int read_files(const char *base, struct sj_process *p)
{
	char exe[80];
	drop_files(p);
	snprintf(exe, sizeof exe, "%s/exe", base);
	p->exe = readlink_path(exe);
	int r = read_fds(base, p);
	if (r == -EACCES || r == -EPERM)
		return r;
	r = read_maps(base, p);
	if (r == -EACCES || r == -EPERM)
		return r;
	return 0;
}

int sj_procfs_process(pid_t pid, struct sj_process *p)
{
	struct sj_stat st;
	int r = read_stat(pid, 0, &st);
	if (r)
		return r;
	p->pid = pid;
	p->ppid = st.ppid;
	p->pgid = st.pgid;
	p->sid = st.sid;
	p->state = st.state;
	p->start_ticks = st.start_ticks;
	p->exit_status = st.state == 'Z' ? st.exit_code : -1;
	free(p->comm);
	p->comm = strdup(st.comm);

	char *cmd;
	if (slurp_fmt(&cmd, "/proc/%d/status", (int)pid) >= 0) {
		p->ns_pid = sj_parse_nspid(cmd);
		p->sig_caught = sj_parse_status_mask(cmd, "SigCgt");
		free(cmd);
	}
	ssize_t len = slurp_fmt(&cmd, "/proc/%d/cmdline", (int)pid);
	if (len >= 0) {
		p->argv = split_cmdline(cmd, (size_t)len, &p->argc);
		free(cmd);
	}
	char base[48];
	snprintf(base, sizeof base, "/proc/%d", (int)pid);
	return read_files(base, p);
}

int sj_procfs_process_files(pid_t pid, pid_t tid, struct sj_process *p)
{
	char base[64];
	snprintf(base, sizeof base, "/proc/%d/task/%d", (int)pid, (int)tid);
	return read_files(base, p);
}

pid_t sj_parse_nspid(const char *text)
{
	const char *l = strncmp(text, "NSpid:", 6) == 0 ? text : strstr(text, "\nNSpid:");
	long v = 0;
	int n = 0;

	if (!l)
		return 0;
	l = strchr(l, ':') + 1;
	for (;;) {
		char *end;
		long x = strtol(l, &end, 10);
		if (end == l)
			break;
		v = x;
		n++;
		l = end;
		if (*l == '\n' || !*l)
			break;
	}
	return n > 1 && v > 0 ? (pid_t)v : 0;
}

uint64_t sj_parse_status_mask(const char *text, const char *key)
{
	size_t klen = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, klen) == 0 && l[klen] == ':')
			return strtoull(l + klen + 1, NULL, 16);
	return 0;
}

/* "voluntary_ctxt_switches:\tN" lines of /proc/TID/status, and NSpid. */
static void read_ctxt(pid_t pid, pid_t tid, struct sj_thread *t)
{
	char *text;
	if (slurp_fmt(&text, "/proc/%d/task/%d/status", (int)pid, (int)tid) < 0)
		return;
	t->ns_tid = sj_parse_nspid(text);
	const char *v = strstr(text, "\nvoluntary_ctxt_switches:");
	const char *nv = strstr(text, "\nnonvoluntary_ctxt_switches:");
	if (v)
		t->vcsw = strtoull(strchr(v, ':') + 1, NULL, 10);
	if (nv)
		t->nvcsw = strtoull(strchr(nv, ':') + 1, NULL, 10);
	free(text);
}

static char *read_trimmed(const char *fmt, int a, int b)
{
	char *text;
	char path[96];
	snprintf(path, sizeof path, fmt, a, b);
	if (sj_procfs_slurp(path, &text) < 0)
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	return text;
}

int sj_procfs_thread(pid_t pid, pid_t tid, struct sj_thread *t)
{
	struct sj_stat st;
	int r = read_stat(pid, tid, &st);
	if (r)
		return r;
	t->tid = tid;
	t->state = st.state;
	t->utime = st.utime;
	t->stime = st.stime;
	free(t->name);
	t->name = strdup(st.comm);
	free(t->wchan);
	t->wchan = read_trimmed("/proc/%d/task/%d/wchan", (int)pid, (int)tid);
	read_ctxt(pid, tid, t);
	sj_procfs_thread_runs(pid, tid, &t->sched_runs);

	r = sj_procfs_thread_syscall(pid, tid, &t->syscall_nr, t->syscall_args, &t->sp, &t->pc);
	return (r == -EACCES || r == -EPERM) ? r : 0;
}

int sj_procfs_thread_syscall(pid_t pid, pid_t tid, long *nr, uint64_t args[6], uint64_t *sp,
			     uint64_t *pc)
{
	char *sc;
	*nr = -2;
	ssize_t len = slurp_fmt(&sc, "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	if (len < 0)
		return (int)len;
	int r = sj_parse_syscall(sc, nr, args, sp, pc);
	free(sc);
	if (r)
		*nr = -2;
	return r;
}

/* The third field of /proc/TID/schedstat: how many times the thread was
 * scheduled in.  A thread asleep in a syscall is never scheduled in, so
 * it moves exactly when /proc/TID/status's voluntary switches would for
 * the waits we confirm, and the file is a few bytes instead of 60 lines:
 * this is read while every thread of the process is stopped. */
int sj_procfs_thread_runs(pid_t pid, pid_t tid, uint64_t *runs)
{
	char path[96], buf[128];
	unsigned long long run_ns, wait_ns, n = 0;
	snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	*runs = 0;
	if (fd < 0)
		return -errno;
	ssize_t r = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (r <= 0)
		return -ENOENT;
	buf[r] = '\0';
	if (sscanf(buf, "%llu %llu %llu", &run_ns, &wait_ns, &n) != 3 || n == 0)
		return -ENOENT;
	*runs = n;
	return 0;
}

int sj_procfs_thread_vcsw(pid_t pid, pid_t tid, uint64_t *vcsw)
{
	struct sj_thread t = { 0 };
	read_ctxt(pid, tid, &t);
	*vcsw = t.vcsw;
	return t.vcsw ? 0 : -ENOENT;
}

int sj_procfs_epoll_tfds(pid_t pid, int epfd, int **tfds, unsigned **events, size_t *n)
{
	char *text;
	ssize_t r = slurp_fmt(&text, "/proc/%d/fdinfo/%d", (int)pid, epfd);
	*tfds = NULL;
	*events = NULL;
	*n = 0;
	if (r < 0)
		return (int)r;
	struct sj_fd f = { 0 };
	int rc = sj_parse_fdinfo(text, &f, events);
	free(text);
	free(f.locks);
	*tfds = f.epoll_tfds;
	*n = f.n_epoll_tfds;
	return rc;
}

int sj_procfs_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* pidfd_getfd duplicates the target's open file itself: unlike opening
 * /proc/PID/fd/N it adds no reader or writer to the pipe (which would wake
 * a FIFO's open) and reads the same queue. */
int sj_procfs_pipe_fill(int pidfd, int fd, uint32_t *queued, uint32_t *size)
{
	int dup = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (dup < 0)
		return -errno;
	int q = 0, sz = fcntl(dup, F_GETPIPE_SZ);
	int r = sz > 0 && ioctl(dup, FIONREAD, &q) == 0 ? 0 : -EINVAL;
	close(dup);
	if (r == 0) {
		*queued = (uint32_t)q;
		*size = (uint32_t)sz;
	}
	return r;
}

uint64_t sj_procfs_fd_pos(pid_t pid, int fd)
{
	char *text;
	unsigned long long pos = 0;
	if (slurp_fmt(&text, "/proc/%d/fdinfo/%d", (int)pid, fd) < 0)
		return 0;
	sscanf(text, "pos: %llu", &pos);
	free(text);
	return pos;
}

int sj_procfs_locks(struct sj_lock **v, size_t *n)
{
	char *text;
	*v = NULL;
	*n = 0;
	ssize_t r = sj_procfs_slurp("/proc/locks", &text);
	if (r < 0)
		return (int)r;
	int rc = sj_parse_locks(text, v, n);
	free(text);
	return rc;
}

pid_t sj_procfs_pidfd_pid(pid_t pid, int fd)
{
	char *text;
	ssize_t r = slurp_fmt(&text, "/proc/%d/fdinfo/%d", (int)pid, fd);
	if (r < 0)
		return (pid_t)r;
	const char *p = strstr(text, "\nPid:");
	pid_t res = p ? (pid_t)strtol(p + 5, NULL, 10) : -ENOENT;
	free(text);
	return res;
}

int sj_read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (r < 0)
		return -errno;
	return (size_t)r == len ? 0 : -EFAULT;
}
