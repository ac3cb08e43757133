"""Boot Kite in QEMU with its console on pipes, for tests and benchmarks.

A Guest is one headless QEMU: no terminal, the disk image opened with
snapshot=on (so runs never share or change fs.img), killed by PID on every
path. Output is collected by a reader thread; tests wait for patterns in it
with a time-out instead of sleeping.
"""
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The build to boot: `make test` passes its $(B) (build/, or build-ubsan/ ...).
BUILD = ROOT / os.environ.get("KITE_BUILD", "build")
# The kernel with UBSAN and the lock checker, for the tests of the checkers.
CHECKED_BUILD = ROOT / os.environ.get("KITE_CHECKED_BUILD", "build-ubsan")
PROMPT = "$ "


class GuestError(Exception):
    """The guest panicked, died or did not answer in time."""


def qemu_command(cpus, kernel=BUILD / "kernel" / "kernel", fsimg=BUILD / "fs.img", extra=()):
    return [
        "qemu-system-riscv64",
        "-machine", "virt,aclint=on",
        "-bios", "none",
        "-kernel", str(kernel),
        "-m", "128M",
        "-smp", str(cpus),
        "-global", "virtio-mmio.force-legacy=false",
        "-drive", f"file={fsimg},if=none,format=raw,id=disk0,snapshot=on",
        "-device", "virtio-blk-device,drive=disk0,bus=virtio-mmio-bus.0",
        "-display", "none",
        "-monitor", "none",
        "-serial", "stdio",
        "-no-reboot",
        *extra,
    ]


class Guest:
    def __init__(self, cpus, extra=(), build=None):
        self.cpus = cpus
        build = build or BUILD
        self.build = build
        self.proc = subprocess.Popen(
            qemu_command(cpus, kernel=build / "kernel" / "kernel", fsimg=build / "fs.img", extra=extra),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._out = bytearray()
        self._cond = threading.Condition()
        self._eof = False
        self.mark = 0  # searches start here; advanced past each match
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while True:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            with self._cond:
                if not chunk:
                    self._eof = True
                else:
                    self._out += chunk
                self._cond.notify_all()
            if not chunk:
                return

    def text(self, start=0):
        with self._cond:
            return self._out[start:].decode("utf-8", "replace")

    def tail(self, n=1500):
        return self.text()[-n:]

    def expect(self, pattern, timeout):
        """Wait for regex `pattern` after the mark; move the mark past it."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern, re.M)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                m = rx.search(self._out, self.mark)
                if m:
                    self.mark = m.end()
                    return m
                at = self._out.find(b"panic on hart", max(0, self.mark - 4096))
                if at >= 0:
                    self._settle_locked()  # let the report and backtrace arrive
                    # Its first line says why (a lab's stub names its function there).
                    raise GuestError("kernel " + self._out[at:].split(b"\n")[0].decode(errors="replace").strip())
                if self._eof:
                    raise GuestError(f"QEMU exited (status {self.proc.poll()})")
                left = deadline - time.monotonic()
                if left <= 0:
                    self._cond.release()
                    try:
                        self.procdump()
                    finally:
                        self._cond.acquire()
                    raise GuestError(f"timed out after {timeout}s waiting for {pattern!r}")
                self._cond.wait(min(left, 1.0))

    def length(self):
        """Bytes printed so far: where the next output starts."""
        with self._cond:
            return len(self._out)

    def settle(self, quiet=0.5, most=3.0):
        """Let the guest finish what it is printing (a panic report, a
        backtrace): wait until nothing came for `quiet` seconds, at most `most`."""
        with self._cond:
            self._settle_locked(quiet, most)

    def _settle_locked(self, quiet=0.5, most=3.0):
        """settle(), for a caller that holds _cond."""
        deadline = time.monotonic() + most
        while time.monotonic() < deadline:
            before = len(self._out)
            self._cond.wait(quiet)
            if len(self._out) == before:
                return

    def send(self, line):
        # The console's input line holds 127 characters.
        assert len(line) < 120, "command line too long for the console"
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def procdump(self):
        """Ask the kernel for its process table (Ctrl-P) and give it a moment
        to print it: a stuck test's log then says who waits where."""
        try:
            self.proc.stdin.write(b"\x10")
            self.proc.stdin.flush()
        except OSError:
            return
        time.sleep(1.0)

    def symbolize(self, text):
        """Kernel addresses in text (a process dump's `at 0x... 0x...`)
        replaced by the functions they are in."""
        rx = re.compile(r"\b0x0*(8[0-9a-f]{7})\b")  # %p pads to 16 digits
        addrs = sorted(set(a for line in text.split("\n") for a in rx.findall(line.partition(" at ")[2])))
        if not addrs:
            return text
        try:
            out = subprocess.run([os.environ.get("TOOLPREFIX", "riscv64-linux-gnu-") + "addr2line", "-f", "-C",
                                  "-e", str(self.build / "kernel" / "kernel"), *("0x" + a for a in addrs)],
                                 capture_output=True, text=True, timeout=20).stdout.splitlines()
        except (OSError, subprocess.TimeoutExpired):
            return text
        names = {a: out[2 * i].replace("(anonymous namespace)::", "").split("(")[0].replace("kernel::", "") for i, a in enumerate(addrs) if 2 * i < len(out)}

        def name(m):
            n = names.get(m.group(1), "")
            return n if n and n != "??" else m.group(0)
        # Only the return addresses after " at ": a channel is data, not code.
        return "\n".join(head + " at " + rx.sub(name, tail) if tail else head
                         for head, _, tail in (line.partition(" at ") for line in text.split("\n")))

    def boot(self, timeout=60):
        self.expect(r"init: starting sh", timeout)
        self.expect(re.escape(PROMPT), timeout)

    def run(self, command, timeout=60):
        """Type a command at the shell; return what it printed before the next prompt."""
        start = self.length()
        self.mark = start
        self.send(command)
        m = self.expect(r"^\$ ", timeout)
        out = self.text(start)[: m.start() - start]
        # The console echoes what we type: drop that first line.
        first, _, rest = out.partition("\n")
        return rest if first.strip() == command.strip() else out

    def tcp_settle(self, timeout=10.0):
        """Wait until no TCP connection is still finishing on its own (in
        TIME_WAIT for a second after a close, docs/tcp.md): until then the
        memory it holds makes page and object counts move by themselves."""
        closing = re.compile(r"^tcp\s+(TIME_WAIT|FIN_WAIT1|FIN_WAIT2|CLOSING|LAST_ACK|CLOSE)\s", re.M)
        deadline = time.monotonic() + timeout
        while closing.search(self.run("netstat", 30)) and time.monotonic() < deadline:
            time.sleep(0.3)

    def free_pages(self):
        """Free physical pages, as the guest's `freemem` reports them."""
        self.tcp_settle()
        out = self.run("freemem", 30)
        m = re.search(r"freemem: (\d+) pages free", out)
        if not m:
            raise GuestError(f"freemem printed {out!r}")
        return int(m.group(1))

    def slab_objects(self):
        """Objects in use per kmem_cache, as `freemem` reports them: {name: count}."""
        self.tcp_settle()
        out = self.run("freemem", 30)
        caches = dict(re.findall(r"^slab (\S+): \d+ bytes, (\d+) objects in use", out, re.M))
        if not caches:
            raise GuestError(f"freemem printed no slab lines: {out!r}")
        return {name: int(n) for name, n in caches.items()}

    def chan_wakeups(self):
        """Sleepers xv6's wakeup() has made runnable since boot, as `freemem` reports them."""
        out = self.run("freemem", 30)
        m = re.search(r"^wakeups: (\d+)$", out, re.M)
        if not m:
            raise GuestError(f"freemem printed no wakeups line: {out!r}")
        return int(m.group(1))

    def close(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
