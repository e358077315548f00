/* errors.c — how a renderer fails: one line in err, -1. */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

int rp_fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int rp_check_stream(FILE *out, const char *what, char *err, size_t errlen)
{
	if (fflush(out) != 0 || ferror(out))
		return rp_fail(err, errlen, "%s report: writing the output failed: %s", what,
			       strerror(errno ? errno : EIO));
	return 0;
}
