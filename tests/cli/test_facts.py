"""The kernel facts of real hangs reach the JSON and text reports.

Two programs of the labelled corpus (bench/corpus/hang) under
`sigjam run --hang-after 1s --report json:FILE`: request/response over a
socketpair, where each socket must name the other as its peer and the
process holding it; and a flock lock-order inversion, where each process
must hold one lock, wait for the other's, and /proc/locks must list both
requests as waiting.  The real JSON is also checked against
docs/report-schema.json (with jsonschema, when an interpreter has it)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import listed

SIGJAM = None
PROGS = {}
SCHEMA = None


def run_case(testcase, prog):
    """Runs a corpus program until the hang is reported; returns the JSON
    report, the text report (stderr) and the roles the program announced."""
    d = tempfile.mkdtemp(prefix="sigjam-facts-")
    report, roles = os.path.join(d, "r.json"), os.path.join(d, "roles")
    env = dict(os.environ, NO_COLOR="1", SJ_CASE_DIR=d, SJ_CASE_ROLES=roles)
    p = subprocess.run([SIGJAM, "run", "--hang-after", "1s", "--report", "json:" + report, "--", PROGS[prog]],
                       capture_output=True, text=True, timeout=90, env=env)
    testcase.assertEqual(p.returncode, 124, p.stderr)
    named = {}
    for line in open(roles):
        words = line.split()
        if words[0] == "role":
            named[words[1]] = int(words[2])
    errors = schema_errors(report)
    if errors is not None:
        testcase.assertEqual(errors, "", "the real report does not match docs/report-schema.json")
    return json.load(open(report)), p.stderr, named


def schema_errors(path):
    """The schema's complaints about a report, one a line; None when no
    interpreter here has jsonschema (Debian: python3-jsonschema)."""
    code = ("import json, sys, jsonschema\n"
            "s = json.load(open(sys.argv[1]))\n"
            "v = jsonschema.validators.validator_for(s)(s)\n"
            "print('\\n'.join(e.message for e in v.iter_errors(json.load(open(sys.argv[2])))))\n")
    for py in (sys.executable, "/usr/bin/python3"):
        if not os.access(py, os.X_OK):
            continue
        r = subprocess.run([py, "-c", code, SCHEMA, path], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.strip()
    print("no jsonschema: the real report's schema check is skipped", file=sys.stderr)
    return None


def procs(doc):
    return {p["pid"]: p for p in doc["snapshot"]["processes"]}


def waited_fd(proc):
    """The fd object the process's only thread waits on."""
    w = proc["threads"][0]["wait"]
    fd = w["fds"][0]["fd"]
    return w, next(f for f in proc["fds"] if f["fd"] == fd)


class Facts(unittest.TestCase):
    def test_socketpair_peers(self):
        doc, text, roles = run_case(self, "socketpair")
        ps = procs(doc)
        client = next(p for p in ps.values() if p["is_target"])["pid"]
        server = roles["server"]
        _, cfd = waited_fd(ps[client])
        _, sfd = waited_fd(ps[server])
        for fd in (cfd, sfd):
            self.assertEqual(fd["kind"], "socket")
            self.assertEqual((fd["socket"]["family"], fd["socket"]["type"]), ("unix", "stream"))
            self.assertEqual(fd["socket"]["state"], "established")
        # each end names the other, and who holds it
        self.assertEqual(cfd["socket"]["peer_inode"], sfd["inode"])
        self.assertEqual(sfd["socket"]["peer_inode"], cfd["inode"])
        self.assertEqual(cfd["socket"]["peer_holders"], [{"pid": server, "fd": sfd["fd"]}])
        self.assertEqual(sfd["socket"]["peer_holders"], [{"pid": client, "fd": cfd["fd"]}])
        self.assertIn("    fd %d: unix stream, peer socket:[%d] in pid %d (fd %d)"
                      % (cfd["fd"], sfd["inode"], server, sfd["fd"]), text)

    def test_flock_holders_and_waiters(self):
        doc, text, roles = run_case(self, "flock")
        ps = procs(doc)
        parent = next(p for p in ps.values() if p["is_target"])["pid"]
        child = roles["child"]
        held = {}
        for pid in (parent, child):
            locks = [(f, l) for f in ps[pid]["fds"] for l in f["locks"]]
            self.assertEqual(len(locks), 1, ps[pid]["fds"])
            f, l = locks[0]
            self.assertEqual((l["flavor"], l["access"], l["blocked"]), ("flock", "write", False))
            self.assertEqual(l["file"], f["target"])
            held[pid] = l
        self.assertTrue(held[parent]["file"].endswith("/lock-a"), held)
        self.assertTrue(held[child]["file"].endswith("/lock-b"), held)
        for pid, other in ((parent, child), (child, parent)):
            w, _ = waited_fd(ps[pid])
            self.assertEqual(w["kind"], "lock")
            self.assertEqual((w["lock"]["flavor"], w["lock"]["pid"]), ("flock", pid))
            self.assertEqual((w["lock"]["dev"], w["lock"]["inode"]), (held[other]["dev"], held[other]["inode"]))
            # /proc/locks lists the request as waiting behind the other's lock
            self.assertTrue(any(l["blocked"] and l["pid"] == pid and l["inode"] == held[other]["inode"]
                                for l in doc["snapshot"]["locks"]), doc["snapshot"]["locks"])
            self.assertTrue(any(not l["blocked"] and l["pid"] == other and l["inode"] == held[other]["inode"]
                                for l in doc["snapshot"]["locks"]), doc["snapshot"]["locks"])
        self.assertIn("holds a write flock on fd %d = %s; pid %d waits for it"
                      % (next(f["fd"] for f in ps[parent]["fds"] if f["locks"]), held[parent]["file"], child), text)
        self.assertRegex(text, r"flock\(fd \d+ = %s, write flock\)\n    fd \d+: held by pid %d "
                         % (held[child]["file"], child))


def main():
    global SIGJAM, SCHEMA
    a = listed.options(sys.modules[__name__], ["--sigjam", "--socketpair", "--flock", "--schema"])
    SIGJAM, SCHEMA = a.sigjam, a.schema
    PROGS.update(socketpair=a.socketpair, flock=a.flock)
    listed.run(a)

if __name__ == "__main__":
    main()
