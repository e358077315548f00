/* memsrc.h — where the Python walker reads target memory from.
 *
 * The walker never touches a process directly: it reads through this
 * interface, so the same code runs against a live process (process_vm_readv)
 * and against a fixture of captured regions in unit tests. */
#ifndef SIGJAM_PY_MEMSRC_H
#define SIGJAM_PY_MEMSRC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sj_memsrc {
	/* Reads exactly len bytes at addr into buf: 0 on success, -1 when any
	 * byte of the range is unreadable (a short read is a failure). */
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	void *ctx;
};

/* Live source over process_vm_readv(2).  Needs the same permission as
 * ptrace (root, or same uid without Yama); it works whether or not the
 * target is ptrace-stopped.  *ctx_storage must outlive the memsrc. */
struct sj_memsrc_live { pid_t pid; };
void sj_memsrc_live_init(struct sj_memsrc *m, struct sj_memsrc_live *ctx_storage, pid_t pid);

/* Fixture source: a list of (addr, bytes) regions, for tests.  A read must
 * fall entirely inside one region. Regions are borrowed, not copied. */
struct sj_memregion {
	uint64_t addr;
	const void *data;
	size_t len;
};
struct sj_memsrc_fixture {
	const struct sj_memregion *regions;
	size_t nregions;
};
void sj_memsrc_fixture_init(struct sj_memsrc *m, struct sj_memsrc_fixture *ctx_storage,
			    const struct sj_memregion *regions, size_t nregions);

/* Convenience wrapper: mem->read with a NULL/zero-length guard. */
static inline int sj_mem_read(const struct sj_memsrc *m, uint64_t addr, void *buf, size_t len)
{
	if (!m || !m->read || addr == 0)
		return -1;
	return len ? m->read(m->ctx, addr, buf, len) : 0;
}

#endif
