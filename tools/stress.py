#!/usr/bin/env python3
"""`make stress`: the kernel under load, then under a system-call fuzzer.

Two in-guest programs, each run at the shell of one headless guest:
  stress SECONDS        pipes, UDP sockets and TCP connections hammered by many
                        processes; every byte and datagram accounted for
                        (user/tests/stress.c)
  fuzz SEED CALLS PROCS random system calls from several processes; the
                        kernel must never panic or hang (user/tests/fuzz.c)
Around each, `freemem` must report the same number of free pages.

A watchdog reads the console while a program runs: both print a progress
line regularly, and if the figures in it stop changing for a while the
guest is hung. The test then fails with the kernel's process table (Ctrl-P:
who is asleep, and on what). On a kernel panic during fuzzing the failure names
the seeds of the worker lives then running and the panic report, and says
how to replay a life call by call (`fuzz -v SEED CALLS`).

`make test` runs the short versions (SHORT_TESTS, on the guest of its other
in-guest tests); `make stress` runs the long ones, each on a guest of its
own. Python 3 standard library only.
"""
import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qemu import BUILD, ROOT, Guest, GuestError  # noqa: E402

# make test: ~10 s of stress, 20,000 calls (~10 s); make stress: a minute, a million.
SHORT_STRESS_SECONDS, LONG_STRESS_SECONDS = 8, 60
SHORT_FUZZ_CALLS, LONG_FUZZ_CALLS = 20000, 1000000
FUZZ_PROCS = 4
SHORT_FUZZ_SEED = 1  # make test is reproducible; make stress picks a new seed each run


def process_table(guest):
    """The kernel's process table (Ctrl-P), one line per process."""
    start = guest.length()
    guest.procdump()
    lines = guest.text(start).splitlines()
    table = "\n".join(line for line in lines if re.match(r"\s*\d+ \S+", line))
    return guest.symbolize(table) or "(no process table printed)"


def panic_report(text):
    """The panic message and what follows it (process, system call,
    backtrace), from the trap report before it if there is one."""
    at = text.find("panic on hart")
    trap = text.rfind("kernel trap:", 0, at if at >= 0 else len(text))
    if trap >= 0 and (at < 0 or at - trap < 400):
        at = trap
    return "\n".join(text[max(at, 0):].splitlines()[:30])


def watch(guest, command, done, progress, stall, limit, on_panic=None, trouble=None):
    """Type command; once regex `done` appears in its output, return the
    output and the process tables taken meanwhile.

    A GuestError on a panic (on_panic(text) may add what the program said),
    if QEMU exits, if the last line matching regex `progress` (its first
    group: the figures, without the time) stayed the same for `stall`
    seconds, or if the whole takes more than `limit` seconds. A hang's error
    carries the process table; so does the list returned, one table for each
    line matching regex `trouble` (a program reporting a stuck process),
    taken as soon as the line appears."""
    start = guest.length()
    guest.mark = start
    guest.send(command)
    t0 = last_change = time.monotonic()
    seen = None
    tables = []
    while True:
        text = guest.text(start)
        if trouble and len(re.findall(trouble, text, re.M)) > len(tables):
            tables.append(process_table(guest))
            continue
        if re.search(done, text, re.M):
            guest.expect(r"^\$ ", 60)  # the program has exited: back at the prompt
            return text, tables
        if "panic on hart" in text or "kernel trap:" in text:
            guest.settle()
            text = guest.text(start)
            extra = on_panic(text) if on_panic else ""
            raise GuestError(f"kernel panic during `{command}`{extra}\n{panic_report(text)}")
        if guest.proc.poll() is not None:
            raise GuestError(f"QEMU exited (status {guest.proc.poll()}) during `{command}`")
        now = time.monotonic()
        figures = re.findall(progress, text, re.M)
        if figures and figures[-1] != seen:
            seen, last_change = figures[-1], now
        if now - last_change > stall or now - t0 > limit:
            why = f"no progress for {stall} s" if now - last_change > stall else f"not done after {limit} s"
            raise GuestError(f"`{command}`: {why} (last progress: {seen or 'none'});"
                             f" the process table:\n{process_table(guest)}")
        time.sleep(0.2)


def no_leak(guest, body):
    """Run body(guest) -> (ok, reason); also fail it if free pages changed."""
    before = guest.free_pages()
    ok, reason = body(guest)
    after = guest.free_pages()
    if ok and after != before:
        return False, f"{before} pages free before, {after} after: {before - after} leaked"
    return ok, reason


def run_stress(guest, seconds):
    """stress SECONDS: (ok, reason)."""
    out, _ = watch(guest, f"stress {seconds}", r"^stress: (OK|FAILED): .*$", r"^stress: \d+ s: (.*)$",
                   stall=15, limit=seconds + 90)
    m = re.search(r"^stress: (OK|FAILED): (.*)$", out, re.M)
    return m.group(1) == "OK", m.group(2)


def lives_running(text):
    """The fuzz worker lives started and not (yet) ended: {pid: (life, seed)}."""
    running = {}
    for m in re.finditer(r"^fuzz: life (\d+) pid (\d+) seed (0x[0-9a-f]+)$", text, re.M):
        running[m.group(1)] = (int(m.group(2)), m.group(3))
    for m in re.finditer(r"^fuzz: life (\d+) ended", text, re.M):
        running.pop(m.group(1), None)
    return {pid: (life, seed) for life, (pid, seed) in running.items()}


def fuzz_panic_note(text):
    """What to say about a panic during fuzzing: the worker lives running
    then (the one the panic report names first), and how to replay one."""
    running = lives_running(text)
    culprit = re.search(r"process (\d+) \(fuzz\)", panic_report(text))
    pid = int(culprit.group(1)) if culprit else None
    lives = sorted(running.items(), key=lambda item: item[0] != pid)
    names = ", ".join(f"life {life} (pid {p}{', named in the report' if p == pid else ''}) seed {s}"
                      for p, (life, s) in lives)
    replay = "; replay a life call by call with `fuzz -v SEED 2500`" if lives else ""
    return f" (lives running: {names or 'none known'}{replay})"


def run_fuzz(guest, seed, calls, procs=FUZZ_PROCS, limit=None):
    """fuzz SEED CALLS PROCS: (ok, reason). A panic raises GuestError naming
    the lives that were running and how to replay them."""
    limit = limit or 60 + calls // 500
    stuck_rx = r"^fuzz: life .* is stuck: .*$"
    # The program waits two seconds after reporting a stuck worker before
    # it kills it: the table taken then shows where it is stuck.
    out, tables = watch(guest, f"fuzz {seed:#x} {calls} {procs}", r"^fuzz: (OK|FAILED): .*$",
                        r"^fuzz: (?:\d+ s: )?(\d+ calls.*|life \d+ pid.*)$", stall=40, limit=limit,
                        on_panic=fuzz_panic_note, trouble=stuck_rx)
    stuck = re.findall(stuck_rx, out, re.M)
    if stuck:
        return False, "\n".join(f"{line}; the process table then:\n{table}" for line, table in zip(stuck, tables))
    m = re.search(r"^fuzz: (OK|FAILED): (.*)$", out, re.M)
    return m.group(1) == "OK", m.group(2)


# The short versions, for tools/test.py: (name, body(guest) -> (ok, reason)).
SHORT_TESTS = [
    ("stress/pipes-and-sockets", lambda guest: no_leak(guest, lambda g: run_stress(g, SHORT_STRESS_SECONDS))),
    ("stress/fuzz", lambda guest: no_leak(guest, lambda g: run_fuzz(g, SHORT_FUZZ_SEED, SHORT_FUZZ_CALLS))),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpus", type=int, default=4, help="harts for the guest (1..8)")
    ap.add_argument("--seconds", type=int, default=LONG_STRESS_SECONDS, help="how long stress runs")
    ap.add_argument("--calls", type=int, default=LONG_FUZZ_CALLS, help="system calls the fuzzer makes")
    ap.add_argument("--procs", type=int, default=FUZZ_PROCS, help="fuzzer worker processes")
    ap.add_argument("--seed", type=lambda s: int(s, 0), default=None, help="fuzzer seed (default: new each run)")
    args = ap.parse_args()
    if not 1 <= args.cpus <= 8:
        ap.error("--cpus must be between 1 and 8")
    seed = args.seed if args.seed is not None else int(time.time() * 1000) & 0xffffffff
    tests = [("stress/pipes-and-sockets", lambda g: run_stress(g, args.seconds)),
             ("stress/fuzz", lambda g: run_fuzz(g, seed, args.calls, args.procs))]
    print(f"# {args.cpus} harts; stress for {args.seconds} s; fuzz seed {seed:#x}, {args.calls} calls,"
          f" {args.procs} processes", flush=True)
    failed = 0
    for name, body in tests:
        guest = Guest(args.cpus)
        t0 = time.monotonic()
        try:
            guest.boot()
            ok, reason = no_leak(guest, body)
        except GuestError as e:
            ok, reason = False, str(e)
        finally:
            log = BUILD / "test-logs" / (name.replace("/", "-") + ".log")
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(guest.text())
            guest.close()
        secs = time.monotonic() - t0
        if ok:
            print(f"PASS {name} ({secs:.1f}s): {reason}", flush=True)
        else:
            failed += 1
            print(f"FAIL {name} ({secs:.1f}s): {reason}\n(whole console in {log.relative_to(ROOT)})", flush=True)
    print(f"{len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
