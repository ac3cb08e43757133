// provoke(what): make the kernel commit one deliberate error of a kind its
// checkers catch, so a test can see each checker fire (Linux's LKDTM does
// this job). Every one of them ends in a panic. C-compatible.
#pragma once

enum {
  PROVOKE_PANIC = 1, // panic(): the report names the process and its system call
  PROVOKE_UBSAN = 2, // a shift by more than the width (UBSAN=1 builds; else -ENOSYS)
  PROVOKE_LOCK_ORDER =
      3, // take two spinlocks in one order, then the other (lock-checked builds; else -ENOSYS)
  PROVOKE_SLEEP_LOCKED = 4, // acquiresleep() with a spinlock held (lock-checked builds; else -ENOSYS)
  PROVOKE_UNLOCK_TWICE = 5, // a lock_guard's unlock() called twice
  PROVOKE_DOUBLE_FREE = 6,  // kfree() of a kmalloc() object twice (checked builds; else -ENOSYS)
  PROVOKE_BAD_CSUM = 7, // a UDP datagram with a wrong checksum to 127.0.0.1 (checked builds; else -ENOSYS)
  PROVOKE_USE_AFTER_FREE = 8, // a freed slab object written, then handed out (checked builds; else -ENOSYS)
  PROVOKE_IPI_LOCKED = 9, // smp_send_reschedule() with a spinlock held (lock-checked builds; else -ENOSYS)
};
