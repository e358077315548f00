/* internal.h — what the renderers share (internal to reports/).  Prefixed
 * rp_ so they cannot clash with the other parts' sj_ symbols when
 * everything is linked into one program.  Words for model data that other
 * parts also show (signals, exit statuses, durations, locations) are in
 * model/text.h. */
#ifndef SIGJAM_REPORTS_INTERNAL_H
#define SIGJAM_REPORTS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "model.h"
#include "render.h"
#include "text.h"

/* ---- summary.c ---- */

/* Findings of a report, tolerant of NULL. */
size_t rp_nfindings(const struct sj_report *r);

/* ---- errors.c ---- */

/* Sets err to one line (when err != NULL) and returns -1. */
int rp_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The stream was written without error (and flushed). */
int rp_check_stream(FILE *out, const char *what, char *err, size_t errlen);

/* ---- encode.c: model text in output encodings ---- */

/* Decodes one UTF-8 sequence at s (n bytes available).  Returns its length
 * and stores the code point, or returns 1 and stores -1 for a byte that does
 * not start a valid, shortest-form sequence. */
size_t rp_utf8_next(const unsigned char *s, size_t n, long *cp);

/* Writes s to out one UTF-8 character at a time: the text escape(cp, arg)
 * returns for it, or its own bytes when that is NULL.  cp is -1 for a byte
 * that is not UTF-8.  Each format's escaper is one such function. */
void rp_put_escaped(FILE *out, const char *s, const char *(*escape)(long cp, int arg), int arg);

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

/* ---- holders.c: who in the snapshot holds what ---- */

/* p's first fd on the socket or pipe `inode` of kind k; NULL when it
 * holds none (a zombie holds none: its fds are closed). */
const struct sj_fd *rp_fd_on(const struct sj_process *p, enum sj_fdkind k, uint64_t inode);
/* The lock request thread t waits for, NULL when it waits for none. */
const struct sj_lock *rp_lock_request(const struct sj_thread *t);
/* Thread t of p waits for a lock that lock `held` (of process q, fd qfd)
 * stands in the way of. */
int rp_lock_blocks(const struct sj_lock *held, const struct sj_process *q, int qfd,
		   const struct sj_process *p, const struct sj_thread *t);

/* ---- events.c: journal records in words ---- */

/* Short one-line text of a journal event for the text renderer:
 * "inject read fd 5 (pipe) -> signal SIGKILL".  Returns buf. */
const char *rp_jevent_describe(const struct sj_jevent *e, char *buf, size_t len);

#endif
