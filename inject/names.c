/* names.c — the signal and errno tables behind names.h. */
#include "names.h"

#include <errno.h>
#include <signal.h>

struct name_row { int num; const char *name; };

static const struct name_row signals[] = {
#define S(x) { x, #x }
	S(SIGHUP), S(SIGINT), S(SIGQUIT), S(SIGILL), S(SIGTRAP), S(SIGABRT),
	S(SIGBUS), S(SIGFPE), S(SIGKILL), S(SIGUSR1), S(SIGSEGV), S(SIGUSR2),
	S(SIGPIPE), S(SIGALRM), S(SIGTERM), S(SIGSTKFLT), S(SIGCHLD), S(SIGCONT),
	S(SIGSTOP), S(SIGTSTP), S(SIGTTIN), S(SIGTTOU), S(SIGURG), S(SIGXCPU),
	S(SIGXFSZ), S(SIGVTALRM), S(SIGPROF), S(SIGWINCH), S(SIGIO), S(SIGPWR),
	S(SIGSYS),
	/* Aliases after the names they stand for: sj_signal_name returns the
	 * first row, so output keeps the usual name while input accepts both. */
	S(SIGIOT), S(SIGPOLL), S(SIGCLD),
#undef S
};

static const struct name_row errnos[] = {
#define E(x) { x, #x }
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES),
	E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR),
	E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(ETXTBSY),
	E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(EDOM),
	E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOLCK), E(ENOSYS),
	E(ENOTEMPTY), E(ELOOP), E(ENOMSG), E(EIDRM), E(ENOSTR), E(ENODATA),
	E(ETIME), E(EBADMSG), E(EOVERFLOW), E(EILSEQ), E(ENOTSOCK),
	E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT),
	E(EPROTONOSUPPORT), E(EOPNOTSUPP), E(EAFNOSUPPORT), E(EADDRINUSE),
	E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH), E(ECONNABORTED),
	E(ECONNRESET), E(ENOBUFS), E(EISCONN), E(ENOTCONN), E(ETIMEDOUT),
	E(ECONNREFUSED), E(EHOSTUNREACH), E(EALREADY), E(EINPROGRESS),
	E(ESTALE), E(EDQUOT), E(ECANCELED), E(EOWNERDEAD), E(ENOTRECOVERABLE),
	E(ENOTBLK), E(EPROTO), E(ENOLINK), E(EMULTIHOP), E(ENOTUNIQ), E(EBADFD),
	E(ECOMM), E(ENONET), E(ENOSR), E(ESHUTDOWN), E(ETOOMANYREFS), E(EUSERS),
	E(ENETRESET), E(EHOSTDOWN), E(ESOCKTNOSUPPORT), E(EPFNOSUPPORT),
	E(EREMOTEIO), E(ENOMEDIUM), E(EMEDIUMTYPE), E(ENOKEY), E(EKEYEXPIRED),
	E(EKEYREVOKED), E(EKEYREJECTED), E(ERFKILL), E(EHWPOISON), E(ERESTART),
	/* Aliases after the names they stand for (same numbers on Linux). */
	E(EWOULDBLOCK), E(EDEADLOCK), E(ENOTSUP),
#undef E
};

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }

/* Case-insensitive compare of a counted string with a NUL-terminated one. */
static int eq_nocase(const char *a, unsigned n, const char *b)
{
	unsigned i;
	for (i = 0; i < n; i++)
		if (b[i] == '\0' || lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return b[n] == '\0';
}

/* A decimal number of length n, or -1. */
static int parse_uint(const char *s, unsigned n)
{
	int v = 0;
	unsigned i;
	if (n == 0 || n > 4)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static unsigned cstrlen(const char *s)
{
	unsigned n = 0;
	while (s[n])
		n++;
	return n;
}

const char *sj_signal_name(int sig)
{
	for (unsigned i = 0; i < NROWS(signals); i++)
		if (signals[i].num == sig)
			return signals[i].name;
	return 0;
}

int sj_signal_from_name_n(const char *name, unsigned n)
{
	int v = parse_uint(name, n);
	if (v >= 0)
		return (v > 0 && v < 65) ? v : 0;
	if (n > 3 && eq_nocase(name, 3, "sig"))
		name += 3, n -= 3;
	for (unsigned i = 0; i < NROWS(signals); i++)
		if (eq_nocase(name, n, signals[i].name + 3))
			return signals[i].num;
	return 0;
}

int sj_signal_from_name(const char *name)
{
	return sj_signal_from_name_n(name, cstrlen(name));
}

const char *sj_errno_name(int err)
{
	for (unsigned i = 0; i < NROWS(errnos); i++)
		if (errnos[i].num == err)
			return errnos[i].name;
	return 0;
}

int sj_errno_from_name_n(const char *name, unsigned n)
{
	int v = parse_uint(name, n);
	if (v >= 0)
		return v < 4096 ? v : -1;
	for (unsigned i = 0; i < NROWS(errnos); i++)
		if (eq_nocase(name, n, errnos[i].name))
			return errnos[i].num;
	return -1;
}

int sj_errno_from_name(const char *name)
{
	return sj_errno_from_name_n(name, cstrlen(name));
}
