/* pythons.h — the CPython interpreters `sigjam scenario` runs Python
 * scenarios with: the entries of pythons/list (installed next to sigjam,
 * share/sigjam/pythons/), each run where it lives through pythons/pyroot
 * (this machine, or a Debian root entered like a container). */
#ifndef SIGJAM_PYTHONS_H
#define SIGJAM_PYTHONS_H

#include <limits.h>
#include <stddef.h>

struct sj_python {
	char tag[64];            /* "local", "3.14", or the --python PATH itself */
	char suite[32];          /* "-": this machine; else the root it lives in */
	char interp[PATH_MAX];   /* the interpreter (inside its root for a root) */
	int ok;                  /* usable here */
	char why[256];           /* when not: why, in one line (pyroot's words) */
	char minor[16];          /* "3.14", as it says itself (sj_python_ask) */
	char start[16];          /* its default multiprocessing start method (sj_python_ask) */
};

/* Every entry of pythons/list with `pyroot list`'s verdict.  0, or -1 with
 * a one-line err (no pyroot found, it failed). */
int sj_pythons_load(struct sj_python *v, size_t max, size_t *n, char *err, size_t errlen);
/* An interpreter of this machine given by path (--python PATH). */
void sj_python_from_path(struct sj_python *p, const char *path);
/* The command prefix that runs p (its interpreter, or `pyroot run --bind
 * DIR TAG`): malloc'd strings into out (at most max), their count; 0 on
 * allocation failure. */
size_t sj_python_argv(const struct sj_python *p, const char *bind_dir, char **out, size_t max);
/* Asks p for its version and multiprocessing's default start method
 * (p->minor, p->start); 0, or -1 when it could not say (both stay ""). */
int sj_python_ask(struct sj_python *p, const char *bind_dir);

#endif
