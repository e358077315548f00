/* wrap_fd.c — layer 6: the wrappers of everything that makes, replaces or
 * closes a descriptor (fds.def), for the fd-kind cache.  They call the real
 * function and then forget the descriptors involved (fdkind.c); nothing else
 * changes.  In a vfork child they only call libc (vfork.c). */
#include "handlers.h"
#include "real.h"
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Only declared by <bits/fcntl2.h> under _FORTIFY_SOURCE. */
extern int __open_2(const char *path, int flags);
extern int __open64_2(const char *path, int flags);
extern int __openat_2(int dirfd, const char *path, int flags);
extern int __openat64_2(int dirfd, const char *path, int flags);

static inline void forget(int fd)
{
	if (fd >= 0 && !sj_in_vfork_child())
		sj_fd_forget(fd);
}

static inline int stream_fd(FILE *f)
{
	return f ? fileno(f) : -1;
}

/* (glibc declares closedir's argument nonnull; a program may still pass NULL) */
static inline int dir_fd(const void *d)
{
	return d ? dirfd((DIR *)d) : -1;
}

/* The real call, or the row's fallback while the real function is unknown. */
#define REAL_CALL(name, ret, args, fallback)                           \
	({                                                              \
		__typeof__(name) *real_ = SJ_REAL_FN(name);             \
		real_ ? real_ args : (ret)(fallback);                   \
	})

#define SJ_FD_NEW(name, ret, params, args, fallback)                \
	SJ_EXPORT ret name params                                   \
	{                                                           \
		ret r = REAL_CALL(name, ret, args, fallback);       \
		forget((int)r);                                     \
		return r;                                           \
	}

#define SJ_FD_PAIR(name, params, args, fds, fallback)               \
	SJ_EXPORT int name params                                   \
	{                                                           \
		int r = REAL_CALL(name, int, args, fallback);       \
		if (r == 0) {                                       \
			forget(fds[0]);                             \
			forget(fds[1]);                             \
		}                                                   \
		return r;                                           \
	}

#define SJ_FD_REPLACE(name, params, args, newfd, fallback)          \
	SJ_EXPORT int name params                                   \
	{                                                           \
		int r = REAL_CALL(name, int, args, fallback);       \
		if (r >= 0)                                         \
			forget(newfd);                              \
		return r;                                           \
	}

#define SJ_FD_CLOSE(name, params, args, fd, fallback)               \
	SJ_EXPORT int name params                                   \
	{                                                           \
		int r = REAL_CALL(name, int, args, fallback);       \
		forget(fd);                                         \
		return r;                                           \
	}

/* A FILE row: the unsafe-call note, then the call (NULL/EOF while libc's
 * function is unknown: real.def SJ_MISS_ENOSYS). */
#define FILE_CALL(name, ret, args, unsafe, fail)                     \
	({                                                           \
		if (unsafe)                                          \
			sj_note_unsafe(#name);                       \
		REAL_CALL(name, ret, args, fail);                    \
	})

#define SJ_FILE_NEW(name, params, args, unsafe)                     \
	SJ_EXPORT FILE *name params                                 \
	{                                                           \
		FILE *r = FILE_CALL(name, FILE *, args, unsafe, NULL); \
		forget(stream_fd(r));                               \
		return r;                                           \
	}

#define SJ_FILE_REOPEN(name, params, args, stream, unsafe)          \
	SJ_EXPORT FILE *name params                                 \
	{                                                           \
		int old = stream_fd(stream);                        \
		FILE *r = FILE_CALL(name, FILE *, args, unsafe, NULL); \
		forget(old);                                        \
		forget(stream_fd(r));                               \
		return r;                                           \
	}

#define SJ_FILE_CLOSE(name, params, args, stream, unsafe)           \
	SJ_EXPORT int name params                                   \
	{                                                           \
		int fd = stream_fd(stream);                         \
		int r = FILE_CALL(name, int, args, unsafe, EOF);    \
		forget(fd);                                         \
		return r;                                           \
	}

#include "fds.def"

/* ---- variadic: the mode (open) or argument (fcntl) is read only when the
 * call carries one, as glibc does ---- */

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

/* open and openat: params and args before `flags`, then the mode. */
#define SJ_OPEN(name, params, args, dirfd)                                              \
	SJ_EXPORT int name params                                                       \
	{                                                                               \
		va_list ap;                                                             \
		mode_t mode;                                                            \
		int r;                                                                  \
		va_start(ap, flags);                                                    \
		mode = open_mode(flags, ap);                                            \
		va_end(ap);                                                             \
		r = REAL_CALL(name, int, args, syscall(SYS_openat, dirfd, path, flags, mode)); \
		forget(r);                                                              \
		return r;                                                               \
	}

SJ_OPEN(open, (const char *path, int flags, ...), (path, flags, mode), AT_FDCWD)
SJ_OPEN(open64, (const char *path, int flags, ...), (path, flags, mode), AT_FDCWD)
SJ_OPEN(openat, (int dirfd, const char *path, int flags, ...), (dirfd, path, flags, mode), dirfd)
SJ_OPEN(openat64, (int dirfd, const char *path, int flags, ...), (dirfd, path, flags, mode), dirfd)

#define SJ_FCNTL(name)                                                          \
	SJ_EXPORT int name(int fd, int cmd, ...)                                \
	{                                                                       \
		va_list ap;                                                     \
		void *arg;                                                      \
		int r;                                                          \
		va_start(ap, cmd);                                              \
		arg = va_arg(ap, void *);                                       \
		va_end(ap);                                                     \
		r = REAL_CALL(name, int, (fd, cmd, arg), syscall(SYS_fcntl, fd, cmd, arg)); \
		if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)                   \
			forget(r);                                              \
		return r;                                                       \
	}

SJ_FCNTL(fcntl)
SJ_FCNTL(fcntl64)

/* ---- ranges ---- */

SJ_EXPORT int close_range(unsigned lo, unsigned hi, int flags)
{
	int r = REAL_CALL(close_range, int, (lo, hi, flags), syscall(SYS_close_range, lo, hi, flags));
	/* CLOSE_RANGE_CLOEXEC closes nothing now; exec replaces the cache. */
	if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC) && !sj_in_vfork_child())
		sj_fd_forget_range(lo, hi);
	return r;
}

SJ_EXPORT void closefrom(int lo)
{
	__typeof__(closefrom) *real_ = SJ_REAL_FN(closefrom);
	if (real_)
		real_(lo);
	else
		syscall(SYS_close_range, (unsigned)lo, ~0u, 0);
	if (lo >= 0 && !sj_in_vfork_child())
		sj_fd_forget_range((unsigned)lo, ~0u);
}

/* ---- descriptors received over a socket ---- */

SJ_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t r = REAL_CALL(recvmsg, ssize_t, (fd, msg, flags), syscall(SYS_recvmsg, fd, msg, flags));
	struct cmsghdr *c;
	if (r < 0 || !msg || !msg->msg_control || sj_in_vfork_child())
		return r;
	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			const unsigned char *p = CMSG_DATA(c);
			size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < n; i++) {
				int got;
				memcpy(&got, p + i * sizeof got, sizeof got);
				forget(got);
			}
		}
	return r;
}

/* ---- directories ---- */

SJ_EXPORT DIR *opendir(const char *name)
{
	DIR *d = REAL_CALL(opendir, DIR *, (name), NULL);
	if (d)
		forget(dirfd(d));
	return d;
}

SJ_EXPORT int closedir(DIR *d)
{
	int fd = dir_fd(d);
	int r = REAL_CALL(closedir, int, (d), -1);
	forget(fd);
	return r;
}
