/* memsrc.c — live (process_vm_readv) and fixture memory sources. */
#include "memsrc.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

static int live_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct sj_memsrc_live *l = ctx;
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n;

	/* process_vm_readv stops at the first unmapped page and reports a
	 * partial count rather than failing: a partial read is a failure here
	 * because the caller would otherwise parse half an object. */
	do
		n = process_vm_readv(l->pid, &local, 1, &remote, 1, 0);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

void sj_memsrc_live_init(struct sj_memsrc *m, struct sj_memsrc_live *ctx_storage, pid_t pid)
{
	ctx_storage->pid = pid;
	m->read = live_read;
	m->ctx = ctx_storage;
}

static int fixture_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct sj_memsrc_fixture *f = ctx;

	for (size_t i = 0; i < f->nregions; i++) {
		const struct sj_memregion *r = &f->regions[i];
		if (addr >= r->addr && addr - r->addr <= r->len && len <= r->len - (addr - r->addr)) {
			memcpy(buf, (const char *)r->data + (addr - r->addr), len);
			return 0;
		}
	}
	return -1;
}

void sj_memsrc_fixture_init(struct sj_memsrc *m, struct sj_memsrc_fixture *ctx_storage,
			    const struct sj_memregion *regions, size_t nregions)
{
	ctx_storage->regions = regions;
	ctx_storage->nregions = nregions;
	m->read = fixture_read;
	m->ctx = ctx_storage;
}
