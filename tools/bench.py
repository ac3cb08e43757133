#!/usr/bin/env python3
"""`make bench`: run user/tests/bench.c in the guest on 1 and on 3 harts, print
the figures as a table and as `bench NAME@cpusN VALUE UNIT` lines, and check
them against the targets (docs/performance.md).

A missed target is reported, not an error: these are benchmarks, not tests.
The exit status is non-zero only when the bench program failed, crashed or
left a figure out. Python 3 standard library only.

    python3 tools/bench.py                 # CPUS=1 and CPUS=3, wall-clock
    python3 tools/bench.py --icount        # CPUS=1, QEMU -icount shift=0: guest time
    python3 tools/bench.py --cpus 1 --quick
    python3 tools/bench.py --runs 3        # each hart count booted 3 times: medians and ranges

Under -icount QEMU runs every hart in one host thread, taking turns, so a
wakeup across harts waits for the waker's turn to end: figures on several
harts then measure QEMU's turn-taking more than the kernel. So --icount
runs on one hart unless --cpus says otherwise.
"""
import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qemu import Guest, GuestError  # noqa: E402

# Every figure the program prints, in its order: name, unit, which way is
# better ("up", "down", or None for counts that are checked exactly).
FIGURES = [
    ("pipe_throughput", "MB/s", "up"),
    ("pipe_rtt", "us", "down"),
    ("udp64_throughput", "MB/s", "up"),
    ("udp64_drops", "%", None),
    ("udp1k_throughput", "MB/s", "up"),
    ("udp1k_drops", "%", None),
    ("udp_rtt", "us", "down"),
    ("tcp_throughput", "MB/s", "up"),
    ("tcp_rtt", "us", "down"),
    ("tcp_connect", "us", "down"),
    ("getpid", "us", "down"),
    ("fork_exit_wait", "us", "down"),
    ("fork_exec_wait", "us", "down"),
    ("sock_wakeups_1", "wakeups/datagram", None),
    ("sock_wakeups_4", "wakeups/datagram", None),
    ("sock_wakeups_8", "wakeups/datagram", None),
    ("pipe_wakeups_4", "wakeups/write", None),
    ("pipe_wakeups_8", "wakeups/write", None),
    ("memcpy", "MB/s", "up"),
    ("empty_loop", "Mloops/s", "up"),
    ("csr_read", "ns", "down"),
]

# xv6-riscv in the same QEMU 7.2, same method (the figures): by
# clock mode, then by number of harts.
XV6 = {
    "wall": {
        1: {"pipe_throughput": 0.8, "pipe_rtt": 300, "getpid": 15, "fork_exit_wait": 800},
        3: {"pipe_throughput": 0.2, "pipe_rtt": 1600, "getpid": 45, "fork_exit_wait": 1700},
    },
    "icount": {
        1: {"pipe_throughput": 1.55, "pipe_rtt": 95, "getpid": 1.1, "fork_exit_wait": 600},
    },
}

BENCH_TIMEOUT = 150  # seconds for one full run of the program
LINE = re.compile(r"^bench (\w+) (\d+(?:\.\d+)?) (\S+)\s*$", re.M)


class BenchError(Exception):
    """The bench program failed, or printed too little."""


def parse(output):
    """{name: (value, unit)} from the program's output; BenchError unless
    it finished and printed every figure with its unit."""
    if "bench: FAILED" in output or "bench: done" not in output:
        raise BenchError(f"the bench program did not finish; it printed:\n{output[-1500:]}")
    found = {m.group(1): (float(m.group(2)), m.group(3)) for m in LINE.finditer(output)}
    for name, unit, _ in FIGURES:
        if name not in found:
            raise BenchError(f"no figure {name}; the program printed:\n{output[-1500:]}")
        if found[name][1] != unit:
            raise BenchError(f"figure {name} is in {found[name][1]}, expected {unit}")
    return found


def quick_check(guest):
    """For tools/test.py: `bench -q` on a booted guest prints every figure.
    Returns (ok, reason) like the harness's other test bodies."""
    try:
        parse(guest.run("bench -q", 120))
    except BenchError as e:
        return False, str(e)
    return True, ""


def run_bench(cpus, icount=False, quick=False):
    """Boot a guest on cpus harts, run the bench program once; its figures."""
    extra = ["-icount", "shift=0"] if icount else []
    guest = Guest(cpus, extra=extra)
    try:
        guest.boot()
        return parse(guest.run("bench -q" if quick else "bench", BENCH_TIMEOUT))
    finally:
        guest.close()


# ---- targets

def ratio_target(what, value, unit, limit, ok):
    return ok, f"{what}: {value:g} {unit} vs {limit:.3g} {unit}"


def targets(results, mode):
    """Each target as (ok, text). results: {cpus: {name: (value, unit)}}."""
    out = []
    for cpus, r in sorted(results.items()):
        v = {name: value for name, (value, _) in r.items()}
        ref = XV6[mode].get(cpus, {})
        at = f"CPUS={cpus}"
        if ref:
            x = ref["getpid"] / 10
            out.append(ratio_target(f"getpid <= xv6/10 at {at}", v["getpid"], "us", x, v["getpid"] <= x))
            x = ref["pipe_throughput"] * 100
            out.append(ratio_target(f"pipe throughput >= 100 x xv6 at {at}", v["pipe_throughput"], "MB/s", x,
                                    v["pipe_throughput"] >= x))
            x = ref["pipe_rtt"] / 3
            out.append(ratio_target(f"pipe round trip <= xv6/3 at {at}", v["pipe_rtt"], "us", x, v["pipe_rtt"] <= x))
            x = ref["fork_exit_wait"] / 2
            out.append(ratio_target(f"fork+exit+wait <= xv6/2 at {at}", v["fork_exit_wait"], "us", x,
                                    v["fork_exit_wait"] <= x))
        # Issue 12's own: under -icount shift=0 a nanosecond is one instruction.
        if mode == "icount":
            out.append(ratio_target(f"getpid <= 300 instructions at {at}", v["getpid"] * 1000, "instructions", 300,
                                    v["getpid"] <= 0.300))
            out.append((v["udp64_drops"] == 0, f"64-byte UDP without drops at {at}: {v['udp64_drops']:g} %"))
        elif cpus == 1:
            out.append(ratio_target(f"getpid <= 1.5 us at {at}", v["getpid"], "us", 1.5, v["getpid"] <= 1.5))
        x = v["memcpy"] / 2 / 4
        out.append(ratio_target(f"pipe throughput >= (memcpy/2)/4 at {at}", v["pipe_throughput"], "MB/s", x,
                                v["pipe_throughput"] >= x))
        x = v["pipe_throughput"] / 2
        out.append(ratio_target(f"UDP 1 KiB throughput >= pipe/2 at {at}", v["udp1k_throughput"], "MB/s", x,
                                v["udp1k_throughput"] >= x))
        x = v["pipe_rtt"] * 1.5
        out.append(ratio_target(f"UDP round trip <= 1.5 x pipe's at {at}", v["udp_rtt"], "us", x, v["udp_rtt"] <= x))
        x = v["pipe_throughput"] / 2
        out.append(ratio_target(f"TCP throughput >= pipe/2 at {at}", v["tcp_throughput"], "MB/s", x,
                                v["tcp_throughput"] >= x))
        x = v["pipe_rtt"] * 2
        out.append(ratio_target(f"TCP round trip <= 2 x pipe's at {at}", v["tcp_rtt"], "us", x, v["tcp_rtt"] <= x))
        w = v["sock_wakeups_8"]
        out.append((w == 1.0, f"8 exclusive socket readers: 1.0 wakeup per datagram at {at}: {w:g}"))
    if 1 in results and 3 in results:
        one, three = results[1], results[3]
        for name, unit, better in FIGURES:
            if better is None:
                continue
            a, b = one[name][0], three[name][0]
            ok = b >= a * 0.8 if better == "up" else b <= a * 1.2
            out.append((ok, f"{name} at CPUS=3 within 20% of CPUS=1: {b:g} vs {a:g} {unit}"))
    return out


def combine(samples):
    """Several runs' results -> (medians, ranges). samples: {cpus: [{name:
    (value, unit)}, ...]}; medians: {cpus: {name: (median, unit)}}, the
    shape targets() and report() take; ranges: {cpus: {name: (low, high)}}."""
    medians, ranges = {}, {}
    for cpus, runs in samples.items():
        medians[cpus], ranges[cpus] = {}, {}
        for name in runs[0]:
            values = [run[name][0] for run in runs]
            medians[cpus][name] = (statistics.median(values), runs[0][name][1])
            ranges[cpus][name] = (min(values), max(values))
    return medians, ranges


# ---- the report

def suffix(cpus, mode):
    return f"@cpus{cpus}" + ("-icount" if mode == "icount" else "")


def cell(results, ranges, cpus, name):
    """A table cell: the figure, and its range over the runs if there were several."""
    text = f"{results[cpus][name][0]:g}"
    if ranges:
        low, high = ranges[cpus][name]
        if low != high:
            text += f" ({low:g}-{high:g})"
    return text


def report(results, mode, ranges=None):
    cpus_list = sorted(results)
    refs = XV6[mode]
    width = 25 if ranges else 11
    head = f"{'figure':<18} {'unit':<17}" + "".join(f"{'CPUS=' + str(c):>{width}}" for c in cpus_list)
    head += "   xv6-riscv " + "/".join(str(c) for c in cpus_list if c in refs)
    print(head)
    for name, unit, _ in FIGURES:
        row = f"{name:<18} {unit:<17}" + "".join(f"{cell(results, ranges, c, name):>{width}}" for c in cpus_list)
        ref = [refs[c][name] for c in cpus_list if c in refs and name in refs[c]]
        if ref:
            row += "   " + " / ".join(f"{x:g}" for x in ref)
        print(row)
    print()
    for c in cpus_list:
        for name, unit, _ in FIGURES:
            print(f"bench {name}{suffix(c, mode)} {results[c][name][0]:g} {unit}")
    print()
    checks = targets(results, mode)
    for ok, text in checks:
        print(f"{'PASS' if ok else 'MISS'} {text}")
    print(f"{sum(ok for ok, _ in checks)} of {len(checks)} targets met")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpus", help="comma-separated hart counts (default 1,3; with --icount, 1)")
    ap.add_argument("--icount", action="store_true", help="QEMU -icount shift=0: figures in guest time")
    ap.add_argument("--quick", action="store_true", help="bench -q: small sizes, one run (a smoke test)")
    ap.add_argument("--runs", type=int, default=1, metavar="N",
                    help="boot each hart count N times, in turns, and report each figure's median and range "
                         "(the wall-clock figures of a busy host move by a third from run to run)")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error(f"--runs must be at least 1, not {args.runs}")
    cpus_list = [int(c) for c in (args.cpus or ("1" if args.icount else "1,3")).split(",")]
    mode = "icount" if args.icount else "wall"
    samples = {cpus: [] for cpus in cpus_list}
    t0 = time.monotonic()
    # In turns -- CPUS=1, CPUS=3, CPUS=1, ... -- so that a spell of host
    # load spoils one run of each count, not every run of one.
    for run in range(args.runs):
        for cpus in cpus_list:
            print(f"# bench on {cpus} hart{'s' if cpus > 1 else ''}{' with -icount shift=0' if args.icount else ''}"
                  f"{f', run {run + 1} of {args.runs}' if args.runs > 1 else ''}...", flush=True)
            try:
                samples[cpus].append(run_bench(cpus, args.icount, args.quick))
            except (BenchError, GuestError) as e:
                print(f"bench: CPUS={cpus}: {e}", file=sys.stderr)
                return 1
    results, ranges = combine(samples)
    clock = "guest time (-icount shift=0)" if args.icount else "wall-clock time under TCG"
    runs = "one run (quick)" if args.quick else "medians of 5 runs"
    if args.runs > 1:
        runs += f", then the median (and range) of {args.runs} boots"
    print(f"# Kite benchmarks: {runs}, {clock}; {time.monotonic() - t0:.0f}s\n")
    report(results, mode, ranges if args.runs > 1 else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
