// Spinlocks, the per-hart interrupt-disable depth, and the per-hart list of
// held locks.
// Mirrors xv6's spinlock.c.
#include "spinlock.hh"
#include "arch.hh"
#include "debug/lockdep.hh"
#include "printf.hh"
#include "proc.hh"

namespace kernel {

namespace {

void note_held(cpu *c, spinlock *lk) {
  if (c->nheld == cpu::MAX_HELD) panic("acquire: more than cpu::MAX_HELD spinlocks held");
  c->held[c->nheld++] = lk;
}

// Locks are not always released newest first (sleep() takes ptable.lock,
// then releases the caller's lock), so find lk wherever it is.
void note_released(cpu *c, spinlock *lk) {
  for (int i = 0; i < c->nheld; i++) {
    if (c->held[i] != lk) continue;
    for (int j = i + 1; j < c->nheld; j++) c->held[j - 1] = c->held[j];
    c->held[--c->nheld] = nullptr;
    return;
  }
  panic("release: lock not in this hart's held list");
}

} // namespace

void acquire(spinlock *lk, source_location where) { acquire_nested(lk, 0, where); }

void acquire_nested(spinlock *lk, uint32_t subclass, source_location where) {
  push_off(); // before testing holding(): an interrupt here could take lk
  if (holding(lk)) {
    printf("lock '%s' first taken at ", lk->name);
    print_site(lk->acquired_at);
    printf(", again at ");
    print_site(where);
    printf("\n");
    panic("acquire: this hart already holds the lock");
  }
  if constexpr (LOCKDEP) lockdep::check_acquire(lk, subclass, where);

  // Acquire ordering: nothing in the critical section moves above this.
  while (__atomic_exchange_n(&lk->locked, 1u, __ATOMIC_ACQUIRE) != 0) {
  }
  lk->holder = mycpu();
  lk->acquired_at = where;
  lk->subclass = subclass;
  note_held(lk->holder, lk);
}

void release(spinlock *lk) {
  if (!holding(lk)) {
    printf("lock '%s'\n", lk->name);
    panic("release: this hart does not hold the lock");
  }
  cpu *c = lk->holder;
  note_released(c, lk);
  lk->holder = nullptr;
  lk->acquired_at = {};
  // Release ordering: the critical section's stores are visible before the
  // next holder can see the lock free.
  __atomic_store_n(&lk->locked, 0u, __ATOMIC_RELEASE);
  if (c->nheld == 0 && c->ipi_pending) send_pending_ipis(c); // make_runnable's pokes
  pop_off();
}

void lock_guard::unlock(source_location where) {
  if (!held_) {
    printf("lock '%s'\n", lk_.name);
    panic("lock_guard::unlock: the guard has already let go of its lock", where);
  }
  held_ = false;
  release(&lk_);
}

void lock_guard::relock(source_location where) {
  if (held_) {
    printf("lock '%s' taken at ", lk_.name);
    print_site(lk_.acquired_at);
    printf("\n");
    panic("lock_guard::relock: the guard already holds its lock", where);
  }
  acquire_nested(&lk_, subclass_, where);
  held_ = true;
}

// Only meaningful with interrupts off: otherwise this hart could be moved or
// interrupted between the two reads.
bool holding(spinlock *lk) { return __atomic_load_n(&lk->locked, __ATOMIC_RELAXED) && lk->holder == mycpu(); }

// Each CSR access leaves QEMU's translated code (about 100 ns), and every
// lock does a push_off/pop_off pair: so one access each way, and the
// sanity check of pop_off only in debug builds.
void push_off() {
  const bool was_on = arch::intr_save_off();
  cpu *c = mycpu();
  if (c->noff == 0) c->intena = was_on;
  c->noff++;
}

void pop_off() {
  cpu *c = mycpu();
  if (LOCKDEP && arch::intr_enabled()) panic("pop_off: interrupts are on inside a critical section");
  if (c->noff < 1) panic("pop_off: more pops than pushes");
  c->noff--;
  if (c->noff == 0 && c->intena) arch::intr_on();
}

void print_site(source_location where) {
  if (!where.file_name()[0]) {
    printf("?");
    return;
  }
  printf("%s:%u (%s)", where.file_name(), static_cast<unsigned>(where.line()), where.function_name());
}

} // namespace kernel
