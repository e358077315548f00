"""The man pages as a user reads them: `man -l` renders each without a
warning, sigjam(1) says everything `sigjam --help` and every `sigjam CMD
--help` say (they come from one table, cli/help.c), and sigjam-inject(7)
carries every section of docs/inject.md (its source) up to the man: end mark.

    check_docs.py SIGJAM MAN1 MAN7 INJECT_MD"""
import os
import re
import subprocess
import sys

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def render(page):
    """The page as `man` shows it, and groff's warnings (as lintian asks)."""
    env = dict(os.environ, MANWIDTH="200", LC_ALL="C.UTF-8")
    warn = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page],
                          capture_output=True, text=True, env=env)
    check(warn.returncode == 0 and not warn.stderr.strip(), "%s: man warns: %s" % (page, warn.stderr.strip()))
    text = subprocess.run(["man", "-l", page], capture_output=True, text=True, env=env, check=True).stdout
    # Pages may break a long word at a hyphen; compare words without it.
    return re.sub(r"\s+", " ", text.replace("\u2010", "-").replace("\u2011", "-"))


def words(text):
    """Text as the page shows it: `code` is set in bold, without the marks."""
    return re.sub(r"\s+", " ", text.replace("`", "")).strip()


def main():
    sigjam, man1, man7, inject_md = sys.argv[1:5]
    page = render(man1)
    top = subprocess.run([sigjam, "--help"], capture_output=True, text=True, check=True).stdout
    commands = re.findall(r"^  ([a-z-]+) {2,}", top.split("commands:")[1].split("\n\n")[0], re.M)
    check(len(commands) >= 6, "sigjam --help lists %d commands" % len(commands))
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "FILES",
                    "SEE ALSO"):
        check(" %s " % section in " %s " % page, "sigjam(1) has no %s section" % section)
    # Every line of the top-level help, as words, is in the page (but the
    # line that points to `sigjam CMD --help`, which the page replaces).
    for line in top.splitlines():
        if line.strip() and not line.endswith(":") and not line.startswith("usage") and "<command>" not in line:
            check(words(line) in page or words(line).split(" ", 1)[-1] in page,
                  "sigjam --help line not in sigjam(1): %r" % line)
    for cmd in commands:
        helptext = subprocess.run([sigjam, cmd, "--help"], capture_output=True, text=True, check=True).stdout
        check("sigjam %s" % cmd in page, "no synopsis of %s in sigjam(1)" % cmd)
        for opt in sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", helptext))):
            check(opt in page, "sigjam %s --help names %s, sigjam(1) does not" % (cmd, opt))
        desc = helptext.split("\n\n")[1]
        check(words(desc) in page, "sigjam %s: its description is not in sigjam(1)" % cmd)
        for var in re.findall(r"SIGJAM_[A-Z_]+", helptext):
            check(var in page, "sigjam %s --help names %s, sigjam(1) does not" % (cmd, var))
    for code in ("0", "1", "2", "124"):
        check(re.search(r"EXIT STATUS.* %s " % code, page), "exit status %s missing from sigjam(1)" % code)

    page7 = render(man7)
    with open(inject_md, encoding="utf-8") as f:
        md = f.read().split("<!-- man: end -->")[0]
    for heading in re.findall(r"^## (.+)$", md, re.M):
        title = re.sub(r"[`*]", "", heading).upper()
        check(title in page7, "sigjam-inject(7) lacks the section %r of docs/inject.md" % heading)
    for hook in ("read", "write", "fork", "signal", "sigaction", "exit"):
        check(re.search(r"HOOK := .*\b%s\b" % hook, page7), "the grammar in sigjam-inject(7) lacks the hook %s" % hook)
    check("Building and testing".upper() not in page7, "sigjam-inject(7) goes past the man: end mark")

    for f in failures:
        print("FAIL:", f)
    print("%d problems" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
