// What sysinfo() reports: kernel-wide figures for tests and tools.
#pragma once
#include "types.h"

// One kmem_cache of the small-object allocator (kernel/slab.hh).
#define SYSINFO_CACHES 16
struct sysinfo_cache {
  char name[24];
  uint64 size;    // bytes per object
  uint64 objects; // objects in use
  uint64 pages;   // slab pages held
};

struct sysinfo {
  uint64 freepages;    // free pages: the page allocator's, and the slabfree pages
  uint64 slabfree;     // empty slab pages the caches keep for reuse (free but for the name)
  uint64 nproc;        // processes whose slot is not UNUSED
  uint64 ncpu;         // harts running the scheduler
  uint64 ticks;        // timer ticks since boot
  uint64 chan_wakeups; // sleepers made runnable by xv6 wakeup()/wakeup1() since boot
  uint64 ipis;         // IPIs sent to idle harts to run a process made runnable, since boot
  uint64 ncaches;      // entries of caches[] in use
  struct sysinfo_cache caches[SYSINFO_CACHES];
};
