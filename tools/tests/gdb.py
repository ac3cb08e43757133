"""GDB scenarios: a batch gdb-multiarch attached to a live guest runs the
kite- commands and tools/gdb/scenario.py's stops, and the backtraces and
tables it prints are checked."""
import re
import subprocess
import sys
import time

from qemu import BUILD, ROOT, Guest
from tests.harness import GuestSession, guest_test


# The sleeping side of a UDP receive, innermost first, as kite-bt shows it.
RECV_CHAIN = ["schedule", "schedule_timeout", "wait_for_packet", "__skb_recv_datagram",
              "udp_recvmsg", "inet_recvmsg", "sock_recvmsg", "sys_recvfrom", "syscall", "usertrap"]
KITE_COMMANDS = ["kite-ps", "kite-harts", "kite-locks", "kite-current", "kite-dmesg", "kite-sockets"]
# kite-slabs, and GDB's own print of the caches it reads, in the same stop:
# the two must agree on every number.
SLABS_CHECK = ["echo @@SLABS@@\\n", "kite-slabs", "echo @@CACHES@@\\n", "p kernel::kmem_caches", "echo @@END@@\\n"]
SLAB_ROW = re.compile(r"^(\S+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$", re.M)
CACHE_VALUE = re.compile(r'name = 0x[0-9a-f]+ "([^"]+)", size = (\d+), per_page = (\d+), '
                         r"partial = intrusive_list of kernel::slab(?: = \{([^}]*)\})?, "
                         r"objects_in_use = (\d+), pages = (\d+), empty_slabs = (\d+)\}")
# The pretty-printers (kite.py): a spinlock, a process, an intrusive list.
PRINTER_CHECKS = ["p kernel::ptable.lock", "p kernel::ptable.proc[0]", "p kernel::udp_table.bound"]
PRINTER_EXPECT = [r'^\$\d+ = spinlock "ptable": (free|held by hart \d+)', r"^\$\d+ = proc 1 \(init\) SLEEPING",
                  r"^\$\d+ = intrusive_list of kernel::sock = \{0x[0-9a-f]+\}"]

# The kernel's tables, printed by name as the books print them, and a field
# each must show (a spinlock through kite.py's printer: its name and state).
LOCK = r'lock = spinlock "{}": (?:free|held by hart \d+)'
TABLES = {
    "p kernel::bcache": [LOCK.format("bcache"), r"bufs = \{\{", r"lru = intrusive_list of kernel::buf"],
    "p kernel::cons": [LOCK.format("cons"), r"buf = .*, r = \d+, w = \d+, e = \d+"],
    "p kernel::ftable": [LOCK.format("ftable"), r"files = \{\{ref = \d+, type = kernel::file::kind::"],
    "p kernel::itable": [LOCK.format("itable"), r"inodes = \{\{dev = 1, inum = \d+"],
    "p kernel::log": [LOCK.format("log"), r"capacity = [1-9]\d*", r"lh = \{n = \d+"],
    "p kernel::kmem": [LOCK.format("kmem"), r"free = 0x[0-9a-f]+", r"nfree = [1-9]\d*"],
    "p kernel::disk": [LOCK.format("virtio_disk"), r"desc = \{\{", r"capacity = [1-9]\d*"],
    "p kernel::udp_table": [LOCK.format("udp_table"), r"bound = intrusive_list of kernel::sock"],
    "p kernel::tcp_hashinfo": [LOCK.format("tcp_hashinfo"), r"ehash = \{intrusive_list of kernel::sock",
                               r"listening = intrusive_list of kernel::sock"],
    "p kernel::softnet": [r'^\$\d+ = \{\{input_pkt_queue = .*qlen = \d+\}'],
    "p kernel::kmem_caches": [r'name = 0x[0-9a-f]+ "kmalloc-32", size = 32', r"objects_in_use = \d+, pages = \d+"],
    "p bcache": [LOCK.format("bcache"), r"bufs = \{\{"],  # unqualified, from a frame in kernel::
}


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
    """Run GDB commands against the QEMU on port; return what GDB printed,
    each error message in its place among the output."""
    out = subprocess.run(gdb_command_line(port, commands), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=timeout)
    return out.stdout


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
        out = gdb_batch(port, KITE_COMMANDS + SLABS_CHECK + [f"kite-bt {m.group(1)}"] + PRINTER_CHECKS)
        if "Python Exception" in out or "Error occurred" in out:
            return False, f"a kite command failed:\n{out[-2000:]}"
        if not re.search(rf"pid {m.group(1)} \(udp\)\s+exclusive\s+kernel::.*receiver_wake_function", out):
            return False, f"kite-sockets does not show the reader's exclusive entry:\n{out[-1500:]}"
        ok, why = check_slabs(out, 1)
        if not ok:
            return False, why
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
        # Two readers asleep: each cache of theirs holds 2 objects on 1 page,
        # so a count printed in another's column shows too.
        guest.run("udp recv 7 &", 10)
        guest.run("udp recv 8 &", 10)
        for _ in range(20):  # until both sleep and no other udp (the sender, the first reader) is left
            ps = gdb_batch(port, ["kite-ps"])
            if len(re.findall(r"^\s*\d+ SLEEPING\s+TASK_INTERRUPTIBLE\s+udp ", ps, re.M)) == 2 and \
                    len(re.findall(r"^\s*\d+ \S+\s+\S+\s+udp ", ps, re.M)) == 2:
                break
        else:
            return False, f"kite-ps does not show just the two udp readers asleep:\n{ps[-1500:]}"
        return check_slabs(gdb_batch(port, SLABS_CHECK), 2)

    for name, scenario in (("gdb/commands-and-recv-backtrace", lambda g, port: commands(g)),
                           ("gdb/pipe-sleep-and-wakeup", pipe_scenario), ("gdb/udp-sleep-and-wake-chains", udp_scenario),
                           ("gdb/tcp-accept-recv-and-wakeups", tcp_scenario),
                           ("gdb/user-mode-stop", user_stop_scenario), ("gdb/print-kernel-tables", tables_scenario)):
        if not selected(name):
            continue
        session = GuestSession(args.cpus)
        session.guest = Guest(args.cpus, extra=["-gdb", f"tcp:127.0.0.1:{port}"])
        session.boots = 1
        try:
            guest_test(results, session, name, lambda g, scenario=scenario: scenario(g, port))
        finally:
            session.close()


def check_slabs(out, readers):
    """kite-slabs' table against GDB's print of kernel::kmem_caches from the
    same stop (SLABS_CHECK): the same caches, and in each every column
    (PARTIAL is the length of the partial list GDB prints). And the UDP
    readers asleep, each with a socket and a UDP sock, must show in both
    caches: `readers` objects in use on one page, on the partial list."""
    table, caches = section(out, "SLABS", "CACHES"), section(out, "CACHES", "END")
    if table is None or caches is None:
        return False, f"GDB did not run kite-slabs and print kernel::kmem_caches:\n{out[-1500:]}"
    shown = {name: tuple(int(n) for n in row) for name, *row in SLAB_ROW.findall(table)}
    printed = {name: (int(size), int(per_page), int(in_use), int(pages), len(partial.split(",")) if partial else 0,
                      int(empty))
               for name, size, per_page, partial, in_use, pages, empty in CACHE_VALUE.findall(caches)}
    if not printed or "skbuff_head_cache" not in printed:
        return False, f"`p kernel::kmem_caches` does not show the caches:\n{caches[:1500]}"
    if shown != printed:
        diff = [f"{n}: kite-slabs {shown.get(n)}, GDB {printed.get(n)}"
                for n in sorted(set(shown) | set(printed)) if shown.get(n) != printed.get(n)]
        return False, ("kite-slabs disagrees with `p kernel::kmem_caches` (size, per page, in use, pages, partial, "
                       "empty):\n" + "\n".join(diff) + f"\n{table[-1500:]}")
    for name in ("UDP", "socket"):
        if shown.get(name, ())[2:6] != (readers, 1, 1, 0):
            return False, f"kite-slabs: {readers} UDP readers, but the {name} cache does not show {readers} " \
                          f"objects in use on 1 page, partial and not empty:\n{table}"
    return True, ""


# The waking side of a UDP receive, innermost first: try_to_wake_up down to
# the sender's system call. The softirq runs in it, at the pop_off() that
# ends netif_rx (Linux: at the local_bh_enable() that ends dev_queue_xmit).
WAKE_CHAIN = ["try_to_wake_up", "default_wake_function", "autoremove_wake_function", "receiver_wake_function",
              "__wake_up_common", "__wake_up_sync_key", "wake_up_interruptible_sync_poll", "sock_def_readable",
              "sock_queue_rcv_skb", "__udp_queue_rcv_skb", "udp_queue_rcv_skb", "__udp4_lib_rcv", "udp_rcv",
              "ip_rcv", "process_backlog", "net_rx_action", "do_softirq", "pop_off_here", "pop_off", "netif_rx",
              "loopback_xmit", "ip_output", "ip_queue_xmit", "udp_sendmsg", "inet_sendmsg", "sock_sendmsg",
              "sys_sendto"]


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
    clones show a function twice) counted once; a template's arguments
    dropped (sk_wait_event<...> is sk_wait_event)."""
    names = [f.group(1) for f in re.finditer(
        r"^#\d+\s+(?:0x[0-9a-f]+ in )?(?:kernel::)?(?:\(anonymous namespace\)::)?([\w_]+(?:<.*?>)? \(|<signal handler called>)",
        text, re.M)]
    names = [re.sub(r"<.*>", "", n[:-2]) if n.endswith(" (") else n for n in names]
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
    if frames[:len(WAKE_CHAIN)] != WAKE_CHAIN:
        return False, f"backtrace {frames}, expected {WAKE_CHAIN}"
    if not re.search(r"socket 127\.0\.0\.1:7 .*\n\s+receive queue: 1 datagrams", m.group(1)):
        return False, f"kite-sockets does not show the queued datagram:\n{m.group(1)[-1500:]}"
    back = re.search(r"@@RETURN@@(.*?)@@DONE@@", text, re.S)
    frames = frame_names(back.group(1)) if back else []
    if frames[:len(RECV_CHAIN) - 1] != RECV_CHAIN[1:]:
        return False, f"the reader's return from schedule(): backtrace {frames}, expected {RECV_CHAIN[1:]}"
    guest.expect(r"udp: 2 bytes from port \d+: hi", 20)  # and the reader got it
    return True, ""


# TCP's chains, innermost first (docs/tcp.md). An acceptor asleep, and the
# handshake's end waking it from the softirq that the client's ACK raised
# (in the client's connect, as release_sock ran its backlog).
ACCEPT_CHAIN = ["schedule", "schedule_timeout", "inet_csk_wait_for_connect", "inet_csk_accept", "inet_accept",
                "__sys_accept4", "sys_accept", "syscall", "usertrap"]
WAKE_HEAD = ["try_to_wake_up", "default_wake_function", "autoremove_wake_function", "__wake_up_common",
             "__wake_up_sync_key", "wake_up_interruptible_sync_poll", "sock_def_readable"]
SOFTIRQ_TAIL = ["ip_rcv", "process_backlog", "net_rx_action", "do_softirq", "pop_off_here"]
ACCEPT_WAKE_CHAIN = WAKE_HEAD + ["tcp_child_process", "tcp_v4_do_rcv", "tcp_v4_rcv"] + SOFTIRQ_TAIL
# A reader asleep in sk_wait_data, and the data waking it.
TCP_RECV_CHAIN = ["schedule", "schedule_timeout", "sk_wait_event", "sk_wait_data", "tcp_recvmsg", "inet_recvmsg",
                  "sock_recvmsg", "sys_recvfrom", "syscall", "usertrap"]
TCP_DATA_WAKE_CHAIN = WAKE_HEAD + ["tcp_data_queue", "tcp_rcv_established", "tcp_v4_do_rcv", "tcp_v4_rcv"] + SOFTIRQ_TAIL


def section(text, start, end):
    m = re.search(rf"@@{start}@@(.*?)@@{end}@@", text, re.S)
    return m.group(1) if m else None


def tcp_scenario(guest, port):
    """A listener asleep in accept and then in recv, and the segments that
    wake it: each chain at its stop, kite-sockets and kite-skb on the way."""
    guest.boot()
    text = run_scenario(guest, port, "tcp_accept_recv_and_wakeups",
                        {"ARMED_LISTEN": "tcp listen -c 9 &", "ARMED_CONNECT": "tcp connect 9",
                         "ARMED_DATA": "hello tcp"})
    checks = [("ACCEPT_SLEEP", "ARMED_CONNECT", ACCEPT_CHAIN, None), ("ACCEPT_WAKE", "RECV_SLEEP", ACCEPT_WAKE_CHAIN,
                                                                       "sys_connect"),
              ("RECV_SLEEP", "ARMED_DATA", TCP_RECV_CHAIN, None), ("DATA_WAKE", "DONE", TCP_DATA_WAKE_CHAIN, "sys_sendto")]
    for start, end, chain, below in checks:
        body = section(text, start, end)
        if body is None:
            return False, f"GDB did not get to {start}:\n{text[-2500:]}"
        frames = frame_names(body)
        if start == "RECV_SLEEP" and "schedule" in frames:
            frames = frames[frames.index("schedule"):]  # kite-bt starts where it switched away, in sched
        if frames[:len(chain)] != chain or (below and below not in frames[len(chain):]):
            return False, f"{start}: backtrace {frames}, expected {chain}" + (f" and then {below}" if below else "")
    sleep = section(text, "ACCEPT_SLEEP", "ARMED_CONNECT")
    if not re.search(r"TCP socket 127\.0\.0\.1:9\s+TCP_LISTEN", sleep) or \
            not re.search(r"pid \d+ \(tcp\)\s+exclusive\s+kernel::autoremove_wake_function", sleep):
        return False, f"kite-sockets does not show the listener and the acceptor's exclusive entry:\n{sleep[-1500:]}"
    recv = section(text, "RECV_SLEEP", "ARMED_DATA")
    if not re.search(r"TCP socket 127\.0\.0\.1:9 -> 127\.0\.0\.1:\d+\s+TCP_ESTABLISHED", recv) or \
            not re.search(r"pid \d+ \(tcp\)\s+non-exclusive\s+kernel::autoremove_wake_function", recv):
        return False, f"kite-sockets does not show the connection and the reader's entry:\n{recv[-1500:]}"
    seg = section(text, "SEGMENT", "DATA_WAKE")
    if not re.search(r"127\.0\.0\.1 -> 127\.0\.0\.1\s+ttl 64\s+protocol 6", seg) or \
            not re.search(r"TCP \d+ -> 9\s+seq \d+\s+ack \d+\s+flags (PSH )?ACK", seg) or "payload b'hello tcp\\n'" not in seg:
        return False, f"kite-skb at tcp_v4_rcv did not decode the segment:\n{seg[-1500:]}"
    woken = section(text, "DATA_WAKE", "DONE")
    if not re.search(r"receive queue: 1 segments, \d+ of \d+ bytes", woken):
        return False, f"kite-sockets does not show the queued segment:\n{woken[-1500:]}"
    guest.expect(r"hello tcp", 20)  # the console's echo of the line typed for the client,
    guest.expect(r"hello tcp", 20)  # then, GDB detached, the listener's print of the line it received
    guest.proc.stdin.write(b"\x04")  # and the client's end of input closes both
    guest.proc.stdin.flush()
    guest.expect(r"\$ $", 20)
    return True, ""


def tables_scenario(guest, port):
    """At a breakpoint in the kernel (run_timers, on every tick), `p` prints
    each of the kernel's tables by its name in kernel::, and bcache by its
    plain name from the kernel:: frame."""
    guest.boot()
    commands = ["break kernel::run_timers", "python bounded_continue(10)", "delete", "p $priv", "frame"]
    for table in TABLES:
        commands += [f"echo @@{table}@@\\n", table]
    out = gdb_batch(port, commands + ["echo @@DONE@@\\n"])
    if not re.search(r"Breakpoint 1, kernel::run_timers \(", out) or not re.search(r"^\$1 = 1$", out, re.M):
        return False, f"GDB did not stop in run_timers in supervisor mode:\n{out[:1500]}"
    for table, fields in TABLES.items():
        m = re.search(rf"@@{re.escape(table)}@@\n(.*?)\n@@", out, re.S)
        shown = m.group(1) if m else ""
        for field in fields:
            if not re.search(field, shown, re.M):
                return False, f"`{table}` does not show /{field}/:\n{shown[:1500]}"
    guest.run("echo still here", 10)  # GDB detached: the machine runs on
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
