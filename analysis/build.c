/* build.c — string and finding builders.  Allocation failure is recorded in
 * a sticky flag instead of being checked after every append: a detector
 * writes its sentence in one go and the commit reports -1 once. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sja_grow(void **v, size_t *cap, size_t n, size_t elsz)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 4;
	void *nv = realloc(*v, ncap * elsz);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

void sja_sb_vprintf(struct sj_sb *b, const char *fmt, va_list ap)
{
	if (b->oom)
		return;
	va_list ap2;
	va_copy(ap2, ap);
	int need = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (need < 0) {
		b->oom = 1;
		return;
	}
	if (b->len + (size_t)need + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 64;
		while (ncap < b->len + (size_t)need + 1)
			ncap *= 2;
		char *ns = realloc(b->s, ncap);
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = ncap;
	}
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)need;
}

void sja_sb_printf(struct sj_sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sja_sb_vprintf(b, fmt, ap);
	va_end(ap);
}

void sja_sb_puts(struct sj_sb *b, const char *s)
{
	sja_sb_printf(b, "%s", s);
}

char *sja_sb_take(struct sj_sb *b)
{
	char *s = NULL;
	if (!b->oom)
		s = b->s ? b->s : strdup("");
	else
		free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
	return s;
}

void sja_sb_free(struct sj_sb *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

void sja_sb_pids(struct sj_sb *b, const pid_t *pids, size_t n, int with_word)
{
	if (with_word)
		sja_sb_puts(b, n == 1 ? "pid " : "pids ");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			sja_sb_puts(b, i + 1 == n ? " and " : ", ");
		sja_sb_printf(b, "%d", (int)pids[i]);
	}
}

void sja_sb_ordinal(struct sj_sb *b, long n)
{
	char buf[32];
	sja_sb_puts(b, sj_ordinal_text(n, buf, sizeof buf));
}

void sja_sb_seconds(struct sj_sb *b, double s)
{
	char buf[48];
	sja_sb_puts(b, sj_seconds_text(s, buf, sizeof buf));
}

/* ---- finding builder ---- */

void sja_fb_init(struct sj_fb *fb, enum sj_finding_kind kind)
{
	memset(fb, 0, sizeof *fb);
	fb->f.kind = kind;
	fb->f.severity = sj_kind_info(kind)->severity;
}

void sja_fb_cause(struct sj_fb *fb, struct sj_sb *text)
{
	free(fb->f.cause);
	fb->f.cause = sja_sb_take(text);
	if (!fb->f.cause)
		fb->oom = 1;
}

void sja_fb_advice(struct sj_fb *fb, const char *advice)
{
	free(fb->f.advice);
	fb->f.advice = strdup(advice);
	if (!fb->f.advice)
		fb->oom = 1;
}

void sja_fb_evidence(struct sj_fb *fb, pid_t pid, pid_t tid, char *text)
{
	struct sj_finding *f = &fb->f;
	if (!text || sja_grow((void **)&f->evidence, &fb->cap_ev, f->nevidence, sizeof *f->evidence)) {
		free(text);
		fb->oom = 1;
		return;
	}
	f->evidence[f->nevidence++] = (struct sj_evidence){ .pid = pid, .tid = tid, .text = text };
}

void sja_fb_edge(struct sj_fb *fb, pid_t from_pid, pid_t from_tid, pid_t to_pid,
		pid_t to_tid, const char *via)
{
	struct sj_finding *f = &fb->f;
	for (size_t i = 0; i < f->nedges; i++) {
		const struct sj_edge *e = &f->edges[i];
		if (e->from_pid == from_pid && e->from_tid == from_tid && e->to_pid == to_pid &&
		    e->to_tid == to_tid && strcmp(e->via, via) == 0)
			return;
	}
	char *v = strdup(via);
	if (!v || sja_grow((void **)&f->edges, &fb->cap_edges, f->nedges, sizeof *f->edges)) {
		free(v);
		fb->oom = 1;
		return;
	}
	f->edges[f->nedges++] = (struct sj_edge){ from_pid, from_tid, to_pid, to_tid, v };
}

/* Appends the element el of size sz to the set *v (n used, *cap allocated)
 * unless an equal one is there. */
static void set_add(struct sj_fb *fb, void **v, size_t *n, size_t *cap, const void *el, size_t sz)
{
	for (size_t i = 0; i < *n; i++)
		if (memcmp((const char *)*v + i * sz, el, sz) == 0)
			return;
	if (sja_grow(v, cap, *n, sz)) {
		fb->oom = 1;
		return;
	}
	memcpy((char *)*v + (*n)++ * sz, el, sz);
}

void sja_fb_pid(struct sj_fb *fb, pid_t pid)
{
	set_add(fb, (void **)&fb->f.pids, &fb->f.npids, &fb->cap_pids, &pid, sizeof pid);
}

void sja_fb_pipe(struct sj_fb *fb, uint64_t inode)
{
	set_add(fb, (void **)&fb->f.pipes, &fb->f.npipes, &fb->cap_pipes, &inode, sizeof inode);
}

void sja_fb_record(struct sj_fb *fb, size_t idx)
{
	set_add(fb, (void **)&fb->f.records, &fb->f.nrecords, &fb->cap_records, &idx, sizeof idx);
}

void sja_fb_assume(struct sj_fb *fb, const char *clause)
{
	struct sj_finding *f = &fb->f;
	for (size_t i = 0; i < f->nassumptions; i++)
		if (strcmp(f->assumptions[i], clause) == 0)
			return;
	char *c = strdup(clause);
	if (!c || sja_grow((void **)&f->assumptions, &fb->cap_assume, f->nassumptions, sizeof *f->assumptions)) {
		free(c);
		fb->oom = 1;
		return;
	}
	f->assumptions[f->nassumptions++] = c;
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

void sja_fb_location(struct sj_fb *fb, const char *file, int line, const char *func)
{
	struct sj_finding *f = &fb->f;
	if (!file)
		return;
	for (size_t i = 0; i < f->nlocations; i++)
		if (f->locations[i].line == line && same_str(f->locations[i].file, file) &&
		    same_str(f->locations[i].func, func)) {
			f->locations[i].count++;
			return;
		}
	char *fi = strdup(file), *fu = func ? strdup(func) : NULL;
	if (!fi || (func && !fu) ||
	    sja_grow((void **)&f->locations, &fb->cap_loc, f->nlocations, sizeof *f->locations)) {
		free(fi);
		free(fu);
		fb->oom = 1;
		return;
	}
	f->locations[f->nlocations++] = (struct sj_location){ .file = fi, .line = line, .func = fu,
							       .count = 1 };
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

void sja_fb_discard(struct sj_fb *fb)
{
	sj_finding_free(&fb->f);
	memset(fb, 0, sizeof *fb);
}

int sja_fb_commit(struct sj_fb *fb, struct sj_findings *out)
{
	struct sj_finding *f = &fb->f;
	if (!f->cause || !f->advice)
		fb->oom = 1;
	/* out->n is also the capacity: findings are few, so grow one by one. */
	struct sj_finding *nv = fb->oom ? NULL : realloc(out->v, (out->n + 1) * sizeof *out->v);
	if (!nv) {
		sja_fb_discard(fb);
		return -1;
	}
	if (f->npids > 1)
		qsort(f->pids, f->npids, sizeof *f->pids, cmp_pid);
	if (f->npipes > 1)
		qsort(f->pipes, f->npipes, sizeof *f->pipes, cmp_u64);
	if (f->nrecords > 1)
		qsort(f->records, f->nrecords, sizeof *f->records, cmp_size);
	out->v = nv;
	out->v[out->n++] = *f;
	memset(fb, 0, sizeof *fb);
	return 0;
}
