#!/usr/bin/env python3
"""check_layout.py — the source tree keeps the shape docs/ARCHITECTURE.md
gives it:

1. Inside each folder of the data flow (inject/, model/, tracer/,
   analysis/, reports/, cli/) the object files must not reach each other in
   a cycle: file A uses file B when A leaves undefined a global symbol that
   B defines (nm of the build's own object files, as the linker sees them).
   A cycle means the files cannot be read, tested or layered one after the
   other.  The largest cycle (strongly connected set of files) of each
   folder is printed; a folder fails when it is larger than its limit.
2. Across folders, uses follow the data flow only: the model uses nothing
   but the shared name tables of inject/names.c; tracer/, analysis/ and
   reports/ use the model (and those names), never each other; cli/ uses
   everything; inject/ (the preloaded shim) uses nothing outside itself.
3. No tracked source file is longer than --max-lines lines.

    check_layout.py --source DIR --build DIR [--limit FOLDER=N ...]
                    [--report-only FOLDER ...]

--report-only FOLDER prints FOLDER's results without failing on them (for
a folder whose restructuring is under way).  Exit 0 when every enforced
rule holds, 1 otherwise, 2 for bad input (no build, no objects)."""
import argparse
import json
import os
import shlex
import subprocess
import sys

FOLDERS = ("inject", "model", "tracer", "analysis", "reports", "cli")
# The folders each folder may use (rule 2).
LAYERS = {
    "inject": set(),
    "model": {"inject"},
    "tracer": {"model", "inject"},
    "analysis": {"model", "inject"},
    "reports": {"model", "inject"},
    "cli": set(FOLDERS) - {"cli"},
}
SOURCE_EXT = (".c", ".h", ".def", ".py", ".sh", ".cmake")


def usage_error(msg):
    print(f"check_layout: {msg}", file=sys.stderr)
    sys.exit(2)


def objects(source, build):
    """{source path relative to the tree: object path} for the library and
    program objects of FOLDERS (a source compiled again into a test
    program is counted once, where its own folder builds it)."""
    path = os.path.join(build, "compile_commands.json")
    try:
        with open(path) as f:
            commands = json.load(f)
    except (OSError, ValueError) as ex:
        usage_error(f"cannot read {path} ({ex}); configure and build first")
    found = {}
    for c in commands:
        rel = os.path.relpath(c["file"], source)
        folder = rel.split(os.sep)[0]
        if folder not in FOLDERS:
            continue
        words = shlex.split(c["command"])
        out = c.get("output") or words[words.index("-o") + 1]
        # The object must be built by the file's own directory's CMake.
        if not out.startswith(os.path.dirname(rel) + "/CMakeFiles/"):
            continue
        obj = os.path.join(c["directory"], out)
        if not os.path.exists(obj):
            usage_error(f"{obj} is missing; build the tree first")
        found.setdefault(rel, obj)
    if not found:
        usage_error(f"no object files of {', '.join(FOLDERS)} in {build}")
    return found


def symbols(objs):
    """{object: (defined globals, undefined globals)}, from one nm run."""
    out = subprocess.run(["nm", "-A", "-g", "-P", *objs], capture_output=True, text=True, check=True).stdout
    table = {o: (set(), set()) for o in objs}
    for line in out.splitlines():
        obj, rest = line.split(": ", 1)
        name, kind = rest.split()[:2]
        table[obj][1 if kind == "U" else 0].add(name)
    return table


def largest_cycle(nodes, edges):
    """The largest strongly connected set of nodes that has an edge inside
    (Tarjan); [] when the graph has no cycle."""
    index, low, on, stack, best = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        nonlocal best
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 and len(comp) > len(best):
                best = sorted(comp)

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return best


def check_layers(found, table, report_only):
    definer = {}
    for rel, obj in found.items():
        for name in table[obj][0]:
            definer.setdefault(name, set()).add(rel)
    ok = True
    for rel, obj in sorted(found.items()):
        folder = rel.split(os.sep)[0]
        for name in sorted(table[obj][1]):
            for d in sorted(definer.get(name, ())):
                other = d.split(os.sep)[0]
                if other != folder and other not in LAYERS[folder]:
                    exempt = folder in report_only
                    print(f"{rel} uses {name} of {d}: {folder}/ may not use {other}/"
                          + (" (reported only)" if exempt else ": FAILS"))
                    ok = ok and exempt
    return ok


def check_cycles(found, table, limits, report_only):
    ok = True
    for folder in FOLDERS:
        files = {rel: obj for rel, obj in found.items() if rel.split(os.sep)[0] == folder}
        definer = {}
        for rel, obj in files.items():
            for name in table[obj][0]:
                definer.setdefault(name, set()).add(rel)
        edges = {rel: {d for name in table[obj][1] for d in definer.get(name, ()) if d != rel}
                 for rel, obj in files.items()}
        cycle = largest_cycle(files, edges)
        limit = limits.get(folder, 1)
        size = len(cycle) if cycle else 1
        verdict = "ok" if size <= limit else ("over the limit (reported only)" if folder in report_only
                                              else "FAILS")
        print(f"{folder}/: {len(files)} object files, largest cycle {size if cycle else 'none'}"
              f" (limit {limit}): {verdict}")
        if cycle:
            print("    " + " <-> ".join(os.path.basename(c) for c in cycle))
        if size > limit and folder not in report_only:
            ok = False
    return ok


def tree_files(source):
    """The files git tracks; outside a checkout (a source package) every
    file but build trees and hidden directories."""
    try:
        out = subprocess.run(["git", "-C", source, "ls-files"], capture_output=True, text=True,
                             check=True).stdout
        return [rel for rel in out.split("\n") if rel]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for top, dirs, names in os.walk(source):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "build" and
                       not os.path.exists(os.path.join(top, d, "CMakeCache.txt"))]
            files += [os.path.relpath(os.path.join(top, n), source) for n in names]
        return files


def tracked_sources(source):
    for rel in tree_files(source):
        path = os.path.join(source, rel)
        if not os.path.isfile(path):
            continue
        if rel.endswith(SOURCE_EXT) or os.path.basename(rel) == "CMakeLists.txt":
            yield rel, path
            continue
        with open(path, "rb") as f:   # scripts without an extension
            if f.read(2) == b"#!":
                yield rel, path


def check_lengths(source, max_lines, report_only):
    ok = True
    for rel, path in tracked_sources(source):
        with open(path, "rb") as f:
            n = sum(1 for _ in f)
        if n > max_lines:
            exempt = rel.split("/")[0] in report_only
            print(f"{rel}: {n} lines, over {max_lines}" + (" (reported only)" if exempt else ": FAILS"))
            ok = ok and exempt
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--limit", action="append", default=[], metavar="FOLDER=N",
                    help="largest cycle allowed in FOLDER (default 1: none)")
    ap.add_argument("--report-only", action="append", default=[], metavar="FOLDER")
    ap.add_argument("--max-lines", type=int, default=900)
    a = ap.parse_args()
    limits = {}
    for spec in a.limit:
        folder, _, n = spec.partition("=")
        if folder not in FOLDERS or not n.isdigit() or int(n) < 1:
            usage_error(f"--limit wants FOLDER=N with FOLDER one of {', '.join(FOLDERS)}, got {spec!r}")
        limits[folder] = int(n)
    source = os.path.abspath(a.source)
    found = objects(source, os.path.abspath(a.build))
    table = symbols(sorted(found.values()))
    report_only = set(a.report_only)
    cycles_ok = check_cycles(found, table, limits, report_only)
    layers_ok = check_layers(found, table, report_only)
    lengths_ok = check_lengths(source, a.max_lines, report_only)
    return 0 if cycles_ok and layers_ok and lengths_ok else 1


if __name__ == "__main__":
    sys.exit(main())
