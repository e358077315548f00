/* sockdiag.c — socket endpoints through NETLINK_SOCK_DIAG (see sockdiag.h). */
#include "sockdiag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"

/* ---- the table ------------------------------------------------------------ */

static struct sj_diag_sock *add_sock(struct sj_diag *d, size_t *cap)
{
	if (d->n == *cap) {
		size_t nc = *cap ? 2 * *cap : 256;
		struct sj_diag_sock *nv = realloc(d->v, nc * sizeof *nv);
		if (!nv)
			return NULL;
		d->v = nv;
		*cap = nc;
	}
	struct sj_diag_sock *e = &d->v[d->n++];
	memset(e, 0, sizeof *e);
	return e;
}

static int cmp_inode(const void *a, const void *b)
{
	uint64_t x = ((const struct sj_diag_sock *)a)->inode, y = ((const struct sj_diag_sock *)b)->inode;
	return (x > y) - (x < y);
}

static const struct sj_diag_sock *find(const struct sj_diag *d, uint64_t inode)
{
	struct sj_diag_sock key = { .inode = inode };
	return d->n ? bsearch(&key, d->v, d->n, sizeof *d->v, cmp_inode) : NULL;
}

void sj_diag_free(struct sj_diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].s.local);
		free(d->v[i].s.remote);
	}
	free(d->v);
	memset(d, 0, sizeof *d);
}

/* ---- netlink ---------------------------------------------------------------- */

struct dump {
	struct sj_diag *d;
	size_t *cap;     /* &d->cap */
	int family, protocol;
	int oom;
};

typedef void (*msg_fn)(struct dump *dp, const struct nlmsghdr *h);

/* Sends one dump request and feeds every answer to fn.  0 or -errno. */
static int diag_dump(int fd, const void *req, size_t len, msg_fn fn, struct dump *dp)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	if (sendto(fd, req, len, 0, (struct sockaddr *)&nl, sizeof nl) < 0)
		return -errno;
	static long buf[8192]; /* 64 KiB, aligned for struct nlmsghdr */
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return e->error ? e->error : -EIO;
			}
			fn(dp, h);
		}
	}
}

static char *unix_name(const struct rtattr *a)
{
	size_t len = RTA_PAYLOAD(a);
	const char *p = RTA_DATA(a);
	if (!len)
		return NULL;
	char *s = malloc(len + 1);
	if (!s)
		return NULL;
	memcpy(s, p, len);
	s[len] = '\0';
	if (s[0] == '\0') /* abstract: shown with '@', as ss(8) does */
		s[0] = '@';
	return s;
}

static void on_unix(struct dump *dp, const struct nlmsghdr *h)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	struct sj_diag_sock *e = add_sock(dp->d, dp->cap);
	if (!e) {
		dp->oom = 1;
		return;
	}
	e->inode = m->udiag_ino;
	e->s.family = AF_UNIX;
	e->s.type = m->udiag_type;
	e->s.state = m->udiag_state;
	int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
	for (const struct rtattr *a = (const struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == UNIX_DIAG_NAME) {
			e->s.local = unix_name(a);
			e->s.named = e->s.local != NULL;
		} else if (a->rta_type == UNIX_DIAG_PEER) {
			e->s.peer = *(const uint32_t *)RTA_DATA(a);
		} else if (a->rta_type == UNIX_DIAG_VFS) {
			/* The bound file: the kernel's dev_t (major << 20 | minor). */
			const struct unix_diag_vfs *v = RTA_DATA(a);
			e->s.vfs_ino = v->udiag_vfs_ino;
			e->s.vfs_major = v->udiag_vfs_dev >> 20;
			e->s.vfs_minor = v->udiag_vfs_dev & 0xfffff;
		} else if (a->rta_type == UNIX_DIAG_RQLEN) {
			const struct unix_diag_rqlen *q = RTA_DATA(a);
			e->s.rqueue = q->udiag_rqueue;
			e->s.wqueue = q->udiag_wqueue;
		}
	}
}

static char *endpoint(int family, const uint8_t *addr, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN], out[INET6_ADDRSTRLEN + 10];
	if (!inet_ntop(family, addr, ip, sizeof ip))
		return NULL;
	snprintf(out, sizeof out, family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, (unsigned)port);
	return strdup(out);
}

static void on_inet(struct dump *dp, const struct nlmsghdr *h)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	if (!m->idiag_inode)
		return; /* a time-wait or orphan socket: no fd holds it */
	struct sj_diag_sock *e = add_sock(dp->d, dp->cap);
	if (!e) {
		dp->oom = 1;
		return;
	}
	size_t alen = dp->family == AF_INET6 ? 16 : 4;
	e->inode = m->idiag_inode;
	e->s.family = dp->family;
	e->s.protocol = dp->protocol;
	e->s.type = dp->protocol == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	e->s.state = m->idiag_state;
	e->s.rqueue = m->idiag_rqueue;
	e->s.wqueue = m->idiag_wqueue;
	memcpy(e->src, m->id.idiag_src, alen);
	memcpy(e->dst, m->id.idiag_dst, alen);
	e->sport = ntohs(m->id.idiag_sport);
	e->dport = ntohs(m->id.idiag_dport);
	e->s.local = endpoint(dp->family, e->src, e->sport);
	if (e->dport)
		e->s.remote = endpoint(dp->family, e->dst, e->dport);
	/* Anyone may connect to a listener or send to an unconnected UDP socket. */
	e->s.named = e->s.state == TCP_LISTEN || (dp->protocol == IPPROTO_UDP && !e->dport);
}

static int dump_unix(int fd, struct dump *dp)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req r;
	} req = {
		.nlh = { .nlmsg_len = sizeof req, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = AF_UNIX, .udiag_states = ~0U,
		       .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN |
				       UDIAG_SHOW_VFS },
	};
	return diag_dump(fd, &req, sizeof req, on_unix, dp);
}

static int dump_inet(int fd, struct dump *dp, int family, int protocol)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = { .nlmsg_len = sizeof req, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = (uint8_t)family, .sdiag_protocol = (uint8_t)protocol, .idiag_states = ~0U },
	};
	dp->family = family;
	dp->protocol = protocol;
	return diag_dump(fd, &req, sizeof req, on_inet, dp);
}

/* ---- peers of TCP and UDP sockets ---------------------------------------------- */

static int same_endpoint(const struct sj_diag_sock *a, const uint8_t *addr, uint16_t port)
{
	size_t alen = a->s.family == AF_INET6 ? 16 : 4;
	return a->sport == port && memcmp(a->src, addr, alen) == 0;
}

/* A connected TCP socket's peer on this host has the same pair of
 * endpoints the other way round.  A connected UDP socket hears only from
 * the socket bound to its remote endpoint: that one, if exactly one
 * socket is bound there (SO_REUSEPORT could share it). */
static void resolve_inet_peers(struct sj_diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct sj_diag_sock *a = &d->v[i];
		if (a->s.family == AF_UNIX || !a->dport || a->s.state == TCP_LISTEN)
			continue;
		size_t found = 0;
		uint64_t peer = 0;
		for (size_t k = 0; k < d->n; k++) {
			const struct sj_diag_sock *b = &d->v[k];
			if (k == i || b->s.family != a->s.family || b->s.protocol != a->s.protocol ||
			    b->s.state == TCP_LISTEN || !same_endpoint(b, a->dst, a->dport))
				continue;
			if (a->s.protocol == IPPROTO_TCP && !same_endpoint(a, b->dst, b->dport))
				continue;
			found++;
			peer = b->inode;
		}
		a->s.peer = found == 1 ? peer : 0;
	}
}

static uint64_t netns_of(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (uint64_t)sb.st_ino : 0;
}

static int diag_socket(void)
{
	return socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
}

static int finish(struct sj_diag *d, struct dump *dp)
{
	if (dp->oom) {
		sj_diag_free(d);
		return -ENOMEM;
	}
	if (d->n > 1)
		qsort(d->v, d->n, sizeof *d->v, cmp_inode);
	return 0;
}

int sj_diag_read(struct sj_diag *d)
{
	memset(d, 0, sizeof *d);
	int fd = diag_socket();
	if (fd < 0)
		return -errno;
	struct dump dp = { .d = d, .cap = &d->cap };
	int r = dump_unix(fd, &dp);
	close(fd);
	d->unix_ok = r == 0;
	if (finish(d, &dp))
		return -ENOMEM;
	d->netns = netns_of("/proc/self/ns/net");
	return d->unix_ok ? 0 : r;
}

/* The TCP and UDP dumps walk the kernel's whole connection hash, a
 * millisecond each: only done once a process holds a socket the Unix
 * dump did not know, before that process is stopped. */
static void read_inet(struct sj_diag *d)
{
	static const struct { int family, protocol; } inet[] = {
		{ AF_INET, IPPROTO_TCP }, { AF_INET6, IPPROTO_TCP },
		{ AF_INET, IPPROTO_UDP }, { AF_INET6, IPPROTO_UDP },
	};
	d->inet_tried = 1;
	int fd = diag_socket();
	if (fd < 0)
		return;
	struct dump dp = { .d = d, .cap = &d->cap };
	d->inet_ok = 1;
	for (size_t i = 0; i < sizeof inet / sizeof inet[0]; i++)
		if (dump_inet(fd, &dp, inet[i].family, inet[i].protocol) != 0)
			d->inet_ok = 0; /* e.g. no IPv6: the others still count */
	close(fd);
	if (finish(d, &dp) == 0)
		resolve_inet_peers(d);
}

/* ---- /proc/net/unix --------------------------------------------------------------- */

/* "Num RefCount Protocol Flags Type St Inode Path": Flags 00010000 is
 * __SO_ACCEPTCON (listening), St 03 SS_CONNECTED. */
int sj_parse_net_unix_line(const char *line, uint64_t *inode, struct sj_sock *s)
{
	unsigned long long refs, proto, flags, ino;
	unsigned type, st;
	int pos = 0;
	memset(s, 0, sizeof *s);
	if (sscanf(line, "%*[0-9a-fA-F]: %llx %llx %llx %x %x %llu%n", &refs, &proto, &flags, &type, &st, &ino,
		   &pos) != 6)
		return -EINVAL;
	*inode = ino;
	s->family = AF_UNIX;
	s->type = (int)type;
	s->state = flags & 0x10000 ? TCP_LISTEN : st == 3 ? TCP_ESTABLISHED : TCP_CLOSE;
	const char *path = line + pos;
	while (*path == ' ')
		path++;
	size_t len = strcspn(path, "\n");
	if (len) {
		s->local = strndup(path, len);
		s->named = 1;
	}
	return 0;
}

static void fill_from_net_unix(struct sj_process *p)
{
	char path[64], *text;
	snprintf(path, sizeof path, "/proc/%d/net/unix", (int)p->pid);
	if (sj_procfs_slurp(path, &text) < 0)
		return;
	for (const char *l = strchr(text, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		uint64_t ino;
		struct sj_sock s;
		if (sj_parse_net_unix_line(l + 1, &ino, &s) != 0)
			continue;
		for (size_t i = 0; i < p->nfds; i++)
			if (p->fds[i].kind == SJ_FDK_SOCKET && p->fds[i].inode == ino && !p->fds[i].sock.family) {
				p->fds[i].sock = s;
				s.local = s.local ? strdup(s.local) : NULL; /* the next copy owns its own */
			}
		free(s.local);
	}
	free(text);
}

static void copy_sock(struct sj_sock *dst, const struct sj_sock *src)
{
	*dst = *src;
	dst->local = src->local ? strdup(src->local) : NULL;
	dst->remote = src->remote ? strdup(src->remote) : NULL;
}

void sj_diag_fill_process(struct sj_diag *d, struct sj_process *p)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)p->pid);
	int same_ns = d->netns && netns_of(path) == d->netns;
	for (size_t i = 0; same_ns && !d->inet_tried && i < p->nfds; i++)
		if (p->fds[i].kind == SJ_FDK_SOCKET && !find(d, p->fds[i].inode))
			read_inet(d);
	for (size_t i = 0; same_ns && i < p->nfds; i++) {
		struct sj_fd *f = &p->fds[i];
		const struct sj_diag_sock *e = f->kind == SJ_FDK_SOCKET ? find(d, f->inode) : NULL;
		if (e)
			copy_sock(&f->sock, &e->s);
	}
	if (!same_ns || !d->unix_ok)
		fill_from_net_unix(p);
}
