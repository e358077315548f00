/* help.c — the command-line texts (see help.h) and their --help rendering. */
#include "help.h"

#include "cli.h"
#include "render.h"

#include <stdarg.h>
#include <string.h>

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

const char sj_help_intro[] =
	"sigjam finds and reproduces the hangs that signals, fork and pipes cause in\n"
	"multi-process programs: Python's multiprocessing.Pool and ProcessPoolExecutor,\n"
	"C programs that fork workers and talk over pipes.  `sigjam run` starts a program\n"
	"with libsigjam.so preloaded, which injects signals, errors, delays and crashes\n"
	"by rule and journals what happened; `sigjam trace` stops a live process tree\n"
	"for microseconds per thread and proves from kernel facts what is stuck and why.";

const struct sj_cmd_help sj_help_run = {
	.name = "run",
	.summary = "run a command under the shim (injection, journal, hang watch)",
	.usage = "run [options] -- CMD [ARG...]",
	.description =
		"Runs CMD with libsigjam.so preloaded into it and every process it starts,\n"
		"waits for it, then prints on stderr what it found, root causes first, and a\n"
		"summary of what the shim saw (`sigjam report` shows the whole journal).",
	.stop_at_operand = 1,
	.operands = SJ_VAL_COMMAND,
	.opts = {
		{ 'i', "inject", "SPEC", SJ_VAL_TEXT, NULL,
		  "injection rules (repeatable; see `sigjam check-spec`)" },
		{ 'j', "journal", "FILE", SJ_VAL_FILE, NULL,
		  "keep the journal in FILE (default: a temporary file)" },
		{ SJ_OPT_SEED, "seed", "N", SJ_VAL_TEXT, NULL,
		  "seed for p= rules (same seed, same decisions)" },
		{ SJ_OPT_NO_CHECK, "no-check", NULL, SJ_VAL_NONE, NULL,
		  "no signal-safety diagnostics (SIGJAM_CHECK=0)" },
		{ SJ_OPT_HANG_AFTER, "hang-after", "DUR", SJ_VAL_TEXT, NULL,
		  "watch the tree; when every thread has made no progress\n"
		  "for DUR (e.g. 10s, 500ms), capture and diagnose it" },
		{ SJ_OPT_ON_HANG, "on-hang", "ACTION", SJ_VAL_CHOICE, "kill stop report",
		  "kill (default): report, end the tree, exit 124;\n"
		  "stop: report, leave the tree stopped (SIGSTOP) for a\n"
		  "debugger and exit 124 once it ends;\n"
		  "report: report, let it run on, exit 124 once it ends" },
		{ SJ_OPT_PER_TEST, "per-test", NULL, SJ_VAL_NONE, NULL,
		  "for test runners (the pytest plugin): --hang-after\n"
		  "watches only while CMD announces a test on the socket\n"
		  "in SIGJAM_CONTROL_FD; a hang fails that test: the report\n"
		  "goes to CMD, the processes the test started are killed,\n"
		  "CMD's main thread is interrupted and the run goes on" },
		{ SJ_OPT_REPORT, "report", "FMT:FILE", SJ_VAL_FORMAT_FILE, NULL,
		  "also write the report in format FMT to FILE\n"
		  "(repeatable; FMT: {formats})" },
		{ 'q', "quiet", NULL, SJ_VAL_NONE, NULL,
		  "print the summary only when there is something to say" },
		{ 'v', "verbose", NULL, SJ_VAL_NONE, NULL,
		  "list the wait-for edges behind each finding" },
	},
	.exit_status = "the program's own (128+N when killed by signal N); 124 when\n"
		       "--hang-after found a hang; 2 for usage errors (bad spec, missing command).",
};

const struct sj_cmd_help sj_help_trace = {
	.name = "trace",
	.summary = "capture a running process tree and explain what is stuck",
	.usage = "trace [options] PID [PID...]",
	.description =
		"Attaches to PID and all its descendants for a few microseconds per thread,\n"
		"captures every thread's wait, native stack and Python frames, detaches, and\n"
		"names what is stuck: deadlocks (a knot in the wait-for graph), blocked pipe\n"
		"reads, zombies, lost workers.",
	.operands = SJ_VAL_PID,
	.opts = {
		{ 'p', "pid", "PID", SJ_VAL_PID, NULL, "another target (repeatable)" },
		{ SJ_OPT_NO_CHILDREN, "no-children", NULL, SJ_VAL_NONE, NULL,
		  "only the named processes, not their descendants" },
		{ 'f', "format", "FMT", SJ_VAL_FORMAT, NULL, "{formats} (text is the default)" },
		{ 'o', "output", "FILE", SJ_VAL_FILE, NULL, "write the report to FILE instead of stdout" },
		{ SJ_OPT_REPORT, "report", "FMT:FILE", SJ_VAL_FORMAT_FILE, NULL,
		  "also write FMT to FILE (repeatable)" },
		{ 'j', "journal", "FILE", SJ_VAL_FILE, NULL,
		  "fold in the journal of the `sigjam run` that started it" },
		{ SJ_OPT_PYTHON, "python", "=MODE", SJ_VAL_CHOICE, "auto off only",
		  "auto (default): Python frames where a CPython runs;\n"
		  "off: native frames only; only: Python frames only\n"
		  "(CPython 3.11, 3.13, 3.14, 3.15; 3.12 untested: no\n"
		  "3.12 interpreter to check its layout against)" },
		{ SJ_OPT_NO_NATIVE, "no-native", NULL, SJ_VAL_NONE, NULL, "do not unwind native stacks" },
		{ 'v', "verbose", NULL, SJ_VAL_NONE, NULL,
		  "list the wait-for edges behind each finding" },
	},
	.exit_status = "0 nothing stuck, 1 findings reported, 2 usage error, no such\n"
		       "process, or ptrace not permitted (the message says how to fix it).",
};

const struct sj_cmd_help sj_help_report = {
	.name = "report",
	.summary = "render a journal written by an earlier run",
	.usage = "report [options] JOURNAL",
	.description =
		"Renders a journal written by `sigjam run --journal FILE` (or any process\n"
		"run with SIGJAM_JOURNAL): what was injected where, which processes died of\n"
		"what, and the signal-safety problems seen, with symbolized backtraces.",
	.operands = SJ_VAL_FILE,
	.opts = {
		{ 'f', "format", "FMT", SJ_VAL_FORMAT, NULL, "{formats} (text is the default)" },
		{ 'o', "output", "FILE", SJ_VAL_FILE, NULL, "write to FILE instead of stdout" },
		{ 'v', "verbose", NULL, SJ_VAL_NONE, NULL,
		  "every journal record (start, fork, deliver and handler records too), and the "
		  "wait-for edges behind each finding" },
	},
	.exit_status = "0 no findings, 1 findings, 2 unreadable journal or bad option.",
};

const struct sj_cmd_help sj_help_check_spec = {
	.name = "check-spec",
	.summary = "validate and explain an injection spec",
	.usage = "check-spec SPEC...",
	.description =
		"Parses each SPEC (rules separated by ';') and prints every rule in its\n"
		"canonical form with a sentence saying when it fires and what it does.\n"
		"A malformed spec prints one line naming the column and what was expected\n"
		"and exits 2. The rule language is described in sigjam-inject(7)\n"
		"(docs/inject.md in the source).",
	.operands = SJ_VAL_TEXT,
	.exit_status = "0 every spec parsed, 2 a malformed spec.",
};

const struct sj_cmd_help sj_help_scenario = {
	.name = "scenario",
	.summary = "list and run the catalogue of reproduced failures",
	.usage = "scenario list\n"
		 "scenario run [options] NAME...\n"
		 "scenario run [options] --all",
	.description =
		"Each scenario reproduces a documented failure under controlled injection,\n"
		"checks that sigjam diagnoses it as its recipe expects, then runs its fixed\n"
		"twin and checks that it ends cleanly with no finding.  Python scenarios run\n"
		"with every interpreter of the interpreter list, each where it lives (a\n"
		"Debian root is entered like a container), under the multiprocessing start\n"
		"method it defaults to, plus fork and spawn where the start method matters;\n"
		"a recipe's premises say where a version or start method changes the story\n"
		"and what is checked instead.  A missing interpreter prints SKIP: python TAG.",
	.verbs = "list run",
	.operands = SJ_VAL_SCENARIO,
	.opts = {
		{ SJ_OPT_ALL, "all", NULL, SJ_VAL_NONE, NULL, "every scenario" },
		{ SJ_OPT_PYTHON, "python", "TAG|PATH", SJ_VAL_EXE, NULL,
		  "run Python scenarios with this interpreter: a tag of the\n"
		  "interpreter list or a path (repeatable; default: every\n"
		  "interpreter of the list, each where it lives)" },
		{ SJ_OPT_START, "start", "METHOD", SJ_VAL_CHOICE, "default fork spawn forkserver",
		  "run Python scenarios under this multiprocessing start method\n"
		  "only (default: the interpreter's)" },
		{ 'f', "format", "FMT", SJ_VAL_FORMAT, NULL, "print each run's report as FMT ({formats})" },
		{ 'v', "verbose", NULL, SJ_VAL_NONE, NULL, "print each run's report and the program's output" },
		{ SJ_OPT_DIR, "dir", "DIR", SJ_VAL_DIR, NULL, "the scenario folder (default: next to sigjam)" },
	},
	.exit_status = "0 when every expectation held, 1 when one did not, 2 usage error.",
};

const struct sj_cmd_help sj_help_demo = {
	.name = "demo",
	.summary = "the flagship demo: a Pool worker killed, the hang explained",
	.usage = "demo",
	.description =
		"Runs scenario pool-worker-killed with its report shown, with python3\n"
		"and its default start method: equivalent to `sigjam scenario run\n"
		"--verbose --python local --start default pool-worker-killed`.",
	.exit_status = "as `sigjam scenario run`.",
};

const struct sj_cmd_help *const sj_help_cmds[] = {
	&sj_help_run, &sj_help_trace, &sj_help_report, &sj_help_check_spec, &sj_help_scenario, &sj_help_demo,
};
const size_t sj_help_ncmds = NROWS(sj_help_cmds);

const struct sj_term sj_help_exits[] = {
	{ "0", "nothing found (trace, report, check-spec), every expectation\n"
	       "held (scenario), or the program's own status (run)" },
	{ "1", "findings reported (trace, report); an expectation did not hold (scenario)" },
	{ "2", "usage error: bad option or spec, vanished pid, ptrace not permitted" },
	{ "124", "run --hang-after: a hang was found and reported" },
};
const size_t sj_help_nexits = NROWS(sj_help_exits);

const struct sj_term sj_help_env[] = {
	{ "SIGJAM_SHIM", "the shim `sigjam run` preloads, instead of the one installed with sigjam" },
	{ "SIGJAM_SCENARIOS", "the scenario folder, instead of the one installed with sigjam" },
	{ "SIGJAM_PYTHONS", "the folder with the interpreter list and its runner (list, pyroot),\n"
			    "instead of the one installed with sigjam" },
	{ "NO_COLOR", "set and not empty: no colour in text reports (only a terminal gets colour)" },
	{ "TMPDIR", "where `sigjam run` keeps the journal when --journal is not given" },
	{ "SIGJAM_INJECT, SIGJAM_JOURNAL, SIGJAM_SEED, SIGJAM_CHECK",
	  "set by `sigjam run` for libsigjam.so in every process; see sigjam-inject(7)" },
	{ "SIGJAM_CONTROL_FD", "set by `sigjam run --per-test` for the command: its end of the socket\n"
			       "on which it announces tests (the pytest plugin's protocol)" },
	{ "SIGJAM", "the sigjam executable the pytest plugin runs (default: the one installed\n"
		    "with the plugin, else sigjam on PATH)" },
};
const size_t sj_help_nenv = NROWS(sj_help_env);

/* Paths relative to the folder of the sigjam executable, BINDIR, as the
 * build wrote them into cli/CMakeLists.txt's definitions. */
const struct sj_term sj_help_files[] = {
	{ "BINDIR/" SIGJAM_SHIM_REL, "the shim `sigjam run` preloads" },
	{ "BINDIR/" SIGJAM_SCENARIO_REL "/", "the scenario catalogue: a folder per scenario with its recipe,\n"
					     "scenario.json, and its programs" },
	{ "BINDIR/" SIGJAM_PYTHONS_REL "/", "the interpreters Python scenarios run with: list (one per line)\n"
					    "and pyroot, which runs one where it lives" },
	{ "BINDIR/../lib/python3/dist-packages/sigjam.py", "the pytest plugin (`pytest -p sigjam`)" },
	{ "BINDIR/../share/bash-completion/completions/sigjam", "bash completion" },
};
const size_t sj_help_nfiles = NROWS(sj_help_files);

const struct sj_term sj_help_examples[] = {
	{ "sigjam demo", "a Pool worker killed on its third pipe read, the hang explained" },
	{ "sigjam run --hang-after 30s --report junit:hang.xml -- python3 -m pytest",
	  "a test run whose hang is reported and ended, not left to the CI's time limit" },
	{ "sigjam run -i 'read:in=child:fd=pipe:when=3:signal=KILL' -- python3 pool.py",
	  "kill every worker on its third pipe read" },
	{ "sigjam trace 4242", "what process 4242 and its children are stuck on, and why" },
	{ "python3 -m pytest -p sigjam --sigjam-hang-after=30s",
	  "every test that hangs fails with the report, and the session goes on" },
};
const size_t sj_help_nexamples = NROWS(sj_help_examples);

void sj_help_expand(const char *text, FILE *f)
{
	static const char token[] = "{formats}";
	for (const char *p; (p = strstr(text, token)); text = p + sizeof token - 1) {
		fwrite(text, 1, (size_t)(p - text), f);
		size_t n;
		const struct sj_renderer *t = sj_renderers(&n);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%s%s", i ? ", " : "", t[i].name);
	}
	fputs(text, f);
}

/* "-i, --inject SPEC" or "    --python=MODE" into buf; its length. */
static int opt_flags(const struct sj_opt *o, char *buf, size_t n)
{
	const char *mv = o->metavar ? o->metavar : "";
	int sep = o->metavar && mv[0] != '=';
	if (o->id < 256)
		return snprintf(buf, n, "-%c, --%s%s%s", o->id, o->name, sep ? " " : "", mv);
	return snprintf(buf, n, "    --%s%s%s", o->name, sep ? " " : "", mv);
}

/* Writes help text lines, each after `indent` spaces but the first. */
static void indented(const char *text, int indent, FILE *f)
{
	for (const char *nl; (nl = strchr(text, '\n')); text = nl + 1) {
		char line[256];
		snprintf(line, sizeof line, "%.*s", (int)(nl - text), text);
		sj_help_expand(line, f);
		fprintf(f, "\n%*s", indent, "");
	}
	sj_help_expand(text, f);
	fputc('\n', f);
}

void sj_help_print(const struct sj_cmd_help *c, FILE *f)
{
	const char *u = c->usage;
	for (int first = 1; *u; first = 0) {
		size_t len = strcspn(u, "\n");
		fprintf(f, "%s sigjam %.*s\n", first ? "usage:" : "      ", (int)len, u);
		u += len + (u[len] == '\n');
	}
	fprintf(f, "\n%s\n", c->description);
	int width = 0;
	char flags[64];
	for (const struct sj_opt *o = c->opts; o->name; o++) {
		int w = opt_flags(o, flags, sizeof flags);
		width = w > width ? w : width;
	}
	if (width) {
		fputs("\noptions:\n", f);
		for (const struct sj_opt *o = c->opts; o->name; o++) {
			opt_flags(o, flags, sizeof flags);
			fprintf(f, "  %-*s  ", width, flags);
			indented(o->help, width + 4, f);
		}
	}
	fprintf(f, "\nexit status: %s\n", c->exit_status);
}

void sj_help_print_main(FILE *f)
{
	fputs("usage: sigjam <command> [options]\n\ncommands:\n", f);
	for (size_t i = 0; i < sj_help_ncmds; i++)
		fprintf(f, "  %-11s %s\n", sj_help_cmds[i]->name, sj_help_cmds[i]->summary);
	fputs("\n`sigjam <command> --help` describes each command.\n\nreport formats:\n", f);
	size_t n;
	const struct sj_renderer *t = sj_renderers(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-6s %s\n", t[i].name, t[i].summary);
	fputs("\nexit status:\n", f);
	for (size_t i = 0; i < sj_help_nexits; i++) {
		fprintf(f, "  %-4s ", sj_help_exits[i].name);
		indented(sj_help_exits[i].text, 7, f);
	}
	fputs("\nenvironment:\n", f);
	for (size_t i = 0; i < sj_help_nenv; i++) {
		fprintf(f, "  %s\n        ", sj_help_env[i].name);
		indented(sj_help_env[i].text, 8, f);
	}
}

void sj_getopt_prepare(const struct sj_cmd_help *c, struct sj_getopt *g)
{
	/* '+': stop at the first operand; ':': report a missing value as ':'
	 * (sj_getopt_error). */
	char *s = g->shortopts;
	if (c->stop_at_operand)
		*s++ = '+';
	*s++ = ':';
	size_t n = 0;
	for (const struct sj_opt *o = c->opts; o->name; o++, n++) {
		g->longopts[n] = (struct option){ o->name, o->metavar ? required_argument : no_argument, NULL, o->id };
		if (o->id < 256) {
			*s++ = (char)o->id;
			if (o->metavar)
				*s++ = ':';
		}
	}
	g->longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	g->longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	*s++ = 'h';
	*s = '\0';
}
