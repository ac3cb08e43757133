"""Checked-kernel tests: a user program provokes each of the kernel's
checkers (panic, UBSAN, the lock checker) and the report is read off the
console."""
import re

from qemu import BUILD, CHECKED_BUILD, Guest, GuestError
from tests.harness import GuestSession, guest_test


# The kernel's checkers, each shown catching a deliberate error (user/tests/provoke.c,
# kernel/testing/provoke.cc). Only panic works in every build; the rest need the
# checked kernel that `make test` also builds (UBSAN and the lock checker).
CHECKER_CASES = [
    ("checked/panic-names-the-call", False, "panic",
     [r"panic on hart \d+: provoked by a user program",
      r"process \d+ \(provoke\), in system call 48 provoke\(0x1, "]),
    ("checked/ubsan", True, "ubsan",
     [r"UBSAN: shift out of bounds at kernel/testing/provoke\.cc:\d+:\d+", r"panic on hart \d+: undefined behaviour"]),
    ("checked/lock-order", True, "lock-order",
     [r"now: +'provoke A' taken at kernel/testing/provoke\.cc:\d+ .* while 'provoke B' is held \(taken at kernel/testing/provoke\.cc:\d+",
      r"earlier: 'provoke B' taken at kernel/testing/provoke\.cc:\d+ .* while 'provoke A' was held \(taken at kernel/testing/provoke\.cc:\d+",
      r"panic on hart \d+: lockdep: two paths take these locks in opposite orders"]),
    ("checked/sleep-locked", True, "sleep-locked",
     [r"lockdep: sleep at kernel/testing/provoke\.cc:\d+ .* with spinlock 'provoke A' held \(taken at kernel/testing/provoke\.cc:\d+",
      r"panic on hart \d+: lockdep: sleeping with a spinlock held"]),
    ("checked/unlock-twice", False, "unlock-twice",
     [r"lock 'provoke A'",
      r"panic on hart \d+: lock_guard::unlock: the guard has already let go of its lock\n  at kernel/testing/provoke\.cc:\d+"]),
    ("checked/slab-double-free", True, "double-free",
     [r"kmem_cache_free: double free of 0x[0-9a-f]+ in cache kmalloc-64",
      r"panic on hart \d+: slab: double free"]),
    # provoke.cc writes byte 40 of an object of its own cache "provoke" after
    # freeing it; the next allocation hands the object out again.
    ("checked/slab-use-after-free", True, "use-after-free",
     [r"kmem_cache_alloc: 0x[0-9a-f]+ in cache provoke written after it was freed \(byte 40\)",
      r"panic on hart \d+: slab: use after free"]),
    ("checked/ipi-locked", True, "ipi-locked",
     [r"spinlock 'provoke A' held",
      r"panic on hart \d+: smp_send_reschedule: an IPI sent with a spinlock held"]),
    ("checked/bad-checksum", True, "bad-csum",
     [r"loopback_xmit: a UDP packet of 8 bytes to port 9\b",
      r"panic on hart \d+: loopback_xmit: the sender's checksum is wrong"]),
]

# Traffic whose every TCP and UDP checksum the checked kernel's loopback_xmit
# verifies (the receiver trusts them): datagrams and streams of all sizes,
# clones sent again after a loss, handshakes, resets and window probes.
CHECKSUM_TRAFFIC = ("nettests bulk", "nettests pingpong", "nettests smallbufs", "tcptests bulk",
                    "tcptests duplex", "tcptests drops", "tcptests reset", "tcptests window")


def test_on_build(results, args, name, build, body):
    """Run body(guest) as test `name` on a guest of the given build."""
    if not (build / "kernel" / "kernel").exists():
        results.record(name, False, 0, f"no checked kernel in {build}: run `make test`, which builds it")
        return
    session = GuestSession(args.cpus)
    session.guest = Guest(args.cpus, build=build)
    session.boots = 1
    try:
        guest_test(results, session, name, body)
    finally:
        session.close()


def run_checker_tests(results, args, selected):
    for name, checked, what, patterns in CHECKER_CASES:
        if not selected(name):
            continue

        def body(guest, what=what, patterns=patterns):
            guest.boot()
            guest.send(f"provoke {what}")
            try:
                guest.expect(r"^\$ ", 15)
            except GuestError:  # the panic we want: expect() stops at it
                pass
            text = guest.text()
            missing = [p for p in patterns if not re.search(p, text, re.M)]
            if missing:
                return False, f"the console lacks /{missing[0]}/; it ends with:\n{text[-1200:]}"
            return True, ""

        test_on_build(results, args, name, CHECKED_BUILD if checked else BUILD, body)


def run_sent_checksum_test(results, args, selected):
    name = "checked/sent-checksums"
    if not selected(name):
        return

    def body(guest):
        guest.boot()
        for command in CHECKSUM_TRAFFIC:
            program, test = command.split()
            out = guest.run(command, args.timeout)
            if not re.search(rf"{program}: {test}: OK", out):
                return False, f"`{command}` in the checked kernel: {out[-800:]!r}"
        return True, f"{len(CHECKSUM_TRAFFIC)} tests' packets, every checksum right"

    test_on_build(results, args, name, CHECKED_BUILD, body)
