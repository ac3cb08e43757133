#!/usr/bin/env python3
"""Where a guest command's instructions go: an instruction profile from
QEMU's execution trace, per function, kernel and user alike.

    python3 tools/guestprof.py [--cpus 1] [--per N] "bench -q getpid"

QEMU starts with `-d nochain` (translated blocks are never chained, so
every block's execution passes through the loop that logs it); once the
shell is up, the monitor turns on `-d exec` for the one command and off
again. Each line of the log is one execution of one translated block (TB).
The disassembly of the kernel and of the command's program says how many
instructions each block holds: up to the first branch, jump, trap, return
from trap, CSR access or wfi, which is where QEMU's RISC-V translator ends a
block. Summing per function gives where the guest's instructions went,
which is what -icount's guest time measures. Under plain TCG the exits to
QEMU's main loop cost far more than ordinary instructions, so the profile
also counts, per function, the blocks that end in one (CSR access, ecall,
sret, wfi), and in total the TLB flushes (sfence.vma, and writes to satp:
QEMU empties its whole software TLB for each).

--sample N measures differently: no trace, so nothing is slowed down. QEMU
runs with its GDB stub; while the command runs, the tool stops the machine
N times at random moments (speaking GDB's remote protocol itself) and reads
every hart's pc. The share of samples per function is where the harts spend
wall-clock time, idle harts (in wfi) included -- what the trace cannot show
on several harts, where it slows each hart differently.

--per N divides the totals by N: the number of operations the command
performed (e.g. 2000 for `bench -q getpid`), for a cost per operation.
--baseline CMD profiles CMD too, in a guest of its own, and subtracts its
counts: `--baseline "bench -x"` removes the cost of starting and ending the
program, leaving the operations' own.
Python 3 standard library only.
"""
import argparse
import bisect
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qemu import BUILD, Guest  # noqa: E402

KERNEL_BASE = 0x80000000
TRACE = re.compile(rb"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")
# Instructions after which QEMU's RISC-V translator ends a block; the
# second group also leaves the translated code for QEMU's main loop.
# (sfence.vma flushes the TLB but does not end the block.)
BRANCHES = re.compile(r"^(b\w*|j|jal|jalr|jr|ret|call|tail|c\.\w*j\w*|c\.b\w*)$")
EXITS = re.compile(r"^(csr\w*|rd(time|cycle|instret)h?|ecall|ebreak|sret|mret|wfi|fence\.i|unimp)$")
MAX_TB = 512


def objdump():
    prefix = os.environ.get("TOOLPREFIX", "riscv64-linux-gnu-")
    for tool in (prefix + "objdump", "riscv64-unknown-elf-objdump", "riscv64-elf-objdump"):
        if shutil.which(tool):
            return tool
    sys.exit("guestprof: no RISC-V objdump found (set TOOLPREFIX)")


class Image:
    """One ELF file's instructions (address -> next address, mnemonic) and
    function symbols."""

    def __init__(self, path, tool):
        text = subprocess.run([tool, "-d", "-C", "--no-show-raw-insn", str(path)], capture_output=True,
                              text=True, check=True).stdout
        self.insns = {}
        self.starts = []
        self.names = []
        prev = None
        for line in text.splitlines():
            m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(\S*)", line)
            if m:
                addr = int(m.group(1), 16)
                self.insns[addr] = [None, m.group(2), m.group(3)]
                if prev is not None:
                    self.insns[prev][0] = addr
                prev = addr
                continue
            m = re.match(r"^([0-9a-f]+) <(.+)>:$", line)
            if m:
                self.starts.append(int(m.group(1), 16))
                self.names.append(short_name(m.group(2)))
        self._blocks = {}

    def function(self, pc):
        i = bisect.bisect_right(self.starts, pc) - 1
        return self.names[i] if i >= 0 else "?"

    def block(self, pc):
        """The TB that starts at pc: (instructions, whether it ends with an
        exit to QEMU's main loop, how many TLB flushes it makes)."""
        if pc in self._blocks:
            return self._blocks[pc]
        n, exits, flushes, a = 0, False, 0, pc
        while a in self.insns and n < MAX_TB:
            nxt, mnemonic, operands = self.insns[a]
            n += 1
            if mnemonic == "sfence.vma" or (mnemonic.startswith("csrw") and "satp" in operands):
                flushes += 1
            if EXITS.match(mnemonic):
                exits = True
                break
            if BRANCHES.match(mnemonic) or nxt is None or (nxt ^ pc) >> 12:
                break
            a = nxt
        self._blocks[pc] = (max(n, 1), exits, flushes)
        return self._blocks[pc]


def short_name(name):
    """A demangled C++ name without its namespaces and parameters (but with
    GCC's clone suffix: a .part.0 is a piece of the function split off)."""
    name = name.replace("kernel::", "").replace("(anonymous namespace)::", "")
    clone = re.search(r" \[clone [^]]*\]$", name)
    return name.split("(")[0] + (clone.group(0) if clone else "")


def monitor(path, command):
    s = socket.socket(socket.AF_UNIX)
    for _ in range(50):
        try:
            s.connect(path)
            break
        except OSError:
            time.sleep(0.1)
    s.sendall(command.encode() + b"\n")
    time.sleep(0.3)  # the monitor answers by echoing; nothing to wait for
    s.close()


def profile(cpus, command, icount):
    tmp = Path(tempfile.mkdtemp(prefix="kite-profile-"))
    log, sock = tmp / "exec.log", tmp / "monitor.sock"
    extra = ["-d", "nochain", "-D", str(log), "-monitor", f"unix:{sock},server=on,wait=off"]
    if icount:
        extra += ["-icount", "shift=0"]
    guest = Guest(cpus, extra=extra)
    try:
        guest.boot()
        monitor(str(sock), "log exec,nochain")
        output = guest.run(command, 600)
        monitor(str(sock), "log nochain")
    finally:
        guest.close()
    counts = Counter()
    with open(log, "rb") as f:
        for line in f:
            m = TRACE.match(line)
            if m:
                counts[int(m.group(1), 16)] += 1
    shutil.rmtree(tmp)
    return output, counts


def where(pc, kernel, user):
    """(the image pc lies in or None, the name of its function)."""
    if pc >= KERNEL_BASE:
        return kernel, kernel.function(pc)
    return user, (user.function(pc) if user else "?") + " [user]"


def tally(counts, kernel, user):
    """Per function: instructions, blocks, blocks that exit to the main loop;
    and the number of TLB flushes."""
    insns, blocks, exits = Counter(), Counter(), Counter()
    flushes = 0
    for pc, n in counts.items():
        image, name = where(pc, kernel, user)
        if image is None:
            continue
        size, leaves, flushing = image.block(pc)
        insns[name] += size * n
        blocks[name] += n
        exits[name] += n if leaves else 0
        flushes += n * flushing
    return insns, blocks, exits, flushes


class Stub:
    """Just enough of GDB's remote serial protocol to stop QEMU, read each
    hart's pc and let it run on."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
        self._read_packet()  # connecting stopped the machine; QEMU says so
        self.threads = self.list_threads()

    def _read_packet(self):
        while True:
            m = re.search(rb"\$([^#]*)#..", self.buf)
            if m:
                self.buf = self.buf[m.end():]
                self.sock.sendall(b"+")
                return m.group(1).decode()
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("QEMU closed the GDB connection")
            self.buf += chunk

    def ask(self, data):
        body = data.encode()
        self.sock.sendall(b"$" + body + b"#%02x" % (sum(body) & 0xFF))
        return self._read_packet()

    def list_threads(self):
        ids, reply = [], self.ask("qfThreadInfo")
        while reply.startswith("m"):
            ids += reply[1:].split(",")
            reply = self.ask("qsThreadInfo")
        return ids

    def pcs(self):
        out = []
        for t in self.threads:
            self.ask(f"Hg{t}")
            regs = self.ask("g")  # x0..x31, then pc: 16 hex digits each
            out.append(int.from_bytes(bytes.fromhex(regs[32 * 16:33 * 16]), "little"))
        return out

    def resume(self):
        self.sock.sendall(b"$c#63")  # no reply until the next stop

    def stop(self):
        self.sock.sendall(b"\x03")
        self._read_packet()  # the stop reply

    def detach(self):
        self.ask("D")
        self.sock.close()


def sample(cpus, command, n):
    """pc of every hart at n random moments while command runs."""
    port = int(subprocess.check_output([sys.executable, str(Path(__file__).parent / "freeport.py")], text=True))
    guest = Guest(cpus, extra=["-gdb", f"tcp:127.0.0.1:{port}"])
    samples = Counter()
    try:
        guest.boot()
        prompts = guest.text().count("\n$ ")
        guest.send(command)
        time.sleep(0.2)  # past the shell's fork and exec
        stub = Stub(port)
        for _ in range(n):
            stub.resume()
            time.sleep(random.uniform(0.02, 0.06))  # QEMU takes a few ms to get going again
            stub.stop()
            if guest.text().count("\n$ ") > prompts:
                break  # the command ended
            samples.update(stub.pcs())
        stub.detach()
        guest.run("", 600)  # returns once the command's prompt is there
        return guest.text().split("\n$ ")[prompts], samples
    finally:
        guest.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", help="the shell command to profile, e.g. 'bench -q getpid'")
    ap.add_argument("--cpus", type=int, default=1)
    ap.add_argument("--per", type=int, default=1, help="divide the totals by this many operations")
    ap.add_argument("--top", type=int, default=30, help="functions to list")
    ap.add_argument("--icount", action="store_true", help="run QEMU with -icount shift=0 as well")
    ap.add_argument("--baseline", help="a command whose profile is subtracted, e.g. 'bench -x'")
    ap.add_argument("--sample", type=int, metavar="N", help="sample every hart's pc N times instead of tracing")
    args = ap.parse_args()
    tool = objdump()
    kernel = Image(BUILD / "kernel" / "kernel", tool)
    program = BUILD / "user" / ("_" + args.command.split()[0])
    user = Image(program, tool) if program.exists() else None

    if args.sample:
        output, samples = sample(args.cpus, args.command, args.sample)
        print(output.rstrip())
        by_function = Counter()
        for pc, n in samples.items():
            by_function[where(pc, kernel, user)[1]] += n
        total = sum(by_function.values())
        print(f"\n{total} hart samples ({args.cpus} harts)")
        for name, n in by_function.most_common(args.top):
            print(f"{100 * n / total:>6.1f}%  {name}")
        return
    output, counts = profile(args.cpus, args.command, args.icount)
    print(output.rstrip())
    if args.baseline:
        _, base = profile(args.cpus, args.baseline, args.icount)
        counts.subtract(base)
    insns, blocks, exits, flushes = tally(counts, kernel, user)
    total = sum(insns.values())
    per = args.per
    # max(): a subtracted baseline can leave a count a hair below zero
    print(f"\nper operation ({per} operations): {total / per:,.0f} instructions, {sum(blocks.values()) / per:,.0f} "
          f"blocks, {sum(exits.values()) / per:,.1f} main-loop exits, {max(flushes, 0) / per:,.1f} TLB flushes")
    print(f"{'instructions':>12} {'%':>6} {'blocks':>9} {'exits':>7}  function")
    for name, n in insns.most_common(args.top):
        print(f"{n / per:>12,.1f} {100 * n / total:>6.1f} {blocks[name] / per:>9,.1f} {exits[name] / per:>7,.1f}  {name}")


if __name__ == "__main__":
    main()
