/* locks.h — the corpus's lock-order inversions: two parties each take one
 * lock, meet at a barrier, then ask for the other's. */
#ifndef SJ_CORPUS_LOCKS_H
#define SJ_CORPUS_LOCKS_H

#include "case.h"
#include <sys/file.h>

enum lk { LK_FLOCK, LK_POSIX, LK_OFD };

/* Blocks until fd's whole file is write-locked in the given flavour. */
static void lock_whole(enum lk kind, int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	int r;
	switch (kind) {
	case LK_FLOCK: r = flock(fd, LOCK_EX); break;
	case LK_POSIX: r = fcntl(fd, F_SETLKW, &fl); break;
	default: r = fcntl(fd, F_OFD_SETLKW, &fl); break;
	}
	if (r)
		die("lock");
}

static int open_lockfile(const char *name)
{
	char path[512];
	case_path(path, sizeof path, name);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path);
	return fd;
}

/* A two-party barrier over two pipes (each party writes its own). */
struct barrier { int a[2], b[2]; };

static void barrier_init(struct barrier *b)
{
	if (pipe(b->a) || pipe(b->b))
		die("pipe");
}

/* side 0 or 1: tell the other side we are here, wait for it. */
static void barrier_meet(struct barrier *b, int side)
{
	char c = 'x';
	write_all(side ? b->b[1] : b->a[1], &c, 1);
	if (!read_all(side ? b->a[0] : b->b[0], &c, 1))
		die("barrier");
}

/* One party of a lock-order inversion over the files lock-a and lock-b:
 * the parent (side 0) takes a then b, the child (side 1) b then a, each
 * through its own open file descriptions; lock a is taken in flavour ka,
 * lock b in kb.  The barrier makes both hold their first lock before
 * either asks for its second. */
struct abba {
	int side;
	pid_t child;
	int first, second;       /* this side's fds, in its order */
	enum lk kfirst, ksecond;
	struct barrier bar;
};

static void abba_start(struct abba *ab, enum lk ka, enum lk kb)
{
	barrier_init(&ab->bar);
	ab->child = fork();
	ab->side = ab->child == 0;
	int fa = open_lockfile("lock-a"), fb = open_lockfile("lock-b");
	ab->first = ab->side ? fb : fa;
	ab->second = ab->side ? fa : fb;
	ab->kfirst = ab->side ? kb : ka;
	ab->ksecond = ab->side ? ka : kb;
}

/* The whole inversion: both take their first lock, meet, the parent
 * announces the child, both ask for their second. */
static int abba_case(enum lk ka, enum lk kb)
{
	struct abba ab;
	abba_start(&ab, ka, kb);
	lock_whole(ab.kfirst, ab.first);
	barrier_meet(&ab.bar, ab.side);
	if (!ab.side) {
		case_role("child", ab.child);
		case_ready();
	}
	lock_whole(ab.ksecond, ab.second);
	return 0;
}

#endif
