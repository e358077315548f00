/* ehframe.h — a module's unwind table, found in the process's memory.
 *
 * libunwind-ptrace finds unwind info by opening the file each mapping
 * names, as this tracer sees that path: for a process in another root (a
 * container) that is another file or none.  The loader maps every ELF
 * header, program header table and .eh_frame_hdr anyway, so the table is
 * read from the target itself, whatever its root. */
#ifndef SIGJAM_EHFRAME_H
#define SIGJAM_EHFRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

struct sj_ehtable {
	uint64_t lo, hi;     /* the module's loaded address range */
	uint64_t hdr;        /* .eh_frame_hdr (libunwind's segbase) */
	uint64_t table;      /* its binary-search table */
	size_t nfde;         /* entries of 8 bytes (datarel sdata4 pairs) */
};

/* The table of the file mapping ip in p, read through tid's memory.
 * 0 on success; -1 when ip is in no file mapping, the module has no
 * .eh_frame_hdr, or it is not the sorted sdata4 table libunwind searches. */
int sj_ehtable_find(const struct sj_process *p, pid_t tid, uint64_t ip, struct sj_ehtable *out);

#endif
