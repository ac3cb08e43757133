// Spinlocks. Holding one disables interrupts on this hart, because an
// interrupt handler that wanted the same lock would spin forever on the hart
// that holds it. Disabling nests (push_off/pop_off): interrupts come back on
// only when the outermost lock is released, and only if they were on before.
//
// Each hart keeps the list of spinlocks it holds (cpu::held): panics and
// GDB's kite-locks name them, and in debug builds the lock checker
// (lockdep.cc) checks every acquisition against them.
#pragma once
#include <cstdint>
#include <source_location>

namespace kernel {

struct cpu;

struct spinlock {
  constexpr explicit spinlock(const char *lock_name) : name(lock_name) {}
  spinlock(const spinlock &) = delete;
  spinlock &operator=(const spinlock &) = delete;

  // 32 bits, not bool: GCC 12 would call libatomic for a byte-sized swap.
  uint32_t locked = 0;
  const char *name;                 // for panics, GDB and the lock checker
  cpu *holder = nullptr;            // the hart holding it
  std::source_location acquired_at; // the holder's acquire() call
  uint32_t subclass = 0;            // the holder's acquire_nested() subclass, for the lock checker
};

using std::source_location;

void acquire(spinlock *lk, source_location where = source_location::current());
// Linux's spin_lock_nested: take lk while holding another lock of its class
// (name), which the lock checker otherwise forbids. The subclass says which
// is taken first: a sock's lock taken by the receive path is subclass
// SINGLE_DEPTH_NESTING, and a new connection's, taken under it, subclass 0.
void acquire_nested(spinlock *lk, uint32_t subclass, source_location where = source_location::current());
constexpr uint32_t SINGLE_DEPTH_NESTING = 1;
void release(spinlock *lk);
[[nodiscard]] bool holding(spinlock *lk);

void push_off();
void pop_off();

// Holds a spinlock for one C++ scope. A wait can be handed the guard so it
// can release and re-take the lock (sleep(chan, guard)). unlock() and
// relock() let go of the lock and take it back inside the scope (to call
// something that takes other locks); the guard remembers which, so the
// destructor releases only a lock it holds. Unlocking a free guard or
// relocking a held one panics: it is always a bug.
class [[nodiscard]] lock_guard {
public:
  [[nodiscard]] explicit lock_guard(spinlock &lk, source_location where = source_location::current())
      : lk_(lk) {
    acquire(&lk_, where);
  }
  [[nodiscard]] lock_guard(spinlock &lk, uint32_t subclass,
                           source_location where = source_location::current())
      : lk_(lk), subclass_(subclass) {
    acquire_nested(&lk_, subclass_, where);
  }
  ~lock_guard() {
    if (held_) release(&lk_);
  }
  lock_guard(const lock_guard &) = delete;
  lock_guard &operator=(const lock_guard &) = delete;
  void unlock(source_location where = source_location::current());
  void relock(source_location where = source_location::current());
  spinlock *lock() const { return &lk_; }

private:
  spinlock &lk_;
  uint32_t subclass_ = 0;
  bool held_ = true;
};

// "file.cc:42" for a panic message.
void print_site(source_location where);

} // namespace kernel
