/* mapfile.c — see mapfile.h. */
#include "mapfile.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int is_mapped_file(const struct sj_map *m, const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_ino == m->inode && major(st.st_dev) == m->dev_major &&
	       minor(st.st_dev) == m->dev_minor;
}

static int try_prefix(const struct sj_map *m, const char *prefix, char *buf, size_t len, char *root,
		      size_t rootlen)
{
	if ((size_t)snprintf(buf, len, "%s%s", prefix, m->path) >= len || !is_mapped_file(m, buf))
		return -1;
	if (root && rootlen)
		snprintf(root, rootlen, "%s", prefix);
	return 0;
}

int sj_map_file(pid_t pid, const struct sj_map *m, char *buf, size_t len, char *root, size_t rootlen)
{
	char proc_root[64], seen[PATH_MAX];
	ssize_t n;

	if (root && rootlen)
		root[0] = 0;
	if (!m->path || m->path[0] != '/') {
		snprintf(buf, len, "%s", m->path ? m->path : "");
		return -1;
	}
	if (try_prefix(m, "", buf, len, root, rootlen) == 0)
		return 0;
	snprintf(proc_root, sizeof proc_root, "/proc/%d/root", (int)pid);
	n = readlink(proc_root, seen, sizeof seen - 1);
	if (n > 1) {
		seen[n] = 0;
		if (try_prefix(m, seen, buf, len, root, rootlen) == 0)
			return 0;
	}
	if (try_prefix(m, proc_root, buf, len, root, rootlen) == 0)
		return 0;
	snprintf(buf, len, "/proc/%d/map_files/%llx-%llx", (int)pid, (unsigned long long)m->start,
		 (unsigned long long)m->end);
	if (is_mapped_file(m, buf))
		return 0;
	snprintf(buf, len, "%s", m->path);
	return -1;
}
