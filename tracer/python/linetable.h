/* linetable.h — CPython's PEP 657 location table (co_linetable, 3.11+). */
#ifndef SIGJAM_PY_LINETABLE_H
#define SIGJAM_PY_LINETABLE_H

#include <stddef.h>
#include <stdint.h>

/* The line of the instruction at byte offset addrq in the code, decoded
 * exactly as CPython's PyCode_Addr2Line: addrq < 0 gives firstlineno, an
 * entry marked "no location" gives -1, an offset past the table gives -1. */
int sj_py_addr2line(const uint8_t *table, size_t len, int firstlineno, long addrq);

#endif
