#!/usr/bin/env python3
"""`make test-labs`: show that the grader really detects a missing solution.

For every lab: write its student tree into a temporary folder, build it
(no warnings allowed), run its `make grade`, and check that it scores less
than full marks with failures that name the lab and one of its missing
functions. Then this tree's `make grade LAB=all` must score full marks.
Ends with `N passed, N failed`. (`make test` runs the quick version: every
lab's stubbed files compile; tools/tests/host/test_labs.py.)
"""
import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lab import all_regions, make_tree  # noqa: E402
from labs import LABS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def lab_functions(lab):
    return sorted({r.function for _, regions in all_regions().values() for r in regions
                   if r.lab == lab and r.function})


def check_lab(lab, cpus):
    with tempfile.TemporaryDirectory(prefix=f"kite-{lab}-") as tmp:
        tree = make_tree(lab, Path(tmp) / lab)
        build = subprocess.run(["make", "-j2", "V=1"], cwd=tree, capture_output=True, text=True)
        if build.returncode != 0:
            return False, f"the student tree does not build:\n{build.stdout[-1500:]}{build.stderr[-1500:]}"
        warnings = [l for l in (build.stdout + build.stderr).splitlines() if "warning:" in l]
        if warnings:
            return False, f"the student tree builds with warnings: {warnings[0]}"
        grade = subprocess.run(["make", "grade", f"CPUS={cpus}"], cwd=tree, capture_output=True, text=True,
                               timeout=1800)
        out = grade.stdout + grade.stderr
        score = re.search(r"^Score: (\d+)/(\d+)$", out, re.M)
        if not score:
            return False, f"make grade printed no score:\n{out[-1500:]}"
        if grade.returncode == 0 or int(score.group(1)) >= int(score.group(2)):
            return False, f"the student tree scores {score.group(0)} with the solution missing"
        named = [f for f in lab_functions(lab) if re.search(rf"lab {re.escape(lab)}: {re.escape(f)}\(\)", out)]
        if not named:
            return False, f"no failure names a missing function of lab {lab} ({lab_functions(lab)}):\n{out[-1500:]}"
        return True, f"{score.group(0)}; failures name {', '.join(named)}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpus", type=int, default=3)
    ap.add_argument("--only", default="", help="check only the labs whose name matches this regex")
    args = ap.parse_args()
    passed = failed = 0
    for lab in LABS:
        if not re.search(args.only, lab):
            continue
        ok, why = check_lab(lab, args.cpus)
        print(f"{'PASS' if ok else 'FAIL'} labs/{lab}-detects-missing-solution: {why}", flush=True)
        passed, failed = passed + ok, failed + (not ok)
    ref = subprocess.run([sys.executable, str(ROOT / "tools" / "grade.py"), "--lab", "all", "--cpus", str(args.cpus)],
                         cwd=ROOT, capture_output=True, text=True)
    score = re.search(r"^Score: (\d+)/(\d+)$", ref.stdout, re.M)
    ok = ref.returncode == 0 and score and score.group(1) == score.group(2)
    print(f"{'PASS' if ok else 'FAIL'} labs/reference-full-marks: {score.group(0) if score else ref.stdout[-800:]}")
    passed, failed = passed + bool(ok), failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
