"""Docs are code: every file and function that README.md and docs/*.md name
must exist, so that a rename or a move that forgets the docs fails make test.

What is checked
  Paths. A word that starts with kernel/, user/, tools/, docs/ or mkfs/ --
    in backquotes, plain text, tables or code blocks, with any :LINE cut
    off -- must be a file or directory of the tree (a `*` in it is a glob
    that must match something). So must a shortened path that starts with
    a folder of kernel/ or user/ (dev/uart.cc is kernel/dev/uart.cc). A
    bare file name with one of Kite's source suffixes (trap.cc, list.hh,
    wqctl.h, entry.S, kernel.ld, test.py) must be the name of some file in
    the tree.
  Links. A relative Markdown link must reach a file or directory, and its
    #anchor a heading of the target page (GitHub's rule for heading ids).
  Functions beside their files. A name is `name`, `name()` or `name(args)`,
    optionally qualified (`kernel::sleep`). These must be defined or
    declared in one of the files they are paired with:
    - a run of names (joined by commas, arrows, "/", "=" or "and") followed
      by parentheses whose first item is a file, in prose or a table cell:
        `schedule_timeout` ([timer.cc](../kernel/timer.cc))
        `kernelvec` -> `kerneltrap` (trapvec.S, trap.cc)
      or followed by "in" and a file: `piperead`/`pipewrite` in `kernel/pipe.cc`;
    - the file lists at the top of pages, an indented line of a path, more
      files after commas (a bare name is in the first path's directory) and
      a description, whose comma- or colon-separated items are names when an
      item is one identifier with an underscore or a digit, or is written
      name() or name(args) (one plain word such as "sleep" is prose):
        kernel/wait.hh, wait.cc     wait queues, wake_up, the wait_event templates
    - GDB frames, "#3  kernel::foo (...) at kernel/bar.cc".
  "Defined or declared" is read off the sources with regular expressions,
  after comments and strings are removed: a name followed by "(" or by a
  declarator's ";", "=", "[" or "{" whose text since the last ";", "{" or
  "}" is only a type (keywords and attributes removed; so a call or an
  assignment does not count), struct/class/enum/union/namespace names,
  enumerators, "using X =", #define'd macros, and in assembly labels and
  .globl symbols; Python def and class.

Other kernels' files are not ours, and are skipped by these rules:
  - a table column whose heading says "Linux" is Linux's: nothing in it is
    checked (Linux's kernel/sched/core.c, include/linux/wait.h);
  - a path that ends in .c and is not under user/ is Linux's: Kite's kernel
    is C++, its only .c files are user programs (kernel/timer.c and
    fs/select.c are Linux's, kernel/timer.cc ours); bare .c names are not
    checked at all;
  - a path or name written right after the word "Linux's" or "xv6's" is
    that kernel's (xv6's `kernel/types.h`);
  - a path that starts with a directory Kite does not have (include/,
    drivers/, mm/) is not recognised as a path in the first place, and one
    that starts with a folder of kernel/ (net/, fs/, arch/) only with a
    suffix Kite's kernel uses (net/core/dev.c is Linux's).

Run alone with:  python3 tools/tests/host/test_docs.py
"""

import os
import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
OUR_TOP = ("kernel", "user", "tools", "docs", "mkfs")
SOURCE_SUFFIXES = (".cc", ".hh", ".h", ".S", ".ld", ".def", ".py", ".md")
SKIP_DIRS = {".git", "__pycache__"}

PATH_RE = re.compile(r"(?<![\w./-])((?:%s)/[\w.*+/-]*)" % "|".join(OUR_TOP))
BARE_RE = re.compile(r"(?<![\w./-])([A-Za-z_][\w-]*(?:%s))(?![\w/])"
                     % "|".join(re.escape(s) for s in SOURCE_SUFFIXES))
LINK_RE = re.compile(r"\[([^\]]*)\]\(([^()\s]+)\)")
SPAN = r"`[^`\n]+`"
JOIN = r"\s*(?:,|→|->|/|=|\band\b)\s*"
RUN = rf"{SPAN}(?:{JOIN}{SPAN})*"
PAREN_PAIR_RE = re.compile(rf"({RUN})\s*\(([^()]*)\)")
IN_PAIR_RE = re.compile(rf"({RUN})\s+in\s+(`?[\w./+-]+`?)")
NAME_RE = re.compile(r"^(?:[A-Za-z_]\w*::)*(~?[A-Za-z_]\w*)(?:\(.*\))?$")
FOREIGN_MARK_RE = re.compile(r"(?:Linux|xv6)'s\s*`?$")
GDB_FRAME_RE = re.compile(r"(?:^#\d+\s+(?:0x[0-9a-f]+ in )?|Breakpoint \d+, )"
                          r"([\w:~]+(?:\s*\(anonymous namespace\)::[\w~]+)?)\s*\(.*?\)\s+at\s+(\S+)")
FILE_LIST_RE = re.compile(r"^ {4}((?:%s)/\S+?)((?:,\s*[\w./-]+\.\w+)*)(\s+)(\S.*)$" % "|".join(OUR_TOP))


@lru_cache(maxsize=None)
def short_path_re():
    """Paths written from inside kernel/ or user/: dev/uart.cc, bin/udp.c."""
    def subdirs(top):
        return sorted(d.name for d in (ROOT / top).iterdir() if d.is_dir())
    kernel = "|".join(subdirs("kernel"))
    user = "|".join(subdirs("user"))
    suffixes = "|".join(re.escape(x) for x in SOURCE_SUFFIXES if x != ".md")
    return re.compile(rf"(?<![\w./-])((?:{kernel})/[\w./-]*(?:{suffixes})|(?:{user})/[\w./-]*\.c)(?![\w/])")


def docs():
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def rel(path):
    return path.relative_to(ROOT).as_posix()


@lru_cache(maxsize=None)
def files_by_name():
    index = {}
    for top, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith("build")]
        for f in files:
            index.setdefault(f, []).append(Path(top) / f)
    return index


# ---------------------------------------------------------------------------
# Reading the docs: lines, with tables' Linux columns blanked out


def split_cells(row):
    """A table row's cells; an escaped \\| stays inside its cell."""
    cells, cur, i = [], "", 0
    body = row.strip().strip("|")
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body) and body[i + 1] == "|":
            cur += "\\|"
            i += 2
            continue
        if body[i] == "|":
            cells.append(cur)
            cur = ""
        else:
            cur += body[i]
        i += 1
    cells.append(cur)
    return cells


def doc_lines(doc):
    """(line number, text, in a code block) for each line of doc; in a
    table, the cells of columns headed "Linux..." are emptied."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    out, fenced, linux_cols = [], False, set()
    for n, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            out.append((n, "", True))
            continue
        if not fenced and line.lstrip().startswith("|"):
            cells = split_cells(line)
            nxt = lines[n] if n < len(lines) else ""
            if re.match(r"^\s*\|?\s*:?-{3,}", nxt):  # a header row
                linux_cols = {i for i, c in enumerate(cells) if "linux" in c.lower()}
            cells = ["" if i in linux_cols else c for i, c in enumerate(cells)]
            out.append((n, "|" + "|".join(cells) + "|", False))
            continue
        linux_cols = set()
        indented = line.startswith("    ") and not line.lstrip().startswith(("-", "*"))
        out.append((n, line, fenced or indented))
    return out


def is_foreign(text, start):
    return bool(FOREIGN_MARK_RE.search(text[:start]))


def resolve(doc, ref):
    """The repository files a file reference in doc means: a link target,
    a repository path or a bare file name. Empty if it names none."""
    ref = ref.strip().strip("`").split("#")[0]
    ref = re.sub(r":(\d+|N+)$", "", ref)
    if not ref:
        return []
    if ref.startswith(("./", "../")):
        p = (doc.parent / ref).resolve()
        return [p] if p.exists() else []
    if ref.split("/")[0] in OUR_TOP:
        return [p for p in ROOT.glob(ref)] if "*" in ref else ([ROOT / ref] if (ROOT / ref).exists() else [])
    if "/" not in ref:
        return files_by_name().get(ref, [])
    if short_path_re().fullmatch(ref):
        return [ROOT / top / ref for top in ("kernel", "user") if (ROOT / top / ref).exists()]
    return []


def looks_like_file(ref):
    ref = ref.strip().strip("`")
    return bool(re.match(r"^(\.\.?/)?[\w./*+-]*\.\w+(:\w+)?$|^(%s)/" % "|".join(OUR_TOP), ref))


# ---------------------------------------------------------------------------
# Reading the sources: the names each file defines or declares

KEYWORDS = {"static", "inline", "constexpr", "constinit", "consteval", "virtual", "explicit",
            "friend", "extern", "const", "volatile", "struct", "class",
            "enum", "union", "typename", "mutable", "thread_local", "register", "noexcept"}
NOT_TYPES = {"return", "else", "case", "goto", "new", "delete", "throw", "sizeof", "do",
             "co_return", "using", "namespace", "typedef", "template", "operator", "if",
             "while", "for", "switch", "default", "break", "continue", "public", "private",
             "protected"}


def strip_c(text, asm=False):
    """text with comments removed and string and character literals emptied."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            out.append(" ")
            i = n if j < 0 else j + 2
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    text = "".join(out)
    if asm:  # '#' starts a comment, except in preprocessor lines
        text = "\n".join(line if re.match(r"\s*#\s*(define|include|undef|if|ifdef|ifndef|else|elif|endif)\b", line)
                         else line.split("#")[0] for line in text.splitlines())
    return text


def cut_balanced(text, opener, open_ch, close_ch):
    """text without each match of the regex opener and what follows it up
    to the matching close_ch (the opener ends with open_ch)."""
    while (m := re.search(opener, text)):
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {open_ch: 1, close_ch: -1}.get(text[j], 0)
            j += 1
        text = text[:m.start()] + " " + text[j:]
    return text


def strip_prefix(prefix):
    """The declaration's type part: attributes, templates and keywords gone."""
    prefix = re.sub(r"\[\[.*?\]\]", " ", prefix)
    prefix = cut_balanced(prefix, r"\b(?:__attribute__|alignas)\s*\(", "(", ")")
    prefix = cut_balanced(prefix, r"\btemplate\s*<", "<", ">")
    prefix = re.sub(r'extern\s*""', " ", prefix)  # extern "C", its string emptied
    words = [w for w in re.split(r"(\s+)", prefix) if w.strip() not in KEYWORDS]
    return "".join(words).strip()


def is_type(prefix):
    """Is prefix only a type: words, ::, *, &, and template arguments?"""
    bare = re.sub(r"<[^;{}]*>", " ", prefix)
    words = re.findall(r"[A-Za-z_]\w*", bare)
    if not words or re.search(r"[^\w\s*&:]|(?<!:):(?!:)", bare):
        return False
    return not any(w in NOT_TYPES for w in words)


def declares_list(prefix):
    """Is prefix "type a, b," -- so that the next name is declared too?"""
    head, *rest = prefix[:-1].split(",")
    first = re.match(r"^(.*\S)\s+[*&]*\w+$", head.strip())
    return bool(first) and is_type(first.group(1)) and all(
        re.fullmatch(r"\s*[*&]*\w+(\s*\[[^\]]*\])*\s*", r) for r in rest)


def c_names(text):
    names = set()
    names.update(re.findall(r"^\s*#\s*define\s+(\w+)", text, re.M))
    # Definitions and forward declarations, not uses such as `struct sock *`.
    names.update(re.findall(r"\b(?:struct|class|union|namespace|enum(?:\s+class)?)\s+(?:\[\[.*?\]\]\s*)*(\w+)"
                            r"(?:\s+final)?\s*[{;:](?!:)", text))
    names.update(re.findall(r"\busing\s+(\w+)\s*=", text))
    for body in re.findall(r"\benum\b[^;{}()]*\{([^}]*)\}", text):
        names.update(re.findall(r"(?:^|,)\s*([A-Za-z_]\w*)", body))
    code = re.sub(r"^\s*#.*$", ";", text, flags=re.M)  # preprocessor lines end a statement
    for m in re.finditer(r"((?:[A-Za-z_]\w*::)*)(~?[A-Za-z_]\w*)\s*(\(|(?:\[[^\]]*\]\s*)*[;=\[{,])", code):
        start = max(code.rfind(ch, 0, m.start()) for ch in ";{}")
        prefix = code[start + 1:m.start()]
        colon = re.search(r"(?<!:):(?!:)", prefix)  # a label or an access specifier
        while colon:
            prefix = prefix[colon.end():]
            colon = re.search(r"(?<!:):(?!:)", prefix)
        prefix = strip_prefix(prefix)
        # int a, b;  declares b too
        if is_type(prefix) or (m.group(3) != "(" and prefix.endswith(",") and declares_list(prefix)):
            names.add(m.group(2))
    return names


@lru_cache(maxsize=None)
def declared(path):
    """The names path defines or declares (see the module's docstring)."""
    if path.is_dir():
        return frozenset()
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".py":
        return frozenset(re.findall(r"^\s*(?:def|class)\s+(\w+)", text, re.M) +
                         re.findall(r"^(\w+)\s*=", text, re.M))
    if path.suffix not in (".S", ".ld"):
        return frozenset(c_names(strip_c(text)))
    text = strip_c(text, asm=path.suffix == ".S")
    names = set(re.findall(r"^\s*#\s*define\s+(\w+)", text, re.M))
    names.update(re.findall(r"(?:^|;)\s*([A-Za-z_.$][\w.$]*)\s*:", text, re.M))  # labels
    names.update(re.findall(r"\.(?:globa?l|equ|set)\s+([\w.$]+)", text))
    names.update(re.findall(r"\b(\w+)\s*=", text))  # linker-script symbols
    return frozenset(names)


def name_of(span):
    m = NAME_RE.match(span.strip("`").strip())
    return m.group(1) if m else None


# ---------------------------------------------------------------------------
# The checks


def file_list_refs(listed):
    """The files of a file-list line: the path, then the names after commas
    (a bare one is in the path's directory)."""
    first = listed.group(1)
    return [first] + [f if "/" in f else str(Path(first).parent / f)
                      for f in re.findall(r"[\w./-]+\.\w+", listed.group(2))]


def path_problems(doc):
    problems = []
    for n, line, code in doc_lines(doc):
        listed = FILE_LIST_RE.match(line) if code else None
        for ref in file_list_refs(listed)[1:] if listed else []:
            if not resolve(doc, ref):
                problems.append(f"{rel(doc)}:{n}: no file {ref}")
        text = LINK_RE.sub(lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))), line)
        for m in PATH_RE.finditer(text):
            path = re.sub(r"[.,;:)]+$", "", m.group(1))
            path = re.sub(r":(\d+|N+)$", "", path)
            if path.endswith(".c") and not path.startswith("user/"):
                continue  # Linux's
            if is_foreign(text, m.start()):
                continue
            if not resolve(doc, path):
                problems.append(f"{rel(doc)}:{n}: no file or directory {path}")
        for m in short_path_re().finditer(text):
            if not is_foreign(text, m.start()) and not resolve(doc, m.group(1)):
                problems.append(f"{rel(doc)}:{n}: no file {m.group(1)} in kernel/ or user/")
        for m in BARE_RE.finditer(text):
            if is_foreign(text, m.start()) or text[m.end():m.end() + 1] == "(":
                continue
            if any(p.startswith(f"{rel(doc)}:{n}:") and p.endswith("/" + m.group(1)) for p in problems):
                continue  # already reported with its folder
            if not files_by_name().get(m.group(1)):
                problems.append(f"{rel(doc)}:{n}: no file named {m.group(1)} in the tree")
    return problems


@lru_cache(maxsize=None)
def anchors(page):
    ids, seen = set(), {}
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        m = None if fenced else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        slug = re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        ids.add(slug if count == 0 else f"{slug}-{count}")
    return ids


def link_problems(doc):
    problems = []
    for n, line, code in doc_lines(doc):
        if code:
            continue
        for m in LINK_RE.finditer(line):
            target = m.group(2)
            if re.match(r"^[a-z]+:", target):
                continue  # https:, mailto:
            path, _, anchor = target.partition("#")
            page = (doc.parent / path).resolve() if path else doc
            if not page.exists():
                problems.append(f"{rel(doc)}:{n}: link to {target}: no such file")
            elif anchor and page.suffix == ".md" and anchor not in anchors(page):
                problems.append(f"{rel(doc)}:{n}: link to {target}: no heading #{anchor} in {rel(page)}")
    return problems


def check_names(doc, n, spans, refs, problems):
    # A file that does not exist is the path check's to report.
    files = [f for ref in refs for f in resolve(doc, ref) if f.suffix != ".md"]
    if not files:
        return
    for span in spans:
        name = name_of(span)
        if name and not any(name in declared(f) for f in files):
            where = ", ".join(sorted(rel(f) for f in files))
            problems.append(f"{rel(doc)}:{n}: `{name}` is not defined or declared in {where}")


def pair_problems(doc):
    problems = []
    for n, line, code in doc_lines(doc):
        if code:
            frame = GDB_FRAME_RE.search(line.strip())
            if frame:
                check_names(doc, n, [frame.group(1).split("::")[-1]], [frame.group(2)], problems)
            listed = FILE_LIST_RE.match(line)
            if listed:
                refs = file_list_refs(listed)
                items = [i.strip() for i in re.split(r"[,:;]", re.sub(r"\s*\([^()]*\)", "()", listed.group(4)))]
                spans = [i for i in items if re.fullmatch(r"[A-Za-z_]\w*(\(\))?", i)
                         and (i.endswith("()") or re.search(r"[_\d]", i))]
                check_names(doc, n, spans, refs, problems)
            continue
        text = LINK_RE.sub(lambda m: m.group(2) if not re.match(r"^[a-z]+:", m.group(2)) else m.group(1), line)
        for m in PAREN_PAIR_RE.finditer(text):
            refs = [r.strip() for r in m.group(2).split(",")]
            if not refs or not looks_like_file(refs[0]) or is_foreign(text, m.start()):
                continue
            check_names(doc, n, re.findall(SPAN, m.group(1)), [r for r in refs if looks_like_file(r)], problems)
        for m in IN_PAIR_RE.finditer(text):
            if looks_like_file(m.group(2)) and not is_foreign(text, m.start()):
                check_names(doc, n, re.findall(SPAN, m.group(1)), [m.group(2)], problems)
    return problems


def report(problems):
    assert not problems, f"{len(problems)} wrong: " + "; ".join(problems)


def test_paths_exist():
    report([p for doc in docs() for p in path_problems(doc)])


def test_links_resolve():
    report([p for doc in docs() for p in link_problems(doc)])


def test_functions_are_in_their_files():
    report([p for doc in docs() for p in pair_problems(doc)])


if __name__ == "__main__":
    import sys

    failed = 0
    for check in (path_problems, link_problems, pair_problems):
        for doc in docs():
            for problem in check(doc):
                print(problem)
                failed += 1
    print(f"{failed} problems")
    sys.exit(1 if failed else 0)
