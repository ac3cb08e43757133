"""The lab tool (tools/lab.py) and the lab table (tools/labs.py), quickly:
the marker rules, the tool's refusals, every lab's student tree (its
stubbed files compile, with no warnings), and every graded test exists.
`make test-labs` does the slow part: whole student trees built and graded.
"""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools"))
from lab import LabError, all_regions, make_tree, regions_in, student_text  # noqa: E402
from labs import LABS  # noqa: E402
from tests.shell import SHELL_CASES  # noqa: E402


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
    names = {f"shell/{n}" for n, _, _ in SHELL_CASES} | {f"boot/cpus{n}" for n in (1, 3, 8)}
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
            r = subprocess.run(["make", "-s", *objects], cwd=tree, capture_output=True, text=True)
            assert r.returncode == 0, f"lab {name}: {' '.join(files)} do not compile:\n{(r.stdout + r.stderr)[-1500:]}"
            assert "warning" not in r.stdout + r.stderr, f"lab {name}: warnings:\n{(r.stdout + r.stderr)[-1500:]}"
            assert (tree / ".lab").read_text().strip() == name
            assert (tree / "README.md").read_text().startswith((ROOT / LABS[name].page).read_text())
