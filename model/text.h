/* text.h — model data in words, written once for every part that shows it:
 * the analysis (finding sentences), the renderers and the CLI.  Every
 * function writes into the caller's buffer, never overflows it, always
 * NUL-terminates it and returns it. */
#ifndef SIGJAM_TEXT_H
#define SIGJAM_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Appends to a fixed buffer; text that does not fit is cut. */
struct sj_tbuf {
	char *p;
	size_t len, used;
};
void sj_tbuf_init(struct sj_tbuf *b, char *p, size_t len);
void sj_tbuf_printf(struct sj_tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "SIGTERM"; "signal 34" for a number without a name. */
const char *sj_signal_text(int sig, char *buf, size_t len);

/* "EINTR"; the number for an errno without a name. */
const char *sj_errno_text(int err, char *buf, size_t len);

/* A raw wait status (waitpid(2)) in words: "exited 1", "killed by SIGKILL",
 * "killed by SIGSEGV (core dumped)", "stopped (status 0x137f)"; "unknown"
 * for a negative status (none was read). */
const char *sj_wait_status_text(int status, char *buf, size_t len);

/* A lock's flavour in words: "flock", "record" (POSIX) or "OFD". */
const char *sj_lock_flavor_word(enum sj_lock_flavor f);
/* A lock or lock request in words, without its file: "write flock",
 * "read record lock on bytes 0-99", "write OFD lock from byte 100". */
const char *sj_lock_text(const struct sj_lock *l, char *buf, size_t len);

/* A duration in the largest unit that keeps it >= 1, one decimal below
 * 100: "250 ms", "1.5 s", "3 min"; "unknown" when negative.  32 bytes are
 * plenty. */
const char *sj_duration_text(int64_t ns, char *buf, size_t len);
/* Seconds with two significant digits below 10 s, one decimal above:
 * "0.0035 s", "1.2 s", "12.5 s". */
const char *sj_seconds_text(double s, char *buf, size_t len);

/* English ordinal: 1st 2nd 3rd 4th 11th 12th 13th 21st ... */
const char *sj_ordinal_text(long n, char *buf, size_t len);

/* Last path component ("libc.so.6" of "/usr/lib/.../libc.so.6"); a path
 * ending in '/' is returned whole; NULL for NULL. */
const char *sj_basename(const char *path);

/* Thread display name: the Python threading name when known, else comm,
 * else "?". */
const char *sj_thread_label(const struct sj_thread *t);

/* "repro.py:21 in main", "pool.py in _handle_results", "on_term()",
 * "unknown location". */
const char *sj_location_text(const struct sj_location *l, char *buf, size_t len);

#endif
