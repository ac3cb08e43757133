// Software interrupts. Simplified from Linux: handlers run with interrupts
// off, directly in the software-interrupt trap, and there is no ksoftirqd.
// Mirrors Linux's kernel/softirq.c.
#include "softirq.hh"
#include <cstdint>
#include "arch.hh"
#include "uapi/param.h"
#include "printf.hh"
#include "spinlock.hh"

namespace kernel {

namespace {
void (*actions[NR_SOFTIRQS])() = {};
uint32_t pending[NCPU] = {}; // per hart; touched only by that hart, interrupts off
} // namespace

void open_softirq(softirq_nr nr, void (*action)()) { actions[nr] = action; }

void raise_softirq(softirq_nr nr) {
  push_off();
  pending[arch::hartid()] |= 1u << nr;
  arch::raise_self_soft_interrupt();
  pop_off(); // with interrupts back on, the software interrupt is taken now
}

void do_softirq() {
  if (arch::intr_enabled()) panic("do_softirq: interrupts on");
  const int hart = arch::hartid();
  while (pending[hart]) {
    const uint32_t work = pending[hart];
    pending[hart] = 0;
    for (int nr = 0; nr < NR_SOFTIRQS; nr++)
      if ((work & (1u << nr)) && actions[nr]) actions[nr]();
  }
}

} // namespace kernel
