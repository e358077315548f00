/* xalloc.h — allocation for test fixtures: a failed allocation aborts the
 * test program (there is nothing to recover in a fixture). */
#ifndef SIGJAM_TEST_XALLOC_H
#define SIGJAM_TEST_XALLOC_H

#include <stdlib.h>
#include <string.h>

static inline void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

/* strdup that keeps NULL as NULL. */
static inline char *xstrdup(const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

#endif
