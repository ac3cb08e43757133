// The tick counter behind sleep(ticks) and uptime().
#include "clock.hh"
#include "arch.hh"
#include "proc.hh"
#include "timer.hh"

namespace kernel {

constinit spinlock tickslock{"ticks"};
uint64_t ticks = 0;

void clock_tick() {
  // Every hart's timer interrupts (that is what preempts its process), but
  // only hart 0 counts, so ticks advance at HZ however many harts run.
  if (arch::hartid() != 0) return;
  {
    lock_guard g(tickslock);
    ticks++;
    wakeup(&ticks);
  }
  run_timers();
}

} // namespace kernel
