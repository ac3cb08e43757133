// Software interrupts ("softirqs"): work an interrupt-time path defers,
// as Linux's network receive does. raise_softirq() marks the work pending
// on this hart, with interrupts off; nothing interrupts anything. The work
// runs, still with interrupts off, at the first of two moments:
//   - the pop_off() that would turn interrupts back on (Linux's
//     local_bh_enable): a packet sent from a system call is received in that
//     call, once the sender holds no spinlock;
//   - the end of the interrupt that raised it (Linux's irq_exit), in
//     devintr(): a TCP timer's retransmission.
// The first needs process context to run with interrupts on outside its
// spinlocks, as Linux's does: usertrap turns them on before a system call,
// exit, signal delivery or yield (run_leftover_softirqs, below, checks).
#pragma once
#include <source_location>
#include "debug/debug.hh"
#include "printf.hh"
#include "proc.hh"

namespace kernel {

enum softirq_nr { NET_RX_SOFTIRQ = 0, NR_SOFTIRQS };

void open_softirq(softirq_nr nr, void (*action)());
void raise_softirq(softirq_nr nr); // interrupts off
void do_softirq();                 // run this hart's pending softirqs; interrupts off

// At the other places interrupts come on (the scheduler's loop; the return
// to user mode, in the checked build only) nothing raised should be left: a
// path that raises one with interrupts off and no pop_off to turn them on
// again is a bug, which the checked build stops at (the test suite runs
// it); a normal build's scheduler runs the work late rather than leave it
// for the next interrupt.
inline void run_leftover_softirqs(std::source_location where = std::source_location::current()) {
  if (!mycpu()->softirq_pending) return;
  if (LOCKDEP) panic("a softirq was left pending", where);
  do_softirq();
}

} // namespace kernel
