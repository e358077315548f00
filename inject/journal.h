/* journal.h — layer 2: the journal (docs/journal.md).  One record is built on
 * the caller's stack and written with one write(2) of at most PIPE_BUF bytes,
 * so records of concurrent processes never interleave.
 *
 * The journal keeps no descriptor open: each record opens the path (made
 * absolute at init), writes and closes, so the program's /proc/self/fd is
 * what it would be without the shim and a program that closes every
 * descriptor (closefrom, close_range) loses no record.  Only an inherited
 * SIGJAM_JOURNAL=fd:N is written to directly: the program's environment
 * asked for that descriptor.
 *
 * Everything here is async-signal-safe: records are written from signal
 * handlers and between fork and exec.  Every function keeps errno.
 *
 * Stack: a record's buffer is 4 KiB, a backtrace needs about 8 KiB more,
 * and a handler may run on a small alternate signal stack (CPython's is
 * SIGSTKSZ + AT_MINSIGSTKSZ, about 17 KiB, less the kernel's signal frame),
 * below which lies whatever the program allocated.  So a record is built in
 * a function of its own (SJ_NOINLINE) that is entered only after
 * sj_journal_on() found room for it; a backtrace is left out (the record
 * then says "trunc") when sj_journal_room(SJ_JW_ROOM_BT) finds none, and a
 * record is not written at all below SJ_JW_ROOM. */
#ifndef SIGJAM_JOURNAL_H
#define SIGJAM_JOURNAL_H

#include "sys.h"

#define SJ_JW_MAX 4096 /* PIPE_BUF: records from many processes never interleave */
#define SJ_JW_DEPTH 6  /* nesting of objects and arrays inside a record */

struct sj_jw {
	char buf[SJ_JW_MAX];
	size_t len;
	int trunc;                        /* a value did not fit: everything after it is dropped */
	int depth;                        /* open containers inside the record */
	int dead;                         /* containers that did not fit, not yet closed */
	char closer[SJ_JW_DEPTH + 1];     /* ']' or '}' per level; [0] is the record's '}' */
	unsigned char first[SJ_JW_DEPTH + 1]; /* no value written at that level yet */
};

/* Init (layer 5): SIGJAM_JOURNAL's value (a path, or fd:N); NULL or "": no
 * journal.  A relative path is made absolute against the current directory,
 * because the program may chdir. */
SJ_HIDDEN void sj_journal_setup(const char *where);
/* pthread_atfork handlers (init registers them): a child forked while
 * another thread had a record's descriptor open closes its copy. */
SJ_HIDDEN void sj_journal_fork_prepare(void);
SJ_HIDDEN void sj_journal_fork_child(void);
#define SJ_JW_ROOM (8 * 1024)     /* stack one record needs: buffer, maps reader, calls */
#define SJ_JW_ROOM_BT (16 * 1024) /* ... with a backtrace (libunwind's cursor and frames) */

/* 1 when records are written and the stack has `need` bytes left below the
 * caller: on an alternate signal stack (sigaltstack's SS_ONSTACK) up to its
 * bottom; elsewhere the thread's stack is taken to have room. */
SJ_HIDDEN int sj_journal_room(size_t need);
/* 1 when a record can be written now (call it right before building one). */
static inline int sj_journal_on(void)
{
	return sj_journal_room(SJ_JW_ROOM);
}

/* Starts a record with v, t, pid, ppid, tid, ev. */
SJ_HIDDEN void sj_jw_begin(struct sj_jw *w, const char *ev);
/* Marks the record cut: nothing more is added, "trunc":true at its end. */
SJ_HIDDEN void sj_jw_truncated(struct sj_jw *w);
/* Closes whatever is open, adds '\n' and writes the record. */
SJ_HIDDEN void sj_jw_end(struct sj_jw *w);

/* Values.  key is the member name inside an object (the record is one) and
 * NULL inside an array.  A value is written whole or not at all: one that
 * does not fit marks the record "trunc":true and drops the rest. */
SJ_HIDDEN void sj_jw_str(struct sj_jw *w, const char *key, const char *val); /* escaped; NULL -> null */
SJ_HIDDEN void sj_jw_int(struct sj_jw *w, const char *key, long long val);   /* beyond 2^53: a hex string */
SJ_HIDDEN void sj_jw_bool(struct sj_jw *w, const char *key, int val);
SJ_HIDDEN void sj_jw_hex(struct sj_jw *w, const char *key, uint64_t val);    /* "0x1f" */
SJ_HIDDEN void sj_jw_signame(struct sj_jw *w, const char *key, int sig);    /* "SIGTERM" or the number */
SJ_HIDDEN void sj_jw_errname(struct sj_jw *w, const char *key, int err);    /* "EINTR" or the number */

/* Nested values: an object or an array opened under key, closed by
 * sj_jw_close (or by sj_jw_end).  An element that must appear whole is
 * bracketed by sj_jw_mark and sj_jw_keep: if anything in it did not fit, it
 * is taken out again, so a list is cut between elements. */
SJ_HIDDEN void sj_jw_object(struct sj_jw *w, const char *key);
SJ_HIDDEN void sj_jw_array(struct sj_jw *w, const char *key);
SJ_HIDDEN void sj_jw_close(struct sj_jw *w);

struct sj_jw_mark {
	size_t len;
	int depth, dead;
	unsigned char first;
};
SJ_HIDDEN struct sj_jw_mark sj_jw_mark(const struct sj_jw *w);
/* 1 when the element since m is complete; else removes it and returns 0. */
SJ_HIDDEN int sj_jw_keep(struct sj_jw *w, struct sj_jw_mark m);

/* ---- journal_maps.c: values that need /proc/self/maps ---- */

/* Module path and file offset of addr: "<key>_module" and "<key>_off" (bare
 * "module" and "off" for an empty key). */
SJ_HIDDEN void sj_jw_addr(struct sj_jw *w, const char *key, uint64_t addr);
/* key: [{"m":..,"o":..},...] for the calling thread, innermost first,
 * without the shim's own frames and `skip` more. */
SJ_HIDDEN void sj_jw_backtrace(struct sj_jw *w, const char *key, int skip);

/* ---- maps.c: /proc/PID/maps ---- */

struct sj_maps_line {
	uint64_t lo, hi, off;
	char perms[5];      /* "r-xp" */
	const char *path;   /* points into the reader's buffer */
};

/* Calls cb for each line of /proc/<pid>/maps (pid 0: self) until it returns
 * nonzero; returns that value (0 when the file cannot be read).  Lines
 * longer than the reader's buffer are skipped. */
typedef int (*sj_maps_cb)(const struct sj_maps_line *m, void *arg);
SJ_HIDDEN int sj_maps_each(pid_t pid, sj_maps_cb cb, void *arg);
/* Path of the file mapped at addr and addr's offset in it.  0 on success,
 * -1 (path "", *off = addr) when addr is in no mapping. */
SJ_HIDDEN int sj_module_of(uint64_t addr, char *path, size_t pathlen, uint64_t *off);

#endif
