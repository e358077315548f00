/* fdkind.c — layer 3: what a descriptor is (pipe, fifo, socket, file, tty),
 * for the fd= filter, cached per descriptor so that a filter costs no system
 * call on the hot path (state.h).
 *
 * The cache is a static array of 16-bit slots indexed by fd: the kind bits,
 * a valid bit and a generation.  Lock-free and async-signal-safe: a reader
 * does one relaxed load; a classifier stores its result with a CAS against
 * the slot it read, so a forget (generation + 1) that came in between wins;
 * forgetting is a CAS loop.  Descriptors beyond the array are classified on
 * every call.
 *
 * Who forgets: the shim's wrappers of everything that makes, replaces or
 * closes a descriptor (fds.def, wrap_fd.c: open*, creat*, socket*, accept*,
 * pipe*, dup*, fcntl F_DUPFD*, close, close_range, closefrom, recvmsg with
 * SCM_RIGHTS, the FILE and DIR openers and closers, popen/pclose).  What
 * the shim cannot see: raw syscall(2), io_uring, and libc's internal
 * opens and closes behind other functions (daemon, login_tty, endmntent,
 * ...).  A slot gone stale that way never fires a rule on the wrong
 * descriptor — a cached kind that matches a rule is confirmed with one
 * fstat before the rule fires (rules.c) — and miscounts a call, either way,
 * only when both the close and the next open of that number went unseen.  After exec the cache is new; a forked child inherits
 * it with the descriptors it describes; a vfork child never writes it. */
#include "state.h"
#include "spec_int.h"
#include "tty.h"

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#define SLOT_KIND SJ_FDSLOT_KIND
#define SLOT_VALID SJ_FDSLOT_VALID
#define SLOT_GEN SJ_FDSLOT_GEN

_Static_assert((SJ_FDC_PIPE | SJ_FDC_FIFO | SJ_FDC_SOCKET | SJ_FDC_FILE | SJ_FDC_TTY) <= SLOT_KIND,
	       "fd kinds fit the slot's kind bits");

_Atomic uint16_t sj_fd_slots[SJ_FDCACHE];

static atomic_uint highest;       /* highest fd ever cached: close_range stops there */

#define SJ_PIPEFS_MAGIC 0x50495045 /* linux/magic.h: anonymous pipes live on pipefs */
static _Atomic dev_t pipefs_dev;   /* st_dev of pipefs, once one pipe was seen */

/* Both are S_IFIFO; only a named FIFO lives on a real filesystem. */
static unsigned fifo_kind(int fd, dev_t dev)
{
	struct statfs sf;
	dev_t known = atomic_load_explicit(&pipefs_dev, memory_order_relaxed);
	if (known)
		return dev == known ? SJ_FDC_PIPE : SJ_FDC_FIFO;
	if (fstatfs(fd, &sf) != 0 || sf.f_type != SJ_PIPEFS_MAGIC)
		return SJ_FDC_FIFO;
	atomic_store_explicit(&pipefs_dev, dev, memory_order_relaxed);
	return SJ_FDC_PIPE;
}

/* *ok = 0 when fd is not open (nothing to cache). */
static unsigned classify(int fd, int *ok)
{
	struct stat st;
	*ok = fd >= 0 && fstat(fd, &st) == 0;
	if (!*ok)
		return 0;
	switch (st.st_mode & S_IFMT) {
	case S_IFIFO:
		return fifo_kind(fd, st.st_dev);
	case S_IFSOCK:
		return SJ_FDC_SOCKET;
	case S_IFREG:
	case S_IFDIR:
		return SJ_FDC_FILE;
	case S_IFCHR:
		return sj_is_tty_major(major(st.st_rdev)) ? SJ_FDC_TTY : 0;
	}
	return 0;
}

/* Classifies fd and stores the kind unless the slot changed since `seen`. */
static unsigned classify_into(int fd, uint16_t seen)
{
	int ok;
	unsigned kind = classify(fd, &ok);
	if (ok) {
		uint16_t want = (uint16_t)((seen & ~(SLOT_VALID | SLOT_KIND)) | SLOT_VALID | kind);
		unsigned hi = atomic_load_explicit(&highest, memory_order_relaxed);
		atomic_compare_exchange_strong_explicit(&sj_fd_slots[fd], &seen, want, memory_order_relaxed,
							memory_order_relaxed);
		while ((unsigned)fd > hi &&
		       !atomic_compare_exchange_weak_explicit(&highest, &hi, (unsigned)fd, memory_order_relaxed,
							      memory_order_relaxed))
			;
	}
	return kind;
}

unsigned sj_fd_kind_fresh(int fd)
{
	int ok;
	if (fd < 0 || fd >= SJ_FDCACHE)
		return classify(fd, &ok);
	return classify_into(fd, atomic_load_explicit(&sj_fd_slots[fd], memory_order_relaxed));
}

/* A new generation, no kind: a classification in flight cannot store. */
static void forget_slot(unsigned fd)
{
	uint16_t s = atomic_load_explicit(&sj_fd_slots[fd], memory_order_relaxed), want;
	do
		want = (uint16_t)((s + SLOT_GEN) & ~(SLOT_VALID | SLOT_KIND));
	while (!atomic_compare_exchange_weak_explicit(&sj_fd_slots[fd], &s, want, memory_order_relaxed,
						      memory_order_relaxed));
}

void sj_fd_forget(int fd)
{
	if (fd >= 0 && fd < SJ_FDCACHE)
		forget_slot((unsigned)fd);
}

/* Only slots that hold a kind: closing a range (close_range(3, ~0U) before
 * exec) walks up to the highest descriptor ever cached, no further. */
void sj_fd_forget_range(unsigned lo, unsigned hi)
{
	unsigned top = atomic_load_explicit(&highest, memory_order_relaxed);
	if (hi > top)
		hi = top;
	for (unsigned fd = lo; fd <= hi && fd < SJ_FDCACHE; fd++)
		if (atomic_load_explicit(&sj_fd_slots[fd], memory_order_relaxed) & SLOT_VALID)
			forget_slot(fd);
}

const char *sj_fd_kind_name(unsigned kind)
{
	/* The rule language's names (spec_text.c), as fd= spells them. */
	for (size_t i = 0; i < sj_fdkind_nrows; i++)
		if (sj_fdkind_rows[i].bit == kind)
			return sj_fdkind_rows[i].name;
	return "other";
}
