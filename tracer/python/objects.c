/* objects.c — reading Python objects of another process: str, bytes,
 * int, dict, instance attributes, and threading's thread names built on
 * them.  Every pointer comes from the target: reads are checked, lengths
 * bounded. */
#include "walker.h"
#include "python.h"

#include <stdlib.h>

#define MAX_LINETABLE (1u << 20)
#define MAX_DICT_ENTRIES (1u << 16)

/* ---------- strings and bytes ---------- */

static void put_utf8(char *out, size_t *n, uint32_t c)
{
	if (c < 0x80) {
		out[(*n)++] = (char)c;
	} else if (c < 0x800) {
		out[(*n)++] = (char)(0xc0 | c >> 6);
		out[(*n)++] = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		out[(*n)++] = (char)(0xe0 | c >> 12);
		out[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (c & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | c >> 18);
		out[(*n)++] = (char)(0x80 | ((c >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (c & 0x3f));
	}
}

/* A str object as malloc'd UTF-8, at most SJ_PY_MAX_STR characters; NULL
 * when it is not a compact str (code names and file names always are). */
char *pyo_read_str(const struct walker *w, uint64_t addr)
{
	const struct sj_pylayout *L = &w->L;
	uint8_t hdr[128];
	size_t hlen = (size_t)L->str_compact_data, len, n = 0;
	unsigned state, kind;
	uint64_t data;
	uint8_t *raw;
	char *out;

	if (hlen > sizeof hdr)
		return NULL;
	/* The compact header is longer than an ASCII one; an ASCII string at
	 * the very end of a mapping is only readable with the short header. */
	if (sj_mem_read(w->mem, addr, hdr, hlen) != 0) {
		hlen = (size_t)L->str_ascii_data;
		if (sj_mem_read(w->mem, addr, hdr, hlen) != 0)
			return NULL;
	}
	if (w->unicode_type && get_u64(hdr, L->ob_type) != w->unicode_type)
		return NULL;
	/* PyASCIIObject.state: interned:2 kind:3 compact:1 ascii:1 (3.11-3.13) */
	state = (unsigned)get_i32(hdr, L->str_state);
	kind = (state >> 2) & 7;
	if (!((state >> 5) & 1) || (kind != 1 && kind != 2 && kind != 4))
		return NULL;
	len = (size_t)get_i64(hdr, L->str_length);
	if (len > SJ_PY_MAX_STR)
		len = SJ_PY_MAX_STR;
	data = addr + (uint64_t)(((state >> 6) & 1) ? L->str_ascii_data : L->str_compact_data);
	raw = malloc(len * kind + 1);
	out = malloc(len * 4 + 1);
	if (!raw || !out || sj_mem_read(w->mem, data, raw, len * kind) != 0) {
		free(raw);
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		uint32_t c = kind == 1 ? raw[i] : kind == 2 ? ((uint16_t *)raw)[i] : ((uint32_t *)raw)[i];
		put_utf8(out, &n, c > 0x10ffff ? 0xfffd : c);
	}
	out[n] = 0;
	free(raw);
	return out;
}

/* Does the str at addr equal want?  One read: header plus the characters. */
int pyo_str_equals(const struct walker *w, uint64_t addr, const char *want)
{
	const struct sj_pylayout *L = &w->L;
	size_t wl = strlen(want);
	uint8_t buf[128];
	unsigned state;

	if ((size_t)L->str_ascii_data + wl > sizeof buf ||
	    sj_mem_read(w->mem, addr, buf, (size_t)L->str_ascii_data + wl) != 0)
		return 0;
	state = (unsigned)get_i32(buf, L->str_state);
	if (!((state >> 5) & 1) || !((state >> 6) & 1))   /* compact ASCII only */
		return 0;
	if ((size_t)get_i64(buf, L->str_length) != wl)
		return 0;
	return memcmp(buf + L->str_ascii_data, want, wl) == 0;
}

uint8_t *pyo_read_bytes(const struct walker *w, uint64_t addr, size_t *len)
{
	int64_t size;
	uint8_t *buf;

	if (sj_mem_read(w->mem, addr + (uint64_t)w->L.bytes_size, &size, sizeof size) != 0 ||
	    size < 0 || (uint64_t)size > MAX_LINETABLE)
		return NULL;
	buf = malloc((size_t)size + 1);
	if (!buf || sj_mem_read(w->mem, addr + (uint64_t)w->L.bytes_data, buf, (size_t)size) != 0) {
		free(buf);
		return NULL;
	}
	*len = (size_t)size;
	return buf;
}

/* ---------- thread names: threading._active ---------- */

/* Looks a str key up in a dict's keys object by comparing key strings
 * (str hashes are salted per process, so they cannot be computed here).
 * values: the split values array, or 0 when the values sit in the entries.
 * Returns the value, 0 when absent. */
static uint64_t keys_get(const struct walker *w, uint64_t keys, uint64_t values, const char *key)
{
	uint8_t kh[32];
	size_t n, esz, koff, voff;
	uint64_t entries, val = 0;

	if (sj_mem_read(w->mem, keys, kh, sizeof kh) != 0)
		return 0;
	/* PyDictKeysObject (3.11-3.13): dk_refcnt, log2_size@8,
	 * log2_index_bytes@9, kind@10, version@12, usable@16, nentries@24,
	 * indices@32; entries follow the index array.  Kind 0 (general) has
	 * {hash, key, value}; unicode and split keys have {key, value}. */
	n = (size_t)get_i64(kh, 24);
	if (n > MAX_DICT_ENTRIES || kh[9] > 40 || kh[10] > 2)
		return 0;
	entries = keys + 32 + ((uint64_t)1 << kh[9]);
	esz = kh[10] == 0 ? 24 : 16;
	koff = kh[10] == 0 ? 8 : 0;
	voff = koff + 8;
	for (size_t i = 0; i < n; i++) {
		uint8_t e[24];
		uint64_t k;
		if (sj_mem_read(w->mem, entries + i * esz, e, esz) != 0)
			return 0;
		k = get_u64(e, (int64_t)koff);
		if (!k || !pyo_str_equals(w, k, key))
			continue;
		/* A split dict keeps its values apart, indexed like the keys. */
		if (values) {
			if (read_u64(w->mem, values + 8 * i, &val) != 0)
				val = 0;
		} else {
			val = get_u64(e, (int64_t)voff);
		}
		break;
	}
	return val;
}

static uint64_t dict_get(const struct walker *w, uint64_t dict, const char *key)
{
	uint64_t keys, values;

	if (!dict || read_u64(w->mem, dict + w->L.dict_keys, &keys) != 0 ||
	    read_u64(w->mem, dict + w->L.dict_values, &values) != 0)
		return 0;
	/* A split dict's values array; 3.13+ puts a header before it. */
	return keys_get(w, keys, values ? values + (uint64_t)w->L.dictvalues_array : 0, key);
}

/* An instance attribute.  Instances of classes with Py_TPFLAGS_MANAGED_DICT
 * keep their materialised dict 3 words before the object
 * (_PyObject_ManagedDictPointer).  Their values, until a dict is made,
 * are indexed like the class's shared keys (ht_cached_keys) and sit 4 words
 * before the object in 3.11 (_PyObject_ValuesPointer), and from 3.13 on
 * inline right after it (Py_TPFLAGS_INLINE_VALUES: obj + tp_basicsize, a
 * 4-byte header whose "valid" byte says whether they are still used). */
static uint64_t managed_attr(const struct walker *w, uint64_t obj, uint64_t type, uint64_t flags,
			     const char *name)
{
	const struct sj_pylayout *L = &w->L;
	uint64_t values = 0, dict, keys, basicsize;
	uint8_t hdr[4];

	if (read_u64(w->mem, obj - 24, &dict) != 0)
		return 0;
	if (dict)
		return dict_get(w, dict, name);
	if (L->managed_dict == 311) {
		if (read_u64(w->mem, obj - 32, &values) != 0)
			return 0;
	} else if (flags & (1u << 2)) {      /* Py_TPFLAGS_INLINE_VALUES */
		if (read_u64(w->mem, type + L->tp_basicsize, &basicsize) != 0 || basicsize > (1u << 16) ||
		    sj_mem_read(w->mem, obj + basicsize, hdr, sizeof hdr) != 0 || !hdr[3])
			return 0;
		values = obj + basicsize + (uint64_t)L->dictvalues_array;
	}
	if (!values || read_u64(w->mem, type + L->ht_cached_keys, &keys) != 0 || !keys)
		return 0;
	return keys_get(w, keys, values, name);
}

static uint64_t instance_attr(const struct walker *w, uint64_t obj, const char *name)
{
	const struct sj_pylayout *L = &w->L;
	uint64_t type, flags, dict;
	int64_t dictoffset;

	if ((L->managed_dict != 311 && L->managed_dict != 313) ||
	    read_u64(w->mem, obj + L->ob_type, &type) != 0 ||
	    read_u64(w->mem, type + L->tp_flags, &flags) != 0)
		return 0;
	if (flags & (1u << 4))               /* Py_TPFLAGS_MANAGED_DICT */
		return managed_attr(w, obj, type, flags, name);
	if (read_u64(w->mem, type + L->tp_dictoffset, (uint64_t *)&dictoffset) != 0 || dictoffset <= 0 ||
	    read_u64(w->mem, obj + (uint64_t)dictoffset, &dict) != 0 || !dict)
		return 0;
	return dict_get(w, dict, name);
}

/* An int object's value (non-negative, up to 64 bits); -1 on failure. */
static int read_long(const struct walker *w, uint64_t addr, uint64_t *v)
{
	const struct sj_pylayout *L = &w->L;
	int64_t size;
	uint32_t digits[3];
	size_t nd;

	if (sj_mem_read(w->mem, addr + L->long_size, &size, sizeof size) != 0)
		return -1;
	/* 3.12+ lv_tag: ndigits << 3 | sign (0 positive, 1 zero, 2 negative) */
	if (L->long_tagged) {
		if ((size & 3) == 2)
			return -1;
		size = (int64_t)((uint64_t)size >> 3);
	}
	if (size < 0 || size > 3)
		return -1;
	nd = (size_t)size;
	if (nd && sj_mem_read(w->mem, addr + L->long_digits, digits, nd * sizeof digits[0]) != 0)
		return -1;
	*v = 0;
	for (size_t i = nd; i-- > 0;)
		*v = (*v << 30) | (digits[i] & 0x3fffffff);   /* PyLong_SHIFT = 30 */
	return 0;
}

void pyo_name_map_free(struct name_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].name);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* threading._active maps the ident of every started Thread (and of the
 * main thread, and of _DummyThreads made for foreign threads) to its
 * object; the name is the object's _name attribute.  Found through
 * interp->modules["threading"], so nothing depends on the target script. */
void pyo_collect_names(struct walker *w, uint64_t interp, struct name_map *out)
{
	const struct sj_pylayout *L = &w->L;
	uint64_t modules, mod, mdict, active, keys;
	uint8_t kh[32];
	size_t n;

	if (!L->names || read_u64(w->mem, interp + L->is_modules, &modules) != 0 ||
	    !(mod = dict_get(w, modules, "threading")) ||
	    read_u64(w->mem, mod + L->module_dict, &mdict) != 0 ||
	    !(active = dict_get(w, mdict, "_active")) ||
	    read_u64(w->mem, active + L->dict_keys, &keys) != 0 ||
	    sj_mem_read(w->mem, keys, kh, sizeof kh) != 0)
		return;
	/* _active has int keys: a general (kind 0) combined dict. */
	n = (size_t)get_i64(kh, 24);
	if (kh[10] != 0 || n > MAX_THREADS || kh[9] > 40)
		return;
	out->v = calloc(n ? n : 1, sizeof *out->v);
	if (!out->v)
		return;
	uint64_t entries = keys + 32 + ((uint64_t)1 << kh[9]);
	for (size_t i = 0; i < n; i++) {
		uint64_t e[3], ident, nameobj;
		char *name;
		if (sj_mem_read(w->mem, entries + i * sizeof e, e, sizeof e) != 0)
			break;
		if (!e[1] || !e[2] || read_long(w, e[1], &ident) != 0)
			continue;       /* a deleted slot */
		nameobj = instance_attr(w, e[2], "_name");
		if (!nameobj || !(name = pyo_read_str(w, nameobj)))
			continue;
		out->v[out->n].ident = ident;
		out->v[out->n].name = name;
		out->n++;
	}
}

const char *pyo_name_for(const struct name_map *m, uint64_t ident)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].ident == ident)
			return m->v[i].name;
	return NULL;
}
