/* journal.h — the shim's journal (docs/journal.md) as typed records.
 *
 * model/journal.c parses every line once into a struct sj_jevent; analysis,
 * the renderers and the CLI read these fields and never the JSON text.  The
 * parsed record object itself is kept only for the two consumers whose job
 * is the record as written: the JSON report copies it verbatim (fields a
 * newer shim added included) and a scenario recipe matches any of its
 * fields by name. */
#ifndef SIGJAM_JOURNAL_H
#define SIGJAM_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct json_t;

/* A number a record may lack: set is 0 when the field was absent (or of
 * another type). */
struct sj_jnum {
	int64_t v;
	int set;
};

struct sj_btframe {
	char *module;
	uint64_t off;
	/* filled by symbolization in the CLI (may stay NULL/0) */
	char *func;
	char *file;
	int line;
};

/* One row of a "dispositions" record's "list": a signal not at SIG_DFL. */
struct sj_jdisp {
	int sig;               /* 0: a name the reader does not know */
	char *disp;            /* "handler" or "ignore" */
	char *module;          /* where the handler lies, NULL when unknown */
	struct sj_jnum addr, off;
	int python;            /* the handler lies in libpython / the interpreter */
};

struct sj_jevent {
	/* every record */
	int64_t t_ns;          /* CLOCK_MONOTONIC */
	pid_t pid, ppid, tid;
	char *ev;              /* "start", "inject", "reap", ... */
	char *comm;
	int trunc;             /* the writer cut the record to fit one write */

	/* Fields several kinds share.  0/NULL/-1 when absent, as noted. */
	char *func;            /* the wrapped function */
	int sig;               /* "sig" by name or number; 0 absent (also kill's 0 probe) */
	int fd;                /* -1 absent */
	pid_t child;           /* fork, spawn, reap; 0 absent */
	int code;              /* exit code of exit/reap/inject exit=N; -1 absent */
	long n;                /* inject: the rule's call count; 0 absent */
	int depth;             /* deliver, nested: handler nesting depth; 0 absent */
	char *module;          /* handler, errno: the handler's module; NULL absent */
	struct sj_jnum addr, off; /* handler, errno: its address and offset in module */
	int python;            /* handler: it lies in libpython */

	/* start */
	char *exe, *role;
	struct sj_jnum rules, seed;
	int check;             /* -1 absent */

	/* inject */
	struct sj_jnum rule;   /* 0-based rule index */
	char *spec, *hook, *action, *fdkind;
	char *target;          /* "self".."children" */
	long target_pid;       /* inject "target_pid", kill's numeric "target"; 0 absent */
	int err;               /* errno by name or number; -1 absent */
	struct sj_jnum retval, short_len, ns;

	/* spawn */
	char *cmd;

	/* dispositions */
	char *at;              /* "fork" or "exec" */
	struct sj_jdisp *disps;
	size_t ndisps;

	/* handler */
	char *disp, *flags;

	/* deliver */
	char *si_code;         /* "SI_USER", ...; NULL when absent or numeric */
	struct sj_jnum from;   /* the sender's pid */

	/* unsafe */
	char *call;
	struct sj_btframe *bt; /* innermost first */
	size_t nbt;

	/* errno */
	struct sj_jnum before, after;

	/* nested */
	int outer;             /* the running handler's signal; 0 absent */

	/* reap */
	char *status;          /* "exited 3", "killed by SIGKILL" */
	int core;

	/* The record object as parsed (a jansson json_t), for the verbatim
	 * copy in the JSON report and recipe matches; NULL for an event built
	 * by hand.  Owned: released by sj_journal_free. */
	struct json_t *record;
};

struct sj_journal {
	struct sj_jevent *ev;  /* sorted by t_ns (stable) */
	size_t n;
	size_t bad_lines;      /* lines that were not valid records (reported, skipped) */
};

/* Reads a journal (docs/journal.md) into *out, events sorted by t_ns
 * (stable, so one process's records keep their order).  0 ok; -1 with a
 * one-line message in err (missing or unreadable file, out of memory) and
 * *out empty.  Lines that are not records are skipped and counted in
 * bad_lines; a torn final line without '\n' (its writer was killed) is
 * skipped without counting.  Free with sj_journal_free. */
int sj_journal_load(const char *path, struct sj_journal *out, char *err, size_t errlen);
int sj_journal_parse_text(const char *text, size_t len, struct sj_journal *out, char *err, size_t errlen);
void sj_journal_free(struct sj_journal *j);

#endif
