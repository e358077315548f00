/* jwrite.c — journal records (docs/journal.md), formatted by hand on the
 * stack and written with one write(2).
 *
 * Why by hand: records are written from signal handlers and between fork and
 * exec, where snprintf (locale, possibly malloc) and jansson (malloc) are off
 * limits.  Why one write of at most PIPE_BUF: O_APPEND writes to a regular
 * file are atomic with respect to each other, and so are pipe writes of at
 * most PIPE_BUF bytes, so records of concurrent processes never interleave. */
#include "shimcore.h"
#include "names.h"

#include <errno.h>
#include <fcntl.h>
#include <libunwind.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Room kept for `,"trunc":true}` and the newline. */
#define SJ_JW_TAIL 16

int sj_journal_on(void)
{
	return sj_g.jfd >= 0;
}

/* ---- raw appends; return 0 when the text did not fit ---- */

static int put(struct sj_jw *w, const char *s, size_t n)
{
	if (w->trunc || w->len + n > SJ_JW_MAX - SJ_JW_TAIL)
		return 0;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	return 1;
}

static int puts_(struct sj_jw *w, const char *s)
{
	return put(w, s, strlen(s));
}

static int put_u64(struct sj_jw *w, uint64_t v)
{
	char tmp[24];
	int i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return put(w, tmp + i, sizeof tmp - (size_t)i);
}

static int put_hex(struct sj_jw *w, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[20];
	int i = sizeof tmp;
	do {
		tmp[--i] = digits[v & 15];
		v >>= 4;
	} while (v);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	return put(w, tmp + i, sizeof tmp - (size_t)i);
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), 0 if the
 * bytes are not UTF-8.  Program data (comm, argv) can be any bytes, and a
 * record with invalid UTF-8 is not JSON. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0; /* overlong, surrogate or beyond U+10FFFF */
	return len;
}

static int put_escaped(struct sj_jw *w, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0;
	if (!put(w, "\"", 1))
		return 0;
	while (i < n) {
		unsigned c = s[i];
		size_t l;
		int ok;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			ok = put(w, e, 2);
			l = 1;
		} else if (c < 0x20 || c == 0x7f) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			ok = put(w, e, 6);
			l = 1;
		} else if ((l = utf8_len(s + i, n - i)) > 0) {
			ok = put(w, (const char *)s + i, l);
		} else {
			ok = puts_(w, "\\ufffd");
			l = 1;
		}
		if (!ok)
			return 0;
		i += l;
	}
	return put(w, "\"", 1);
}

/* ---- fields: all or nothing, so truncation falls on a field boundary ---- */

static int key(struct sj_jw *w, const char *k)
{
	return put(w, ",\"", 2) && puts_(w, k) && put(w, "\":", 2);
}

/* Rolls back a half-written field and marks the record truncated. */
static void field_done(struct sj_jw *w, size_t start, int ok)
{
	if (ok) {
		w->nfields++;
		return;
	}
	w->len = start;
	w->trunc = 1;
}

void sj_jw_str(struct sj_jw *w, const char *k, const char *val)
{
	size_t start = w->len;
	if (w->trunc)
		return;
	field_done(w, start, key(w, k) && (val ? put_escaped(w, val) : puts_(w, "null")));
}

/* JSON readers keep numbers in doubles: beyond 2^53 the value goes out as a
 * hex string (docs/journal.md). */
#define SJ_JSON_INT_MAX (1ll << 53)

void sj_jw_int(struct sj_jw *w, const char *k, long long val)
{
	size_t start = w->len;
	int ok;
	if (w->trunc)
		return;
	ok = key(w, k);
	if (val > SJ_JSON_INT_MAX || val < -SJ_JSON_INT_MAX)
		ok = ok && put(w, "\"", 1) && put_hex(w, (uint64_t)val) && put(w, "\"", 1);
	else if (val < 0)
		ok = ok && put(w, "-", 1) && put_u64(w, (uint64_t)-val);
	else
		ok = ok && put_u64(w, (uint64_t)val);
	field_done(w, start, ok);
}

void sj_jw_bool(struct sj_jw *w, const char *k, int val)
{
	size_t start = w->len;
	if (w->trunc)
		return;
	field_done(w, start, key(w, k) && puts_(w, val ? "true" : "false"));
}

void sj_jw_hex(struct sj_jw *w, const char *k, uint64_t val)
{
	size_t start = w->len;
	if (w->trunc)
		return;
	field_done(w, start, key(w, k) && put(w, "\"", 1) && put_hex(w, val) && put(w, "\"", 1));
}

void sj_jw_signame(struct sj_jw *w, const char *k, int sig)
{
	const char *name = sj_signal_name(sig);
	if (name)
		sj_jw_str(w, k, name);
	else
		sj_jw_int(w, k, sig);
}

void sj_jw_errname(struct sj_jw *w, const char *k, int err)
{
	const char *name = sj_errno_name(err);
	if (name)
		sj_jw_str(w, k, name);
	else
		sj_jw_int(w, k, err);
}

void sj_jw_raw(struct sj_jw *w, const char *k, const char *json, size_t len)
{
	size_t start = w->len;
	if (w->trunc)
		return;
	field_done(w, start, key(w, k) && put(w, json, len));
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: async-signal-safe */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sj_jw_begin(struct sj_jw *w, const char *ev)
{
	int saved = errno;
	w->len = 0;
	w->trunc = 0;
	w->nfields = 0;
	put(w, "{\"v\":1", 6);
	sj_jw_int(w, "t", (long long)now_ns());
	sj_jw_int(w, "pid", sj_getpid());
	sj_jw_int(w, "ppid", getppid());
	sj_jw_int(w, "tid", sj_gettid());
	sj_jw_str(w, "ev", ev);
	errno = saved;
}

void sj_jw_end(struct sj_jw *w)
{
	int saved = errno, fd, tries;
	/* SJ_JW_TAIL was kept free for exactly this. */
	if (w->trunc) {
		memcpy(w->buf + w->len, ",\"trunc\":true", 13);
		w->len += 13;
	}
	w->buf[w->len++] = '}';
	w->buf[w->len++] = '\n';
	for (tries = 0; tries < 2; tries++) {
		ssize_t n;
		fd = sj_g.jfd;
		if (fd < 0)
			break;
		do
			n = sj_sys_write(fd, w->buf, w->len);
		while (n < 0 && errno == EINTR);
		if (n >= 0 || errno != EBADF || sj_journal_reopen(fd) < 0)
			break;
	}
	errno = saved;
}

/* ---- /proc/self/maps ---- */

struct maps_line {
	uint64_t lo, hi, off;
	const char *path; /* points into the line buffer */
};

static const char *hex_field(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	for (;; s++) {
		unsigned c = (unsigned char)*s;
		if (c >= '0' && c <= '9')
			x = x * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			x = x * 16 + (c - 'a' + 10);
		else
			break;
	}
	*v = x;
	return s;
}

/* "lo-hi perms off dev inode   path" */
static int parse_maps_line(const char *s, struct maps_line *m)
{
	int field;
	s = hex_field(s, &m->lo);
	if (*s++ != '-')
		return 0;
	s = hex_field(s, &m->hi);
	while (*s == ' ')
		s++;
	while (*s && *s != ' ')
		s++; /* perms */
	while (*s == ' ')
		s++;
	s = hex_field(s, &m->off);
	for (field = 0; field < 2; field++) { /* dev, inode */
		while (*s == ' ')
			s++;
		while (*s && *s != ' ')
			s++;
	}
	while (*s == ' ')
		s++;
	m->path = s;
	return 1;
}

typedef int (*maps_cb)(const struct maps_line *m, void *arg);

/* Calls cb for each line until it returns nonzero.  Lines longer than the
 * buffer (absurd paths) are skipped. */
static int maps_each(maps_cb cb, void *arg)
{
	char buf[2048];
	size_t have = 0;
	int fd = sj_sys_open("/proc/self/maps", O_RDONLY | O_CLOEXEC, 0), stop = 0;
	if (fd < 0)
		return 0;
	while (!stop) {
		ssize_t n = sj_sys_read(fd, buf + have, sizeof buf - 1 - have);
		char *line, *nl;
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		line = buf;
		while (!stop && (nl = memchr(line, '\n', have - (size_t)(line - buf))) != NULL) {
			struct maps_line m;
			*nl = '\0';
			if (parse_maps_line(line, &m))
				stop = cb(&m, arg);
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		if (have == sizeof buf - 1)
			have = 0; /* one line fills the buffer: drop it */
		memmove(buf, line, have);
	}
	sj_sys_close(fd);
	return stop;
}

struct lookup {
	uint64_t addr;
	char *path;
	size_t pathlen;
	uint64_t off;
};

static int lookup_cb(const struct maps_line *m, void *arg)
{
	struct lookup *l = arg;
	size_t n;
	if (l->addr < m->lo || l->addr >= m->hi)
		return 0;
	n = strlen(m->path);
	if (n >= l->pathlen)
		n = l->pathlen - 1;
	memcpy(l->path, m->path, n);
	l->path[n] = '\0';
	/* Offset into the file, as `addr2line -e module` and libdw expect. */
	l->off = l->addr - m->lo + m->off;
	return 1;
}

int sj_module_of(uint64_t addr, char *path, size_t pathlen, uint64_t *off)
{
	struct lookup l = { addr, path, pathlen, 0 };
	int saved = errno, found;
	path[0] = '\0';
	found = maps_each(lookup_cb, &l);
	*off = found ? l.off : addr;
	errno = saved;
	return found ? 0 : -1;
}

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

/* ---- backtraces ---- */

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
static int bt_cb(const struct maps_line *m, void *arg)
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
	return b->mod[i] >= 0 && sj_g.self_path[0] && strcmp(b->mods[(int)b->mod[i]], sj_g.self_path) == 0;
}

void sj_jw_backtrace(struct sj_jw *w, const char *k, int skip)
{
	struct bt_resolve b;
	void *ips[SJ_BT_MAX];
	size_t start = w->len;
	int i, n, first = 1, ok, saved = errno;
	if (w->trunc)
		return;
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
	maps_each(bt_cb, &b);
	ok = key(w, k) && put(w, "[", 1);
	for (i = 0; ok && i < n; i++) {
		if (is_self(&b, i))
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		ok = (first || put(w, ",", 1)) && puts_(w, "{\"m\":") &&
		     (b.mod[i] >= 0 ? put_escaped(w, b.mods[(int)b.mod[i]]) : puts_(w, "null")) &&
		     puts_(w, ",\"o\":\"") && put_hex(w, b.off[i]) && puts_(w, "\"}");
		first = 0;
	}
	ok = ok && put(w, "]", 1);
	field_done(w, start, ok);
	errno = saved;
}
