/* maps.c — layer 2: the shim's one /proc/PID/maps reader, with open/read on
 * a stack buffer (async-signal-safe).  Users: module and offset of an
 * address (journal records), backtraces, the role test of a new image
 * (does the parent map libsigjam.so?) and the CPython probe. */
#include "journal.h"

#include <errno.h>
#include <string.h>

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

static const char *skip_spaces(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

static const char *skip_field(const char *s)
{
	while (*s && *s != ' ')
		s++;
	return s;
}

/* "lo-hi perms off dev inode   path" */
static int parse_line(const char *s, struct sj_maps_line *m)
{
	size_t i;
	s = hex_field(s, &m->lo);
	if (*s++ != '-')
		return 0;
	s = skip_spaces(hex_field(s, &m->hi));
	for (i = 0; i < 4 && s[i] && s[i] != ' '; i++)
		m->perms[i] = s[i];
	m->perms[i] = '\0';
	s = skip_spaces(skip_field(s));
	s = hex_field(s, &m->off);
	s = skip_field(skip_spaces(s)); /* dev */
	s = skip_field(skip_spaces(s)); /* inode */
	m->path = skip_spaces(s);
	return 1;
}

int sj_maps_each(pid_t pid, sj_maps_cb cb, void *arg)
{
	char buf[2048], path[40] = "/proc/self/maps";
	size_t have = 0;
	int fd, stop = 0;
	if (pid > 0) {
		size_t n = 6;
		memcpy(path, "/proc/", 6);
		n += sj_utoa((uint64_t)pid, path + n);
		memcpy(path + n, "/maps", 6);
	}
	fd = sj_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
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
			struct sj_maps_line m;
			*nl = '\0';
			if (parse_line(line, &m))
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

static int lookup_cb(const struct sj_maps_line *m, void *arg)
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
	found = sj_maps_each(0, lookup_cb, &l);
	*off = found ? l.off : addr;
	errno = saved;
	return found ? 0 : -1;
}
