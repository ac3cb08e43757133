// The lock checker: debug builds only (the Makefile defines KITE_LOCKDEP for
// `make qemu-gdb` and `make test UBSAN=1`).
//
// Two rules, each checked where a lock is taken or a process sleeps:
//  1. Order. Spinlocks are grouped into classes by name (every pipe's lock
//     is one class, "pipe"; acquire_nested's subclass makes "sk_lock/1" a
//     class of its own). Taking B while holding A records "A before B".
//     Taking A while holding B after that -- directly or through a chain of
//     recorded orders -- is a deadlock waiting for the right timing: two
//     harts each holding one and wanting the other. The checker panics the
//     first time the order is broken, not the rare time it deadlocks.
//  2. No sleeping with a spinlock held (other than the one handed to
//     sleep()): the hart would switch away with interrupts off and the lock
//     taken, and whoever needs the lock to wake the sleeper would spin.
// A violation panics with both call sites.
#pragma once
#include "debug/debug.hh"
#include "spinlock.hh"

namespace kernel::lockdep {

// lk is about to be taken at where (as `subclass`: acquire_nested); this
// hart's held locks are cpu::held. Interrupts are off.
void check_acquire(const spinlock *lk, uint32_t subclass, source_location where);
// The current process is about to sleep at where; it may hold `allowed`
// (which the sleep releases) and nothing else. Null: no spinlock at all.
void check_sleep(const spinlock *allowed, source_location where);

} // namespace kernel::lockdep
