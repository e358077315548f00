/* journal_maps.c — layer 2: journal values that need /proc/self/maps: the
 * module and offset of an address, and backtraces. */
#include "journal.h"
#include "real.h"

#include <errno.h>
#include <libunwind.h>
#include <string.h>

/* key "addr" style: "<key>_module" and "<key>_off"; an empty key gives the
 * bare "module" and "off" that the handler/dispositions records use. */
void sj_jw_addr(struct sj_jw *w, const char *k, uint64_t addr)
{
	char path[256], name[64];
	uint64_t off;
	size_t kl = k ? strlen(k) : 0;
	if (kl > sizeof name - 8)
		kl = sizeof name - 8;
	sj_module_of(addr, path, sizeof path, &off);
	memcpy(name, k, kl);
	memcpy(name + kl, kl ? "_module" : "module", kl ? 8 : 7);
	sj_jw_str(w, name, path[0] ? path : NULL);
	memcpy(name + kl, kl ? "_off" : "off", kl ? 5 : 4);
	sj_jw_hex(w, name, off);
}

#define SJ_BT_MAX 32
#define SJ_BT_MODS 8

struct bt_resolve {
	uint64_t addr[SJ_BT_MAX];
	uint64_t off[SJ_BT_MAX];
	signed char mod[SJ_BT_MAX];  /* index into mods, -1 unknown */
	int n;
	char mods[SJ_BT_MODS][192];
	int nmods;
};

static int mod_index(struct bt_resolve *b, const char *path)
{
	int i;
	size_t n = strlen(path);
	if (n >= sizeof b->mods[0])
		n = sizeof b->mods[0] - 1;
	for (i = 0; i < b->nmods; i++)
		if (strncmp(b->mods[i], path, n) == 0 && b->mods[i][n] == '\0')
			return i;
	if (b->nmods == SJ_BT_MODS)
		return -1;
	memcpy(b->mods[b->nmods], path, n);
	b->mods[b->nmods][n] = '\0';
	return b->nmods++;
}

/* One pass over maps resolves every frame. */
static int bt_cb(const struct sj_maps_line *m, void *arg)
{
	struct bt_resolve *b = arg;
	int i;
	for (i = 0; i < b->n; i++)
		if (b->mod[i] < 0 && b->addr[i] >= m->lo && b->addr[i] < m->hi) {
			b->mod[i] = (signed char)mod_index(b, m->path);
			b->off[i] = b->addr[i] - m->lo + m->off;
		}
	return 0;
}

static int is_self(const struct bt_resolve *b, int i)
{
	const char *self = sj_self_path();
	return b->mod[i] >= 0 && self[0] && strcmp(b->mods[(int)b->mod[i]], self) == 0;
}

void sj_jw_backtrace(struct sj_jw *w, const char *k, int skip)
{
	struct bt_resolve b;
	void *ips[SJ_BT_MAX];
	int i, n, saved = errno;
	n = unw_backtrace(ips, SJ_BT_MAX);
	if (n < 0)
		n = 0;
	b.n = n;
	b.nmods = 0;
	for (i = 0; i < n; i++) {
		/* Raw return addresses (docs/journal.md): the symbolizer applies
		 * the pc-1 rule for non-innermost frames itself. */
		b.addr[i] = (uint64_t)(uintptr_t)ips[i];
		b.mod[i] = -1;
		b.off[i] = b.addr[i];
	}
	sj_maps_each(0, bt_cb, &b);
	sj_jw_array(w, k);
	for (i = 0; i < n; i++) {
		struct sj_jw_mark m;
		if (is_self(&b, i))
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		m = sj_jw_mark(w);
		sj_jw_object(w, NULL);
		sj_jw_str(w, "m", b.mod[i] >= 0 ? b.mods[(int)b.mod[i]] : NULL);
		sj_jw_hex(w, "o", b.off[i]);
		sj_jw_close(w);
		if (!sj_jw_keep(w, m))
			break;
	}
	sj_jw_close(w);
	errno = saved;
}
