#!/usr/bin/env python3
"""`make lab LAB=name OUT=DIR`: write the student tree for one lab.

The reference code marks each lab's solution with a pair of comment lines:

    // LAB sleep: begin sleep(chan, lk)
    ... the reference solution ...
    // LAB sleep: end

The name after `begin` is the function the region belongs to, with the
parameters the stub must still use (so the student tree builds without
unused-parameter warnings). A `begin` with no function removes a region
outright: a helper only the solution uses.

The student tree is a copy of the files git tracks, in which the lab's regions
become a TODO stub that builds and fails clearly when it runs: in the kernel a
panic naming the lab and the function, in a user program a message and exit(1).
Every other lab's marker lines are dropped (their code stays), and so are
the tests of the markers themselves (TEACHER_ONLY). The lab page is
put on top of the README (its links made relative to the top), and
`.lab` names the lab for `make grade`.

Python 3 standard library only.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labs import LABS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^(\s*)// LAB ([\w-]+): (begin|end)\b ?(.*?)\s*$")
STUBBED = (".c", ".cc", ".hh", ".h")
# The tests of the reference's lab markers: a student tree has none, so
# they would only fail there.
TEACHER_ONLY = {"tools/tests/host/test_labs.py"}


class LabError(Exception):
    """A marker problem or a bad request: one line for the user."""


class Region:
    def __init__(self, lab, path, begin, end, indent, function, params):
        self.lab, self.path, self.begin, self.end = lab, path, begin, end
        self.indent, self.function, self.params = indent, function, params


def parse_function(text, where):
    """`sleep(chan, lk)` -> ("sleep", ["chan", "lk"]); "" -> (None, [])."""
    if not text:
        return None, []
    m = re.fullmatch(r"([A-Za-z_]\w*)\(\s*(\w+(?:\s*,\s*\w+)*)?\s*\)", text)
    if not m:
        raise LabError(f"{where}: expected 'begin FUNCTION(PARAMS)' or a bare 'begin', got {text!r}")
    return m.group(1), re.findall(r"\w+", m.group(2) or "")


def regions_in(path, lines):
    """Every marked region of one file; unbalanced or nested markers fail."""
    found, open_ = [], None
    for i, line in enumerate(lines):
        m = MARKER.match(line)
        if not m:
            continue
        indent, lab, kind, rest = m.groups()
        where = f"{path}:{i + 1}"
        if kind == "begin":
            if open_:
                raise LabError(f"{where}: 'LAB {lab}: begin' inside the region of lab {open_[1]} "
                               f"opened at line {open_[0] + 1}")
            function, params = parse_function(rest, where)
            open_ = (i, lab, indent, function, params)
        else:
            if not open_:
                raise LabError(f"{where}: 'LAB {lab}: end' with no region open")
            if open_[1] != lab:
                raise LabError(f"{where}: 'LAB {lab}: end' closes the region of lab {open_[1]} "
                               f"opened at line {open_[0] + 1}")
            if rest:
                raise LabError(f"{where}: nothing may follow 'end', got {rest!r}")
            start, _, ind, function, params = open_
            found.append(Region(lab, path, start, i, ind, function, params))
            open_ = None
    if open_:
        raise LabError(f"{path}:{open_[0] + 1}: region of lab {open_[1]} is never closed")
    return found


def tracked_files(root):
    out = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True)
    return [p for p in out.stdout.decode().split("\0") if p]


def all_regions(root=ROOT):
    """{path: (lines, regions)} for every tracked source file with a marker."""
    result = {}
    for rel in tracked_files(root):
        if not rel.endswith(STUBBED):
            continue
        path = root / rel
        if not path.is_file():
            continue
        lines = path.read_text().splitlines(keepends=True)
        if any("// LAB " in line for line in lines):
            regions = regions_in(rel, lines)
            unknown = {r.lab for r in regions} - set(LABS)
            if unknown:
                raise LabError(f"{rel}: markers name unknown lab(s) {', '.join(sorted(unknown))}")
            if regions:
                result[rel] = (lines, regions)
    return result


def stub(region):
    """The lines that stand in for a region in the student tree."""
    ind, lab, fn = region.indent, region.lab, region.function
    page = LABS[lab].page
    todo = [f"{ind}// LAB {lab}: TODO -- your code here ({page})\n"]
    if fn is None:
        return todo
    if region.params:
        todo.append(f"{ind}{', '.join(f'(void){p}' for p in region.params)};\n")
    message = f"lab {lab}: {fn}() is not written yet ({page})"
    if region.path.startswith("kernel/"):
        todo.append(f'{ind}panic("{message}");\n')
    else:
        todo += [f'{ind}fprintf(2, "{message}\\n");\n', f"{ind}exit(1);\n"]
    return todo


def student_text(lines, regions, lab):
    """The file with lab's regions stubbed and every other marker line dropped."""
    out, skip_to = [], -1
    starts = {r.begin: r for r in regions if r.lab == lab}
    for i, line in enumerate(lines):
        if i <= skip_to:
            continue
        if i in starts:
            out += stub(starts[i])
            skip_to = starts[i].end
        elif not MARKER.match(line):
            out.append(line)
    return "".join(out)


def rebase_links(text, page):
    """The page's relative links, made relative to the top of the tree: in a
    student tree the page is the start of README.md."""
    def rebase(m):
        target = m.group(1)
        if re.match(r"[a-z]+:|#", target):
            return m.group(0)
        return f"]({os.path.normpath(os.path.join(os.path.dirname(page), target))})"
    return re.sub(r"\]\(([^)\s]+)\)", rebase, text)


def make_tree(lab, out, root=ROOT):
    if lab not in LABS:
        raise LabError(f"unknown lab {lab!r}; the labs are: {', '.join(LABS)}")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise LabError(f"{out} exists and is not empty; give a new directory")
    marked = all_regions(root)
    if not any(r.lab == lab for _, regions in marked.values() for r in regions):
        raise LabError(f"lab {lab} has no marked regions in the code")
    for rel in tracked_files(root):
        src, dst = root / rel, out / rel
        if not src.is_file() or rel in TEACHER_ONLY:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if rel in marked:
            dst.write_text(student_text(*marked[rel], lab))
            shutil.copymode(src, dst)
        else:
            shutil.copy2(src, dst)
    page = rebase_links((root / LABS[lab].page).read_text(), LABS[lab].page)
    readme = out / "README.md"
    readme.write_text(page + "\n---\n\n" + readme.read_text())
    (out / ".lab").write_text(lab + "\n")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lab", help="the lab's name: " + ", ".join(LABS))
    ap.add_argument("out", help="a new (or empty) directory for the student tree")
    args = ap.parse_args()
    try:
        make_tree(args.lab, args.out)
    except LabError as e:
        print(f"lab: {e}", file=sys.stderr)
        return 1
    print(f"lab: wrote the {args.lab} lab to {args.out}; there: make grade")
    return 0


if __name__ == "__main__":
    sys.exit(main())
