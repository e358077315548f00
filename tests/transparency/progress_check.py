#!/usr/bin/python3
"""How bench/transparency reads regrtest -v output: outcomes per test id, the
test that is running (what a hang is charged to), subtests, fixtures and the
summary, from text as regrtest 3.11 writes it.  Exit 0 when every case reads
as expected, 1 with the differences listed."""
import importlib.machinery
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "..", "..", "bench", "transparency")

loader = importlib.machinery.SourceFileLoader("transparency", RUNNER)
spec = importlib.util.spec_from_loader("transparency", loader)
tr = importlib.util.module_from_spec(spec)
loader.exec_module(tr)

ID = "test.test_signal.PosixTests.test_{}"


def feed(chunks):
    """Chunks as os.read returns them: lines are cut anywhere."""
    prog, tail = tr.Progress(), ""
    for text in chunks:
        *lines, tail = (tail + text).split("\n")
        for ln in lines:
            prog.line(ln)
        prog.partial(tail)
    return prog


CASES = [
    ("one line per test",
     ["test_a (test.test_signal.PosixTests.test_a) ... ok\n",
      "test_b (test.test_signal.PosixTests.test_b) ... FAIL\n",
      "test_c (test.test_signal.PosixTests.test_c) ... skipped 'Windows specific'\n",
      "test_d (test.test_signal.PosixTests.test_d) ... expected failure\n"],
     {ID.format("a"): "ok", ID.format("b"): "FAIL", ID.format("c"): "skipped", ID.format("d"): "xfail"},
     None),
    ("a test still running: its start line has no newline yet",
     ["test_a (test.test_signal.PosixTests.test_a) ... ok\ntest_b (test.test_sig",
      "nal.PosixTests.test_b) ... "],
     {ID.format("a"): "ok"}, ID.format("b")),
    ("output of a child between start and result",
     ["test_a (test.test_signal.PosixTests.test_a) ... child says hello\n",
      "Warning -- reap_children() reaped child process 42\n", "ok\n"],
     {ID.format("a"): "ok"}, None),
    ("a docstring on its own line",
     ["test_a (test.test_signal.PosixTests.test_a)\n",
      "KeyboardInterrupt triggers an exit. ... ERROR\n"],
     {ID.format("a"): "ERROR"}, None),
    ("a docstring test that hangs",
     ["test_a (test.test_signal.PosixTests.test_a)\n", "Sends SIGINT to itself. ... "],
     {}, ID.format("a")),
    ("a failed subtest, then the summary",
     ["test_a (test.test_signal.PosixTests.test_a) ... \n",
      "  test_a (test.test_signal.PosixTests.test_a) [SIGINT] (sig=2) ... FAIL\n",
      "test_b (test.test_signal.PosixTests.test_b) ... ok\n",
      "======\n", "FAIL: test_a (test.test_signal.PosixTests.test_a) [SIGINT] (sig=2)\n"],
     {ID.format("a"): "FAIL", ID.format("b"): "ok"}, None),
    ("a class fixture",
     ["setUpClass (test.test_signal.PosixTests) ... skipped 'no fork'\n"],
     {"test.test_signal.PosixTests.setUpClass": "skipped"}, None),
    ("an error in tearDown after ok is the worse of the two",
     ["test_a (test.test_signal.PosixTests.test_a) ... ok\n",
      "ERROR: test_a (test.test_signal.PosixTests.test_a)\n"],
     {ID.format("a"): "ERROR"}, None),
]


def main():
    bad = 0
    for name, chunks, want, running in CASES:
        prog = feed(chunks)
        if prog.outcomes != want or prog.current != running:
            bad += 1
            print(f"FAIL {name}: outcomes {prog.outcomes} (want {want}), running {prog.current} "
                  f"(want {running})")
    print(f"{len(CASES) - bad} of {len(CASES)} cases read as expected")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
