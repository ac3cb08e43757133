// Spinlocks, the per-hart interrupt-disable depth, and the per-hart list of
// held locks.
// Mirrors xv6's spinlock.c.
#include "spinlock.hh"
#include "arch.hh"
#include "debug/lockdep.hh"
#include "printf.hh"
#include "proc.hh"
#include "softirq.hh"

namespace kernel {

namespace {

// mycpu(), kept in a register: left to itself GCC recomputes &cpus[hartid]
// (a multiply) at each use, since it cannot know the hart stays the same.
[[gnu::always_inline]] inline cpu *this_cpu() {
  cpu *c = mycpu();
  asm("" : "+r"(c));
  return c;
}

// The slow paths, out of line so that the fast ones stay short.
[[gnu::cold, gnu::noinline]] void double_acquire(spinlock *lk, source_location where) {
  printf("lock '%s' first taken at ", lk->name);
  print_site(lk->acquired_at);
  printf(", again at ");
  print_site(where);
  printf("\n");
  panic("acquire: this hart already holds the lock");
}

[[gnu::cold, gnu::noinline]] void release_unheld(spinlock *lk) {
  printf("lock '%s'\n", lk->name);
  panic("release: this hart does not hold the lock");
}

// Locks are not always released newest first (sleep() takes ptable.lock,
// then releases the caller's lock), so find lk wherever it is.
[[gnu::noinline]] void note_released_out_of_order(cpu *c, spinlock *lk) {
  for (int i = 0; i < c->nheld; i++) {
    if (c->held[i] != lk) continue;
    for (int j = i + 1; j < c->nheld; j++) c->held[j - 1] = c->held[j];
    c->held[--c->nheld] = nullptr;
    return;
  }
  panic("release: lock not in this hart's held list");
}

// push_off for a hart already known: interrupts go off first, and only then
// is the hart id read, so c stays this hart's.
[[gnu::always_inline]] inline cpu *push_off_here() {
  const bool was_on = arch::intr_save_off();
  cpu *c = this_cpu();
  if (c->noff++ == 0) c->intena = was_on;
  return c;
}

[[gnu::always_inline]] inline void pop_off_here(cpu *c) {
  if (LOCKDEP && arch::intr_enabled()) panic("pop_off: interrupts are on inside a critical section");
  if (c->noff < 1) panic("pop_off: more pops than pushes");
  if (--c->noff == 0 && c->intena) {
    // Interrupts come back on here, so no spinlock is held: run the
    // softirqs raised meanwhile first (Linux's local_bh_enable).
    if (c->softirq_pending) do_softirq();
    arch::intr_on();
  }
}

// acquire and acquire_nested: one body, inlined into both, so that the
// common call (acquire) is a single call. Every lock a UDP round trip takes
// pays for this path (docs/performance.md): mycpu() is read once, and the
// checks' slow paths are out of line.
[[gnu::always_inline]] inline void lock(spinlock *lk, uint32_t subclass, source_location where) {
  cpu *c = push_off_here(); // before the holder check: an interrupt here could take lk
  if (lk->holder == c) double_acquire(lk, where);
  if constexpr (LOCKDEP) lockdep::check_acquire(lk, subclass, where);

  // Acquire ordering: nothing in the critical section moves above this.
  while (__atomic_exchange_n(&lk->locked, 1u, __ATOMIC_ACQUIRE) != 0) {
  }
  lk->holder = c;
  lk->acquired_at = where;
  lk->subclass = subclass;
  if (c->nheld == cpu::MAX_HELD) panic("acquire: more than cpu::MAX_HELD spinlocks held");
  c->held[c->nheld++] = lk;
}

} // namespace

void acquire(spinlock *lk, source_location where) { lock(lk, 0, where); }

void acquire_nested(spinlock *lk, uint32_t subclass, source_location where) { lock(lk, subclass, where); }

void release(spinlock *lk) {
  cpu *c = this_cpu(); // interrupts are off while a lock is held: c stays ours
  if (lk->holder != c) release_unheld(lk);
  if (c->held[c->nheld - 1] == lk)
    c->held[--c->nheld] = nullptr; // newest first: the usual order
  else
    note_released_out_of_order(c, lk);
  lk->holder = nullptr;
  lk->acquired_at = {};
  // Release ordering: the critical section's stores are visible before the
  // next holder can see the lock free.
  __atomic_store_n(&lk->locked, 0u, __ATOMIC_RELEASE);
  if (c->nheld == 0 && c->ipi_pending) send_pending_ipis(c); // make_runnable's pokes
  pop_off_here(c);
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
// interrupted between reading the holder and the hart id. Only this hart
// stores this hart as a holder, and it clears the field before it lets go
// of the lock, so the holder alone answers.
bool holding(spinlock *lk) { return lk->holder == mycpu(); }

// Each CSR access leaves QEMU's translated code (about 100 ns), and every
// lock does a push_off/pop_off pair: so one access each way, and the
// sanity check of pop_off only in debug builds.
void push_off() { push_off_here(); }

void pop_off() { pop_off_here(mycpu()); }

void print_site(source_location where) {
  if (!where.file_name()[0]) {
    printf("?");
    return;
  }
  printf("%s:%u (%s)", where.file_name(), static_cast<unsigned>(where.line()), where.function_name());
}

} // namespace kernel
