// Software interrupts ("softirqs"): work an interrupt-time path defers,
// as Linux's network receive does. raise_softirq() marks the work pending
// on this hart and sets the hart's supervisor software-interrupt bit; the
// software interrupt then runs the handler as soon as interrupts are on --
// in interrupt context, on whatever stack the hart was using.
#pragma once

namespace kernel {

enum softirq_nr { NET_RX_SOFTIRQ = 0, NR_SOFTIRQS };

void open_softirq(softirq_nr nr, void (*action)());
void raise_softirq(softirq_nr nr);
void do_softirq(); // the software-interrupt handler (trap.cc)

} // namespace kernel
