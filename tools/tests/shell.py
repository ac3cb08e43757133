"""Shell cases: a command typed at the prompt of a booted guest and the
output it must print; and boots on other hart counts."""
import re
import time

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
    """A test that types `command` and expects output matching regex `expect`."""
    def body(guest):
        out = guest.run(command, timeout)
        if re.search(expect, out, re.M):
            return True, ""
        return False, f"{command!r} printed {out!r}, expected /{expect}/"
    return body


SHELL_CASES = [
    ("echo", "echo hello kite", r"^hello kite$"),
    ("pipeline", "echo one two three | wc", r"^1 3 14 ?$"),
    ("pipeline3", "cat README.md | grep Kite | wc", r"^[1-9]\d* \d+ \d+ ?$"),
    ("redirect", "echo abc > t.txt ; cat < t.txt ; rm t.txt", r"^abc$"),
    ("sequence", "(echo a ; echo b) | wc", r"^2 2 4 ?$"),
    ("ls", "ls", r"^README\.md\s+2 \d+ \d+$"),
    ("missing", "nosuchprogram", r"exec nosuchprogram failed"),
    ("grep", "grep ^Kite README.md", r"^Kite"),
    ("mkdir", "mkdir d1 ; cd d1 ; echo hi > f ; cat f ; cd .. ; rm d1/f ; rm d1", r"^hi$"),
    ("pingpong", "pingpong", r"^\d+: received ping\n\d+: received pong$"),
    ("pingpong-rounds", "pingpong 500", r"^pingpong: 500 round trips in \d+ ticks$"),
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
