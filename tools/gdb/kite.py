"""Kernel-aware GDB commands for Kite (load with `source tools/gdb/kite.py`).

Every command starts with `kite-`, like Linux's `lx-` commands; `help kite`
lists them. They read the kernel's own tables through GDB's Python API, so
they work from any stop, in the kernel or in user mode (the kernel is
mapped in every address space).
"""
import gdb

STATES = {
    "kernel::procstate::UNUSED": "UNUSED",
    "kernel::procstate::EMBRYO": "EMBRYO",
    "kernel::procstate::SLEEPING": "SLEEPING",
    "kernel::procstate::RUNNABLE": "RUNNABLE",
    "kernel::procstate::RUNNING": "RUNNING",
    "kernel::procstate::ZOMBIE": "ZOMBIE",
}
TASK_STATES = {0: "TASK_RUNNING", 1: "TASK_INTERRUPTIBLE", 2: "TASK_UNINTERRUPTIBLE"}


class KitePrefix(gdb.Command):
    """Kernel-aware commands for Kite: kite-ps, ..."""

    def __init__(self):
        super().__init__("kite", gdb.COMMAND_USER, prefix=True)


def procs():
    table = gdb.parse_and_eval("kernel::ptable.proc")
    lo, hi = table.type.range()
    for i in range(lo, hi + 1):
        p = table[i]
        state = STATES.get(str(p["state"]), str(p["state"]))
        if state != "UNUSED":
            yield p, state


def describe_chan(chan):
    """What a sleep channel is, where we can tell."""
    addr = int(chan)
    if addr == 0:
        return "wait queue" 
    sym = gdb.execute(f"info symbol {addr}", to_string=True).strip()
    if not sym.startswith("No symbol"):
        return sym.split(" in section")[0]
    return hex(addr)


class KitePs(gdb.Command):
    """kite-ps: the process table -- pid, xv6 state, task state, name, what a
sleeper waits on, the hart of a running process, pending signals."""

    def __init__(self):
        super().__init__("kite-ps", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        print(f"{'PID':>4} {'STATE':9} {'TASK STATE':20} {'NAME':16} {'HART':>4} {'PENDING':>8}  WAITS ON")
        for p, state in procs():
            task = TASK_STATES.get(int(p["task_state"]), str(int(p["task_state"])))
            name = p["name"].string()
            hart = int(p["hart"]) if state == "RUNNING" else ""
            chan = describe_chan(p["chan"]) if state == "SLEEPING" else ""
            pending = int(p["sigpending"])
            print(f"{int(p['pid']):>4} {state:9} {task:20} {name:16} {hart:>4} {pending:>8x}  {chan}")


class KiteDmesg(gdb.Command):
    """kite-dmesg: everything the kernel printed since boot (the log ring)."""

    def __init__(self):
        super().__init__("kite-dmesg", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        size = int(gdb.parse_and_eval("sizeof(kernel::klog)"))
        total = int(gdb.parse_and_eval("kernel::klog_len"))
        start = gdb.parse_and_eval("&kernel::klog[0]")
        data = gdb.selected_inferior().read_memory(start, size).tobytes()
        if total <= size:
            text = data[:total]
        else:
            cut = total % size
            text = data[cut:] + data[:cut]
        print(text.decode("utf-8", "replace"), end="")


KitePrefix()
KitePs()
KiteDmesg()
