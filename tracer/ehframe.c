/* ehframe.c — see ehframe.h. */
#include "ehframe.h"

#include <elf.h>
#include <string.h>

#include "procfs.h"

#define MAX_PHDRS 64
#define PAGE_MASK (~(uint64_t)4095)

/* DWARF pointer encodings (.eh_frame_hdr) this reader accepts. */
enum {
	PE_ABSPTR = 0x00, PE_UDATA4 = 0x03, PE_SDATA4 = 0x0b, PE_UDATA8 = 0x04, PE_SDATA8 = 0x0c,
	PE_PCREL = 0x10, PE_DATAREL = 0x30, PE_OMIT = 0xff,
};

static const struct sj_map *map_with(const struct sj_process *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nmaps; i++)
		if (addr >= p->maps[i].start && addr < p->maps[i].end)
			return &p->maps[i];
	return NULL;
}

/* The mapping of the same file at file offset 0: where its ELF header is. */
static const struct sj_map *file_start(const struct sj_process *p, const struct sj_map *m)
{
	for (size_t i = 0; i < p->nmaps; i++) {
		const struct sj_map *c = &p->maps[i];
		if (c->offset == 0 && c->path && strcmp(c->path, m->path) == 0 && c->inode == m->inode &&
		    c->start <= m->start)
			return c;
	}
	return NULL;
}

/* Bytes an encoded value of .eh_frame_hdr takes; 0 for encodings that
 * are not fixed-size. */
static size_t enc_size(unsigned enc)
{
	switch (enc & 0x0f) {
	case PE_UDATA4: case PE_SDATA4: return 4;
	case PE_ABSPTR: case PE_UDATA8: case PE_SDATA8: return 8;
	default: return 0;
	}
}

/* Load bias and address range of the module whose ELF header is at base. */
static int module_range(pid_t tid, uint64_t base, uint64_t *bias, uint64_t *lo, uint64_t *hi,
			uint64_t *eh_vaddr)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHDRS];
	uint64_t vlo = UINT64_MAX, vhi = 0, first = UINT64_MAX;

	if (sj_read_mem(tid, base, &eh, sizeof eh) != 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof ph[0] ||
	    eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS || eh.e_phoff > 65536 ||
	    sj_read_mem(tid, base + eh.e_phoff, ph, eh.e_phnum * sizeof ph[0]) != 0)
		return -1;
	*eh_vaddr = 0;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_GNU_EH_FRAME)
			*eh_vaddr = ph[i].p_vaddr;
		if (ph[i].p_type != PT_LOAD)
			continue;
		/* The loader maps the first PT_LOAD (file offset 0) at base. */
		if (first == UINT64_MAX)
			first = ph[i].p_vaddr & PAGE_MASK;
		if (ph[i].p_vaddr < vlo)
			vlo = ph[i].p_vaddr;
		if (ph[i].p_vaddr + ph[i].p_memsz > vhi)
			vhi = ph[i].p_vaddr + ph[i].p_memsz;
	}
	if (first == UINT64_MAX || !*eh_vaddr)
		return -1;
	*bias = base - first;
	*lo = *bias + vlo;
	*hi = *bias + vhi;
	return 0;
}

int sj_ehtable_find(const struct sj_process *p, pid_t tid, uint64_t ip, struct sj_ehtable *out)
{
	const struct sj_map *m = map_with(p, ip), *m0;
	uint64_t bias, eh_vaddr, fde_count = 0;
	uint8_t hdr[4 + 8 + 8];
	size_t ptr_len, cnt_len;

	/* [vdso] is an ELF image in memory like any other; a nameless
	 * mapping (JIT code) has no header to start from. */
	if (!m || !m->path || (m->path[0] != '/' && strcmp(m->path, "[vdso]") != 0))
		return -1;
	m0 = m->path[0] == '/' ? file_start(p, m) : m;
	if (!m0 || module_range(tid, m0->start, &bias, &out->lo, &out->hi, &eh_vaddr) != 0 ||
	    ip < out->lo || ip >= out->hi)
		return -1;
	out->hdr = bias + eh_vaddr;
	/* version, eh_frame_ptr_enc, fde_count_enc, table_enc, then the
	 * encoded eh_frame_ptr and fde_count. */
	if (sj_read_mem(tid, out->hdr, hdr, sizeof hdr) != 0 || hdr[0] != 1 ||
	    hdr[2] == PE_OMIT || hdr[3] != (PE_DATAREL | PE_SDATA4))
		return -1;
	ptr_len = enc_size(hdr[1]);
	cnt_len = enc_size(hdr[2]);
	if (!ptr_len || !cnt_len || (hdr[2] & 0x70) != 0)
		return -1;
	memcpy(&fde_count, hdr + 4 + ptr_len, cnt_len);
	if (cnt_len == 4 && (hdr[2] & 0x0f) == PE_SDATA4 && (int32_t)fde_count < 0)
		return -1;
	if (fde_count == 0 || fde_count > (out->hi - out->lo))
		return -1;
	out->table = out->hdr + 4 + ptr_len + cnt_len;
	out->nfde = (size_t)fde_count;
	return 0;
}
