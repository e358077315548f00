"""Validates the JSON and SARIF golden reports against their schemas.

usage: validate_json.py REPORT_SCHEMA SARIF_SCHEMA GOLDEN_DIR

Every golden *.json must satisfy docs/report-schema.json and every *.sarif
the SARIF 2.1.0 subset schema.  Then each schema must REJECT deliberately
broken copies of a valid document, so a schema that accepts anything (and
a test that cannot fail) is caught too.  Exit 77 (skip) without jsonschema.
"""
import copy
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("jsonschema is not installed (Debian: python3-jsonschema); skipping")
    sys.exit(77)


def validator(schema_path):
    with open(schema_path) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=jsonschema.FormatChecker())


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def errors_of(v, doc):
    return [e.message for e in v.iter_errors(doc)]


def must_reject(v, doc, mutate, what, failures):
    bad = copy.deepcopy(doc)
    mutate(bad)
    if not errors_of(v, bad):
        failures.append("schema accepted a broken document: " + what)


def sarif_semantics(doc, path, failures):
    """What a schema cannot say: ruleIndex points at the rule named by
    ruleId, and every result can be placed somewhere."""
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for i, res in enumerate(run.get("results") or []):
        idx = res.get("ruleIndex", -1)
        if idx >= 0 and rules[idx]["id"] != res["ruleId"]:
            failures.append("%s: result %d: ruleIndex %d is %s, not %s" % (path, i, idx, rules[idx]["id"], res["ruleId"]))
        if not res.get("locations"):
            failures.append("%s: result %d has no location" % (path, i))


def report_semantics(doc, path, failures):
    """What the schema cannot say about the links between findings: every
    consequence comes after all its causes, exactly the root causes have a
    verdict, and the records behind a finding are in the journal."""
    findings = doc["findings"]
    events = (doc["journal"] or {}).get("events", [])
    for i, f in enumerate(findings):
        for c in f["explained_by"]:
            if c >= i:
                failures.append("%s: finding %d is explained by %d, which does not come before it" % (path, i, c))
        if (f["verdict"] is None) != bool(f["explained_by"]):
            failures.append("%s: finding %d: a verdict must be given exactly for a root cause" % (path, i))
        for r in f["journal_records"]:
            if r >= len(events):
                failures.append("%s: finding %d names journal record %d of %d" % (path, i, r, len(events)))


def main():
    report_v = validator(sys.argv[1])
    sarif_v = validator(sys.argv[2])
    golden = sys.argv[3]
    failures = []
    reports = sorted(glob.glob(os.path.join(golden, "*.json")))
    sarifs = sorted(glob.glob(os.path.join(golden, "*.sarif")))
    if not reports or not sarifs:
        print("no golden reports found in " + golden)
        return 1

    for path in reports:
        doc = load(path)
        for msg in errors_of(report_v, doc):
            failures.append("%s: %s" % (path, msg))
        report_semantics(doc, path, failures)
    for path in sarifs:
        doc = load(path)
        for msg in errors_of(sarif_v, doc):
            failures.append("%s: %s" % (path, msg))
        sarif_semantics(doc, path, failures)

    full = load(os.path.join(golden, "deadlock.json"))
    thread = lambda d: d["snapshot"]["processes"][0]["threads"][0]
    full_pipe = lambda d: d["snapshot"]["processes"][1]["fds"][0]["pipe"]
    for what, mutate in [
        ("no schema field", lambda d: d.pop("schema")),
        ("wrong schema version", lambda d: d.update(schema="sigjam-report/0")),
        ("unknown finding kind", lambda d: d["findings"][0].update(kind="bogus")),
        ("unknown top-level field", lambda d: d.update(extra=1)),
        ("wait kind not in the enum", lambda d: thread(d)["wait"].update(kind="sleeping")),
        ("decimal address", lambda d: thread(d).update(pc=140737488355328)),
        ("python frames mixed into native frames", lambda d: thread(d)["frames"].append({"func": "f", "file": "x.py", "line": 1, "is_entry": False})),
        ("journal event without ev", lambda d: d["journal"]["events"][0].pop("ev")),
        ("verdict over 200 characters", lambda d: d["findings"][0].update(verdict="x" * 201)),
        ("explained_by not a list", lambda d: d["findings"][1].update(explained_by=0)),
        ("location without its thread count", lambda d: next(f for f in d["findings"] if f["locations"])["locations"][0].pop("threads")),
    ]:
        must_reject(report_v, full, mutate, what, failures)
    # The kernel facts: sockets, pipes, locks (kernel.json).
    kernel = load(os.path.join(golden, "kernel.json"))
    kproc = lambda d, i: d["snapshot"]["processes"][i]
    for what, mutate in [
        ("socket family as a number", lambda d: kproc(d, 0)["fds"][0]["socket"].update(family=1)),
        ("socket state not in the enum", lambda d: kproc(d, 0)["fds"][0]["socket"].update(state="ESTAB")),
        ("socket without its peer's holders", lambda d: kproc(d, 0)["fds"][0]["socket"].pop("peer_holders")),
        ("peer holder without its fd", lambda d: kproc(d, 0)["fds"][0]["socket"]["peer_holders"][0].pop("fd")),
        ("reach not in the enum", lambda d: kproc(d, 1)["fds"][1]["socket"].update(reach="private")),
        ("fd without its locks", lambda d: kproc(d, 2)["fds"][0].pop("locks")),
        ("lock flavor not in the enum", lambda d: kproc(d, 2)["fds"][0]["locks"][0].update(flavor="FLOCK")),
        ("lock end as a string", lambda d: kproc(d, 3)["fds"][2]["locks"][0].update(end="EOF")),
        ("lock wait without its request", lambda d: kproc(d, 2)["threads"][0]["wait"].pop("lock")),
        ("snapshot without /proc/locks", lambda d: d["snapshot"].pop("locks")),
        ("blocked not a boolean", lambda d: d["snapshot"]["locks"][1].update(blocked=1)),
        ("pipe without its size", lambda d: full_pipe(d).pop("size")),
    ]:
        must_reject(report_v, kernel if "pipe" not in what else full, mutate, what, failures)
    if not any(f["socket"] and f["socket"]["peer_holders"] for p in kernel["snapshot"]["processes"] for f in p["fds"]):
        failures.append("kernel.json: no socket names the holders of its peer")

    # The semantic checks must fail on a consequence told before its cause.
    broken = copy.deepcopy(full)
    broken["findings"].reverse()
    before = len(failures)
    report_semantics(broken, "reversed deadlock.json", failures)
    if len(failures) == before:
        failures.append("the link checks accepted findings told consequence first")
    del failures[before:]

    sarif = load(os.path.join(golden, "deadlock.sarif"))
    result = lambda d: d["runs"][0]["results"][0]
    for what, mutate in [
        ("version 2.0.0", lambda d: d.update(version="2.0.0")),
        ("level fatal", lambda d: result(d).update(level="fatal")),
        ("startLine 0", lambda d: result(d)["locations"][0]["physicalLocation"].update(region={"startLine": 0})),
        ("tool without a name", lambda d: d["runs"][0]["tool"]["driver"].pop("name")),
        ("result without a message", lambda d: result(d).pop("message")),
        ("message without text or id", lambda d: result(d).update(message={})),
    ]:
        must_reject(sarif_v, sarif, mutate, what, failures)

    for f in failures:
        print(f)
    print("%d reports, %d SARIF logs checked; %d problem(s)" % (len(reports), len(sarifs), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
