/* encode.c — model text in output encodings: UTF-8 checked byte by byte
 * (for the escapers of text, DOT and XML) and JSON values that never lose a
 * failure. */
#include "internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

size_t rp_utf8_next(const unsigned char *s, size_t n, long *cp)
{
	static const long min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned char c = s[0];
	size_t len;
	long v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
	} else {
		*cp = -1;
		return 1;
	}
	if (len > n) {
		*cp = -1;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = -1;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past U+10FFFF are not
	 * UTF-8 even though their bytes look like it. */
	if (v < min_cp[len] || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff) {
		*cp = -1;
		return 1;
	}
	*cp = v;
	return len;
}

void rp_put_escaped(FILE *out, const char *s, const char *(*escape)(long cp, int arg), int arg)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		long cp;
		size_t l = rp_utf8_next(u + i, n - i, &cp);
		const char *e = escape(cp, arg);
		if (e)
			fputs(e, out);
		else
			fwrite(u + i, 1, l, out);
		i += l;
	}
}

json_t *rp_json_str(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (j)
		return j;

	size_t n = strlen(s), o = 0;
	char *fixed = malloc(n * 3 + 1);   /* each bad byte becomes 3 bytes of U+FFFD */
	if (!fixed)
		return NULL;
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		long cp;
		size_t l = rp_utf8_next(u + i, n - i, &cp);
		if (cp < 0) {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
		} else {
			memcpy(fixed + o, s + i, l);
			o += l;
		}
		i += l;
	}
	fixed[o] = 0;
	j = json_string(fixed);
	free(fixed);
	return j;
}

json_t *rp_json_hex(uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof buf, "0x%" PRIx64, v);
	return json_string(buf);
}

void rp_jset(json_t *o, const char *key, json_t *v, int *bad)
{
	if (!v || json_object_set_new(o, key, v) != 0)
		*bad = 1;
}

void rp_jappend(json_t *a, json_t *v, int *bad)
{
	if (!v || json_array_append_new(a, v) != 0)
		*bad = 1;
}
