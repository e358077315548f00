#!/bin/sh
# Runs inside a fresh copy of a clean Debian 12 root (bookworm.sh): installs
# the package as a user would and uses what it ships.
#   in_root.sh DEB
set -eu
deb=$1
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 MANPAGER=cat MANWIDTH=100
step() { echo "=== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
has() { grep -q -- "$1" "$2" || fail "$3"; }

step "apt-get install $deb"
dpkg-query -W -f '${Package}\n' | sort >/tmp/before
apt-get install -y -q "$deb" >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; fail "apt-get install failed"; }
dpkg-query -W -f '${Package}\n' | sort >/tmp/after
comm -13 /tmp/before /tmp/after >/tmp/new
echo "new packages: $(tr '\n' ' ' </tmp/new)"
# Nothing but sigjam and what its Depends: need (no Recommends, no Suggests).
# (apt-cache prints each package of the closure at the start of a line.)
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
	--no-replaces --no-enhances sigjam | grep -v '^[[:space:]<|]' | sort -u >/tmp/closure
extra=$(comm -23 /tmp/new /tmp/closure)
[ -z "$extra" ] || fail "apt-get pulled packages sigjam does not depend on: $extra"
for lib in libunwind8 libdw1 libjansson4; do grep -qx "$lib" /tmp/new || fail "$lib was not pulled in"; done

step "sigjam --help"
sigjam --help >/tmp/help
has "commands:" /tmp/help "sigjam --help lists no commands"

step "man sigjam"
man sigjam >/tmp/man1 2>/tmp/man1.err
has "SIGJAM(1)" /tmp/man1 "man sigjam shows no page"
has "per-test" /tmp/man1 "man sigjam lacks --per-test"
[ ! -s /tmp/man1.err ] || { cat /tmp/man1.err; fail "man sigjam warned"; }
man sigjam-inject >/tmp/man7
has "THE RULE LANGUAGE" /tmp/man7 "man sigjam-inject lacks the rule language"

step "bash completion"
bash -c '. /usr/share/bash-completion/bash_completion
	_completion_loader sigjam
	complete -p sigjam
	COMP_WORDS=(sigjam tr); COMP_CWORD=1; _sigjam; echo "offered: ${COMPREPLY[*]}"
	COMP_WORDS=(sigjam scenario run pool-worker-ki); COMP_CWORD=3; _sigjam; echo "offered: ${COMPREPLY[*]}"' \
	>/tmp/compl
cat /tmp/compl
has "complete -F _sigjam sigjam" /tmp/compl "bash-completion did not load sigjam's completion"
has "offered: trace" /tmp/compl "completion does not offer trace"
has "pool-worker-killed" /tmp/compl "completion does not offer scenario names"

step "sigjam demo"
sigjam demo >/tmp/demo 2>&1 || { cat /tmp/demo; fail "sigjam demo failed"; }
has "deadlock" /tmp/demo "the demo proved no deadlock"
has "scenarios: 1 passed, 0 failed" /tmp/demo "the demo did not pass: $(tail -5 /tmp/demo)"

step "python3 -m pytest -p sigjam --sigjam-hang-after=3s"
mkdir -p /root/t
cat >/root/t/test_hang.py <<'EOF'
import multiprocessing
import os
import signal


def work(x):
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # a worker dies mid-map
    return x * x


def test_passes():
    assert sum(range(4)) == 6


def test_pool_worker_killed():
    with multiprocessing.Pool(2) as pool:
        assert pool.map(work, range(8)) == [x * x for x in range(8)]
EOF
cd /root/t
rc=0
python3 -m pytest -p sigjam --sigjam-hang-after=3s --junitxml=junit.xml test_hang.py >out.txt 2>&1 || rc=$?
head -n 20 out.txt
tail -n 4 out.txt
[ "$rc" -eq 1 ] || fail "pytest exited $rc, not 1"
grep -Eq "(1 passed, 1 failed|1 failed, 1 passed)" out.txt || fail "not 1 passed, 1 failed"
has "sigjam: this test hung" out.txt "the failure text is not sigjam's verdict"
grep -Eq "deadlock" out.txt || fail "the failure text names no deadlock"
grep -Eq "worker pid [0-9]+ was killed by SIGKILL" out.txt || fail "the failure text names no killed worker"
python3 - <<'EOF' || fail "the JUnit file does not carry the report"
import re, xml.etree.ElementTree as ET
cases = {tc.get("name"): tc for tc in ET.parse("junit.xml").iter("testcase")}
assert cases["test_passes"].find("failure") is None
f = cases["test_pool_worker_killed"].find("failure")
text = f.get("message") + (f.text or "")
assert text.startswith("sigjam: this test hung"), text[:200]
assert "deadlock" in text and re.search(r"worker pid \d+ was killed by SIGKILL", text), text[:2000]
print("junit.xml: test_pool_worker_killed fails with the report")
EOF

step "sigjam scenario run --all"
sigjam scenario run --all >/tmp/scen 2>&1 || { cat /tmp/scen; fail "a scenario failed"; }
grep -E "^(PASS|FAIL)|scenarios:" /tmp/scen
has "0 failed" /tmp/scen "a scenario failed"

step "nothing left running"
# This script is pid 1 of the root's pid namespace; anything else is left over.
left=""
for d in /proc/[0-9]*; do
	[ "${d#/proc/}" = 1 ] || [ ! -e "$d/comm" ] || left="$left ${d#/proc/}:$(cat "$d/comm" 2>/dev/null)"
done
[ -z "$left" ] || fail "processes left:$left"
echo "all checks passed"
