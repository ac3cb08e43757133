"""Shell cases: a command typed at the prompt of a booted guest and the
output it must print; and boots on other hart counts."""
import re
import time

from qemu import ROOT
from tests.harness import GuestSession, guest_test


def check_boot(guest):
    # The harts announce themselves as they start; on a loaded host the
    # last may do so after init has started the shell: give it 10 s.
    deadline = time.monotonic() + 10
    while True:
        harts = len(re.findall(r"kite: hart \d+ scheduling", guest.text()))
        if harts == guest.cpus:
            return True, ""
        if harts > guest.cpus or time.monotonic() > deadline:
            return False, f"{harts} harts scheduling, expected {guest.cpus}"
        time.sleep(0.1)


def shell_case(command, expect, timeout=30):
    """A test that types `command` and expects output matching regex
    `expect`, or for which check(output) returns (ok, reason)."""
    def body(guest):
        out = guest.run(command, timeout)
        if callable(expect):
            return expect(out)
        if re.search(expect, out, re.M):
            return True, ""
        return False, f"{command!r} printed {out!r}, expected /{expect}/"
    return body


def pingpong_once(out):
    """The child (the higher pid) hears the ping, then the parent the pong."""
    m = re.search(r"^(\d+): received ping\n(\d+): received pong$", out, re.M)
    if not m:
        return False, f"pingpong printed {out!r}"
    child, parent = int(m.group(1)), int(m.group(2))
    if child <= parent:
        return False, f"ping heard by pid {child}, pong by {parent}: expected a child with a higher pid than its parent"
    return True, ""


PINGPONG_ROUNDS = 500


def pingpong_rounds(guest):
    """Each round trip is two pipe reads, and at least one of them must
    sleep until the other side writes: xv6's wakeup() counts those."""
    before = guest.chan_wakeups()
    out = guest.run(f"pingpong {PINGPONG_ROUNDS}", 60)
    woken = guest.chan_wakeups() - before
    if not re.search(rf"^pingpong: {PINGPONG_ROUNDS} round trips in \d+ ticks$", out, re.M):
        return False, f"pingpong {PINGPONG_ROUNDS} printed {out!r}"
    if woken < PINGPONG_ROUNDS:
        return False, f"{woken} sleepers woken during {PINGPONG_ROUNDS} round trips: the reads did not wait on pipes"
    return True, f"{woken} wakeups"


def readme_lines(keep):
    """The lines of README.md (the file mkfs puts in fs.img) that keep() accepts."""
    return [line for line in (ROOT / "README.md").read_bytes().splitlines(keepends=True) if keep(line)]


def wc_of(lines):
    """What the guest's `wc` prints for lines on its standard input."""
    return f"{len(lines)} {sum(len(line.split()) for line in lines)} {sum(len(line) for line in lines)}"


def exactly(lines):
    """A regex for output that is exactly these lines."""
    return r"\A" + re.escape(b"".join(lines).decode()) + r"\Z"


# Worked out from the file itself, so that a grep that matched wrongly (or
# a pipe that lost or repeated bytes) shows, and a lab's README still fits.
KITE_LINES = readme_lines(lambda line: b"Kite" in line)
KITE_FIRST = readme_lines(lambda line: line.startswith(b"Kite"))

SHELL_CASES = [
    ("echo", "echo hello kite", r"^hello kite$"),
    ("pipeline", "echo one two three | wc", r"^1 3 14 ?$"),
    ("pipeline3", "cat README.md | grep Kite | wc", rf"^{wc_of(KITE_LINES)} ?$"),
    ("redirect", "echo abc > t.txt ; cat < t.txt ; rm t.txt", r"^abc$"),
    ("sequence", "(echo a ; echo b) | wc", r"^2 2 4 ?$"),
    ("ls", "ls", r"^README\.md\s+2 \d+ \d+$"),
    ("missing", "nosuchprogram", r"exec nosuchprogram failed"),
    ("grep", "grep ^Kite README.md", exactly(KITE_FIRST)),
    ("mkdir", "mkdir d1 ; cd d1 ; echo hi > f ; cat f ; cd .. ; rm d1/f ; rm d1", r"^hi$"),
    ("pingpong", "pingpong", pingpong_once),
]

# Shell cases that need more than one command: (name, body(guest)).
SHELL_BODIES = [
    ("pingpong-rounds", pingpong_rounds),
]


def other_hart_counts(results, args, selected):
    """Boot with 1 and with 8 harts too: the shell and a pipeline must work."""
    for cpus in (1, 8):
        name = f"boot/cpus{cpus}"
        if cpus == args.cpus or not selected(name):
            continue
        session = GuestSession(cpus)

        def body(guest):
            ok, reason = check_boot(guest)
            if ok:
                return shell_case("echo one two three | wc", r"^1 3 14 ?$")(guest)
            return ok, reason

        guest_test(results, session, name, body)
        session.close()
