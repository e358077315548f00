#!/usr/bin/env python3
"""Emits location-table test cases for python_linetable_test.

For every code object compiled from SOURCE (nested ones included) prints
    case NAME FIRSTLINENO HEX_LINETABLE
    at OFFSET LINE        (one per code unit, plus -2 and past the end)
    end
with LINE from CPython's own PyCode_Addr2Line (through ctypes), checked
against code.co_lines() so that the two oracles agree."""
import ctypes
import sys
import types

if sys.version_info < (3, 11):
    sys.exit("needs Python 3.11+ (PEP 657 location tables)")

SOURCE = '''
def simple(a, b):
    c = a + b
    return c

def loop(n):
    total = 0
    for i in range(n):
        if i % 2:
            total += i
        else:
            total -= 1
    return total

def far_apart(x):
    y = x

''' + '\n' * 300 + '''
    z = (y +
         x +



         1)
''' + '\n' * 40 + '''
    return z

class Box:
    def method(self, v):
        try:
            return 1 / v
        except ZeroDivisionError:
            return None
        finally:
            self.done = True

def gen(n):
    yield from (i * i for i in range(n))

async def coro(x):
    async with x as y:
        await y

def wide_columns():
    return ("''' + 'x' * 300 + '''", [k for k in range(3) if k])

lam = lambda q: (q,
                 q * 2)

def with_block(path):
    with open(path) as f:
        for line in f:
            if line:
                break
    return f
'''

addr2line = ctypes.pythonapi.PyCode_Addr2Line
addr2line.argtypes = [ctypes.py_object, ctypes.c_int]
addr2line.restype = ctypes.c_int


def codes(co):
    yield co
    for c in co.co_consts:
        if isinstance(c, types.CodeType):
            yield from codes(c)


def main():
    top = compile(SOURCE, "cases.py", "exec")
    # the same functions starting deep in a file: large absolute lines
    deep = compile("\n" * 70000 + SOURCE, "deep.py", "exec")
    n = 0
    for co in list(codes(top)) + list(codes(deep)):
        size = len(co.co_code)
        from_lines = {}
        for start, end, line in co.co_lines():
            for off in range(start, end, 2):
                from_lines[off] = -1 if line is None else line
        print(f"case {co.co_filename}:{co.co_qualname} {co.co_firstlineno} {co.co_linetable.hex()}")
        for off in [-2] + list(range(0, size, 2)) + [size, size + 40]:
            line = addr2line(co, off)
            if 0 <= off < size and from_lines.get(off) != line:
                sys.exit(f"oracles disagree on {co.co_qualname}@{off}: "
                         f"co_lines {from_lines.get(off)} PyCode_Addr2Line {line}")
            print(f"at {off} {line}")
        print("end")
        n += 1
    print(f"# {n} code objects", file=sys.stderr)


main()
