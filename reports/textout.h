/* textout.h — writing the text report (internal to reports/): a palette,
 * segments of a line with the target's control characters made harmless,
 * and lines broken at spaces so that none is wider than a limit. */
#ifndef SIGJAM_REPORTS_TEXTOUT_H
#define SIGJAM_REPORTS_TEXTOUT_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

#define RP_PROSE_WIDTH 100  /* sentences (causes, evidence, advice) wrap here */
#define RP_MAX_WIDTH 400    /* no line is wider, colour escapes not counted */

/* ANSI SGR sequences; the plain palette has empty strings so the printing
 * code is the same with and without colour. */
struct rp_palette {
	const char *reset, *bold, *dim, *red, *yellow, *cyan, *green, *grey;
};

struct rp_text {
	FILE *out;
	const struct rp_palette *c;
	const struct sj_report *r;
	/* the line being written, flushed by rp_nl */
	FILE *line;
	char *buf;
	size_t len;
	size_t width;    /* where it breaks */
	size_t indent;   /* continuation indent; (size_t)-1: its own indent + 4 */
};

/* Starts a report on out, in colour when r->color. */
void rp_text_init(struct rp_text *t, FILE *out, const struct sj_report *r);
/* Appends one segment to the current line, in colour col (may be ""). */
void rp_seg(struct rp_text *t, const char *col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The current line is prose: it breaks at RP_PROSE_WIDTH and continues
 * indent columns in. */
void rp_prose(struct rp_text *t, size_t indent);
/* Ends the current line: written out broken at spaces (at RP_MAX_WIDTH
 * unless rp_prose said otherwise), then a newline. */
void rp_nl(struct rp_text *t);

const char *rp_sev_colour(const struct rp_text *t, enum sj_severity s);

/* text_fds.c: under a thread, the facts of the fds it waits on (a
 * socket's peer and its holders, a pipe's fill, a lock's holders); under
 * a process, the locks it holds and who waits for them. */
void rp_print_wait_facts(struct rp_text *t, const struct sj_process *p, const struct sj_thread *th);
void rp_print_held_locks(struct rp_text *t, const struct sj_process *p);

/* journal_text.c: the JOURNAL part, record by record or (r->journal_summary)
 * as counts and the records behind the findings. */
void rp_print_journal(struct rp_text *t);

#endif
