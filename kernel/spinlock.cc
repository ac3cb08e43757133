// Spinlocks and the per-hart interrupt-disable depth.
#include "spinlock.hh"
#include "arch.hh"
#include "printf.hh"
#include "proc.hh"

namespace kernel {

void acquire(spinlock *lk) {
  push_off(); // before testing holding(): an interrupt here could take lk
  if (holding(lk)) {
    printf("lock '%s' first taken at %p\n", lk->name, lk->acquired_at);
    panic("acquire: this hart already holds the lock");
  }

  // Acquire ordering: nothing in the critical section moves above this.
  while (__atomic_exchange_n(&lk->locked, 1u, __ATOMIC_ACQUIRE) != 0) {
  }
  lk->holder = mycpu();
  lk->acquired_at = __builtin_return_address(0);
}

void release(spinlock *lk) {
  if (!holding(lk)) {
    printf("lock '%s'\n", lk->name);
    panic("release: this hart does not hold the lock");
  }
  lk->holder = nullptr;
  lk->acquired_at = nullptr;
  // Release ordering: the critical section's stores are visible before the
  // next holder can see the lock free.
  __atomic_store_n(&lk->locked, 0u, __ATOMIC_RELEASE);
  pop_off();
}

// Only meaningful with interrupts off: otherwise this hart could be moved or
// interrupted between the two reads.
bool holding(spinlock *lk) { return __atomic_load_n(&lk->locked, __ATOMIC_RELAXED) && lk->holder == mycpu(); }

void push_off() {
  const bool was_on = arch::intr_enabled();
  arch::intr_off();
  cpu *c = mycpu();
  if (c->noff == 0) c->intena = was_on;
  c->noff++;
}

void pop_off() {
  cpu *c = mycpu();
  if (arch::intr_enabled()) panic("pop_off: interrupts are on inside a critical section");
  if (c->noff < 1) panic("pop_off: more pops than pushes");
  c->noff--;
  if (c->noff == 0 && c->intena) arch::intr_on();
}

} // namespace kernel
