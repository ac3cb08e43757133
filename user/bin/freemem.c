// freemem: print how many physical pages are free and how many processes
// exist, as sysinfo() reports them, with each cache's counters. The test harness compares the page count
// before and after a test run to find leaks, so the format is fixed:
//   freemem: N pages free (E empty slabs), P procs
// (N counts the E empty slab pages the kernel's caches keep for reuse.)
// and then a line per kmem_cache (the harness compares these too):
//   slab NAME: SIZE bytes, OBJECTS objects in use, PAGES pages
// and last the sleepers xv6's wakeup() has made runnable since boot (the
// harness checks that pingpong's reads really sleep):
//   wakeups: W
// and the IPIs sent to idle harts to run a process made runnable (sysinfo ipis):
//   ipis: I
#include "kernel/uapi/types.h"
#include "kernel/uapi/sysinfo.h"
#include "user/lib/user.h"

int main(void) {
  struct sysinfo si;

  if (sysinfo(&si) < 0) {
    fprintf(2, "freemem: sysinfo failed\n");
    return 1;
  }
  printf("freemem: %lu pages free (%lu empty slabs), %lu procs\n", si.freepages, si.slabfree, si.nproc);
  for (uint64 i = 0; i < si.ncaches; i++) {
    struct sysinfo_cache *c = &si.caches[i];
    printf("slab %s: %lu bytes, %lu objects in use, %lu pages\n", c->name, c->size, c->objects, c->pages);
  }
  printf("wakeups: %lu\n", si.chan_wakeups);
  printf("ipis: %lu\n", si.ipis);
  return 0;
}
