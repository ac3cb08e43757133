"""Helpers for scripted GDB sessions (tests and labs), loaded after kite.py.

A test drives the guest's console from outside, in step with GDB: GDB prints
markers `@@NAME@@` (flushed) before each blocking continue, and the driver
types into the console when it sees them -- never by sleeping.
"""
import re
import threading

import gdb


def marker(name):
    print(f"@@{name}@@")
    gdb.flush()


def bounded_continue(seconds):
    """continue, but stop after `seconds` if nothing else stops the machine."""
    timer = threading.Timer(seconds, lambda: gdb.post_event(lambda: gdb.execute("interrupt")))
    timer.daemon = True  # a live timer thread can crash GDB at exit
    timer.start()
    try:
        gdb.execute("continue")
    finally:
        timer.cancel()


def pipe_sleep_and_wakeup():
    """`cat | wc` at the shell: stop where wc, in piperead, has just marked
    itself SLEEPING and calls sched() to switch away; show the backtrace,
    the process table and the held locks; then stop at the wakeup1 that
    wakes the same channel when a line is typed, and at the change of wc's
    state that it makes (the lab's `watch -l` step)."""
    # (GDB anchors the regex at the start of the name: kernel::piperead.)
    # From sleep: a timer interrupt in piperead also reaches sched, by yield.
    gdb.execute('break kernel::sched if $_caller_matches("kernel::sleep", 1) && $_any_caller_matches(".*piperead", 5)')
    marker("ARMED")  # the driver types: cat | wc
    bounded_continue(30)
    hart = gdb.selected_thread().num - 1
    chan = int(gdb.parse_and_eval(f"kernel::cpus[{hart}].proc->chan"))
    slot = int(gdb.parse_and_eval(f"kernel::cpus[{hart}].proc - kernel::ptable.proc"))
    marker(f"SLEEP chan={chan:#x}")
    for command in ["bt", "kite-ps", "kite-locks", "kite-harts"]:
        gdb.execute(command)
    gdb.execute("delete")
    # Armed at once: the waker may get there before the sleeper's switch.
    gdb.execute(f"break kernel::wakeup1 if chan == (void *){chan:#x}")
    gdb.execute(f"watch -l kernel::ptable.proc[{slot}].state")
    marker("TYPE")  # the driver types a line for cat
    bounded_continue(30)
    marker(f"WAKEUP chan={int(gdb.parse_and_eval('chan')):#x}")
    gdb.execute("bt")
    gdb.execute("kite-locks")
    bounded_continue(30)  # to the watchpoint: make_runnable changes the state
    marker("WATCH")
    gdb.execute("bt")
    gdb.execute("delete")
    marker("DONE")


def udp_sleep_and_wakeup():
    """A reader blocks in recvfrom on port 7: stop in schedule() and show its
    backtrace (the sleeping chain) and its wait entry. Then a datagram
    arrives: stop where it is queued (kite-skb), where it wakes the reader
    (try_to_wake_up: the waking chain, from the software interrupt), and
    where the reader returns from schedule()."""
    gdb.execute('break kernel::schedule if $_any_caller_matches(".*udp_recvmsg", 8)')
    marker("ARMED_RECV")  # the driver types: udp recv 7 &
    bounded_continue(30)
    marker("SLEEP")
    gdb.execute("bt")
    gdb.execute("kite-sockets")
    reader = int(gdb.parse_and_eval(f"kernel::cpus[{gdb.selected_thread().num - 1}].proc->pid"))
    gdb.execute("up")  # schedule_timeout: where the reader comes back
    resume = int(gdb.parse_and_eval("$pc"))
    gdb.execute("delete")
    gdb.execute("break kernel::sock_queue_rcv_skb")
    marker("ARMED")  # the driver types: udp send 7 hi
    bounded_continue(30)
    marker("QUEUE")
    gdb.execute("kite-skb skb")  # the datagram, about to be queued
    gdb.execute("delete")
    gdb.execute('break kernel::try_to_wake_up if $_any_caller_matches(".*receiver_wake_function", 5)')
    bounded_continue(30)
    marker("WAKE")
    gdb.execute("bt")
    gdb.execute("kite-sockets")  # the datagram waits in the queue
    gdb.execute("delete")
    gdb.execute(f"break *{resume:#x} if kernel::cpus[$_thread - 1].proc->pid == {reader}")
    bounded_continue(30)
    marker("RETURN")
    gdb.execute("bt")
    gdb.execute("delete")
    marker("DONE")


def user_mode_stop():
    """Stop in user mode, in the first instruction of wc's main, and run every
    command from there (the kernel is mapped in every address space)."""
    gdb.execute("kite-ubreak wc main")
    marker("ARMED")  # the driver types: echo a b | wc
    bounded_continue(30)
    marker("STOPPED")
    gdb.execute("info registers priv")
    for command in ["kite-ps", "kite-current", "kite-harts", "kite-locks", "kite-sockets", "kite-dmesg",
                    "kite-sleepers &kernel::ticks", "kite-bt 1", "bt"]:
        gdb.execute(command)
    gdb.execute("delete")
    marker("DONE")


def tcp_accept_recv_and_wakeups():
    """A TCP listener (`tcp listen -c 9`) and a client (`tcp connect 9`):
    (The depths given to $_any_caller_matches leave room: GDB may count the
    inline frames at a breakpoint -- myproc() inside schedule() -- as callers.)
    The reader is caught asleep by kite-bt, rather than by a breakpoint in
    schedule(), for the reason given below.
    stop where the listener sleeps in accept (inet_csk_wait_for_connect) and
    where the handshake's last ACK wakes it (the listener's sk_data_ready,
    from tcp_child_process in the software interrupt); then where it sleeps
    in recv (sk_wait_data), where the client's line arrives (kite-skb), and
    where that line wakes it (sock_def_readable, from tcp_rcv_established)."""
    gdb.execute('break kernel::schedule if $_any_caller_matches(".*inet_csk_wait_for_connect", 6)')
    marker("ARMED_LISTEN")  # the driver types: tcp listen -c 9 &
    bounded_continue(30)
    listener = int(gdb.parse_and_eval(f"kernel::cpus[{gdb.selected_thread().num - 1}].proc->pid"))
    marker("ACCEPT_SLEEP")
    gdb.execute("bt")
    gdb.execute("kite-sockets")
    gdb.execute("delete")
    gdb.execute('break kernel::try_to_wake_up if $_any_caller_matches(".*tcp_child_process", 12)')
    marker("ARMED_CONNECT")  # the driver types: tcp connect 9
    bounded_continue(30)
    marker("ACCEPT_WAKE")
    gdb.execute("bt")
    gdb.execute("delete")
    # sk_wait_data is entered only by a reader that must wait: the listener's
    # connection, on port 9 (0x0900 in network byte order). A breakpoint on
    # schedule() instead would be hit by the client too, at about the same
    # moment; while GDB steps one hart over it, another can pass it unseen.
    gdb.execute("break kernel::sk_wait_data if sk->sport == 0x0900")
    bounded_continue(30)
    marker("RECV_ENTER")
    gdb.execute("delete")
    for _ in range(20):  # let it go to sleep; kite-bt then rebuilds its stack
        bounded_continue(0.3)
        if re.search(rf"^\s*{listener} SLEEPING", gdb.execute("kite-ps", to_string=True), re.M):
            break
    marker("RECV_SLEEP")
    gdb.execute(f"kite-bt {listener}")
    gdb.execute("kite-sockets")
    gdb.execute("delete")
    gdb.execute("break kernel::tcp_v4_rcv if skb->len > 20")
    marker("ARMED_DATA")  # the driver types a line for the client to send
    bounded_continue(30)
    marker("SEGMENT")
    gdb.execute("kite-skb skb")
    gdb.execute("delete")
    gdb.execute('break kernel::try_to_wake_up if $_any_caller_matches(".*tcp_rcv_established", 14)')
    bounded_continue(30)
    marker("DATA_WAKE")
    gdb.execute("bt")
    gdb.execute("kite-sockets")
    gdb.execute("delete")
    marker("DONE")
