#!/usr/bin/env python3
"""`make test`: every test of Kite, one result line each, then `N passed, N failed`.

Three kinds of test, all run from here:
  host    the Python modules in tools/tests/ (mkfs and other host-side code);
          each function named test_* is one test.
  boot    a real QEMU boot to the shell on CPUS harts.
  guest   programs run at the shell in that QEMU: every test of user/usertests
          (one command per test, each with its own time-out), shell pipelines,
          and a check that no physical page leaked over the whole run.
A guest that panics or stops answering fails the test it was running and is
booted again for the next one. Python 3 standard library only.
"""
import argparse
import importlib.util
import re
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qemu import BUILD, CHECKED_BUILD, ROOT, Guest, GuestError  # noqa: E402
from bench import quick_check as bench_quick_check  # noqa: E402
from stress import SHORT_TESTS as STRESS_TESTS  # noqa: E402


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, name, ok, seconds, reason=""):
        if ok:
            self.passed += 1
            print(f"PASS {name} ({seconds:.1f}s)", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name} ({seconds:.1f}s): {reason}", flush=True)


def run_host_tests(results, selected):
    for path in sorted((ROOT / "tools" / "tests").glob("test_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name in sorted(n for n in dir(module) if n.startswith("test_")):
            full = f"host/{path.stem[5:]}/{name[5:]}"
            if not selected(full):
                continue
            t0 = time.monotonic()
            try:
                getattr(module, name)()
                results.record(full, True, time.monotonic() - t0)
            except Exception as e:  # a failing assert or a crash: both fail the test
                reason = f"{type(e).__name__}: {e}" if str(e) else traceback.format_exc(limit=2)
                results.record(full, False, time.monotonic() - t0, reason.strip().splitlines()[-1])


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


def check_boot(guest):
    text = guest.text()
    harts = len(re.findall(r"kite: hart \d+ scheduling", text))
    if harts != guest.cpus:
        return False, f"{harts} harts scheduling, expected {guest.cpus}"
    return True, ""


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


# The in-guest test programs (user/testlib.h gives their protocol).
TEST_PROGRAMS = ("usertests", "waittests", "sigtests", "nettests")
# Programs that also run on a one-hart guest (when --cpus is not 1): the
# wakeup paths differ when waker and sleeper share the only hart.
ONE_HART_PROGRAMS = ("nettests", "sigtests")


def run_test_program(results, session, program, args, selected, label=None):
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
        if not selected(full):
            continue

        def body(guest, test=test):
            out = guest.run(f"{program} {test}", args.timeout)
            m = re.search(rf"{program}: {re.escape(test)}: (OK|FAILED.*)", out)
            if not m:
                return False, f"no result line; output: {out[-800:]!r}"
            return m.group(1) == "OK", m.group(1)

        guest_test(results, session, full, body)


def run_guest_tests(results, args, selected):
    other_hart_counts(results, args, selected)
    session = GuestSession(args.cpus)
    try:
        guest_test(results, session, f"boot/cpus{args.cpus}", check_boot)
        if session.guest is None:
            return
        try:
            baseline = session.get().free_pages()
        except GuestError as e:
            baseline = None
            results.record("guest/freemem", False, 0, str(e))
        baseline_boot = session.boots

        for name, command, expect in SHELL_CASES:
            if selected(f"shell/{name}"):
                guest_test(results, session, f"shell/{name}", shell_case(command, expect))

        for program in TEST_PROGRAMS:
            run_test_program(results, session, program, args, selected)

        # Every benchmark figure is produced (small sizes; `make bench` for the real run).
        if selected("bench/quick"):
            guest_test(results, session, "bench/quick", bench_quick_check)

        # Last: they leave the most behind on disk if they fail (tools/stress.py).
        for name, body in STRESS_TESTS:
            if selected(name):
                guest_test(results, session, name, body)

        def leak_check(guest):
            if baseline is None:
                return False, "no baseline: freemem failed at the start"
            if session.boots != baseline_boot:
                return False, "the guest was rebooted after a failure, so pages cannot be compared"
            after = guest.free_pages()
            return after == baseline, f"{baseline} pages free before the tests, {after} after"

        if selected("guest/no-leaked-pages"):
            guest_test(results, session, "guest/no-leaked-pages", leak_check)
    finally:
        session.close()
    if args.cpus != 1:
        one = GuestSession(1)
        try:
            for program in ONE_HART_PROGRAMS:
                run_test_program(results, one, program, args, selected, label=f"{program}@cpus1")
        finally:
            one.close()


# The sleeping side of a UDP receive, innermost first, as kite-bt shows it.
RECV_CHAIN = ["schedule", "schedule_timeout", "wait_for_packet", "__skb_recv_datagram",
              "udp_recvmsg", "inet_recvmsg", "sock_recvmsg", "sys_recvfrom", "syscall", "usertrap"]
KITE_COMMANDS = ["kite-ps", "kite-harts", "kite-locks", "kite-current", "kite-dmesg", "kite-sockets"]
# The pretty-printers (kite.py): a spinlock, a process, an intrusive list.
PRINTER_CHECKS = ["p kernel::ptable.lock", "p kernel::ptable.proc[0]",
                  "python print(gdb.lookup_static_symbol('kernel::(anonymous namespace)::udp_table').value()['bound'])"]
PRINTER_EXPECT = [r'^\$\d+ = spinlock "ptable": (free|held by hart \d+)', r"^\$\d+ = proc 1 \(init\) SLEEPING",
                  r"^intrusive_list of kernel::sock = \{0x[0-9a-f]+\}"]


def gdb_command_line(port, commands):
    """A batch GDB attached to the QEMU on port, with kite.py and
    scenario.py loaded, that runs commands and then detaches."""
    args = ["gdb-multiarch", "-q", "-batch", "-nx", "-iex", "set auto-load no",
            "-ex", f"file {BUILD / 'kernel' / 'kernel'}",
            "-ex", f"target remote 127.0.0.1:{port}",
            "-ex", f"source {ROOT / 'tools' / 'gdb' / 'kite.py'}",
            "-ex", f"source {ROOT / 'tools' / 'gdb' / 'scenario.py'}"]
    for c in commands:
        args += ["-ex", c]
    return args


def gdb_batch(port, commands, timeout=60):
    """Run GDB commands against the QEMU on port; return what GDB printed."""
    out = subprocess.run(gdb_command_line(port, commands), capture_output=True, text=True, timeout=timeout)
    return out.stdout + out.stderr


def run_gdb_tests(results, args, selected):
    """GDB against a live guest: the kernel-aware commands, and a sleeping
    UDP reader's backtrace."""
    port = subprocess.check_output([sys.executable, str(ROOT / "tools" / "freeport.py")], text=True).strip()

    def commands(guest):
        guest.boot()
        guest.run("udp recv 7 &", 10)
        for _ in range(20):  # until the reader has blocked (each try stops the machine briefly)
            ps = gdb_batch(port, ["kite-ps"])
            m = re.search(r"^\s*(\d+) SLEEPING\s+TASK_INTERRUPTIBLE\s+udp", ps, re.M)
            if m:
                break
        else:
            return False, f"kite-ps shows no sleeping udp:\n{ps[-1500:]}"
        out = gdb_batch(port, KITE_COMMANDS + [f"kite-bt {m.group(1)}"] + PRINTER_CHECKS)
        if "Python Exception" in out or "Error occurred" in out:
            return False, f"a kite command failed:\n{out[-2000:]}"
        if not re.search(rf"pid {m.group(1)} \(udp\)\s+exclusive\s+kernel::.*receiver_wake_function", out):
            return False, f"kite-sockets does not show the reader's exclusive entry:\n{out[-1500:]}"
        wq = re.search(r"wait queue (0x[0-9a-f]+):", out)
        wq_out = gdb_batch(port, [f"kite-wq (kernel::wait_queue_head *){wq.group(1)}"]) if wq else ""
        if not re.search(rf"pid {m.group(1)} \(udp\)\s+exclusive\s+kernel::.*receiver_wake_function", wq_out):
            return False, f"kite-wq on the socket's queue does not show the reader:\n{wq_out[-1500:]}"
        for pattern in PRINTER_EXPECT:
            if not re.search(pattern, out, re.M):
                return False, f"a pretty-printer's output does not match /{pattern}/:\n{out[-1500:]}"
        frames = [f.group(1) for f in re.finditer(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(?:kernel::)?(?:\(anonymous namespace\)::)?([\w_]+) \(", out, re.M)]
        want = [f for f in frames if f in RECV_CHAIN]
        if want != RECV_CHAIN:
            return False, f"kite-bt frames {frames}, expected the chain {RECV_CHAIN}"
        guest.send("udp send 7 bye")  # the machine runs on after GDB detached
        guest.expect(r"udp: 3 bytes from", 10)
        return True, ""

    for name, scenario in (("gdb/commands-and-recv-backtrace", lambda g, port: commands(g)),
                           ("gdb/pipe-sleep-and-wakeup", pipe_scenario), ("gdb/udp-sleep-and-wake-chains", udp_scenario),
                           ("gdb/user-mode-stop", user_stop_scenario)):
        if not selected(name):
            continue
        session = GuestSession(args.cpus)
        session.guest = Guest(args.cpus, extra=["-gdb", f"tcp:127.0.0.1:{port}"])
        session.boots = 1
        try:
            guest_test(results, session, name, lambda g, scenario=scenario: scenario(g, port))
        finally:
            session.close()


# The waking side of a UDP receive, innermost first: try_to_wake_up down to
# the software-interrupt entry. GDB shows kernelvec's frame as "<signal
# handler called>" (its CFI marks it a signal frame); below it come the
# frames of the sender the interrupt arrived in.
WAKE_CHAIN = ["try_to_wake_up", "default_wake_function", "autoremove_wake_function", "receiver_wake_function",
              "__wake_up_common", "__wake_up_sync_key", "wake_up_interruptible_sync_poll", "sock_def_readable",
              "sock_queue_rcv_skb", "__udp_queue_rcv_skb", "udp_queue_rcv_skb", "__udp4_lib_rcv", "udp_rcv",
              "ip_rcv", "process_backlog", "net_rx_action", "do_softirq", "devintr", "kerneltrap",
              "<signal handler called>"]


def run_scenario(guest, port, function, inputs):
    """Run scenario.py's function in a batch GDB, typing inputs[marker] into
    the console when GDB prints @@marker@@. Returns GDB's output."""
    gdb = subprocess.Popen(gdb_command_line(port, [f"python {function}()"]),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = []
    try:
        deadline = time.monotonic() + 90
        for line in gdb.stdout:
            out.append(line)
            for name, text in inputs.items():
                if f"@@{name}@@" in line:
                    guest.send(text)
            if "@@DONE@@" in line or time.monotonic() > deadline:
                break
        gdb.wait(timeout=30)
    finally:
        if gdb.poll() is None:
            gdb.kill()
    return "".join(out)


def frame_names(text):
    """The function of each backtrace frame, a repeat (GCC's partial-inlining
    clones show a function twice) counted once."""
    names = [f.group(1) for f in re.finditer(
        r"^#\d+\s+(?:0x[0-9a-f]+ in )?(?:kernel::)?(?:\(anonymous namespace\)::)?([\w_]+ \(|<signal handler called>)",
        text, re.M)]
    names = [n[:-2] if n.endswith(" (") else n for n in names]
    return [n for i, n in enumerate(names) if i == 0 or n != names[i - 1]]


def udp_scenario(guest, port):
    """A reader blocked in recvfrom: the sleeping chain at schedule(), the
    queued datagram, the waking chain at try_to_wake_up, and the reader's
    return from schedule()."""
    guest.boot()
    text = run_scenario(guest, port, "udp_sleep_and_wakeup", {"ARMED_RECV": "udp recv 7 &", "ARMED": "udp send 7 hi"})
    sleep = re.search(r"@@SLEEP@@(.*?)@@ARMED@@", text, re.S)
    if not sleep:
        return False, f"GDB did not stop in schedule() under recvfrom:\n{text[-2000:]}"
    frames = frame_names(sleep.group(1))
    if frames[:len(RECV_CHAIN)] != RECV_CHAIN:
        return False, f"backtrace at schedule() {frames}, expected the chain {RECV_CHAIN}"
    if not re.search(r"pid \d+ \(udp\)\s+exclusive\s+kernel::.*receiver_wake_function", sleep.group(1)):
        return False, f"kite-sockets does not show the reader's exclusive entry:\n{sleep.group(1)[-1500:]}"
    q = re.search(r"@@QUEUE@@(.*?)@@WAKE@@", text, re.S)
    if not q or not re.search(r"127\.0\.0\.1 -> 127\.0\.0\.1\s+ttl 64\s+protocol 17", q.group(1)) \
            or not re.search(r"UDP \d+ -> 7\s+length 10", q.group(1)) or "payload b'hi'" not in q.group(1):
        return False, f"kite-skb at sock_queue_rcv_skb did not decode the datagram:\n{text[-2000:]}"
    m = re.search(r"@@WAKE@@(.*?)@@RETURN@@", text, re.S)
    if not m:
        return False, f"GDB did not stop in try_to_wake_up and then in the reader:\n{text[-2000:]}"
    frames = frame_names(m.group(1))
    if frames[:len(WAKE_CHAIN)] != WAKE_CHAIN or "sys_sendto" not in frames[len(WAKE_CHAIN):]:
        return False, f"backtrace {frames}, expected {WAKE_CHAIN} and then the interrupted sys_sendto"
    if not re.search(r"socket 127\.0\.0\.1:7 .*\n\s+receive queue: 1 datagrams", m.group(1)):
        return False, f"kite-sockets does not show the queued datagram:\n{m.group(1)[-1500:]}"
    back = re.search(r"@@RETURN@@(.*?)@@DONE@@", text, re.S)
    frames = frame_names(back.group(1)) if back else []
    if frames[:len(RECV_CHAIN) - 1] != RECV_CHAIN[1:]:
        return False, f"the reader's return from schedule(): backtrace {frames}, expected {RECV_CHAIN[1:]}"
    guest.expect(r"udp: 2 bytes from port \d+: hi", 20)  # and the reader got it
    return True, ""


def user_stop_scenario(guest, port):
    """kite-ubreak stops only in wc; every command works from that user-mode stop."""
    guest.boot()
    text = run_scenario(guest, port, "user_mode_stop", {"ARMED": "echo a b | wc"})
    m = re.search(r"@@STOPPED@@(.*?)@@DONE@@", text, re.S)
    if not m:
        return False, f"GDB did not stop in wc's main:\n{text[-2000:]}"
    body = m.group(1)
    if "Python Exception" in body or "Error occurred" in body:
        return False, f"a command failed from a user-mode stop:\n{body[-2000:]}"
    if not re.search(r"priv\s+0x0", body):
        return False, f"the stop is not in user mode:\n{body[:600]}"
    if not re.search(r"^\s*\d+ RUNNING\s+\S+\s+wc\b", body, re.M) or not re.search(r"pid \d+ \(wc\)", body):
        return False, f"kite-ps/kite-current do not show wc running:\n{body[-1500:]}"
    guest.expect(r"1 2 4 ?$", 20)  # GDB detached: wc finishes
    return True, ""


def pipe_scenario(guest, port):
    """The shell runs `cat | wc`; GDB catches wc asleep in piperead (with the
    locks held), the wakeup1 for the same channel, and the change of wc's
    state it makes; the console is typed in step with GDB."""
    guest.boot()
    text = run_scenario(guest, port, "pipe_sleep_and_wakeup", {"ARMED": "cat | wc", "TYPE": "hello kite"})
    sleep = re.search(r"@@SLEEP chan=(0x[0-9a-f]+)@@(.*?)@@TYPE@@", text, re.S)
    if not sleep:
        return False, f"GDB did not stop in sched() under piperead:\n{text[-2500:]}"
    if "piperead" not in sleep.group(2) or not re.search(r"sys_read|fileread", sleep.group(2)):
        return False, f"the sleep backtrace does not run through piperead and read:\n{sleep.group(2)[-1500:]}"
    if not re.search(r"^\s*\d+ SLEEPING\s+\S+\s+wc\s+.*pipe 0x[0-9a-f]+ read side", sleep.group(2), re.M):
        return False, f"kite-ps does not show wc sleeping on the pipe:\n{sleep.group(2)[-1500:]}"
    if not re.search(r'^hart (\d+) holds "ptable" at 0x[0-9a-f]+ .*, taken at kernel/pipe\.cc:\d+ \(piperead\)$',
                     sleep.group(2), re.M) \
            or not re.search(r"^hart \d+: pid \d+ \(wc\) .* holds: ptable$", sleep.group(2), re.M):
        return False, f"kite-locks/kite-harts do not show wc's hart holding ptable.lock from piperead's sleep:\n{sleep.group(2)[-1500:]}"
    wake = re.search(r"@@WAKEUP chan=(0x[0-9a-f]+)@@(.*?)@@WATCH@@(.*?)@@DONE@@", text, re.S)
    if not wake:
        return False, f"GDB did not stop at the watchpoint after wakeup1:\n{text[-2500:]}"
    if wake.group(1) != sleep.group(1) or "wakeup1" not in wake.group(2) or "wakeup" not in wake.group(2):
        return False, f"the wakeup stop is not wakeup -> wakeup1 on {sleep.group(1)}:\n{wake.group(0)[-1500:]}"
    if not re.search(r'holds "pipe" at .*taken at kernel/pipe\.cc:\d+ \(pipewrite\)\n.*holds "ptable" at .*\(wakeup\)',
                     wake.group(2)):
        return False, f"kite-locks at wakeup1 does not show the pipe's lock, then ptable.lock:\n{wake.group(2)[-1500:]}"
    watch = wake.group(3)  # GDB prints the old and new values as it stops, before the marker
    if not re.search(r"Old value = kernel::procstate::SLEEPING\s+New value = kernel::procstate::RUNNABLE",
                     wake.group(2)) \
            or not {"make_runnable", "wakeup1"} <= set(frame_names(watch)):
        return False, f"watch -l on wc's state did not catch SLEEPING -> RUNNABLE in make_runnable:\n{watch[-1500:]}"
    # GDB has detached; the machine runs on. End cat's input: wc prints its counts.
    guest.proc.stdin.write(b"\x04")
    guest.proc.stdin.flush()
    guest.expect(r"(?:^|\x04)1 2 11 ?$", 20)  # the console echoes the ^D itself
    return True, ""


# The kernel's checkers, each shown catching a deliberate error (user/provoke.c,
# kernel/provoke.cc). Only panic works in every build; the rest need the
# checked kernel that `make test` also builds (UBSAN and the lock checker).
CHECKER_CASES = [
    ("checked/panic-names-the-call", False, "panic",
     [r"panic on hart \d+: provoked by a user program",
      r"process \d+ \(provoke\), in system call 48 provoke\(0x1, "]),
    ("checked/ubsan", True, "ubsan",
     [r"UBSAN: shift out of bounds at kernel/provoke\.cc:\d+:\d+", r"panic on hart \d+: undefined behaviour"]),
    ("checked/lock-order", True, "lock-order",
     [r"now: +'provoke A' taken at kernel/provoke\.cc:\d+ .* while 'provoke B' is held \(taken at kernel/provoke\.cc:\d+",
      r"earlier: 'provoke B' taken at kernel/provoke\.cc:\d+ .* while 'provoke A' was held \(taken at kernel/provoke\.cc:\d+",
      r"panic on hart \d+: lockdep: two paths take these locks in opposite orders"]),
    ("checked/sleep-locked", True, "sleep-locked",
     [r"lockdep: sleep at kernel/provoke\.cc:\d+ .* with spinlock 'provoke A' held \(taken at kernel/provoke\.cc:\d+",
      r"panic on hart \d+: lockdep: sleeping with a spinlock held"]),
]


def run_checker_tests(results, args, selected):
    for name, checked, what, patterns in CHECKER_CASES:
        if not selected(name):
            continue
        build = CHECKED_BUILD if checked else BUILD
        if not (build / "kernel" / "kernel").exists():
            results.record(name, False, 0, f"no checked kernel in {build}: run `make test`, which builds it")
            continue
        session = GuestSession(args.cpus)
        session.guest = Guest(args.cpus, build=build)
        session.boots = 1

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

        try:
            guest_test(results, session, name, body)
        finally:
            session.close()


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
    print(f"# {time.monotonic() - t0:.0f}s on {args.cpus} harts")
    print(f"{results.passed} passed, {results.failed} failed")
    return 1 if results.failed or results.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
