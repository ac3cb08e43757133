"""The lab tool (tools/lab.py) and the lab table (tools/labs.py), quickly:
the marker rules, the tool's refusals, every lab's student tree (its
stubbed files compile, with no warnings), every graded test exists, and the
lab pages name only what exists and show the table's points.
`make test-labs` does the slow part: whole student trees built and graded.
"""
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools"))
from lab import LabError, all_regions, make_tree, rebase_links, regions_in, student_text  # noqa: E402
from labs import ANSWER_POINTS, LABS  # noqa: E402
from tests.shell import SHELL_BODIES, SHELL_CASES  # noqa: E402


def refused(lines, message):
    try:
        regions_in("f.cc", lines)
    except LabError as e:
        assert re.search(message, str(e)), f"wrong message: {e}"
        return
    raise AssertionError(f"markers {lines} were accepted")


def test_markers_must_balance():
    refused(["// LAB sleep: begin f(a)\n", "x\n"], r"f\.cc:1: region of lab sleep is never closed")
    refused(["// LAB sleep: end\n"], r"f\.cc:1: 'LAB sleep: end' with no region open")
    refused(["// LAB sleep: begin\n", "  // LAB timeout: begin\n", "// LAB timeout: end\n"],
            r"f\.cc:2: 'LAB timeout: begin' inside the region of lab sleep opened at line 1")
    refused(["// LAB sleep: begin\n", "// LAB timeout: end\n"], r"closes the region of lab sleep")
    refused(["// LAB sleep: begin f(a b)\n", "// LAB sleep: end\n"], r"expected 'begin FUNCTION\(PARAMS\)'")


def test_stub_replaces_only_its_lab():
    lines = ["int f(int a) {\n", "  // LAB sleep: begin f(a)\n", "  return a;\n", "  // LAB sleep: end\n", "}\n",
             "// LAB timeout: begin\n", "static int g;\n", "// LAB timeout: end\n"]
    regions = regions_in("kernel/f.cc", lines)
    text = student_text(lines, regions, "sleep")
    assert "return a;" not in text and "(void)a;" in text, text
    assert 'panic("lab sleep: f() is not written yet (docs/labs/sleep.md)");' in text, text
    assert "static int g;" in text and "LAB timeout" not in text, text
    user = student_text(["// LAB pingpong: begin main(n)\n", "x();\n", "// LAB pingpong: end\n"],
                        regions_in("user/bin/p.c", ["// LAB pingpong: begin main(n)\n", "x();\n",
                                                    "// LAB pingpong: end\n"]), "pingpong")
    assert "fprintf(2, " in user and "exit(1);" in user and "x();" not in user, user


def run_tool(*args):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "lab.py"), *args], capture_output=True, text=True)


def test_tool_refuses_bad_requests():
    with tempfile.TemporaryDirectory() as tmp:
        r = run_tool("nosuchlab", str(Path(tmp) / "out"))
        assert r.returncode != 0 and r.stderr.count("\n") == 1 and "unknown lab 'nosuchlab'" in r.stderr, r.stderr
        (Path(tmp) / "full").mkdir()
        (Path(tmp) / "full" / "x").write_text("x")
        r = run_tool("sleep", str(Path(tmp) / "full"))
        assert r.returncode != 0 and r.stderr.count("\n") == 1 and "is not empty" in r.stderr, r.stderr


def test_every_lab_has_regions_and_a_page():
    marked = all_regions()
    for name, lab in LABS.items():
        assert (ROOT / lab.page).is_file(), f"lab {name}: no page {lab.page}"
        assert any(r.lab == name for _, regions in marked.values() for r in regions), f"lab {name}: no regions"
        assert set(lab.needs) <= set(LABS), f"lab {name} needs unknown labs {lab.needs}"


def known_tests():
    """Every test name the harness can run that a lab may grade."""
    names = {f"shell/{n}" for n, _, _ in SHELL_CASES} | {f"shell/{n}" for n, _ in SHELL_BODIES}
    names |= {f"boot/cpus{n}" for n in (1, 3, 8)}
    for program in (ROOT / "user" / "tests").glob("*.c"):
        table = re.findall(r'\{"(\w+)", test_\w+\}', program.read_text())
        names |= {f"{program.stem}/{t}" for t in table}
    gdb = (ROOT / "tools" / "tests" / "gdb.py").read_text()
    names |= set(re.findall(r'"(gdb/[\w-]+)"', gdb))
    return names


def test_every_graded_test_exists():
    known = known_tests()
    for name, lab in LABS.items():
        missing = [t for t, _ in lab.tests if t not in known]
        assert not missing, f"lab {name} grades tests the harness does not have: {missing}"
        assert all(p > 0 for _, p in lab.tests), f"lab {name}: a test with no points"


def test_student_trees_compile():
    """Each lab's stubbed files compile in a student tree, warnings as errors."""
    marked = all_regions()
    with tempfile.TemporaryDirectory() as tmp:
        for name in LABS:
            tree = make_tree(name, Path(tmp) / name)
            files = [f for f, (_, regions) in marked.items() if any(r.lab == name for r in regions)]
            objects = [f"build/{Path(f).with_suffix('.o')}" for f in files]
            # A plain build: under `make test UBSAN=1` the outer make's MAKEFLAGS
            # and its command-line variables (exported to us) would make it a
            # checked build in build-ubsan/, where these objects are not.
            env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "UBSAN", "B")}
            r = subprocess.run(["make", "-s", "UBSAN=", "B=build", *objects], cwd=tree, capture_output=True, text=True,
                               env=env)
            assert r.returncode == 0, f"lab {name}: {' '.join(files)} do not compile:\n{(r.stdout + r.stderr)[-1500:]}"
            assert "warning" not in r.stdout + r.stderr, f"lab {name}: warnings:\n{(r.stdout + r.stderr)[-1500:]}"
            assert (tree / ".lab").read_text().strip() == name
            readme = (tree / "README.md").read_text()
            assert readme.startswith(rebase_links((ROOT / LABS[name].page).read_text(), LABS[name].page))
            for link in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", readme):
                assert (tree / link).exists(), f"lab {name}: the README's link {link} leads nowhere"


PAGES = sorted((ROOT / "docs" / "labs").glob("*.md"))


def identifiers():
    """Every word of the kernel's, the user programs' and the tools' sources."""
    words = set()
    for top in ("kernel", "user", "tools"):
        for path in (ROOT / top).rglob("*"):
            if path.suffix in (".cc", ".hh", ".c", ".h", ".S", ".py", ".def"):
                words |= set(re.findall(r"\w+", path.read_text(errors="replace")))
    return words


def test_lab_pages_name_what_exists():
    """Every link, file path, function, `make` target and GDB command a lab
    page names is there (Linux's and xv6's names are named without
    parentheses, and links to them are web addresses)."""
    words = identifiers()
    commands = set(re.findall(r'super\(\).__init__\("(kite-[\w-]+)"', (ROOT / "tools/gdb/kite.py").read_text()))
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    for page in PAGES:
        text, name = page.read_text(), page.relative_to(ROOT)
        for link in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            assert link.startswith("https://") or (page.parent / link).exists(), f"{name}: no {link}"
        for span in re.findall(r"`([^`\n]+)`", text):
            path = re.fullmatch(r"((?:kernel|user|tools|docs|mkfs)/[\w./-]*\w)", span)
            assert not path or (ROOT / path.group(1)).exists(), f"{name}: no file {span}"
            call = re.match(r"([A-Za-z_]\w*)\(", span)
            assert not call or call.group(1) in words, f"{name}: no function {call.group(1)}"
            make = re.fullmatch(r"make ([\w-]+)(?: .*)?", span)
            assert not make or make.group(1) in targets, f"{name}: no make target {make.group(1)}"
        for command in re.findall(r"\bkite-[a-z]+\b", text):
            assert command in commands, f"{name}: no GDB command {command} in tools/gdb/kite.py"
        for symbol in re.findall(r"\bkernel::(\w+)", text):
            assert symbol in words, f"{name}: no kernel::{symbol}"


def test_lab_pages_show_the_points():
    """Each lab page's Grading table has the lab's tests with the points of
    tools/labs.py, and the labs README lists every lab as the table does."""
    for lab_name, lab in LABS.items():
        text = (ROOT / lab.page).read_text()
        grading = text[text.index("## Grading"):]
        rows = {t: int(p) for t, p in re.findall(r"^\| `([^`]+)` \| (\d+) \|", grading, re.M)}
        want = dict(lab.tests) | {f"answers-{lab_name}.txt": ANSWER_POINTS}
        assert rows == want, f"{lab.page}: the Grading table says {rows}, tools/labs.py {want}"
    readme = (ROOT / "docs/labs/README.md").read_text()
    for lab_name, lab in LABS.items():
        row = re.search(rf"^\| \[{re.escape(lab_name)}\]\({re.escape(Path(lab.page).name)}\) \|.*\| (.*) \| (.*) \|$",
                        readme, re.M)
        assert row, f"docs/labs/README.md has no row for lab {lab_name}"
        needs = [n.strip() for n in row.group(1).split(",") if n.strip() not in ("", "--")]
        assert needs == lab.needs and row.group(2) == lab.effort, \
            f"docs/labs/README.md: lab {lab_name} builds on {needs}, {row.group(2)}; tools/labs.py: {lab.needs}, {lab.effort}"
