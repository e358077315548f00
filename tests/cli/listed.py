"""listed.py — the command line every tests/cli script shares.

`SCRIPT --list` prints one line per test, "Class.test_name", with
" python" after the tests run once per interpreter; CMake registers one
ctest per line (sigjam_add_listed_tests).  Otherwise the script's options
are parsed and the named tests run with unittest."""
import argparse
import sys
import unittest


def options(module, required, python_classes=(), optional=None):
    """The parsed options (each of `required` a path, e.g. "--sigjam";
    `optional` maps more options to their defaults), after handling --list,
    which prints the tests and exits."""
    if sys.argv[1:] == ["--list"]:
        suite = unittest.defaultTestLoader.loadTestsFromModule(module)
        for group in suite:
            for test in group:
                name = test.id().split(".", 1)[1]
                print(name + (" python" if name.split(".")[0] in python_classes else ""))
        sys.exit(0)
    ap = argparse.ArgumentParser()
    for flag in required:
        ap.add_argument(flag, required=True)
    for flag, default in (optional or {}).items():
        ap.add_argument(flag, default=default)
    ap.add_argument("cases", nargs="*")
    return ap.parse_args()


def run(a):
    """Runs the tests named on the command line (all without names)."""
    unittest.main(argv=[sys.argv[0], "-v", *a.cases])
