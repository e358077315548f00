#!/usr/bin/env python3
"""md2man — a man page from one of sigjam's Markdown documents, so that the
page and the document are one text (docs/inject.md -> sigjam-inject(7)).

    md2man.py DOC.md NAME SECTION "one-line description" OUT

Handles the Markdown the docs use: headings, paragraphs, '-' lists (nested
by indentation), pipe tables (tbl), fenced code, `code`, **bold**, *em*,
[text](link).  The first '# ' heading becomes NAME's description line in the
NAME section; the rest of the document, up to an HTML comment
<!-- man: end -->, becomes the page.
"""
import re
import sys

SPECIALS = {"\u2014": r"\(em", "\u2013": r"\(en", "\u2192": r"\(->", "\u2190": r"\(<-",
            "\u2264": r"\(<=", "\u2265": r"\(>=", "\u00d7": r"\(mu", "\u2026": "...",
            "\u2018": r"\(oq", "\u2019": r"\(cq", "\u201c": r"\(lq", "\u201d": r"\(rq"}


def escape(text):
    """Plain text for roff: backslash, minus, non-ASCII."""
    out = []
    for ch in text.replace("\\", r"\e").replace("-", r"\-"):
        if ord(ch) < 128:
            out.append(ch)
        else:
            out.append(SPECIALS.get(ch, r"\[u%04X]" % ord(ch)))
    return "".join(out)


INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|(?<![\w*])\*([^*\s][^*]*?)\*(?!\w)|\[([^\]]+)\]\(([^)]+)\)")


def inline(text):
    """Markdown inline markup to roff fonts; markdown's \\| is a plain |."""
    text = text.replace(r"\|", "|")
    out, pos = [], 0
    for m in INLINE.finditer(text):
        out.append(escape(text[pos:m.start()]))
        code, bold, em, link, _url = m.groups()
        if code is not None:
            out.append(r"\fB" + escape(code) + r"\fR")
        elif bold is not None:
            out.append(r"\fB" + inline(bold) + r"\fR")
        elif em is not None:
            out.append(r"\fI" + inline(em) + r"\fR")
        else:
            out.append(inline(link))
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def line(text):
    """A text line that roff will not read as a request."""
    return r"\&" + text if text[:1] in (".", "'") else text


def table(rows):
    """Pipe-table rows (header, rule, body...) as tbl, every cell a text block."""
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", r.strip().strip("|"))] for r in rows]
    header, body = cells[0], [c for c in cells[2:]]
    ncol = len(header)
    out = [".TS", "allbox tab(\t);", " ".join(["lb"] * ncol), " ".join(["l"] * (ncol - 1) + ["lx"]) + "."]
    for row in [header] + body:
        row = (row + [""] * ncol)[:ncol]
        out.append("\t".join("T{\n" + line(inline(c)) + "\nT}" for c in row))
    out.append(".TE")
    return out


def convert(lines):
    out, para, i = [], [], 0

    def flush():
        if para:
            out.append(".PP")
            out.extend(line(inline(t)) for t in para)
            para.clear()

    while i < len(lines):
        raw = lines[i]
        text = raw.rstrip()
        if text.strip() == "<!-- man: end -->":
            break
        if text.startswith("```"):
            flush()
            out += [".PP", ".RS 4", ".nf"]
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                out.append(line(escape(lines[i].rstrip())))
                i += 1
            out += [".fi", ".RE"]
        elif text.startswith("#"):
            flush()
            level = len(text) - len(text.lstrip("#"))
            title = text.lstrip("#").strip()
            if level <= 2:  # section names are upper case, without markup
                out.append('.SH "%s"' % escape(re.sub(r"[`*]", "", title).upper()))
            else:
                out.append('.SS "%s"' % inline(title))
        elif text.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            out += table(rows)
            continue
        elif re.match(r"\s*- ", text):
            flush()
            depth = (len(text) - len(text.lstrip())) // 2
            item = [text.strip()[2:]]
            while i + 1 < len(lines) and lines[i + 1].strip() and not re.match(r"\s*- ", lines[i + 1]) \
                    and lines[i + 1].startswith(" "):
                i += 1
                item.append(lines[i].strip())
            out += [".RS %d" % (4 * depth)] * (depth > 0)
            out += [".IP \\(bu 2"] + [line(inline(t)) for t in item]
            out += [".RE"] * (depth > 0)
        elif not text.strip():
            flush()
        else:
            para.append(text.strip())
        i += 1
    flush()
    return out


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: md2man.py DOC.md NAME SECTION DESCRIPTION OUT")
    doc, name, section, desc, out = sys.argv[1:]
    with open(doc, encoding="utf-8") as f:
        lines = f.read().splitlines()
    while lines and not lines[0].startswith("# "):
        lines.pop(0)
    lines.pop(0)  # the title: the NAME line says it
    page = ["'\\\" t",  # the first line: run tbl
            '.\\" %s(%s), generated from %s by tools/md2man.py: do not edit.' % (name, section, doc.split("/")[-1]),
            '.TH %s %s "" "sigjam" "sigjam"' % (escape(name.upper()), section),
            ".SH NAME",
            "%s \\- %s" % (escape(name), escape(desc))] + convert(lines)
    with open(out, "w", encoding="ascii") as f:
        f.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()
