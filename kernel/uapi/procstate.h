// procstate(pid): what a process is doing now, Linux's ps letters beside
// each. For tests that wake, signal or kill a process blocked in a system
// call: they wait until it really sleeps (testlib's wait_until_asleep)
// instead of sleeping a while and hoping. C-compatible.
#pragma once

enum {
  PROC_NEW = 1,        //    being made by fork (xv6's EMBRYO)
  PROC_RUNNABLE = 2,   // R  waiting for a hart
  PROC_RUNNING = 3,    // R  on a hart, in user or kernel mode (about to sleep, too)
  PROC_SLEEPING = 4,   // S  asleep, TASK_INTERRUPTIBLE: a wakeup, kill or signal ends it
  PROC_DISK_SLEEP = 5, // D  asleep, TASK_UNINTERRUPTIBLE: only the awaited event ends it
  PROC_ZOMBIE = 6,     // Z  exited, not yet waited for
};
