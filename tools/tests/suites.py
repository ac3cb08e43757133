"""The in-guest suites: each test of the user/tests programs as its own
command, the benchmarks' quick run, the short stress runs, and a check that
no page or slab object leaked over the whole run (all in one guest, so pages compare)."""
import re

from bench import quick_check as bench_quick_check
from qemu import GuestError
from stress import SHORT_TESTS as STRESS_TESTS
from tests.harness import GuestSession, guest_test
from tests.shell import SHELL_BODIES, SHELL_CASES, check_boot, other_hart_counts, shell_case


# The in-guest test programs (user/lib/testlib.h gives their protocol).
TEST_PROGRAMS = ("usertests", "waittests", "sigtests", "nettests", "tcptests")
# Programs that also run on a one-hart guest (when --cpus is not 1): the
# wakeup paths differ when waker and sleeper share the only hart.
ONE_HART_PROGRAMS = ("nettests", "tcptests", "sigtests", "waittests")
# Tests that run on the one-hart guest only. wakepreempt times how soon a
# busy hart gives way to the process it woke; on several harts an idle
# hart's own tick may run that process first, so the test cannot tell
# preemption from luck there.
ONE_HART_TESTS = {"waittests/wakepreempt"}


def run_test_program(results, session, program, args, selected, label=None, one_hart=False):
    """List the program's tests, then run each as its own command."""
    label = label or program
    try:
        listing = session.get().run(f"{program} -l", 30)
    except GuestError as e:
        listing = str(e)
    names = listing.split()
    if not names or re.search(r"exec \S+ failed", listing) or not all(re.fullmatch(r"[a-z0-9_]+", n) for n in names):
        results.record(f"{label}/list", False, 0, f"{program} -l printed {listing!r}")
        return
    for test in names:
        full = f"{label}/{test}"
        if not selected(full) or (f"{program}/{test}" in ONE_HART_TESTS and not one_hart):
            continue

        def body(guest, test=test):
            out = guest.run(f"{program} {test}", args.timeout)
            m = re.search(rf"{program}: {re.escape(test)}: (OK|FAILED.*)", out)
            if not m:
                return False, f"no result line; output: {out[-800:]!r}"
            return m.group(1) == "OK", m.group(1)

        guest_test(results, session, full, body)


def leak_checker(results, session, label):
    """Take the session's free pages and each cache's objects in use now;
    return a test body that finds them the same after the tests."""
    try:
        baseline = session.get().free_pages()
        baseline_slab = session.get().slab_objects()
    except GuestError as e:
        baseline = baseline_slab = None
        results.record(f"{label}/freemem", False, 0, str(e))
    baseline_boot = session.boots

    def leak_check(guest):
        if baseline is None:
            return False, "no baseline: freemem failed at the start"
        if session.boots != baseline_boot:
            return False, "the guest was rebooted after a failure, so pages cannot be compared"
        after = guest.free_pages()
        if after != baseline:
            return False, f"{baseline} pages free before the tests, {after} after"
        slab = guest.slab_objects()
        leaked = [f"{name} {baseline_slab.get(name, 0)} -> {n}" for name, n in slab.items()
                  if n != baseline_slab.get(name, 0)]
        if leaked:
            return False, "objects in use before and after the tests: " + ", ".join(leaked)
        return True, f"{after} pages free, as before; every cache's objects in use as before"

    return leak_check


def run_guest_tests(results, args, selected):
    other_hart_counts(results, args, selected)
    session = GuestSession(args.cpus)
    try:
        guest_test(results, session, f"boot/cpus{args.cpus}", check_boot)
        if session.guest is None:
            return
        leak_check = leak_checker(results, session, "guest")

        for name, command, expect in SHELL_CASES:
            if selected(f"shell/{name}"):
                guest_test(results, session, f"shell/{name}", shell_case(command, expect))
        for name, body in SHELL_BODIES:
            if selected(f"shell/{name}"):
                guest_test(results, session, f"shell/{name}", body)

        for program in TEST_PROGRAMS:
            run_test_program(results, session, program, args, selected, one_hart=args.cpus == 1)

        # Every benchmark figure is produced (small sizes; `make bench` for the real run).
        if selected("bench/quick"):
            guest_test(results, session, "bench/quick", bench_quick_check)

        # Last: they leave the most behind on disk if they fail (tools/stress.py).
        for name, body in STRESS_TESTS:
            if selected(name):
                guest_test(results, session, name, body)

        if selected("guest/no-leaked-pages"):
            guest_test(results, session, "guest/no-leaked-pages", leak_check)
    finally:
        session.close()
    if args.cpus != 1:
        one = GuestSession(1)
        try:
            one_leak_check = selected("guest@cpus1/no-leaked-pages") and leak_checker(results, one, "guest@cpus1")
            for program in ONE_HART_PROGRAMS:
                run_test_program(results, one, program, args, selected, label=f"{program}@cpus1", one_hart=True)
            if one_leak_check:
                guest_test(results, one, "guest@cpus1/no-leaked-pages", one_leak_check)
        finally:
            one.close()
