"""What every kind of test shares: the result lines, a guest that is booted
again after a failure, and the console kept for a failed test."""
import time

from qemu import BUILD, ROOT, Guest, GuestError


class Results:
    def __init__(self, quiet=False):
        self.quiet = quiet  # make grade prints its own table
        self.passed = 0
        self.failed = 0
        self.outcomes = {}  # name -> (ok, reason), for make grade

    def record(self, name, ok, seconds, reason=""):
        self.outcomes[name] = (ok, reason)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        if not self.quiet:
            print(f"PASS {name} ({seconds:.1f}s)" if ok else f"FAIL {name} ({seconds:.1f}s): {reason}", flush=True)


class GuestSession:
    """A booted guest that is re-booted after a failure."""

    def __init__(self, cpus):
        self.cpus = cpus
        self.guest = None
        self.boots = 0

    def get(self):
        if self.guest is None:
            self.guest = Guest(self.cpus)
            self.boots += 1
            self.guest.boot()
        return self.guest

    def discard(self):
        if self.guest:
            self.guest.close()
            self.guest = None

    def close(self):
        self.discard()


LOGS = BUILD / "test-logs"


def save_console(guest, name):
    """Keep everything the guest printed, for a failed test's post-mortem."""
    LOGS.mkdir(parents=True, exist_ok=True)
    path = LOGS / (name.replace("/", "-") + ".log")
    path.write_text(guest.text() if guest else "")
    return path.relative_to(ROOT)


def guest_test(results, session, name, body):
    """Run body(guest) -> (ok, reason) as one test; reboot after a failure."""
    t0 = time.monotonic()
    try:
        ok, reason = body(session.get())
    except GuestError as e:
        log = save_console(session.guest, name)
        tail = session.guest.symbolize(session.guest.tail(600)) if session.guest else ""
        ok, reason = False, f"{e}; whole console in {log}; it ends with:\n{tail}"
        session.discard()
    results.record(name, ok, time.monotonic() - t0, reason)
    return ok
