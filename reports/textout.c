/* textout.c — lines of the text report.  A line is gathered segment by
 * segment, then written broken at spaces: no piece wider than its width,
 * colour escapes (ESC [ ... m) taking no column and every other character
 * (a UTF-8 sequence) one; a word wider than a piece is cut. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "textout.h"

static const struct rp_palette ansi = {
	"\033[0m", "\033[1m", "\033[2m", "\033[1;31m", "\033[33m", "\033[36m", "\033[32m", "\033[90m",
};
static const struct rp_palette plain = { "", "", "", "", "", "", "", "" };

void rp_text_init(struct rp_text *t, FILE *out, const struct sj_report *r)
{
	memset(t, 0, sizeof *t);
	t->out = out;
	t->c = r->color ? &ansi : &plain;
	t->r = r;
	t->width = RP_MAX_WIDTH;
	t->indent = (size_t)-1;
}

/* Strings from the target (argv, comm, paths) may hold escape sequences
 * or invalid UTF-8; writing them raw would let a target drive the user's
 * terminal.  Control characters and invalid bytes become '?'. */
static const char *clean(long cp, int unused)
{
	(void)unused;
	return cp < 0 || (cp < 0x20 && cp != '\t') || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ? "?" : NULL;
}

void rp_seg(struct rp_text *t, const char *col, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (!t->line)
		t->line = open_memstream(&t->buf, &t->len);
	FILE *to = t->line ? t->line : t->out;   /* no memory: unbroken, still correct */
	if (col[0])
		fputs(col, to);
	rp_put_escaped(to, s, clean, 0);
	if (col[0])
		fputs(t->c->reset, to);
	free(s);
}

void rp_prose(struct rp_text *t, size_t indent)
{
	t->width = RP_PROSE_WIDTH;
	t->indent = indent;
}

const char *rp_sev_colour(const struct rp_text *t, enum sj_severity s)
{
	return s == SJ_SEV_ERROR ? t->c->red : s == SJ_SEV_WARNING ? t->c->yellow : t->c->cyan;
}

/* Bytes of the escape sequence at s (0 when s does not start one). */
static size_t escape_len(const char *s, size_t n)
{
	if (n < 2 || s[0] != '\033' || s[1] != '[')
		return 0;
	size_t i = 2;
	while (i < n && s[i] != 'm')
		i++;
	return i < n ? i + 1 : n;
}

static size_t char_len(const char *s, size_t n)
{
	size_t i = 1;
	while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	return i;
}

/* The space at s[i] keeps a number with the word before it ("pid 4100",
 * "finding 1"), except in a list ("pids 12, 13"). */
static int glued(const char *s, size_t i, size_t n)
{
	return i > 0 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9' && s[i - 1] != ',';
}

static void put_wrapped(FILE *out, const char *s, size_t n, size_t width, size_t indent)
{
	if (indent + 20 > width)
		indent = 0;      /* a continuation needs room for words */
	size_t start = 0, col = 0, brk = 0, i = 0;
	int word = 0;        /* the piece has a word already: its spaces may break it */
	while (i < n) {
		size_t e = escape_len(s + i, n - i);
		if (e) {
			i += e;
			continue;
		}
		if (s[i] == ' ' && word && !glued(s, i, n))
			brk = i;
		word |= s[i] != ' ';
		if (col + 1 > width && i > start) {
			/* Break at the last space of this piece, else cut the word. */
			size_t end = brk > start ? brk : i;
			fwrite(s + start, 1, end - start, out);
			fprintf(out, "\n%*s", (int)indent, "");
			start = end;
			while (start < n && s[start] == ' ')
				start++;
			i = start;
			col = indent;
			brk = 0;
			word = 0;
			continue;
		}
		i += char_len(s + i, n - i);
		col++;
	}
	fwrite(s + start, 1, n - start, out);
}

void rp_nl(struct rp_text *t)
{
	if (t->line && fclose(t->line) == 0 && t->buf) {
		size_t indent = t->indent;
		if (indent == (size_t)-1) {
			indent = strspn(t->buf, " ") + 4;
		}
		put_wrapped(t->out, t->buf, t->len, t->width, indent);
	}
	t->line = NULL;
	free(t->buf);
	t->buf = NULL;
	t->len = 0;
	t->width = RP_MAX_WIDTH;
	t->indent = (size_t)-1;
	fputc('\n', t->out);
}
