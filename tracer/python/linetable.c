/* linetable.c — decoding the PEP 657 location table.
 *
 * Format (Objects/locations.md in CPython): a sequence of entries, each
 * starting with a byte that has bit 7 set: bits 3-6 are the kind, bits 0-2
 * the length in code units minus one.  The kind says what follows:
 *   0-9   short form: one byte of columns, same line
 *   10-12 one-line form: line delta is kind-10, two column bytes
 *   13    no columns: a signed varint line delta
 *   14    long form: signed varint line delta + 3 varints (end line, cols)
 *   15    no location: the instructions have no line (line -1)
 * Varints are 6 bits per byte, bit 6 = "more"; signed varints keep the sign
 * in bit 0.  The line of a no-location entry is still not added to the
 * running line (its delta is 0). */
#include "linetable.h"

enum {
	LOC_ONE_LINE0 = 10,
	LOC_ONE_LINE1 = 11,
	LOC_ONE_LINE2 = 12,
	LOC_NO_COLUMNS = 13,
	LOC_LONG = 14,
	LOC_NONE = 15,
	CODEUNIT = 2,            /* sizeof(_Py_CODEUNIT) */
};

/* Like CPython's scan_varint, but never reads past the end of the table. */
static unsigned scan_varint(const uint8_t *p, const uint8_t *end)
{
	unsigned val, shift = 0, b;

	if (p >= end)
		return 0;
	b = *p++;
	val = b & 63;
	while ((b & 64) && p < end && shift < 24) {
		b = *p++;
		shift += 6;
		val |= (b & 63u) << shift;
	}
	return val;
}

static int scan_signed_varint(const uint8_t *p, const uint8_t *end)
{
	unsigned u = scan_varint(p, end);
	return (u & 1) ? -(int)(u >> 1) : (int)(u >> 1);
}

static int line_delta(const uint8_t *p, const uint8_t *end)
{
	switch ((*p >> 3) & 15) {
	case LOC_NO_COLUMNS:
	case LOC_LONG:
		return scan_signed_varint(p + 1, end);
	case LOC_ONE_LINE1:
		return 1;
	case LOC_ONE_LINE2:
		return 2;
	default:         /* short forms, ONE_LINE0, NONE: same line */
		return 0;
	}
}

int sj_py_addr2line(const uint8_t *table, size_t len, int firstlineno, long addrq)
{
	const uint8_t *p = table, *end = table + len;
	long ar_end = 0;
	int computed = firstlineno, line = -1;

	if (addrq < 0)
		return firstlineno;
	/* The same walk as _PyCode_CheckLineNumber from the start: advance
	 * while the current range ends at or before addrq. */
	while (ar_end <= addrq) {
		if (p >= end)
			return -1;
		computed += line_delta(p, end);
		line = ((*p >> 3) == 0x1f) ? -1 : computed;
		ar_end += ((*p & 7) + 1) * CODEUNIT;
		do
			p++;
		while (p < end && (*p & 128) == 0);
	}
	return line;
}
