#!/usr/bin/env python3
"""`make grade`: run a lab's tests, print each with its points, then
`Score: N/M` and `N passed, N failed`; exit non-zero below full marks.

In a student tree (made by `make lab`) the lab is the one named in `.lab`;
in the reference tree give LAB=name, or LAB=all for every lab. The tests
and points are declared in tools/labs.py; a student tree also gets points
for the answers file the lab page asks for. The result goes to
build/grade.json too, for a teacher to collect. Python 3 standard library only.
"""
import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labs import ANSWER_POINTS, LABS  # noqa: E402
from qemu import BUILD, ROOT  # noqa: E402
from tests.gdb import run_gdb_tests  # noqa: E402
from tests.harness import Results  # noqa: E402
from tests.suites import run_guest_tests  # noqa: E402


def which_labs(arg):
    if arg == "all":
        return list(LABS)
    if arg:
        if arg not in LABS:
            raise SystemExit(f"grade: unknown lab {arg!r}; the labs are: {', '.join(LABS)}, all")
        return [arg]
    marker = ROOT / ".lab"
    if marker.exists():
        return [marker.read_text().strip()]
    raise SystemExit("grade: no .lab here (this is not a student tree): give LAB=name or LAB=all")


def short(reason):
    """The line of a failure that says most: a lab stub's message (it names
    the function not written yet), else a panic's, else the first line."""
    lines = [l.strip() for l in reason.splitlines() if l.strip()]
    for pattern in (r"\blab [\w-]+: \w+\(\) is not written yet", r"^panic on hart", ""):
        for line in lines:
            if re.search(pattern, line):
                return line.split("; whole console in")[0][:200]  # the log's path is in build/test-logs/
    return ""


def run_tests(names, cpus, timeout):
    """Run the named tests through the harness; name -> (ok, reason)."""
    wanted = set(names)
    results = Results(quiet=True)
    args = argparse.Namespace(cpus=cpus, timeout=timeout)
    run_guest_tests(results, args, lambda n: n in wanted)
    if any(n.startswith("gdb/") for n in wanted):
        run_gdb_tests(results, args, lambda n: n in wanted)
    return results.outcomes


def answers(lab):
    """In a student tree, the answers to the lab page's questions must be
    there (the teacher reads them; the grader only checks they exist)."""
    path = ROOT / f"answers-{lab}.txt"
    if path.is_file() and path.read_text().strip():
        return True, ""
    return False, f"write your answers to the lab's questions in {path.name}"


def grade(lab, outcomes, student):
    """Print one lab's table; return its JSON record."""
    spec = LABS[lab]
    first_failure = next((short(r) for ok, r in outcomes.values() if not ok), "")
    rows, earned = [], 0
    tests = spec.tests + ([(f"answers-{lab}.txt", ANSWER_POINTS)] if student else [])
    print(f"== lab {lab}: {spec.summary}")
    for name, points in tests:
        if name.startswith("answers-"):
            ok, reason = answers(lab)
        else:
            ok, reason = outcomes.get(name, (False, f"not run; the first failure: {first_failure}"))
        got = points if ok else 0
        earned += got
        print(f"{'PASS' if ok else 'FAIL'} {name:<34} {got:>3}/{points:<3}" + ("" if ok else f" {short(reason)}"),
              flush=True)
        rows.append({"test": name, "points": points, "earned": got, "ok": ok, "reason": "" if ok else short(reason)})
    return {"lab": lab, "score": earned, "points": sum(p for _, p in tests), "tests": rows}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lab", default="", help="a lab's name, or all (default: the lab named in .lab)")
    ap.add_argument("--cpus", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=120, help="seconds per guest test")
    args = ap.parse_args()
    labs = which_labs(args.lab)
    t0 = time.monotonic()
    names = sorted({n for lab in labs for n, _ in LABS[lab].tests})
    outcomes = run_tests(names, args.cpus, args.timeout)
    student = (ROOT / ".lab").exists()
    records = [grade(lab, outcomes, student) for lab in labs]
    score = sum(r["score"] for r in records)
    points = sum(r["points"] for r in records)
    passed = sum(t["ok"] for r in records for t in r["tests"])
    failed = sum(not t["ok"] for r in records for t in r["tests"])
    BUILD.mkdir(exist_ok=True)
    (BUILD / "grade.json").write_text(json.dumps({"labs": records, "score": score, "points": points}, indent=1) + "\n")
    print(f"# {time.monotonic() - t0:.0f}s; results in {(BUILD / 'grade.json').relative_to(ROOT)}")
    print(f"Score: {score}/{points}")
    print(f"{passed} passed, {failed} failed")
    return 0 if score == points else 1


if __name__ == "__main__":
    sys.exit(main())
