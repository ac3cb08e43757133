// Sleep locks: held across disk I/O, so a waiter sleeps instead of spinning.
// Only process context may take one (it may sleep); never an interrupt.
#pragma once
#include "spinlock.hh"

namespace kernel {

struct sleeplock {
  constexpr explicit sleeplock(const char *lock_name) : lk("sleep lock"), name(lock_name) {}
  sleeplock() : sleeplock("sleeplock") {}

  spinlock lk; // guards locked and pid
  bool locked = false;
  int pid = 0; // holder, for holdingsleep() and GDB
  const char *name;
};

void acquiresleep(sleeplock *lk, source_location where = source_location::current());
void releasesleep(sleeplock *lk);
[[nodiscard]] bool holdingsleep(sleeplock *lk);

} // namespace kernel
