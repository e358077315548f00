/* layout.c — per-version CPython layouts and the one dispatch point. */
#include "layout.h"

#include <stdio.h>
#include <string.h>

/* 3.11, x86-64/aarch64 LP64.  Checked with `ptype/o` in gdb against the
 * DWARF of /root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0 (the
 * struct names are pyruntimestate, _is, _ts, _PyCFrame, _PyInterpreterFrame,
 * PyCodeObject, PyDictObject, _dictkeysobject, _heaptypeobject). */
static const struct sj_pylayout LAYOUT_311 = {
	.source = "table 3.11",
	.rt_interp_head = 40, .rt_gil_tstate = 576,
	.is_next = 0, .is_threads_head = 16, .is_modules = 888,
	.is_gil_locked = -1, .is_gil_holder = -1,
	.ts_next = 8, .ts_cframe = 56, .cf_current_frame = 8, .ts_current_frame = -1,
	.ts_thread_id = 152, .ts_native_thread_id = 160, .ts_holds_gil = -1,
	.fr_code = 32, .fr_previous = 48, .fr_instr = 56, .fr_is_entry = 68, .fr_owner = 69,
	.owner_cstack = -1, .owner_interp = -1, .owner_generator = 1, .fr_size = 72,
	.co_firstlineno = 72, .co_filename = 112, .co_name = 120, .co_qualname = 128,
	.co_linetable = 136, .co_firsttraceable = 168, .co_code_adaptive = 184, .co_size = 184,
	.ob_type = 8, .tp_flags = 168, .tp_dictoffset = 288, .tp_basicsize = 32, .ht_cached_keys = 872,
	.bytes_size = 16, .bytes_data = 32,
	.str_state = 32, .str_length = 16, .str_ascii_data = 48, .str_compact_data = 72,
	.long_size = 16, .long_tagged = 0, .long_digits = 24,
	.dict_keys = 32, .dict_values = 40, .module_dict = 16,
	.managed_dict = 311, .names = 1,
};

/* 3.12 from the CPython 3.12 headers (the guide's table and strobelight's
 * Py312 offsets agree).  No 3.12 interpreter is installed here to check it
 * against, so only what a frame walk needs is filled in; the GIL holder and
 * thread names (which need interp->imports.modules and the 3.12 managed
 * dict) are left unknown rather than guessed. */
static const struct sj_pylayout LAYOUT_312 = {
	.source = "table 3.12",
	.rt_interp_head = 40, .rt_gil_tstate = -1,
	.is_next = 0, .is_threads_head = 72, .is_modules = -1,
	.is_gil_locked = -1, .is_gil_holder = -1,
	.ts_next = 8, .ts_cframe = 56, .cf_current_frame = 0, .ts_current_frame = -1,
	.ts_thread_id = 136, .ts_native_thread_id = 144, .ts_holds_gil = -1,
	.fr_code = 0, .fr_previous = 8, .fr_instr = 56, .fr_is_entry = -1, .fr_owner = 70,
	.owner_cstack = 3, .owner_interp = -1, .owner_generator = 1, .fr_size = 72,
	.co_firstlineno = 68, .co_filename = 112, .co_name = 120, .co_qualname = 128,
	.co_linetable = 136, .co_firsttraceable = -1, .co_code_adaptive = 192, .co_size = 192,
	.ob_type = 8, .tp_flags = 168, .tp_dictoffset = -1, .tp_basicsize = -1, .ht_cached_keys = -1,
	.bytes_size = 16, .bytes_data = 32,
	.str_state = 32, .str_length = 16, .str_ascii_data = 40, .str_compact_data = 56,
	.long_size = 16, .long_tagged = 1, .long_digits = 24,
	.dict_keys = 32, .dict_values = 40, .module_dict = 16,
	.managed_dict = 0, .names = 0,
};

/* ---- 3.13+: _Py_DebugOffsets ----
 *
 * _PyRuntime starts with a block of uint64 words that CPython fills with the
 * offsets of its own structures (Include/internal/pycore_debug_offsets.h).
 * The block has no size or layout version and fields were inserted in the
 * middle of it between minors, so where each value sits is one table per
 * minor version below, checked with gdb `ptype/o struct _Py_DebugOffsets`
 * on the DWARF of Debian's python3.X-dbg (3.13.5, 3.14.8, 3.15.0).  The
 * values themselves are read from the target: they may change between
 * patch releases.  The block is untrusted input, so, like CPython 3.15's own
 * reader (Modules/_remote_debugging/debug_offsets_validation.h), every
 * section size must be non-zero and bounded and every field, with its
 * width, must lie inside its section. */
enum dbg_id {
	RT_INTERP_HEAD,
	IS_NEXT, IS_THREADS_HEAD, IS_MODULES, IS_GIL_LOCKED, IS_GIL_HOLDER,
	TS_NEXT, TS_CURRENT_FRAME, TS_THREAD_ID, TS_NATIVE_ID, TS_HOLDS_GIL,
	FR_PREVIOUS, FR_EXECUTABLE, FR_INSTR, FR_OWNER,
	CO_FILENAME, CO_NAME, CO_QUALNAME, CO_LINETABLE, CO_FIRSTLINENO, CO_ADAPTIVE,
	OB_TYPE, TP_FLAGS, TP_BASICSIZE, TP_DICTOFFSET, HT_CACHED_KEYS,
	DICT_KEYS, DICT_VALUES, LONG_TAG, LONG_DIGIT, BYTES_SIZE, BYTES_SVAL,
	STR_STATE, STR_LENGTH, STR_ASCII_SIZE, STR_COMPACT_SIZE,
	NDBG
};

#define ARRAY 0     /* width: the start of an inline array (offset <= size) */
#define SIZEOF (-1) /* width: the value is a struct size, not an offset */

/* One value of the block: the byte position of its word, the position of
 * its section's size word, and the width of the field in the target's
 * structure.  pos 0: not in this version's block. */
struct dbg_field {
	int16_t pos, sect;
	int8_t width;
};

struct dbg_layout {
	unsigned minor;
	size_t nbytes;                     /* sizeof(_Py_DebugOffsets) */
	int owner_cstack, owner_interp;    /* enum _frameowner (DWARF) */
	uint64_t exec_tag_mask;            /* _PyStackRef tag bits of f_executable */
	/* Not in the block before 3.15: PyTypeObject/PyHeapTypeObject offsets
	 * from the same DWARF (unchanged 3.13 -> 3.14). */
	int64_t tp_basicsize, tp_dictoffset, ht_cached_keys;
	/* PyCodeObject._co_firsttraceable (int), never in the block (DWARF):
	 * frames before it are incomplete, like the __init__ shim that
	 * CALL_ALLOC_AND_ENTER_INIT pushes, and tracebacks hide them. */
	int64_t co_firsttraceable;
	struct dbg_field f[NDBG];
};

static const struct dbg_layout DBG[] = {
	{ .minor = 13, .nbytes = 584, .owner_cstack = 3, .owner_interp = -1, .exec_tag_mask = 0,
	  .tp_basicsize = 32, .tp_dictoffset = 288, .ht_cached_keys = 880, .co_firsttraceable = 184,
	  .f = {
		[RT_INTERP_HEAD] = { 40, 24, 8 },
		[IS_NEXT] = { 64, 48, 8 }, [IS_THREADS_HEAD] = { 72, 48, 8 }, [IS_MODULES] = { 88, 48, 8 },
		[IS_GIL_LOCKED] = { 136, 48, 4 }, [IS_GIL_HOLDER] = { 144, 48, 8 },
		[TS_NEXT] = { 168, 152, 8 }, [TS_CURRENT_FRAME] = { 184, 152, 8 },
		[TS_THREAD_ID] = { 192, 152, 8 }, [TS_NATIVE_ID] = { 200, 152, 8 },
		[FR_PREVIOUS] = { 232, 224, 8 }, [FR_EXECUTABLE] = { 240, 224, 8 },
		[FR_INSTR] = { 248, 224, 8 }, [FR_OWNER] = { 264, 224, 1 },
		[CO_FILENAME] = { 280, 272, 8 }, [CO_NAME] = { 288, 272, 8 }, [CO_QUALNAME] = { 296, 272, 8 },
		[CO_LINETABLE] = { 304, 272, 8 }, [CO_FIRSTLINENO] = { 312, 272, 4 },
		[CO_ADAPTIVE] = { 344, 272, ARRAY },
		[OB_TYPE] = { 360, 352, 8 }, [TP_FLAGS] = { 392, 368, 8 },
		[DICT_KEYS] = { 456, 448, 8 }, [DICT_VALUES] = { 464, 448, 8 },
		[LONG_TAG] = { 496, 488, 8 }, [LONG_DIGIT] = { 504, 488, ARRAY },
		[BYTES_SIZE] = { 520, 512, 8 }, [BYTES_SVAL] = { 528, 512, ARRAY },
		[STR_STATE] = { 544, 536, 4 }, [STR_LENGTH] = { 552, 536, 8 },
		[STR_ASCII_SIZE] = { 560, 536, SIZEOF },
	  } },
	/* 3.14: interpreter_state gains threads_main (after threads_head) and
	 * two generation counters, interpreter_frame stackpointer/tlbc_index,
	 * code_object co_tlbc; new set, gen, llist_node and debugger sections. */
	{ .minor = 14, .nbytes = 760, .owner_cstack = 4, .owner_interp = 3, .exec_tag_mask = 7,
	  .tp_basicsize = 32, .tp_dictoffset = 288, .ht_cached_keys = 880, .co_firsttraceable = 192,
	  .f = {
		[RT_INTERP_HEAD] = { 40, 24, 8 },
		[IS_NEXT] = { 64, 48, 8 }, [IS_THREADS_HEAD] = { 72, 48, 8 }, [IS_MODULES] = { 96, 48, 8 },
		[IS_GIL_LOCKED] = { 144, 48, 4 }, [IS_GIL_HOLDER] = { 152, 48, 8 },
		[TS_NEXT] = { 192, 176, 8 }, [TS_CURRENT_FRAME] = { 208, 176, 8 },
		[TS_THREAD_ID] = { 216, 176, 8 }, [TS_NATIVE_ID] = { 224, 176, 8 },
		[FR_PREVIOUS] = { 256, 248, 8 }, [FR_EXECUTABLE] = { 264, 248, 8 },
		[FR_INSTR] = { 272, 248, 8 }, [FR_OWNER] = { 288, 248, 1 },
		[CO_FILENAME] = { 320, 312, 8 }, [CO_NAME] = { 328, 312, 8 }, [CO_QUALNAME] = { 336, 312, 8 },
		[CO_LINETABLE] = { 344, 312, 8 }, [CO_FIRSTLINENO] = { 352, 312, 4 },
		[CO_ADAPTIVE] = { 384, 312, ARRAY },
		[OB_TYPE] = { 408, 400, 8 }, [TP_FLAGS] = { 440, 416, 8 },
		[DICT_KEYS] = { 536, 528, 8 }, [DICT_VALUES] = { 544, 528, 8 },
		[LONG_TAG] = { 576, 568, 8 }, [LONG_DIGIT] = { 584, 568, ARRAY },
		[BYTES_SIZE] = { 600, 592, 8 }, [BYTES_SVAL] = { 608, 592, ARRAY },
		[STR_STATE] = { 624, 616, 4 }, [STR_LENGTH] = { 632, 616, 8 },
		[STR_ASCII_SIZE] = { 640, 616, SIZEOF },
	  } },
	/* 3.15: thread_state gains base_frame, last_profiled_frame(_seq),
	 * holds_gil, gil_requested and exception state; type_object
	 * tp_basicsize/tp_dictoffset; new err_stackitem and heap_type_object
	 * sections; unicode_object compactunicodeobject_size.  The C-stack
	 * frame owner is gone: entry frames are owned by the interpreter. */
	{ .minor = 15, .nbytes = 888, .owner_cstack = -1, .owner_interp = 3, .exec_tag_mask = 7,
	  .tp_basicsize = -1, .tp_dictoffset = -1, .ht_cached_keys = -1, .co_firsttraceable = 192,
	  .f = {
		[RT_INTERP_HEAD] = { 40, 24, 8 },
		[IS_NEXT] = { 64, 48, 8 }, [IS_THREADS_HEAD] = { 72, 48, 8 }, [IS_MODULES] = { 96, 48, 8 },
		[IS_GIL_LOCKED] = { 144, 48, 4 }, [IS_GIL_HOLDER] = { 152, 48, 8 },
		[TS_NEXT] = { 192, 176, 8 }, [TS_CURRENT_FRAME] = { 208, 176, 8 },
		[TS_THREAD_ID] = { 240, 176, 8 }, [TS_NATIVE_ID] = { 248, 176, 8 },
		[TS_HOLDS_GIL] = { 272, 176, 4 },
		[FR_PREVIOUS] = { 320, 312, 8 }, [FR_EXECUTABLE] = { 328, 312, 8 },
		[FR_INSTR] = { 336, 312, 8 }, [FR_OWNER] = { 352, 312, 1 },
		[CO_FILENAME] = { 384, 376, 8 }, [CO_NAME] = { 392, 376, 8 }, [CO_QUALNAME] = { 400, 376, 8 },
		[CO_LINETABLE] = { 408, 376, 8 }, [CO_FIRSTLINENO] = { 416, 376, 4 },
		[CO_ADAPTIVE] = { 448, 376, ARRAY },
		[OB_TYPE] = { 472, 464, 8 }, [TP_FLAGS] = { 504, 480, 8 },
		[TP_BASICSIZE] = { 512, 480, 8 }, [TP_DICTOFFSET] = { 520, 480, 8 },
		[HT_CACHED_KEYS] = { 536, 528, 8 },
		[DICT_KEYS] = { 632, 624, 8 }, [DICT_VALUES] = { 640, 624, 8 },
		[LONG_TAG] = { 672, 664, 8 }, [LONG_DIGIT] = { 680, 664, ARRAY },
		[BYTES_SIZE] = { 696, 688, 8 }, [BYTES_SVAL] = { 704, 688, ARRAY },
		[STR_STATE] = { 720, 712, 4 }, [STR_LENGTH] = { 728, 712, 8 },
		[STR_ASCII_SIZE] = { 736, 712, SIZEOF }, [STR_COMPACT_SIZE] = { 744, 712, SIZEOF },
	  } },
};

#define DBG_MAX_BYTES 1024          /* the largest nbytes above, rounded up */
#define MAX_SECTION (1u << 20)      /* no described structure is near 1 MiB */
#define MAX_READ 512                /* frame and code headers are read into this */

static const struct dbg_layout *dbg_layout_for(unsigned minor)
{
	for (size_t i = 0; i < sizeof DBG / sizeof DBG[0]; i++)
		if (DBG[i].minor == minor)
			return &DBG[i];
	return NULL;
}

static uint64_t word(const uint8_t *blk, int pos)
{
	uint64_t v;
	memcpy(&v, blk + pos, sizeof v);
	return v;
}

/* The value of field id, checked against its section: -1 when absent from
 * this version's block, -2 when out of bounds (why in err). */
static int64_t dbg_value(const struct dbg_layout *d, const uint8_t *blk, enum dbg_id id,
			 char *err, size_t errlen)
{
	const struct dbg_field *f = &d->f[id];
	uint64_t size, v;

	if (!f->pos)
		return -1;
	size = word(blk, f->sect);
	v = word(blk, f->pos);
	if (size == 0 || size > MAX_SECTION) {
		snprintf(err, errlen, "_Py_DebugOffsets section at byte %d has size %llu: native frames only",
			 f->sect, (unsigned long long)size);
		return -2;
	}
	if ((f->width == SIZEOF && (v == 0 || v > size)) ||
	    (f->width >= 0 && (v > size || size - v < (uint64_t)f->width))) {
		snprintf(err, errlen, "_Py_DebugOffsets field at byte %d (%llu) lies outside its "
			 "%llu-byte structure: native frames only", f->pos, (unsigned long long)v,
			 (unsigned long long)size);
		return -2;
	}
	return (int64_t)v;
}

/* Bytes to read to cover fields [first, last] of a structure. */
static size_t span(const struct dbg_layout *d, const int64_t *v, enum dbg_id first, enum dbg_id last)
{
	size_t n = 0;

	for (int id = first; id <= (int)last; id++)
		if (v[id] >= 0 && d->f[id].width > 0 && (size_t)v[id] + (size_t)d->f[id].width > n)
			n = (size_t)v[id] + (size_t)d->f[id].width;
	return n;
}

static int from_debug_offsets(const struct sj_memsrc *mem, uint64_t runtime, uint64_t *hex, int exact,
			      const struct dbg_layout *d, struct sj_pylayout *o, char *err, size_t errlen)
{
	uint8_t blk[DBG_MAX_BYTES];
	int64_t v[NDBG];

	if (sj_mem_read(mem, runtime, blk, d->nbytes) != 0) {
		snprintf(err, errlen, "cannot read _Py_DebugOffsets at 0x%llx: native frames only",
			 (unsigned long long)runtime);
		return -1;
	}
	/* CPython's rule: same major.minor, and a pre-release must match
	 * exactly; the table's version must be the interpreter's own.  A
	 * version known only from a file name takes the block's. */
	if (!exact && memcmp(blk, "xdebugpy", 8) == 0 && word(blk, 8) >> 16 == *hex >> 16)
		*hex = word(blk, 8);
	if (memcmp(blk, "xdebugpy", 8) != 0 || word(blk, 8) != *hex) {
		snprintf(err, errlen, "_PyRuntime does not start with the \"xdebugpy\" debug offsets "
			 "of Python 0x%llx: native frames only", (unsigned long long)*hex);
		return -1;
	}
	if (word(blk, 16)) {
		snprintf(err, errlen, "free-threaded Python builds (3.%u t) are not supported: "
			 "native frames only", d->minor);
		return -1;
	}
	for (int id = 0; id < NDBG; id++)
		if ((v[id] = dbg_value(d, blk, (enum dbg_id)id, err, errlen)) == -2)
			return -1;
	*o = (struct sj_pylayout){
		.source = "_Py_DebugOffsets",
		.rt_interp_head = v[RT_INTERP_HEAD], .rt_gil_tstate = -1,
		.is_next = v[IS_NEXT], .is_threads_head = v[IS_THREADS_HEAD], .is_modules = v[IS_MODULES],
		.is_gil_locked = v[IS_GIL_LOCKED], .is_gil_holder = v[IS_GIL_HOLDER],
		.ts_next = v[TS_NEXT], .ts_cframe = -1, .cf_current_frame = -1,
		.ts_current_frame = v[TS_CURRENT_FRAME],
		.ts_thread_id = v[TS_THREAD_ID], .ts_native_thread_id = v[TS_NATIVE_ID],
		.ts_holds_gil = v[TS_HOLDS_GIL],
		.fr_code = v[FR_EXECUTABLE], .fr_previous = v[FR_PREVIOUS], .fr_instr = v[FR_INSTR],
		.fr_is_entry = -1, .fr_owner = v[FR_OWNER],
		.owner_cstack = d->owner_cstack, .owner_interp = d->owner_interp, .owner_generator = 1,
		.exec_tag_mask = d->exec_tag_mask,
		.fr_size = span(d, v, FR_PREVIOUS, FR_OWNER),
		.co_firstlineno = v[CO_FIRSTLINENO], .co_filename = v[CO_FILENAME],
		.co_name = v[CO_NAME], .co_qualname = v[CO_QUALNAME],
		.co_linetable = v[CO_LINETABLE], .co_firsttraceable = d->co_firsttraceable,
		.co_code_adaptive = v[CO_ADAPTIVE], .co_size = span(d, v, CO_FILENAME, CO_FIRSTLINENO),
		.ob_type = v[OB_TYPE], .tp_flags = v[TP_FLAGS],
		.tp_basicsize = v[TP_BASICSIZE] >= 0 ? v[TP_BASICSIZE] : d->tp_basicsize,
		.tp_dictoffset = v[TP_DICTOFFSET] >= 0 ? v[TP_DICTOFFSET] : d->tp_dictoffset,
		.ht_cached_keys = v[HT_CACHED_KEYS] >= 0 ? v[HT_CACHED_KEYS] : d->ht_cached_keys,
		.bytes_size = v[BYTES_SIZE], .bytes_data = v[BYTES_SVAL],
		.str_state = v[STR_STATE], .str_length = v[STR_LENGTH],
		.str_ascii_data = v[STR_ASCII_SIZE],
		/* PyCompactUnicodeObject adds utf8_length and utf8 (3.13, 3.14) */
		.str_compact_data = v[STR_COMPACT_SIZE] >= 0 ? v[STR_COMPACT_SIZE] : v[STR_ASCII_SIZE] + 16,
		.long_size = v[LONG_TAG], .long_tagged = 1, .long_digits = v[LONG_DIGIT],
		.dict_keys = v[DICT_KEYS], .dict_values = v[DICT_VALUES], .module_dict = 16,
		.managed_dict = 313, .dictvalues_array = 8, .names = 1,
	};
	/* The DWARF-taken int must lie before the inline bytecode, which the
	 * table bounds by the code object's size. */
	if (o->co_firsttraceable + 4 > o->co_code_adaptive)
		o->co_firsttraceable = -1;
	else if ((size_t)o->co_firsttraceable + 4 > o->co_size)
		o->co_size = (size_t)o->co_firsttraceable + 4;
	if (o->fr_size > MAX_READ || o->co_size > MAX_READ || o->str_compact_data > 128) {
		snprintf(err, errlen, "_Py_DebugOffsets gives implausible frame/code/str sizes: native frames only");
		return -1;
	}
	return 0;
}

void sj_pyversion_str(uint64_t hex, char *buf, size_t len)
{
	static const char *const level[16] = { [0xA] = "a", [0xB] = "b", [0xC] = "rc" };
	unsigned major = (hex >> 24) & 0xff, minor = (hex >> 16) & 0xff, micro = (hex >> 8) & 0xff;
	unsigned lvl = (hex >> 4) & 0xf, serial = hex & 0xf;

	if (level[lvl])
		snprintf(buf, len, "%u.%u.%u%s%u", major, minor, micro, level[lvl], serial);
	else
		snprintf(buf, len, "%u.%u.%u", major, minor, micro);
}

int sj_pylayout_for(uint64_t *hexp, int exact, const struct sj_memsrc *mem, uint64_t runtime,
		    struct sj_pylayout *out, char *err, size_t errlen)
{
	uint64_t hex = *hexp;
	unsigned major = (hex >> 24) & 0xff, minor = (hex >> 16) & 0xff;
	const struct dbg_layout *d;

	if (major == 3 && minor == 11) {
		*out = LAYOUT_311;
		return 0;
	}
	if (major == 3 && minor == 12) {
		*out = LAYOUT_312;
		return 0;
	}
	if (major == 3 && (d = dbg_layout_for(minor)))
		return from_debug_offsets(mem, runtime, hexp, exact, d, out, err, errlen);
	/* A later minor may have moved any field of the block: never guess. */
	snprintf(err, errlen, "Python %u.%u is not supported: native frames only", major, minor);
	return -1;
}
