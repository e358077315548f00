/* model.h — the one report model: a snapshot (what the tracer saw), the
 * findings (what analysis proved) and the journal (what the shim did).
 * Every renderer in reports/ reads only this. */
#ifndef SIGJAM_MODEL_H
#define SIGJAM_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

/* ---- journal (docs/journal.md), parsed by reports/journal.c ---- */

struct sj_btframe {
	char *module;
	uint64_t off;
	/* filled by symbolization in the CLI (may stay NULL/0) */
	char *func;
	char *file;
	int line;
};

struct sj_jevent {
	int64_t t_ns;          /* CLOCK_MONOTONIC */
	pid_t pid, ppid, tid;
	char *ev;              /* "start", "inject", "reap", ... */
	char *comm;
	/* frequently used fields, pre-extracted (0/NULL/-1 when absent) */
	char *hook, *func, *action, *fdkind, *status, *call, *at, *target;
	int fd;                /* -1 absent */
	int sig;               /* signal number from "sig"; 0 absent */
	int err;               /* errno number from "errno"; -1 absent */
	long n;                /* "n" call count; 0 absent */
	pid_t child;           /* "child"; 0 absent */
	long target_pid;       /* "target_pid" or numeric "target"; 0 absent */
	int code;              /* exit code ("code"); -1 absent */
	int core;
	struct sj_btframe *bt; /* "bt" */
	size_t nbt;
	char *line;            /* the raw JSON line, for renderers that show everything */
};

struct sj_journal {
	struct sj_jevent *ev;  /* sorted by t_ns (stable) */
	size_t n;
	size_t bad_lines;      /* lines that were not valid records (reported, skipped) */
};

/* ---- findings (tracer/analysis) ---- */

enum sj_finding_kind {
	SJ_FIND_DEADLOCK,
	SJ_FIND_BLOCKED_PIPE_READ,
	SJ_FIND_ZOMBIE,
	SJ_FIND_LOST_WORKER,
	SJ_FIND_SIGNAL_UNSAFE,   /* journal "unsafe" */
	SJ_FIND_ERRNO_CLOBBER,   /* journal "errno" */
	SJ_FIND_NESTED_HANDLER,  /* journal "nested" */
	SJ_FIND_INHERITED_HANDLER, /* journal: a handler/ignore inherited by a forked worker */
	SJ_FIND_QUIESCENT,       /* the whole tree blocked, no timers, no knot proved */
	SJ_FIND_KIND_COUNT
};

enum sj_severity { SJ_SEV_NOTE, SJ_SEV_WARNING, SJ_SEV_ERROR };

/* A thread (or process, tid 0) the finding is about, with the fact that
 * makes it part of the finding: "reads pipe:[8493] (fd 5)". */
struct sj_evidence {
	pid_t pid;
	pid_t tid;             /* 0: the process as a whole */
	char *text;
};

/* An edge of the wait-for graph shown as proof: from waits on to, via. */
struct sj_edge {
	pid_t from_pid, from_tid;
	pid_t to_pid, to_tid;  /* to_tid 0: any thread of to_pid */
	char *via;             /* "pipe:[8493]", "wait4(41)", "futex 0x7f.. (private)", "/dev/shm/sem.x" */
};

/* A source location for SARIF (from debug info or Python frames). */
struct sj_location {
	char *file;
	int line;
	char *func;
};

struct sj_finding {
	enum sj_finding_kind kind;
	enum sj_severity severity;
	char *cause;           /* one sentence naming the cause */
	char *advice;          /* one or two sentences: what to do */
	struct sj_evidence *evidence;
	size_t nevidence;
	struct sj_edge *edges;
	size_t nedges;
	struct sj_location *locations;
	size_t nlocations;
	pid_t *pids;           /* the processes involved (for DOT highlighting, scenario checks) */
	size_t npids;
	uint64_t *pipes;       /* pipe inodes involved */
	size_t npipes;
	int sig;               /* the signal named, if any (lost-worker, unsafe...) */
};

struct sj_findings {
	struct sj_finding *v;
	size_t n;
};

struct sj_report {
	const struct sj_snapshot *snap;     /* may be NULL (journal-only report) */
	const struct sj_findings *findings;
	const struct sj_journal *journal;   /* may be NULL */
	const char *command;                /* the command line sigjam ran or traced, for headers */
	int color;                          /* text renderer: ANSI colours */
};

const char *sj_finding_kind_name(enum sj_finding_kind k);   /* "deadlock", "blocked-pipe-read", ... */
void sj_findings_free(struct sj_findings *f);
/* Releases what one finding owns (not the finding itself). */
void sj_finding_free(struct sj_finding *f);
void sj_journal_free(struct sj_journal *j);

/* reports/journal.c: reads a journal (docs/journal.md) into *out, events
 * sorted by t_ns (stable, so one process's records keep their order).
 * 0 ok; -1 with a one-line message in err (missing or unreadable file, out
 * of memory) and *out empty.  Lines that are not records are skipped and
 * counted in bad_lines; a torn final line without '\n' (its writer was
 * killed) is skipped without counting.  Free with sj_journal_free. */
int sj_journal_load(const char *path, struct sj_journal *out, char *err, size_t errlen);
int sj_journal_parse_text(const char *text, size_t len, struct sj_journal *out, char *err, size_t errlen);

#endif
