/* rutil.h — small helpers shared by the renderers (internal to reports/).
 * Prefixed rp_ so they cannot clash with the other parts' sj_ symbols when
 * everything is linked into one program. */
#ifndef SIGJAM_RUTIL_H
#define SIGJAM_RUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "model.h"

/* Facts about each finding kind, for rule tables (SARIF), headings and
 * JUnit class names. */
struct rp_kind_info {
	const char *title;       /* "Deadlock" */
	const char *short_desc;  /* one line */
	const char *full_desc;   /* a paragraph: what it means, why it hangs */
	const char *help;        /* what to do in general */
	enum sj_severity default_severity;
};
const struct rp_kind_info *rp_kind_info(enum sj_finding_kind k);

const char *rp_severity_name(enum sj_severity s);   /* "note" "warning" "error" */

/* Findings of a report, tolerant of NULL. */
size_t rp_nfindings(const struct sj_report *r);

/* Decodes one UTF-8 sequence at s (n bytes available).  Returns its length
 * and stores the code point, or returns 1 and stores -1 for a byte that does
 * not start a valid, shortest-form sequence. */
size_t rp_utf8_next(const unsigned char *s, size_t n, long *cp);

/* A JSON string for s, with invalid UTF-8 replaced by U+FFFD (jansson
 * refuses invalid UTF-8, and argv or comm of a target may hold anything).
 * json_null() for NULL. */
json_t *rp_json_str(const char *s);
/* Address-sized values do not fit a JSON number safely (> 2^53): "0x7f..". */
json_t *rp_json_hex(uint64_t v);

/* json_object_set_new / json_array_append_new that record any failure
 * (allocation, invalid UTF-8 key) in *bad instead of losing it. */
void rp_jset(json_t *o, const char *key, json_t *v, int *bad);
void rp_jappend(json_t *a, json_t *v, int *bad);

/* "read", "futex", ... for a syscall number of this architecture, NULL if
 * not one the wait decoder names. */
const char *rp_syscall_name(long nr);

/* "250 ms", "1.5 s", "3 min"; buf >= 32 bytes is plenty. */
const char *rp_fmt_duration(int64_t ns, char *buf, size_t len);

/* Last path component ("libc.so.6" of "/usr/lib/.../libc.so.6"). */
const char *rp_basename(const char *path);

/* Thread display name: the Python threading name when known, else comm. */
const char *rp_thread_label(const struct sj_thread *t);

/* Appends to a fixed buffer; never overflows, always NUL-terminates. */
struct rp_sbuf { char *p; size_t len, used; };
void rp_sbuf_init(struct rp_sbuf *b, char *p, size_t len);
void rp_sbuf_printf(struct rp_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "repro.py:21 in main", "pool.py in _handle_results", "on_term()". */
const char *rp_location_describe(const struct sj_location *l, char *buf, size_t len);

/* Sets err to one line (when err != NULL) and returns -1. */
int rp_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The stream was written without error (and flushed). */
int rp_check_stream(FILE *out, const char *what, char *err, size_t errlen);

/* Short one-line text of a journal event for the text renderer and JUnit
 * system-out: "inject read fd 5 (pipe) -> signal SIGKILL".  obj is the
 * event's parsed line (may be NULL).  Returns buf. */
const char *rp_jevent_describe(const struct sj_jevent *e, json_t *obj, char *buf, size_t len);

#endif
