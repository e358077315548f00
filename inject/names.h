/* names.h — signal and errno names as tables (async-signal-safe lookups).
 *
 * Every lookup here is a linear scan over a const table: no allocation, no
 * locale, no strerror.  The shim calls these from handler paths, the CLI and
 * the reports call them everywhere else. */
#ifndef SIGJAM_NAMES_H
#define SIGJAM_NAMES_H

/* "SIGTERM" for 15, "SIGRTMIN+3" style is not produced: real-time signals
 * come back as NULL and callers print the number.  NULL for unknown. */
const char *sj_signal_name(int sig);
/* Accepts "TERM", "SIGTERM", "term", "15"; returns 0 when unknown. */
int sj_signal_from_name(const char *name);
/* Same, for a name that is not NUL-terminated (length n). */
int sj_signal_from_name_n(const char *name, unsigned n);

/* "EINTR" for 4; NULL for unknown. */
const char *sj_errno_name(int err);
/* Accepts "EINTR", "eintr", "4"; returns -1 when unknown (0 is valid). */
int sj_errno_from_name(const char *name);
int sj_errno_from_name_n(const char *name, unsigned n);

#endif
