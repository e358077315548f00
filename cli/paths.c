/* paths.c — where sigjam's own parts are: next to the executable, the
 * same in the build tree and in an install. */
#include "cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sj_exe_relative(const char *rel, char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len < 0)
		return -1;
	exe[len] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	int w = snprintf(out, n, "%s/%s", exe, rel);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

int sj_env_or_exe_relative(const char *env_name, const char *rel, char *out, size_t n)
{
	const char *env = getenv(env_name);
	if (env && *env) {
		int w = snprintf(out, n, "%s", env);
		return w < 0 || (size_t)w >= n ? -1 : 0;
	}
	return sj_exe_relative(rel, out, n);
}

const char *sj_shim_path(char *err, size_t errlen)
{
	static char path[PATH_MAX];
	const char *env = getenv("SIGJAM_SHIM");
	if (env && *env) {
		if (access(env, R_OK) == 0)
			return env;
		snprintf(err, errlen, "SIGJAM_SHIM=%s is not readable; unset it or point it at libsigjam.so", env);
		return NULL;
	}
	/* SIGJAM_SHIM_REL is the shim's path relative to the bin dir, the same
	 * in the build tree and in an install (set by cli/CMakeLists.txt). */
	if (sj_exe_relative(SIGJAM_SHIM_REL, path, sizeof path) != 0) {
		snprintf(err, errlen, "cannot locate sigjam's own directory; set SIGJAM_SHIM to libsigjam.so");
		return NULL;
	}
	char canon[PATH_MAX];
	if (access(path, R_OK) == 0) {
		/* The canonical name is what /proc/PID/maps shows. */
		if (realpath(path, canon))
			snprintf(path, sizeof path, "%s", canon);
		return path;
	}
	snprintf(err, errlen, "libsigjam.so not found at %s; reinstall sigjam or set SIGJAM_SHIM", path);
	return NULL;
}
