#!/usr/bin/env python3
"""`make test`: every test of Kite, one result line each, then `N passed, N failed`.

The kinds of test, one module each in tools/tests/:
  host.py     the Python test modules in tools/tests/host/ (mkfs, and kernel
              code such as the intrusive list built for the host under ASan
              and UBSan); each function named test_* is one test.
  shell.py    boots on 1, CPUS and 8 harts, and shell cases: a command typed
              at the prompt and the output it must print.
  suites.py   the in-guest test programs of user/tests (usertests, waittests,
              sigtests, nettests), one command per test with its own
              time-out, also on one hart; the benchmarks' quick run; the short
              stress runs; and a check that no physical page leaked.
  gdb.py      GDB against a live guest: the kite- commands and the sleeping
              and waking chains.
  checked.py  the kernel's checkers, each provoked on purpose.
A guest that panics or stops answering fails the test it was running and is
booted again for the next one. Python 3 standard library only.
"""
import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tests.checked import run_checker_tests, run_sent_checksum_test  # noqa: E402
from tests.gdb import run_gdb_tests  # noqa: E402
from tests.harness import Results  # noqa: E402
from tests.host import run_host_tests  # noqa: E402
from tests.suites import run_guest_tests  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpus", type=int, default=3, help="harts for the guest (1..8)")
    ap.add_argument("--only", default="", help="run only tests whose name matches this regex")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per guest test")
    ap.add_argument("--no-host", action="store_true", help="skip host-side tests")
    args = ap.parse_args()
    if not 1 <= args.cpus <= 8:
        ap.error("--cpus must be between 1 and 8")
    rx = re.compile(args.only)

    def selected(name):
        return rx.search(name) is not None

    results = Results()
    t0 = time.monotonic()
    if not args.no_host:
        run_host_tests(results, selected)
    run_guest_tests(results, args, selected)
    run_gdb_tests(results, args, selected)
    run_checker_tests(results, args, selected)
    run_sent_checksum_test(results, args, selected)
    print(f"# {time.monotonic() - t0:.0f}s on {args.cpus} harts")
    print(f"{results.passed} passed, {results.failed} failed")
    return 1 if results.failed or results.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
