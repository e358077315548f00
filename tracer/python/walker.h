/* walker.h — the Python walker's state and its object readers, shared by
 * python.c (interpreters, threads, frames) and objects.c (str, bytes, int,
 * dict, instance attributes, threading's names).  Internal to sjpython. */
#ifndef SIGJAM_PY_WALKER_H
#define SIGJAM_PY_WALKER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "layout.h"
#include "memsrc.h"

#define MAX_THREADS 4096

/* A code object, read once per capture (deep recursion repeats them). */
struct code_info {
	uint64_t addr;
	char *qualname, *filename;
	uint8_t *linetable;
	size_t ltlen;
	int firstlineno;
	int firsttraceable;     /* -1 unknown */
};

/* One capture's walk of one process. */
struct walker {
	const struct sj_memsrc *mem;
	struct sj_pylayout L;
	unsigned minor;                     /* Python 3.<minor> */
	uint64_t code_type, unicode_type;   /* run-time addresses, 0 unknown */
	struct code_info *codes;
	size_t ncodes, capcodes;
};

/* Little readers of the target's memory and of copied structures. */
static inline int read_u64(const struct sj_memsrc *m, uint64_t addr, uint64_t *v)
{
	return sj_mem_read(m, addr, v, sizeof *v);
}

static inline int64_t get_i64(const uint8_t *buf, int64_t off)
{
	int64_t v;
	memcpy(&v, buf + off, sizeof v);
	return v;
}

static inline uint64_t get_u64(const uint8_t *buf, int64_t off)
{
	uint64_t v;
	memcpy(&v, buf + off, sizeof v);
	return v;
}

static inline int get_i32(const uint8_t *buf, int64_t off)
{
	int32_t v;
	memcpy(&v, buf + off, sizeof v);
	return v;
}

/* objects.c */
/* A str object as malloc'd UTF-8 (compact str only; at most SJ_PY_MAX_STR
 * characters), NULL otherwise. */
char *pyo_read_str(const struct walker *w, uint64_t addr);
/* Does the compact ASCII str at addr equal want? */
int pyo_str_equals(const struct walker *w, uint64_t addr, const char *want);
/* A bytes object's contents (malloc'd, *len bytes), NULL if unreadable. */
uint8_t *pyo_read_bytes(const struct walker *w, uint64_t addr, size_t *len);

struct thread_name {
	uint64_t ident;           /* threading.get_ident() == tstate->thread_id */
	char *name;
};

struct name_map {
	struct thread_name *v;
	size_t n;
};

/* threading._active of interpreter interp: ident -> Thread._name. */
void pyo_collect_names(struct walker *w, uint64_t interp, struct name_map *out);
const char *pyo_name_for(const struct name_map *m, uint64_t ident);
void pyo_name_map_free(struct name_map *m);

#endif
