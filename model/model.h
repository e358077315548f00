/* model.h — the one report model: a snapshot (what the tracer saw), the
 * findings (what analysis proved) and the journal (what the shim did).
 * Every renderer in reports/ reads only this. */
#ifndef SIGJAM_MODEL_H
#define SIGJAM_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "journal.h"
#include "snapshot.h"

/* ---- findings (analysis/) ---- */

enum sj_severity { SJ_SEV_NOTE, SJ_SEV_WARNING, SJ_SEV_ERROR };

enum sj_finding_kind {
#define SJ_KIND(e, name, sev, title, short_desc, full_desc, help) SJ_FIND_##e,
#include "kinds.def"
#undef SJ_KIND
	SJ_FIND_KIND_COUNT
};

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
	unsigned count;        /* how many of the finding's threads stand here (0 or 1: one) */
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
	/* The journal records behind the finding: indices into the report's
	 * journal, ascending (the detectors that read records, then
	 * sj_explain). */
	size_t *records;
	size_t nrecords;
	/* Set by sj_explain (analysis/explain.c).  explained_by: the findings
	 * (indices into the same array, ascending) that explain this one;
	 * empty for a root cause.  verdict: a root cause's one sentence of at
	 * most SJ_VERDICT_MAX characters; NULL for the others. */
	size_t *explained_by;
	size_t nexplained_by;
	char *verdict;
	/* What the proof takes for granted beyond the snapshot, one clause
	 * each ("no process outside the tree connects to /tmp/pymp-x/sock-y");
	 * none for most findings. */
	char **assumptions;
	size_t nassumptions;
};

/* The longest verdict sentence, in characters. */
#define SJ_VERDICT_MAX 200

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
	int verbose;                        /* text renderer: the raw wait-for edges too */
	int journal_summary;                /* text renderer: the journal as counts and the records
	                                     * behind the findings, not record by record */
};

/* What kinds.def says about one kind; an out-of-range kind gets a row
 * named "unknown". */
struct sj_kind_info {
	const char *name;        /* "deadlock", "blocked-pipe-read", ... */
	enum sj_severity severity;
	const char *title;       /* "Deadlock" */
	const char *short_desc;  /* one line */
	const char *full_desc;   /* a paragraph: what it means, why it hangs */
	const char *help;        /* what to do in general */
};
const struct sj_kind_info *sj_kind_info(enum sj_finding_kind k);
const char *sj_finding_kind_name(enum sj_finding_kind k);   /* sj_kind_info(k)->name */
const char *sj_severity_name(enum sj_severity s);           /* "note" "warning" "error" */

void sj_findings_free(struct sj_findings *f);
/* Releases what one finding owns (not the finding itself). */
void sj_finding_free(struct sj_finding *f);

#endif
