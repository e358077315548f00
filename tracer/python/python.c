/* python.c — finding CPython in a process and walking its thread states.
 *
 * _PyRuntime → interpreters → thread states → _PyInterpreterFrame chain.
 * Every pointer comes from another process (possibly mid-update), so every
 * read is checked, every loop is capped, and nothing read is trusted as a
 * length without a bound. */
#include "python.h"
#include "python_internal.h"
#include "layout.h"
#include "walker.h"
#include "linetable.h"
#include "pyelf.h"
#include "mapfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INTERPRETERS 64

/* ---------- small helpers ---------- */

static void note(struct sj_process *proc, char *err, size_t errlen, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	free(proc->python_note);
	proc->python_note = strdup(buf);
	if (err && errlen)
		snprintf(err, errlen, "%s", buf);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* ---------- the walker's state (walker.h) ---------- */

static void walker_free(struct walker *w)
{
	for (size_t i = 0; i < w->ncodes; i++) {
		free(w->codes[i].qualname);
		free(w->codes[i].filename);
		free(w->codes[i].linetable);
	}
	free(w->codes);
}

/* ---------- code objects (cached: deep recursion repeats them) ---------- */

static const struct code_info *code_lookup(struct walker *w, uint64_t addr)
{
	const struct sj_pylayout *L = &w->L;
	uint8_t hdr[512];
	struct code_info ci = { .addr = addr, .firsttraceable = -1 };

	for (size_t i = w->ncodes; i-- > 0;)
		if (w->codes[i].addr == addr)
			return &w->codes[i];
	if (L->co_size > sizeof hdr || sj_mem_read(w->mem, addr, hdr, L->co_size) != 0)
		return NULL;
	if (w->code_type && get_u64(hdr, L->ob_type) != w->code_type)
		return NULL;
	ci.firstlineno = get_i32(hdr, L->co_firstlineno);
	if (L->co_firsttraceable >= 0)
		ci.firsttraceable = get_i32(hdr, L->co_firsttraceable);
	ci.qualname = pyo_read_str(w, get_u64(hdr, L->co_qualname));
	if (!ci.qualname)
		ci.qualname = pyo_read_str(w, get_u64(hdr, L->co_name));
	ci.filename = pyo_read_str(w, get_u64(hdr, L->co_filename));
	ci.linetable = pyo_read_bytes(w, get_u64(hdr, L->co_linetable), &ci.ltlen);
	if (w->ncodes == w->capcodes) {
		size_t cap = w->capcodes ? w->capcodes * 2 : 64;
		struct code_info *n = realloc(w->codes, cap * sizeof *n);
		if (!n) {
			free(ci.qualname);
			free(ci.filename);
			free(ci.linetable);
			return NULL;
		}
		w->codes = n;
		w->capcodes = cap;
	}
	w->codes[w->ncodes] = ci;
	return &w->codes[w->ncodes++];
}

/* ---------- frames ---------- */

static int push_frame(struct sj_thread *t, size_t *cap, const struct code_info *ci, int line)
{
	struct sj_pyframe *f;

	if (t->npyframes == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		f = realloc(t->pyframes, nc * sizeof *f);
		if (!f)
			return -1;
		t->pyframes = f;
		*cap = nc;
	}
	f = &t->pyframes[t->npyframes++];
	f->func = ci->qualname ? strdup(ci->qualname) : NULL;
	f->file = ci->filename ? strdup(ci->filename) : NULL;
	f->line = line > 0 ? line : 0;
	f->is_entry = 0;
	return 0;
}

static uint64_t current_frame(const struct walker *w, uint64_t tstate)
{
	const struct sj_pylayout *L = &w->L;
	uint64_t cframe, frame = 0;

	if (L->ts_cframe >= 0) {
		if (read_u64(w->mem, tstate + L->ts_cframe, &cframe) != 0 || !cframe ||
		    read_u64(w->mem, cframe + L->cf_current_frame, &frame) != 0)
			return 0;
		return frame;
	}
	if (read_u64(w->mem, tstate + L->ts_current_frame, &frame) != 0)
		return 0;
	return frame;
}

/* The frame chain of one thread, innermost first.  Frames that CPython's
 * own tracebacks hide are skipped: shim frames owned by the C stack
 * (3.12+: one per C→eval-loop entry, which marks the frame above it as an
 * entry frame; owned by the interpreter from 3.14 on, like each thread's
 * base frame) and incomplete frames (still running their prologue before
 * the first traceable instruction, _PyFrame_IsIncomplete). */
static void walk_frames(struct walker *w, uint64_t tstate, struct sj_thread *t)
{
	const struct sj_pylayout *L = &w->L;
	uint64_t frame = current_frame(w, tstate);
	uint8_t fb[512];
	size_t cap = 0;

	for (int depth = 0; frame && depth < SJ_PY_MAX_FRAMES && t->npyframes < SJ_PY_MAX_FRAMES; depth++) {
		const struct code_info *ci;
		uint64_t code, instr;
		int owner, is_entry, line;
		long byte_off;

		if (L->fr_size > sizeof fb || sj_mem_read(w->mem, frame, fb, L->fr_size) != 0)
			break;
		owner = L->fr_owner >= 0 ? (int8_t)fb[L->fr_owner] : 0;
		is_entry = L->fr_is_entry >= 0 ? fb[L->fr_is_entry] != 0 : 0;
		frame = get_u64(fb, L->fr_previous);
		if ((L->owner_cstack >= 0 && owner == L->owner_cstack) ||
		    (L->owner_interp >= 0 && owner == L->owner_interp)) {
			if (t->npyframes)
				t->pyframes[t->npyframes - 1].is_entry = 1;
			continue;
		}
		/* 3.14+: f_executable is a _PyStackRef, a pointer with tag bits. */
		code = get_u64(fb, L->fr_code) & ~L->exec_tag_mask;
		instr = get_u64(fb, L->fr_instr);
		ci = code_lookup(w, code);
		if (!ci)
			break;        /* not a code object: the chain is being rewritten */
		byte_off = (long)(instr - (code + (uint64_t)L->co_code_adaptive));
		if (ci->firsttraceable >= 0 && owner != L->owner_generator &&
		    byte_off < (long)ci->firsttraceable * 2) {
			if (is_entry && t->npyframes)
				t->pyframes[t->npyframes - 1].is_entry = 1;
			continue;
		}
		line = ci->linetable ? sj_py_addr2line(ci->linetable, ci->ltlen, ci->firstlineno, byte_off) : 0;
		if (push_frame(t, &cap, ci, line) != 0)
			break;
		t->pyframes[t->npyframes - 1].is_entry = is_entry;
	}
	/* The outermost frame was entered from C (Py_RunMain, a thread's
	 * bootstrap), whatever the version marks. */
	if (t->npyframes)
		t->pyframes[t->npyframes - 1].is_entry = 1;
}

/* The thread state holding the GIL, 0 when none or unknown. */
static uint64_t gil_holder(const struct walker *w, uint64_t runtime, uint64_t interp)
{
	const struct sj_pylayout *L = &w->L;
	uint64_t holder = 0;
	int32_t locked = 0;

	/* 3.11: gilstate.tstate_current is set by the thread that takes the
	 * GIL and cleared (swapped to NULL) when it releases it. */
	if (L->rt_gil_tstate >= 0) {
		if (read_u64(w->mem, runtime + L->rt_gil_tstate, &holder) != 0)
			return 0;
		return holder;
	}
	/* 3.13: last_holder stays set after a release; only trust it while
	 * the GIL is locked. */
	if (L->is_gil_locked >= 0 && L->is_gil_holder >= 0 &&
	    sj_mem_read(w->mem, interp + L->is_gil_locked, &locked, sizeof locked) == 0 && locked &&
	    read_u64(w->mem, interp + L->is_gil_holder, &holder) == 0)
		return holder;
	return 0;
}

/* The snapshot thread whose tid is CPython's native_thread_id.  That is
 * the tid inside the process's pid namespace (a container's), which NSpid
 * joins with the host tid; with no namespace of its own they are equal. */
/* 3.15+: each thread state says whether it holds the GIL; before, the
 * interpreter's (or runtime's) holder is compared. */
static int thread_holds_gil(const struct walker *w, uint64_t ts, uint64_t holder)
{
	int32_t holds = 0;

	if (w->L.ts_holds_gil >= 0)
		return sj_mem_read(w->mem, ts + w->L.ts_holds_gil, &holds, sizeof holds) == 0 && holds == 1;
	return holder != 0 && holder == ts;
}

static struct sj_thread *thread_by_tid(struct sj_process *proc, uint64_t tid)
{
	for (size_t i = 0; i < proc->nthreads; i++) {
		const struct sj_thread *t = &proc->threads[i];
		pid_t own = proc->ns_pid ? t->ns_tid : t->tid;
		if (own > 0 && (uint64_t)own == tid)
			return &proc->threads[i];
	}
	return NULL;
}

/* Since 3.14 threading names the OS thread after the Thread (its first
 * 15 bytes in comm); the main thread keeps the program's name. */
static const char *os_thread_name(const struct walker *w, const struct sj_process *proc,
				  const struct sj_thread *t)
{
	return w->minor >= 14 && t->tid != proc->pid && t->name && t->name[0] ? t->name : NULL;
}

static void clear_python(struct sj_thread *t)
{
	for (size_t i = 0; i < t->npyframes; i++) {
		free(t->pyframes[i].func);
		free(t->pyframes[i].file);
	}
	free(t->pyframes);
	free(t->py_name);
	t->pyframes = NULL;
	t->npyframes = 0;
	t->py_name = NULL;
	t->is_python = 0;
	t->py_holds_gil = 0;
}

/* Counts thread states seen and joined with a snapshot thread (*states,
 * *joined) across interpreters. */
static void walk_interp(struct walker *w, struct sj_process *proc, uint64_t runtime, uint64_t interp,
			size_t *states, size_t *joined)
{
	const struct sj_pylayout *L = &w->L;
	struct name_map names = { 0 };
	uint64_t ts, holder;

	if (read_u64(w->mem, interp + L->is_threads_head, &ts) != 0)
		return;
	holder = gil_holder(w, runtime, interp);
	pyo_collect_names(w, interp, &names);
	for (int i = 0; ts && i < MAX_THREADS; i++) {
		uint64_t native = 0, ident = 0, next = 0;
		struct sj_thread *t;
		const char *name;

		if (read_u64(w->mem, ts + L->ts_native_thread_id, &native) != 0 ||
		    read_u64(w->mem, ts + L->ts_thread_id, &ident) != 0 ||
		    read_u64(w->mem, ts + L->ts_next, &next) != 0)
			break;
		t = thread_by_tid(proc, native);
		(*states)++;
		*joined += t != NULL;
		if (t && !t->is_python) {
			clear_python(t);
			t->is_python = 1;
			t->py_holds_gil = thread_holds_gil(w, ts, holder);
			if (!(name = pyo_name_for(&names, ident)))
				name = os_thread_name(w, proc, t);
			t->py_name = name ? strdup(name) : NULL;
			walk_frames(w, ts, t);
		}
		ts = next;
	}
	pyo_name_map_free(&names);
}

/* ---------- finding the interpreter ---------- */

static int named_like_python(const char *path)
{
	const char *b = base_name(path);

	return strncmp(b, "libpython3", 10) == 0 || strncmp(b, "python3", 7) == 0;
}

/* The executable too: an embedding program may link CPython statically. */
static int is_candidate(const struct sj_process *proc, const char *path)
{
	return named_like_python(path) || (proc->exe && strcmp(path, proc->exe) == 0);
}

/* Python 3.X from a file name such as libpython3.10.so.1.0 or python3.9:
 * the fallback for interpreters older than Py_Version (3.11). */
static uint64_t version_from_name(const char *path)
{
	const char *p = strstr(base_name(path), "python3.");
	unsigned minor;

	if (!p || sscanf(p + 8, "%u", &minor) != 1 || minor > 99)
		return 0;
	return (3ull << 24) | ((uint64_t)minor << 16);
}

/* The interpreter's ELF file as the process maps it: in another root (a
 * container) the same path on this side may be another file or none. */
static int open_elf(const struct sj_process *proc, const struct sj_map *m, unsigned flags,
		    struct sj_pyelf *e, char *err, size_t errlen)
{
	char path[4096];

	sj_map_file(proc->pid, m, path, sizeof path, NULL, 0);
	return sj_pyelf_load(path, flags, e, err, errlen);
}

/* The first mapping of path: the one whose bias we compute. */
static const struct sj_map *first_map(const struct sj_process *proc, const char *path)
{
	for (size_t i = 0; i < proc->nmaps; i++)
		if (proc->maps[i].path && strcmp(proc->maps[i].path, path) == 0)
			return &proc->maps[i];
	return NULL;
}

struct found {
	const char *path;
	int unopened;           /* path could not be opened at all */
	struct sj_pyelf elf;
	uint64_t bias;
};

/* 1: found a file with a CPython runtime, 0: no candidate at all, -1: a
 * candidate without _PyRuntime (f->path names it). */
static int find_runtime(const struct sj_process *proc, unsigned flags, struct found *f)
{
	const char *last_tried = NULL;
	char err[256];

	for (size_t i = 0; i < proc->nmaps; i++) {
		const char *path = proc->maps[i].path;
		const struct sj_map *m;
		int ok;

		if (!path || path[0] != '/' || !is_candidate(proc, path) ||
		    (last_tried && strcmp(last_tried, path) == 0))
			continue;
		last_tried = path;
		m = first_map(proc, path);
		if (!m)
			continue;
		if (open_elf(proc, m, flags, &f->elf, err, sizeof err) != 0) {
			if (named_like_python(path)) {
				f->path = path;
				f->unopened = 1;
			}
			continue;
		}
		if (!f->elf.runtime)
			continue;
		f->path = path;
		f->bias = sj_pyelf_bias(&f->elf, m->start, m->offset, &ok);
		if (ok)
			return 1;
	}
	/* A file named like an interpreter without the runtime symbol. */
	if (f->unopened)
		return -1;
	for (size_t i = 0; i < proc->nmaps; i++) {
		const char *path = proc->maps[i].path;
		if (path && path[0] == '/' && named_like_python(path)) {
			f->path = path;
			return -1;
		}
	}
	return 0;
}

int sj_python_capture_flags(struct sj_process *proc, const struct sj_memsrc *mem, unsigned flags,
			    char *err, size_t errlen)
{
	struct walker w = { .mem = mem };
	struct found f = { 0 };
	uint64_t hex = 0, runtime, interp;
	char ver[32];
	int r, exact;

	if (err && errlen)
		err[0] = 0;
	r = find_runtime(proc, flags, &f);
	if (r == 0)
		return 1;
	if (r < 0 && f.unopened) {
		note(proc, err, errlen, "cannot open %s as pid %d maps it (its root is not visible from "
		     "here): native frames only", f.path, (int)proc->pid);
		return -1;
	}
	if (r < 0) {
		hex = version_from_name(f.path);
		if (hex && ((hex >> 16) & 0xff) < 11)
			note(proc, err, errlen, "Python 3.%u is not supported: native frames only",
			     (unsigned)((hex >> 16) & 0xff));
		else
			note(proc, err, errlen, "%s has no _PyRuntime symbol or .PyRuntime section: "
			     "native frames only", base_name(f.path));
		return -1;
	}
	runtime = f.elf.runtime + f.bias;
	if (f.elf.py_version &&
	    (read_u64(mem, f.elf.py_version + f.bias, &hex) != 0 || (hex >> 24) != 3))
		hex = 0;
	exact = hex != 0;
	if (!hex)
		hex = version_from_name(f.path);
	if (!hex) {
		note(proc, err, errlen, "cannot tell the Python version of %s (no readable Py_Version): "
		     "native frames only", base_name(f.path));
		return -1;
	}
	w.minor = (unsigned)((hex >> 16) & 0xff);
	r = sj_pylayout_for(&hex, exact, mem, runtime, &w.L, err, errlen);
	sj_pyversion_str(hex, ver, sizeof ver);
	free(proc->python_version);
	proc->python_version = strdup(ver);
	if (r != 0) {
		note(proc, NULL, 0, "%s", err);
		return -1;
	}
	w.code_type = f.elf.code_type ? f.elf.code_type + f.bias : 0;
	w.unicode_type = f.elf.unicode_type ? f.elf.unicode_type + f.bias : 0;
	if (read_u64(mem, runtime + w.L.rt_interp_head, &interp) != 0) {
		note(proc, err, errlen, "cannot read _PyRuntime of Python %s at 0x%llx: native frames only",
		     ver, (unsigned long long)runtime);
		return -1;
	}
	if (!interp) {
		note(proc, err, errlen, "Python %s has no interpreter (starting up or finalizing): "
		     "native frames only", ver);
		return -1;
	}
	size_t states = 0, joined = 0;
	/* No Debian suite ships 3.12: its table was never run against one. */
	if (w.minor == 12)
		note(proc, NULL, 0, "the Python 3.12 layout is untested (no 3.12 interpreter to check it "
		     "against): frames may be wrong");
	for (int i = 0; interp && i < MAX_INTERPRETERS; i++) {
		uint64_t next = 0;
		walk_interp(&w, proc, runtime, interp, &states, &joined);
		if (read_u64(mem, interp + w.L.is_next, &next) != 0)
			break;
		interp = next;
	}
	walker_free(&w);
	/* CPython names its threads by their tid in the process's own pid
	 * namespace; when none can be joined, that namespace is not visible
	 * from here (no NSpid) and the frames would silently vanish. */
	if (states && !joined) {
		note(proc, err, errlen, "%zu Python thread%s of pid %d match%s no thread seen from here "
		     "(another pid namespace without NSpid?): native frames only", states,
		     states == 1 ? "" : "s", (int)proc->pid, states == 1 ? "es" : "");
		return -1;
	}
	return 0;
}

int sj_python_capture(struct sj_process *proc, const struct sj_memsrc *mem, char *err, size_t errlen)
{
	return sj_python_capture_flags(proc, mem, 0, err, errlen);
}
