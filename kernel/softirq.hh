// Software interrupts ("softirqs"): work an interrupt-time path defers,
// as Linux's network receive does. raise_softirq() marks the work pending
// on this hart, with interrupts off; nothing interrupts anything. The work
// runs, still with interrupts off, at the first of two moments:
//   - the pop_off() that would turn interrupts back on (Linux's
//     local_bh_enable): a packet sent from a system call is received in that
//     call, once the sender holds no spinlock;
//   - the end of the interrupt that raised it (Linux's irq_exit), in
//     devintr(): a TCP timer's retransmission.
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

// The checked build's check at the other places interrupts come on (the
// scheduler's loop, the return to user mode): nothing raised may be left.
inline void assert_no_softirq_pending(std::source_location where = std::source_location::current()) {
  if (LOCKDEP && mycpu()->softirq_pending) panic("a softirq was left pending", where);
}

} // namespace kernel
