/* handlers_python.c — layer 4, handler group: does a handler address lie in CPython?  That is what
 * `python: true` in `handler` and `dispositions` records says: the handler is
 * CPython's C-level trampoline, so a Python-level handler (signal.signal) is
 * installed — e.g. a parent's SIGTERM handler inherited by pool workers. */
#include <dlfcn.h>
#include <stdatomic.h>
#include <string.h>

#include "handlers.h"
#include "journal.h"

/* The file hosting _PyRuntime (CPython >= 3.7 exports it from libpython or,
 * when linked statically, from the python executable itself, or from a
 * program embedding Python).  Found once at load time: dlsym is not
 * async-signal-safe, and handlers are also installed from fork children and
 * from handlers, where it must not run. */
static char py_module[512];
static atomic_int py_probed;

void sj_python_probe(void)
{
	void *rt;
	uint64_t off;
	if (atomic_exchange(&py_probed, 1))
		return;
	rt = dlsym(RTLD_DEFAULT, "_PyRuntime");
	if (rt && sj_module_of((uint64_t)(uintptr_t)rt, py_module, sizeof py_module, &off) != 0)
		py_module[0] = '\0';
}

static const char *base_name(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

int sj_path_is_python(const char *path)
{
	if (!path || !path[0])
		return 0;
	/* A libpython loaded with dlopen after start-up is not covered by the
	 * probe; its file name says what it is. */
	if (strncmp(base_name(path), "libpython", 9) == 0)
		return 1;
	return py_module[0] && strcmp(py_module, path) == 0;
}
