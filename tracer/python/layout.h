/* layout.h — where CPython keeps what the walker reads, per version.
 *
 * Every offset is in bytes from the start of its structure; -1 means the
 * field does not exist in that version (or is not known).  3.11 and 3.12
 * are constant tables; 3.13+ is filled from the _Py_DebugOffsets block that
 * CPython places at the start of _PyRuntime.  sj_pylayout_for() is the one
 * place that decides which. */
#ifndef SIGJAM_PY_LAYOUT_H
#define SIGJAM_PY_LAYOUT_H

#include <stdint.h>
#include <stddef.h>
#include "memsrc.h"

struct sj_pylayout {
	const char *source;          /* "table 3.11", "_Py_DebugOffsets" */

	/* _PyRuntimeState */
	int64_t rt_interp_head;      /* interpreters.head */
	int64_t rt_gil_tstate;       /* 3.11 gilstate.tstate_current: the GIL holder */

	/* PyInterpreterState */
	int64_t is_next;
	int64_t is_threads_head;
	int64_t is_modules;          /* sys.modules dict */
	int64_t is_gil_locked;       /* 3.13+: _gil.locked (int) */
	int64_t is_gil_holder;       /* 3.13+: _gil.last_holder (tstate) */

	/* PyThreadState */
	int64_t ts_next;
	int64_t ts_cframe;           /* 3.11/3.12: tstate->cframe; -1: no cframe */
	int64_t cf_current_frame;    /* in _PyCFrame (when ts_cframe >= 0) */
	int64_t ts_current_frame;    /* 3.13+: directly on the thread state */
	int64_t ts_thread_id;        /* pthread_t, the threading ident */
	int64_t ts_native_thread_id; /* the kernel tid */
	int64_t ts_holds_gil;        /* 3.15+: int, set while this thread holds the GIL */

	/* _PyInterpreterFrame */
	int64_t fr_code;             /* f_code / f_executable */
	int64_t fr_previous;
	int64_t fr_instr;            /* prev_instr (<=3.12) or instr_ptr (3.13+) */
	int64_t fr_is_entry;         /* 3.11 bool is_entry */
	int64_t fr_owner;            /* char owner */
	int owner_cstack;            /* FRAME_OWNED_BY_CSTACK value; -1: no such owner */
	int owner_interp;            /* 3.14+ FRAME_OWNED_BY_INTERPRETER (entry and base
				      * frames, skipped like C-stack shims); -1: none */
	uint64_t exec_tag_mask;      /* 3.14+: f_executable is a _PyStackRef: tag bits */
	int owner_generator;         /* FRAME_OWNED_BY_GENERATOR */
	size_t fr_size;              /* bytes to read to cover every field above */

	/* PyCodeObject */
	int64_t co_firstlineno;      /* int */
	int64_t co_filename, co_name, co_qualname, co_linetable;
	int64_t co_firsttraceable;   /* int; -1 unknown */
	int64_t co_code_adaptive;    /* the first code unit, inline in the object */
	size_t co_size;

	/* objects */
	int64_t ob_type;
	int64_t tp_flags;
	int64_t tp_dictoffset;
	int64_t tp_basicsize;        /* 3.13+: inline values follow the object */
	int64_t ht_cached_keys;      /* PyHeapTypeObject: shared keys of instances */
	int64_t bytes_size, bytes_data;
	int64_t str_state;           /* PyASCIIObject.state bit field */
	int64_t str_length;
	int64_t str_ascii_data;      /* sizeof(PyASCIIObject) */
	int64_t str_compact_data;    /* sizeof(PyCompactUnicodeObject) */
	int64_t long_size;           /* 3.11 ob_size (digit count), 3.12+ lv_tag */
	int long_tagged;             /* 3.12+: ndigits = lv_tag >> 3 */
	int64_t long_digits;
	int64_t dict_keys, dict_values;
	int64_t module_dict;         /* PyModuleObject.md_dict */
	int managed_dict;            /* instance dict scheme: 311, 313 or 0 (unsupported) */
	int64_t dictvalues_array;    /* PyDictValues: offset of values[] (3.13+: after a header) */
	int names;                   /* thread names can be read */
};

/* Python version from a PY_VERSION_HEX value: "3.11.7", "3.13.0rc2". */
void sj_pyversion_str(uint64_t hex, char *buf, size_t len);

/* Fills *out for the interpreter whose _PyRuntime is at runtime (run-time
 * address) and whose version is *hexversion: exact (from Py_Version), or
 * only major.minor (from a file name), in which case a debug-offsets
 * block of the same minor supplies the full version in *hexversion.
 * 0 on success; -1 with a one-line reason in err ("Python 3.10 is not
 * supported: native frames only") when there is no layout. */
int sj_pylayout_for(uint64_t *hexversion, int exact, const struct sj_memsrc *mem, uint64_t runtime,
		    struct sj_pylayout *out, char *err, size_t errlen);

#endif
