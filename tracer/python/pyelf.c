/* pyelf.c — symbols and load segments of a CPython binary, with libelf. */
#include "pyelf.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct wanted {
	const char *name;
	size_t field;      /* offsetof in struct sj_pyelf */
};

static const struct wanted WANTED[] = {
	{ "_PyRuntime", offsetof(struct sj_pyelf, runtime) },
	{ "Py_Version", offsetof(struct sj_pyelf, py_version) },
	{ "PyCode_Type", offsetof(struct sj_pyelf, code_type) },
	{ "PyUnicode_Type", offsetof(struct sj_pyelf, unicode_type) },
};
#define NWANTED (sizeof WANTED / sizeof WANTED[0])

static uint64_t *wanted_slot(struct sj_pyelf *e, size_t i)
{
	return (uint64_t *)((char *)e + WANTED[i].field);
}

static void scan_symtab(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, struct sj_pyelf *e)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n;

	if (!d || sh->sh_entsize == 0)
		return;
	n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *name;
		if (!gelf_getsym(d, (int)i, &sym) || sym.st_value == 0 || sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || (name[0] != '_' && name[0] != 'P'))
			continue;
		for (size_t w = 0; w < NWANTED; w++)
			if (*wanted_slot(e, w) == 0 && strcmp(name, WANTED[w].name) == 0)
				*wanted_slot(e, w) = sym.st_value;
	}
}

static void read_loads(Elf *elf, struct sj_pyelf *e)
{
	size_t n = 0;

	if (elf_getphdrnum(elf, &n) != 0)
		return;
	for (size_t i = 0; i < n && e->nloads < SJ_PYELF_MAXLOAD; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
			e->loads[e->nloads].vaddr = ph.p_vaddr;
			e->loads[e->nloads].offset = ph.p_offset;
			e->nloads++;
		}
	}
}

/* .dynsym first: it is small and present even in stripped binaries
 * (Debian's /usr/bin/python3.11 is stripped but exports _PyRuntime). */
static void read_symbols(Elf *elf, unsigned flags, struct sj_pyelf *e)
{
	static const Elf64_Word order[] = { SHT_DYNSYM, SHT_SYMTAB };
	size_t shstrndx = 0;

	elf_getshdrstrndx(elf, &shstrndx);
	for (size_t o = 0; o < 2 && !(flags & SJ_PYELF_NO_SYMBOLS); o++) {
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			if (gelf_getshdr(scn, &sh) && sh.sh_type == order[o])
				scan_symtab(elf, scn, &sh, e);
		}
	}
	if (e->runtime)
		return;
	/* CPython 3.11+ puts _PyRuntime in its own section (GENERATE_DEBUG_SECTION
	 * in pycore_runtime.h), which survives removal of the symbol tables. */
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && strcmp(name, ".PyRuntime") == 0 && sh.sh_addr) {
			e->runtime = sh.sh_addr;
			e->runtime_from_section = 1;
		}
	}
}

int sj_pyelf_load(const char *path, unsigned flags, struct sj_pyelf *out, char *err, size_t errlen)
{
	int fd;
	Elf *elf;

	memset(out, 0, sizeof *out);
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		snprintf(err, errlen, "%s is not an ELF file: %s", path, elf_errmsg(-1));
		if (elf)
			elf_end(elf);
		close(fd);
		return -1;
	}
	read_loads(elf, out);
	read_symbols(elf, flags, out);
	elf_end(elf);
	close(fd);
	return 0;
}

uint64_t sj_pyelf_bias(const struct sj_pyelf *e, uint64_t map_start, uint64_t map_offset, int *ok)
{
	/* A segment's page at file offset O is mapped at
	 * bias + (p_vaddr - p_offset) + O, because p_vaddr == p_offset modulo
	 * the page size.  This holds for any mapping of the file, so the bias
	 * does not depend on which mapping we were given. */
	for (size_t i = 0; i < e->nloads; i++) {
		uint64_t seg_page = e->loads[i].offset & ~(uint64_t)0xfff;
		uint64_t next = i + 1 < e->nloads ? e->loads[i + 1].offset & ~(uint64_t)0xfff : UINT64_MAX;
		if (map_offset >= seg_page && map_offset < next) {
			*ok = 1;
			return map_start - (e->loads[i].vaddr - e->loads[i].offset + map_offset);
		}
	}
	*ok = 0;
	return 0;
}
