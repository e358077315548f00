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
	.ts_thread_id = 152, .ts_native_thread_id = 160,
	.fr_code = 32, .fr_previous = 48, .fr_instr = 56, .fr_is_entry = 68, .fr_owner = 69,
	.owner_cstack = -1, .owner_generator = 1, .fr_size = 72,
	.co_firstlineno = 72, .co_filename = 112, .co_name = 120, .co_qualname = 128,
	.co_linetable = 136, .co_firsttraceable = 168, .co_code_adaptive = 184, .co_size = 184,
	.ob_type = 8, .tp_flags = 168, .tp_dictoffset = 288, .ht_cached_keys = 872,
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
	.ts_thread_id = 136, .ts_native_thread_id = 144,
	.fr_code = 0, .fr_previous = 8, .fr_instr = 56, .fr_is_entry = -1, .fr_owner = 70,
	.owner_cstack = 3, .owner_generator = 1, .fr_size = 72,
	.co_firstlineno = 68, .co_filename = 112, .co_name = 120, .co_qualname = 128,
	.co_linetable = 136, .co_firsttraceable = -1, .co_code_adaptive = 192, .co_size = 192,
	.ob_type = 8, .tp_flags = 168, .tp_dictoffset = -1, .ht_cached_keys = -1,
	.bytes_size = 16, .bytes_data = 32,
	.str_state = 32, .str_length = 16, .str_ascii_data = 40, .str_compact_data = 56,
	.long_size = 16, .long_tagged = 1, .long_digits = 24,
	.dict_keys = 32, .dict_values = 40, .module_dict = 16,
	.managed_dict = 0, .names = 0,
};

/* _Py_DebugOffsets as laid out by CPython 3.13: a cookie, then uint64
 * words.  Each block starts with the size of its structure.  The layout of
 * this block itself is only stable within a minor version, hence the
 * index table is for 3.13 only. */
enum dbg313 {
	D_VERSION = 1, D_FREE_THREADED = 2,
	D_RT_INTERP_HEAD = 5,
	D_IS_NEXT = 8, D_IS_THREADS_HEAD = 9, D_IS_MODULES = 11,
	D_IS_GIL_LOCKED = 17, D_IS_GIL_HOLDER = 18,
	D_TS_NEXT = 21, D_TS_CURRENT_FRAME = 23, D_TS_THREAD_ID = 24, D_TS_NATIVE_ID = 25,
	D_FR_SIZE = 28, D_FR_PREVIOUS = 29, D_FR_EXECUTABLE = 30, D_FR_INSTR = 31, D_FR_OWNER = 33,
	D_CO_SIZE = 34, D_CO_FILENAME = 35, D_CO_NAME = 36, D_CO_QUALNAME = 37,
	D_CO_LINETABLE = 38, D_CO_FIRSTLINENO = 39, D_CO_ADAPTIVE = 43,
	D_OB_TYPE = 45, D_TP_FLAGS = 49,
	D_DICT_KEYS = 57, D_DICT_VALUES = 58,
	D_LONG_TAG = 62, D_LONG_DIGIT = 63,
	D_BYTES_SIZE = 65, D_BYTES_SVAL = 66,
	D_STR_STATE = 68, D_STR_LENGTH = 69, D_STR_ASCII_SIZE = 70,
	D_NWORDS313 = 73,
};

/* Offsets larger than this are not plausible for any of these structures
 * and mean we read something that is not a debug-offsets block. */
#define MAX_PLAUSIBLE_OFFSET 65536

static int from_debug_offsets(const struct sj_memsrc *mem, uint64_t runtime, uint64_t hex,
			      struct sj_pylayout *o, char *err, size_t errlen)
{
	uint64_t w[D_NWORDS313];
	static const int used[] = {
		D_RT_INTERP_HEAD, D_IS_NEXT, D_IS_THREADS_HEAD, D_IS_MODULES, D_IS_GIL_LOCKED,
		D_IS_GIL_HOLDER, D_TS_NEXT, D_TS_CURRENT_FRAME, D_TS_THREAD_ID, D_TS_NATIVE_ID,
		D_FR_SIZE, D_FR_PREVIOUS, D_FR_EXECUTABLE, D_FR_INSTR, D_FR_OWNER, D_CO_SIZE,
		D_CO_FILENAME, D_CO_NAME, D_CO_QUALNAME, D_CO_LINETABLE, D_CO_FIRSTLINENO,
		D_CO_ADAPTIVE, D_OB_TYPE, D_TP_FLAGS, D_DICT_KEYS, D_DICT_VALUES, D_LONG_TAG,
		D_LONG_DIGIT, D_BYTES_SIZE, D_BYTES_SVAL, D_STR_STATE, D_STR_LENGTH, D_STR_ASCII_SIZE,
	};

	if (sj_mem_read(mem, runtime, w, sizeof w) != 0) {
		snprintf(err, errlen, "cannot read _Py_DebugOffsets at 0x%llx: native frames only",
			 (unsigned long long)runtime);
		return -1;
	}
	if (memcmp(w, "xdebugpy", 8) != 0 || w[D_VERSION] != hex) {
		snprintf(err, errlen, "_PyRuntime does not start with the \"xdebugpy\" debug offsets "
			 "of Python 0x%llx: native frames only", (unsigned long long)hex);
		return -1;
	}
	if (w[D_FREE_THREADED]) {
		snprintf(err, errlen, "free-threaded Python builds are not supported: native frames only");
		return -1;
	}
	for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
		if (w[used[i]] > MAX_PLAUSIBLE_OFFSET) {
			snprintf(err, errlen, "_Py_DebugOffsets word %d is implausible (%llu): native frames only",
				 used[i], (unsigned long long)w[used[i]]);
			return -1;
		}
	*o = (struct sj_pylayout){
		.source = "_Py_DebugOffsets",
		.rt_interp_head = w[D_RT_INTERP_HEAD], .rt_gil_tstate = -1,
		.is_next = w[D_IS_NEXT], .is_threads_head = w[D_IS_THREADS_HEAD],
		.is_modules = w[D_IS_MODULES],
		.is_gil_locked = w[D_IS_GIL_LOCKED], .is_gil_holder = w[D_IS_GIL_HOLDER],
		.ts_next = w[D_TS_NEXT], .ts_cframe = -1, .cf_current_frame = -1,
		.ts_current_frame = w[D_TS_CURRENT_FRAME],
		.ts_thread_id = w[D_TS_THREAD_ID], .ts_native_thread_id = w[D_TS_NATIVE_ID],
		.fr_code = w[D_FR_EXECUTABLE], .fr_previous = w[D_FR_PREVIOUS], .fr_instr = w[D_FR_INSTR],
		.fr_is_entry = -1, .fr_owner = w[D_FR_OWNER],
		.owner_cstack = 3, .owner_generator = 1, .fr_size = w[D_FR_SIZE],
		.co_firstlineno = w[D_CO_FIRSTLINENO], .co_filename = w[D_CO_FILENAME],
		.co_name = w[D_CO_NAME], .co_qualname = w[D_CO_QUALNAME],
		.co_linetable = w[D_CO_LINETABLE], .co_firsttraceable = -1,
		.co_code_adaptive = w[D_CO_ADAPTIVE], .co_size = w[D_CO_SIZE],
		.ob_type = w[D_OB_TYPE], .tp_flags = w[D_TP_FLAGS], .tp_dictoffset = -1,
		.ht_cached_keys = -1,
		.bytes_size = w[D_BYTES_SIZE], .bytes_data = w[D_BYTES_SVAL],
		.str_state = w[D_STR_STATE], .str_length = w[D_STR_LENGTH],
		.str_ascii_data = w[D_STR_ASCII_SIZE],
		/* PyCompactUnicodeObject adds utf8_length and utf8 */
		.str_compact_data = w[D_STR_ASCII_SIZE] + 16,
		.long_size = w[D_LONG_TAG], .long_tagged = 1, .long_digits = w[D_LONG_DIGIT],
		.dict_keys = w[D_DICT_KEYS], .dict_values = w[D_DICT_VALUES], .module_dict = 16,
		.managed_dict = 0, .names = 0,
	};
	if (o->fr_size > 512 || o->co_size > 4096)
		o->fr_size = 0;
	if (o->fr_size == 0) {
		snprintf(err, errlen, "_Py_DebugOffsets gives implausible frame/code sizes: native frames only");
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

int sj_pylayout_for(uint64_t hex, const struct sj_memsrc *mem, uint64_t runtime,
		    struct sj_pylayout *out, char *err, size_t errlen)
{
	unsigned major = (hex >> 24) & 0xff, minor = (hex >> 16) & 0xff;

	if (major == 3 && minor == 11) {
		*out = LAYOUT_311;
		return 0;
	}
	if (major == 3 && minor == 12) {
		*out = LAYOUT_312;
		return 0;
	}
	if (major == 3 && minor == 13)
		return from_debug_offsets(mem, runtime, hex, out, err, errlen);
	snprintf(err, errlen, "Python %u.%u is not supported: native frames only", major, minor);
	return -1;
}
