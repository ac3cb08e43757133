// What sysinfo() reports: kernel-wide figures for tests and tools.
#pragma once
#include "types.h"

struct sysinfo {
  uint64 freepages;    // free physical pages in the page allocator
  uint64 nproc;        // processes whose slot is not UNUSED
  uint64 ncpu;         // harts running the scheduler
  uint64 ticks;        // timer ticks since boot
  uint64 chan_wakeups; // sleepers made runnable by xv6 wakeup()/wakeup1() since boot
};
