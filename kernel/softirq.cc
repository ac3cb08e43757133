// Software interrupts. Simplified from Linux: handlers run with interrupts
// off, and there is no ksoftirqd. Mirrors Linux's kernel/softirq.c.
#include "softirq.hh"
#include <cstdint>
#include "arch.hh"
#include "debug/debug.hh"
#include "printf.hh"
#include "proc.hh"

namespace kernel {

namespace {
void (*actions[NR_SOFTIRQS])() = {};
} // namespace

void open_softirq(softirq_nr nr, void (*action)()) { actions[nr] = action; }

// Interrupts are off, so the caller is inside a push_off() (the pop_off
// that turns them back on runs the softirq: process context has them on
// outside spinlocks), an interrupt (devintr runs it) or a softirq
// (do_softirq's loop runs it): the work is not left pending.
void raise_softirq(softirq_nr nr) {
  if (LOCKDEP && arch::intr_enabled()) panic("raise_softirq: interrupts on");
  mycpu()->softirq_pending |= 1u << nr;
}

void do_softirq() {
  if (LOCKDEP && arch::intr_enabled()) panic("do_softirq: interrupts on");
  cpu *c = mycpu();
  // A handler may raise more (a TCP segment's ACK, an ICMP reply): loop.
  while (const uint32_t work = c->softirq_pending) {
    c->softirq_pending = 0;
    for (int nr = 0; nr < NR_SOFTIRQS; nr++)
      if ((work & (1u << nr)) && actions[nr]) actions[nr]();
  }
}

} // namespace kernel
