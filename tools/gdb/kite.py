"""Kernel-aware GDB commands for Kite (load with `source tools/gdb/kite.py`).

Every command starts with `kite-`, like Linux's `lx-` commands; `help kite`
lists them. They read the kernel's own tables through GDB's Python API, so
they work from any stop, in the kernel or in user mode (the kernel is
mapped in every address space).
"""
import functools

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


class kernel_view:
    """Let kernel data be read from any stop. At a stop in user mode QEMU's
    stub translates addresses with the user's privilege, so the kernel's
    pages (mapped in every page table, but without PTE_U) cannot be read.
    Kernel RAM is mapped virtual == physical, so for the duration of a
    command the stub reads physical memory instead."""

    def __enter__(self):
        # The commands' expressions are C++ (kernel::ptable...); a stop in a
        # C user program would parse them as C.
        self.language = gdb.parameter("language")
        gdb.execute("set language c++", to_string=True)
        self.physical = False
        try:
            user = int(gdb.parse_and_eval("$priv")) == 0
        except gdb.error:
            user = False
        if user:
            gdb.execute("maintenance packet Qqemu.PhyMemMode:1", to_string=True)
            self.physical = True
        return self

    def __exit__(self, *exc):
        if self.physical:
            gdb.execute("maintenance packet Qqemu.PhyMemMode:0", to_string=True)
        gdb.execute(f"set language {self.language}", to_string=True)
        return False


def reads_kernel(invoke):
    """Decorator for a command's invoke(): run it under kernel_view."""
    @functools.wraps(invoke)
    def wrapper(self, *args):
        with kernel_view():
            return invoke(self, *args)
    return wrapper


class KitePrefix(gdb.Command):
    """Kernel-aware commands for Kite (each has its own help, e.g. help kite-ps):
  kite-ps              the process table: states, names, what sleepers wait on
  kite-current         the process on the selected hart (thread N = hart N-1)
  kite-bt PID          the kernel backtrace of a process that is not running
  kite-harts           what each hart runs, interrupt-disable depth, idle
  kite-locks           well-known spinlocks and their holders
  kite-sleepers EXPR   the processes sleeping on channel EXPR
  kite-wq EXPR         the entries of a wait queue
  kite-sockets         TCP and UDP sockets: states, sequence numbers, queues, waiters
  kite-slabs           the small-object caches: size, objects in use, pages
  kite-dmesg           the kernel log since boot
  kite-ubreak PROG FN  a breakpoint in user program PROG only
  kite-skb EXPR        an sk_buff's IP and TCP or UDP headers, decoded"""

    def __init__(self):
        super().__init__("kite", gdb.COMMAND_USER, prefix=True)


def list_items(lst, type_name, member):
    """The objects on an intrusive_list, each as a gdb.Value of type_name."""
    head = lst["head_"]
    node = head["next"]
    t = gdb.lookup_type(type_name)
    offset = int(gdb.parse_and_eval(f"&(({type_name} *)0)->{member}"))
    if int(node) == 0:
        return
    while int(node) != int(head.address):
        yield gdb.Value(int(node) - offset).cast(t.pointer()).dereference()
        node = node["next"]


def ip_str(net_order):
    v = int(net_order)
    return ".".join(str((v >> s) & 0xff) for s in (0, 8, 16, 24))


def port_num(net_order):
    v = int(net_order)
    return ((v & 0xff) << 8) | (v >> 8)


def value_of(expr):
    """A command's argument evaluated; a pointer is followed to its object."""
    v = gdb.parse_and_eval(expr)
    return v.dereference() if v.type.code == gdb.TYPE_CODE_PTR else v


def procs():
    table = gdb.parse_and_eval("kernel::ptable.proc")
    lo, hi = table.type.range()
    for i in range(lo, hi + 1):
        p = table[i]
        state = STATES.get(str(p["state"]), str(p["state"]))
        if state != "UNUSED":
            yield p, state


def pipe_channel(addr):
    """'pipe 0x... read side' if addr is a pipe's reader or writer channel."""
    files = gdb.parse_and_eval("kernel::ftable.files")
    lo, hi = files.type.range()
    for i in range(lo, hi + 1):
        f = files[i]
        if int(f["ref"]) == 0 or str(f["type"]) != "kernel::file::kind::PIPE":
            continue
        pi = f["pipe"]
        if addr == int(pi["nread"].address):
            return f"pipe {int(pi):#x} read side"
        if addr == int(pi["nwrite"].address):
            return f"pipe {int(pi):#x} write side"
    return None


def udp_socks():
    return list_items(gdb.parse_and_eval("kernel::udp_table")["bound"], "kernel::sock", "hash")


def tcp_socks():
    """Every TCP sock holding a port (tcp_hashinfo.bhash, the bound ports'
    buckets): listeners, connections, bound ones, those in TIME_WAIT."""
    bhash = gdb.parse_and_eval("kernel::tcp_hashinfo")["bhash"]
    lo, hi = bhash.type.range()
    for i in range(lo, hi + 1):
        yield from list_items(bhash[i], "kernel::sock", "bind_node")


def tcp_state(sk):
    return str(sk["sk_state"]).replace("kernel::", "")


def socket_waited_on(p):
    """'socket 127.0.0.1:7 wait queue' (or 'TCP socket ...') if process p
    has an entry on a socket's wait queue or socket lock."""
    for proto, socks in (("", udp_socks()), ("TCP ", tcp_socks())):
        for sk in socks:
            name = f"{proto}socket {ip_str(sk['rcv_saddr'])}:{port_num(sk['sport'])}"
            for queue, what in ((sk["sk_wq"], "wait queue"), (sk["sk_lock"]["wq"], "socket lock")):
                for e in list_items(queue["head"], "kernel::wait_queue_entry", "entry"):
                    if int(e["private_"]) == int(p.address):
                        return f"{name} {what}"
    return None


def describe_chan(chan, p=None):
    """What a sleep channel is, where we can tell."""
    addr = int(chan)
    if addr == 0:
        return (p is not None and socket_waited_on(p)) or "a wait queue (schedule())"
    pipe = pipe_channel(addr)
    if pipe:
        return pipe
    if addr == int(gdb.parse_and_eval("&kernel::ticks")):
        return "ticks"
    for p, _ in procs():
        if addr == int(p.address):
            return f"its children (wait), as pid {int(p['pid'])}"
    sym = gdb.execute(f"info symbol {addr}", to_string=True).strip()
    if not sym.startswith("No symbol"):
        return sym.split(" in section")[0]
    return hex(addr)


class KitePs(gdb.Command):
    """kite-ps: the process table -- pid, xv6 state, task state, name, what a
sleeper waits on, the hart of a running process, pending signals."""

    def __init__(self):
        super().__init__("kite-ps", gdb.COMMAND_USER)

    @reads_kernel
    def invoke(self, arg, from_tty):
        print(f"{'PID':>4} {'STATE':9} {'TASK STATE':20} {'NAME':16} {'HART':>4} {'PENDING':>8}  WAITS ON")
        for p, state in procs():
            task = TASK_STATES.get(int(p["task_state"]), str(int(p["task_state"])))
            name = p["name"].string()
            hart = int(p["hart"]) if state == "RUNNING" else ""
            chan = describe_chan(p["chan"], p) if state == "SLEEPING" else ""
            pending = int(p["sigpending"])
            print(f"{int(p['pid']):>4} {state:9} {task:20} {name:16} {hart:>4} {pending:>8x}  {chan}")


class KiteDmesg(gdb.Command):
    """kite-dmesg: everything the kernel printed since boot (the log ring)."""

    def __init__(self):
        super().__init__("kite-dmesg", gdb.COMMAND_USER)

    @reads_kernel
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


def proc_by_pid(pid):
    for p, state in procs():
        if int(p["pid"]) == pid:
            return p, state
    raise gdb.GdbError(f"no process with pid {pid}")


class KiteCurrent(gdb.Command):
    """kite-current: the process running on the selected hart (GDB thread N
is hart N-1)."""

    def __init__(self):
        super().__init__("kite-current", gdb.COMMAND_USER)

    @reads_kernel
    def invoke(self, arg, from_tty):
        hart = gdb.selected_thread().num - 1
        p = gdb.parse_and_eval(f"kernel::cpus[{hart}].proc")
        if int(p) == 0:
            print(f"hart {hart}: no process (in the scheduler or idle)")
            return
        print(f"hart {hart}: pid {int(p['pid'])} ({p['name'].string()})")


class KiteBt(gdb.Command):
    """kite-bt PID: the kernel backtrace of a process that is not running,
from the registers swtch() saved in its context."""

    REGS = ["sp", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11"]

    def __init__(self):
        super().__init__("kite-bt", gdb.COMMAND_USER)

    @reads_kernel
    def invoke(self, arg, from_tty):
        if not arg.strip():
            raise gdb.GdbError("usage: kite-bt PID")
        p, state = proc_by_pid(int(gdb.parse_and_eval(arg)))
        if state == "RUNNING":
            raise gdb.GdbError("it is running: select its hart's thread and use bt")
        ctx = p["ctx"]
        saved = {r: int(gdb.parse_and_eval(f"${r}")) for r in ["pc"] + self.REGS}
        try:
            gdb.execute(f"set $pc = {int(ctx['ra'])}")
            gdb.execute(f"set $sp = {int(ctx['sp'])}")
            for i in range(12):
                gdb.execute(f"set $s{i} = {int(ctx['s'][i])}")
            gdb.execute("bt")
        finally:
            for r, v in saved.items():
                gdb.execute(f"set ${r} = {v}")


def site(where):
    """A std::source_location (spinlock::acquired_at) as file:line (function)."""
    impl = where["_M_impl"]
    if not int(impl):
        return "?"
    func = impl["_M_function_name"].string()
    # "void kernel::piperead(kernel::pipe*, ...)" -> "piperead"
    short = func.split("(")[0].split()[-1].replace("kernel::", "").replace("{anonymous}::", "")
    return f"{impl['_M_file_name'].string()}:{int(impl['_M_line'])} ({short})"


def held_locks(c):
    """The spinlocks a hart holds, oldest first (cpu::held)."""
    return [c["held"][i].dereference() for i in range(int(c["nheld"]))]


class KiteHarts(gdb.Command):
    """kite-harts: what each hart runs, its interrupt-disable depth, whether
it is idle in wfi, and the spinlocks it holds."""

    def __init__(self):
        super().__init__("kite-harts", gdb.COMMAND_USER)

    @reads_kernel
    def invoke(self, arg, from_tty):
        cpus = gdb.parse_and_eval("kernel::cpus")
        ncpu = len(gdb.selected_inferior().threads())
        for i in range(ncpu):
            c = cpus[i]
            p = c["proc"]
            what = f"pid {int(p['pid'])} ({p['name'].string()})" if int(p) else "scheduler"
            locks = ", ".join(lk["name"].string() for lk in held_locks(c)) or "-"
            print(f"hart {i}: {what:24} noff={int(c['noff'])} idle={int(c['idle'])} holds: {locks}")


class KiteLocks(gdb.Command):
    """kite-locks: every spinlock held now, by which hart, and where it was
taken. Each hart keeps the list of the spinlocks it holds (cpu::held), so
this covers every lock, not only the well-known ones."""

    def __init__(self):
        super().__init__("kite-locks", gdb.COMMAND_USER)

    @reads_kernel
    def invoke(self, arg, from_tty):
        cpus = gdb.parse_and_eval("kernel::cpus")
        ncpu = len(gdb.selected_inferior().threads())
        found = False
        for i in range(ncpu):
            for lk in held_locks(cpus[i]):
                found = True
                print(f'hart {i} holds "{lk["name"].string()}" at {lk.address}, taken at {site(lk["acquired_at"])}')
        if not found:
            print("no spinlock is held")


def print_waiters(wq, indent=""):
    found = False
    for e in list_items(wq["head"], "kernel::wait_queue_entry", "entry"):
        found = True
        excl = "exclusive" if int(e["flags"]) & 1 else "non-exclusive"
        func = gdb.execute(f"info symbol {int(e['func'])}", to_string=True).split(" in section")[0]
        if "pollwake" in func:
            who = "a poll() caller"
        else:
            task = e["private_"].cast(gdb.lookup_type("kernel::proc").pointer())
            who = f"pid {int(task['pid'])} ({task['name'].string()})"
        print(f"{indent}{who:28} {excl:14} {func}")
    if not found:
        print(f"{indent}(no waiters)")


class KiteSockets(gdb.Command):
    """kite-sockets: every TCP socket holding a port and every bound UDP
socket. TCP: state, addresses, the sequence numbers (snd_una, snd_nxt,
rcv_nxt) and windows, the receive, write and backlog queues, whether a
process owns the socket lock, a listener's SYN and accept queues. UDP:
address, peer, receive queue and counters. Both: who waits on the
socket's queue, with the callback of each entry."""

    def __init__(self):
        super().__init__("kite-sockets", gdb.COMMAND_USER)

    @reads_kernel
    def invoke(self, arg, from_tty):
        any_found = False
        tcp_type = gdb.lookup_type("kernel::tcp_sock").pointer()
        for sk in tcp_socks():
            any_found = True
            tp = sk.address.cast(tcp_type).dereference()
            state = tcp_state(sk)
            peer = f" -> {ip_str(sk['daddr'])}:{port_num(sk['dport'])}" if int(sk["dport"]) else ""
            dead = " (closed: orphan)" if int(sk["sk_flags"]) & 1 else ""
            print(f"TCP socket {ip_str(sk['rcv_saddr'])}:{port_num(sk['sport'])}{peer}  {state}{dead}  "
                  f"(struct tcp_sock at {sk.address})")
            owned = "owned by a process" if int(sk["sk_lock"]["owned"]) else "not owned"
            if state == "TCP_LISTEN":
                q = tp["icsk_accept_queue"]
                print(f"  SYN queue: {int(q['syn_qlen'])}, accept queue: {int(q['accept_qlen'])} "
                      f"(backlog {int(sk['sk_max_ack_backlog'])}); socket lock {owned}")
            else:
                print(f"  snd_una {int(tp['snd_una'])} snd_nxt {int(tp['snd_nxt'])} snd_wnd {int(tp['snd_wnd'])}  "
                      f"rcv_nxt {int(tp['rcv_nxt'])} rcv_wnd {int(tp['rcv_wnd'])} copied_seq {int(tp['copied_seq'])}")
                print(f"  receive queue: {int(sk['sk_receive_queue']['qlen'])} segments, {int(sk['sk_rmem_alloc'])} of "
                      f"{int(sk['sk_rcvbuf'])} bytes; write queue: {int(sk['sk_write_queue']['qlen'])} segments, "
                      f"{int(sk['sk_wmem_queued'])} of {int(sk['sk_sndbuf'])} bytes; backlog {int(sk['sk_backlog']['len'])} "
                      f"bytes; socket lock {owned}")
            st = sk["stats"]
            print(f"  segments in {int(st['tcp_segs_in'])} out {int(st['tcp_segs_out'])} "
                  f"sent again {int(st['tcp_retrans'])}")
            print(f"  wait queue {sk['sk_wq'].address}:")
            print_waiters(sk["sk_wq"], "    ")
        for sk in udp_socks():
            any_found = True
            peer = f" connected to {ip_str(sk['daddr'])}:{port_num(sk['dport'])}" if sk["connected"] else ""
            print(f"socket {ip_str(sk['rcv_saddr'])}:{port_num(sk['sport'])}{peer}  (struct sock at {sk.address})")
            q = sk["sk_receive_queue"]
            st = sk["stats"]
            print(f"  receive queue: {int(q['qlen'])} datagrams, {int(sk['sk_rmem_alloc'])} of "
                  f"{int(sk['sk_rcvbuf'])} bytes; in {int(st['datagrams_in'])} out {int(st['datagrams_out'])} "
                  f"dropped {int(st['drops_rcvbuf'])}")
            print(f"  wait queue {sk['sk_wq'].address}:")
            print_waiters(sk["sk_wq"], "    ")
        if not any_found:
            print("(no sockets)")


class KiteSlabs(gdb.Command):
    """kite-slabs: every kmem_cache (kernel/slab.hh) -- object size, objects
per slab page, objects in use, slab pages held, pages on the partial list,
and of those the empty one kept for reuse (Linux's /proc/slabinfo, much
reduced)."""

    def __init__(self):
        super().__init__("kite-slabs", gdb.COMMAND_USER)

    @reads_kernel
    def invoke(self, arg, from_tty):
        caches = gdb.parse_and_eval("kernel::kmem_caches")
        n = int(gdb.parse_and_eval("kernel::nkmem_caches"))
        print(f"{'NAME':20} {'SIZE':>5} {'PER PAGE':>8} {'IN USE':>7} {'PAGES':>6} {'PARTIAL':>7} {'EMPTY':>5}")
        for i in range(n):
            c = caches[i]
            partial = sum(1 for _ in list_items(c["partial"], "kernel::slab", "link"))
            print(f"{c['name'].string():20} {int(c['size']):>5} {int(c['per_page']):>8} "
                  f"{int(c['objects_in_use']):>7} {int(c['pages']):>6} {partial:>7} {int(c['empty_slabs']):>5}")


class KiteWq(gdb.Command):
    """kite-wq EXPR: the entries of a wait queue (a wait_queue_head or a
pointer to one): the task, exclusive or not, and the callback by name."""

    def __init__(self):
        super().__init__("kite-wq", gdb.COMMAND_USER)

    @reads_kernel
    def invoke(self, arg, from_tty):
        print_waiters(value_of(arg))


KiteCurrent()
KiteBt()
KiteHarts()
KiteLocks()
KiteWq()
KiteSockets()
KiteSlabs()


class KiteSleepers(gdb.Command):
    """kite-sleepers EXPR: the processes sleeping on channel EXPR (an address,
e.g. &kernel::ticks), the way wakeup(EXPR) would find them."""

    def __init__(self):
        super().__init__("kite-sleepers", gdb.COMMAND_USER)

    @reads_kernel
    def invoke(self, arg, from_tty):
        chan = int(gdb.parse_and_eval(arg))
        found = False
        for p, state in procs():
            if state == "SLEEPING" and int(p["chan"]) == chan:
                found = True
                print(f"pid {int(p['pid'])} ({p['name'].string()})")
        if not found:
            print(f"nobody sleeps on {describe_chan(chan)}")


class KiteUserBreak(gdb.Breakpoint):
    """A hardware breakpoint at a user address that stops only when the
    process on the hart that hits it has the given name: every user program
    is linked at address 0, so a plain breakpoint would stop in all of them."""

    def __init__(self, spec, name):
        super().__init__(spec, type=gdb.BP_HARDWARE_BREAKPOINT, internal=False)
        self.proc_name = name

    def stop(self):
        with kernel_view():
            hart = gdb.selected_thread().num - 1
            p = gdb.parse_and_eval(f"kernel::cpus[{hart}].proc")
            return int(p) != 0 and p["name"].string() == self.proc_name


class KiteUbreak(gdb.Command):
    """kite-ubreak PROGRAM FUNCTION: stop at FUNCTION of user program PROGRAM
(build/user/_PROGRAM), only in processes running PROGRAM. Loads the
program's symbols at address 0, where every user program is linked."""

    def __init__(self):
        super().__init__("kite-ubreak", gdb.COMMAND_USER)

    @reads_kernel
    def invoke(self, arg, from_tty):
        parts = arg.split()
        if len(parts) != 2:
            raise gdb.GdbError("usage: kite-ubreak PROGRAM FUNCTION")
        program, function = parts
        path = f"build/user/_{program}"
        gdb.execute(f"add-symbol-file {path} -o 0", to_string=True)
        sym = None
        for obj in gdb.objfiles():
            if obj.filename.endswith(f"_{program}"):
                sym = obj.lookup_global_symbol(function) or obj.lookup_static_symbol(function)
        if sym is None:
            raise gdb.GdbError(f"no function {function} in {path}")
        addr = int(sym.value().address)
        KiteUserBreak(f"*{addr:#x}", program)
        print(f"breakpoint at {function} ({addr:#x}) in {program} processes only")


KiteSleepers()
KiteUbreak()


TCP_FLAGS = ["FIN", "SYN", "RST", "PSH", "ACK", "URG"]


class KiteSkb(gdb.Command):
    """kite-skb EXPR: an sk_buff decoded -- the IPv4 header (addresses, TTL,
protocol, length), the TCP header (ports, sequence and acknowledgement
numbers, flags, window, checksum) or the UDP header (ports, length,
checksum), and the first bytes of the payload."""

    def __init__(self):
        super().__init__("kite-skb", gdb.COMMAND_USER)

    @reads_kernel
    def invoke(self, arg, from_tty):
        skb = value_of(arg)
        inf = gdb.selected_inferior()
        nh = int(skb["network_header"])
        print(f"sk_buff at {skb.address}: len {int(skb['len'])}, {int(skb['users'])} reference(s)")
        if nh == 0:
            print("  (no IP header yet)")
            return
        ip = inf.read_memory(nh, 20).tobytes()
        ihl = (ip[0] & 0xf) * 4
        total = ip[2] << 8 | ip[3]
        src = ".".join(str(b) for b in ip[12:16])
        dst = ".".join(str(b) for b in ip[16:20])
        print(f"  IPv{ip[0] >> 4} {src} -> {dst}  ttl {ip[8]}  protocol {ip[9]}  "
              f"total length {total}  id {ip[4] << 8 | ip[5]}")
        if ip[9] == 6:
            th = inf.read_memory(nh + ihl, 20).tobytes()
            doff = (th[12] >> 4) * 4
            flags = " ".join(f for i, f in enumerate(TCP_FLAGS) if th[13] & (1 << i)) or "none"
            seq = int.from_bytes(th[4:8], "big")
            ack = int.from_bytes(th[8:12], "big")
            print(f"  TCP {th[0] << 8 | th[1]} -> {th[2] << 8 | th[3]}  seq {seq}  ack {ack}  flags {flags}  "
                  f"window {th[14] << 8 | th[15]}  header {doff}  checksum {th[16] << 8 | th[17]:#06x}")
            payload = inf.read_memory(nh + ihl + doff, min(max(total - ihl - doff, 0), 32)).tobytes()
            print(f"  payload {payload!r} ({max(total - ihl - doff, 0)} bytes)")
            return
        if ip[9] != 17:
            return
        udp = inf.read_memory(nh + ihl, 8).tobytes()
        ulen = udp[4] << 8 | udp[5]
        print(f"  UDP {udp[0] << 8 | udp[1]} -> {udp[2] << 8 | udp[3]}  length {ulen}  "
              f"checksum {udp[6] << 8 | udp[7]:#06x}")
        payload = inf.read_memory(nh + ihl + 8, min(max(ulen - 8, 0), 32)).tobytes()
        print(f"  payload {payload!r}")


KiteSkb()


# ---- pretty-printers: `print` shows kernel objects the way students think
# of them; `print/r` still shows the raw fields.

class SpinlockPrinter:
    def __init__(self, val):
        self.val = val

    def to_string(self):
        with kernel_view():
            name = self.val["name"].string()
            if not int(self.val["locked"]):
                return f'spinlock "{name}": free'
            base = int(gdb.parse_and_eval("&kernel::cpus[0]"))
            size = gdb.lookup_type("kernel::cpu").sizeof
            hart = (int(self.val["holder"]) - base) // size
            return f'spinlock "{name}": held by hart {hart}, taken at {site(self.val["acquired_at"])}'


class ProcPrinter:
    def __init__(self, val):
        self.val = val

    def to_string(self):
        state = STATES.get(str(self.val["state"]), str(self.val["state"]))
        if state == "UNUSED":
            return "proc: unused slot"
        return f"proc {int(self.val['pid'])} ({self.val['name'].string()}) {state}"


class IntrusiveListPrinter:
    """An intrusive_list<T, &T::member>: its elements, as T."""

    def __init__(self, val):
        self.val = val
        t = val.type.strip_typedefs()
        self.elem = t.template_argument(0)
        member = str(t.template_argument(1))  # e.g. "&kernel::sock::hash"
        self.member = member.rsplit("::", 1)[-1]

    def to_string(self):
        return f"intrusive_list of {self.elem}"

    def children(self):
        items = list_items(self.val, str(self.elem), self.member)
        for i, item in enumerate(items):
            yield f"[{i}]", item.address

    def display_hint(self):
        return "array"


def kite_printers(val):
    t = val.type.strip_typedefs()
    name = t.tag or t.name or ""
    if name == "kernel::spinlock":
        return SpinlockPrinter(val)
    if name == "kernel::proc":
        return ProcPrinter(val)
    if name.startswith("kernel::intrusive_list<"):
        return IntrusiveListPrinter(val)
    return None


gdb.pretty_printers.append(kite_printers)
