"""The interpreters of pythons/list, for Python-side tests, scenarios and bench.

    import pythons                      # with pythons/ on sys.path
    for p in pythons.entries(): ...     # Entry(tag, minor, suite, interpreter, ok, why)
    argv = pythons.argv("3.14", ["prog.py"], pidns=True, binds=["/tmp/x"])

argv() is the command that runs INTERPRETER ARGS for a tag where that
interpreter lives (pythons/pyroot run); it exits 77 with a one-line reason
when the interpreter is missing."""
import collections
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
PYROOT = os.path.join(HERE, "pyroot")
SKIP = 77

Entry = collections.namedtuple("Entry", "tag minor suite interpreter ok why")


def entries():
    out = subprocess.run([PYROOT, "list"], capture_output=True, text=True, check=True).stdout
    res = []
    for line in out.splitlines():
        tag, minor, suite, interp, status = line.split(" ", 4)
        res.append(Entry(tag, minor, suite, interp, status == "ok",
                         "" if status == "ok" else status[len("missing: "):]))
    return res


def entry(tag):
    for e in entries():
        if e.tag == tag:
            return e
    return Entry(tag, "", "", "", False, f"no interpreter tagged {tag} in pythons/list")


def argv(tag, args, pidns=False, binds=()):
    cmd = [PYROOT, "run"] + (["--pidns"] if pidns else [])
    for b in binds:
        cmd += ["--bind", b]
    return cmd + [tag] + list(args)
