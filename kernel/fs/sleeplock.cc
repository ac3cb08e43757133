// Sleep locks: a lock whose waiters give up the CPU instead of spinning.
// Mirrors xv6's sleeplock.c.
//
// The file system holds a buffer's or an inode's lock across disk reads and
// writes, which take milliseconds; spinning that long with interrupts off
// would stall the hart. A sleep lock is a flag guarded by a small spinlock:
// the spinlock is held only while the flag is tested or changed, and a
// waiter sleeps (releasing it) until the holder's wakeup.
#include "fs/sleeplock.hh"
#include "debug/lockdep.hh"
#include "proc.hh"

namespace kernel {

void acquiresleep(sleeplock *lk, source_location where) {
  // It may sleep: the caller must hold no spinlock.
  if constexpr (LOCKDEP) lockdep::check_sleep(nullptr, where);
  lock_guard guard(lk->lk);
  // sleep() gives up lk->lk only once this process is marked asleep, so a
  // releasesleep() between our test and our sleep cannot be missed. The loop
  // re-tests because another waiter may have taken the lock first.
  while (lk->locked) sleep(lk, guard, TASK_UNINTERRUPTIBLE); // a signal must not cut a disk operation short
  lk->locked = true;
  lk->pid = myproc()->pid;
}

void releasesleep(sleeplock *lk) {
  lock_guard guard(lk->lk);
  lk->locked = false;
  lk->pid = 0;
  wakeup(lk); // every waiter wakes; all but one go back to sleep
}

// True if the current process holds lk. Used in assertions, so it must not
// be fooled by another process holding it: hence the pid check.
bool holdingsleep(sleeplock *lk) {
  lock_guard guard(lk->lk);
  return lk->locked && lk->pid == myproc()->pid;
}

} // namespace kernel
