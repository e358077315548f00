/* pyelf.h — what the Python walker needs from an interpreter's ELF file. */
#ifndef SIGJAM_PY_ELF_H
#define SIGJAM_PY_ELF_H

#include <stddef.h>
#include <stdint.h>

#define SJ_PYELF_MAXLOAD 16

/* Link-time addresses (add the load bias for run-time ones); 0 = absent. */
struct sj_pyelf {
	uint64_t runtime;        /* _PyRuntime, or the .PyRuntime section */
	int runtime_from_section;
	uint64_t py_version;     /* Py_Version: const unsigned long PY_VERSION_HEX (3.11+) */
	uint64_t code_type;      /* PyCode_Type, to check that a pointer is a code object */
	uint64_t unicode_type;   /* PyUnicode_Type, the same for strings */
	struct { uint64_t vaddr, offset; } loads[SJ_PYELF_MAXLOAD];
	size_t nloads;
};

/* Which lookups to skip, for tests of the fallbacks. */
enum { SJ_PYELF_NO_SYMBOLS = 1 };

/* Reads path's program headers and symbol tables (.dynsym, then .symtab).
 * 0 on success (even when nothing was found); -1 with err when the file
 * cannot be read as ELF. */
int sj_pyelf_load(const char *path, unsigned flags, struct sj_pyelf *out, char *err, size_t errlen);

/* The load bias of a file mapped with its page at file offset map_offset
 * starting at map_start; 0 and *ok = 0 when no PT_LOAD covers it. */
uint64_t sj_pyelf_bias(const struct sj_pyelf *e, uint64_t map_start, uint64_t map_offset, int *ok);

#endif
