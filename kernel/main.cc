// main(): every hart arrives here in supervisor mode from start(). Hart 0
// sets up the machine; the others wait for it, then set up their own
// per-hart state. All of them end in the scheduler.
// Mirrors xv6's main.c.
#include "arch.hh"
#include "fs/buf.hh"
#include "console.hh"
#include "dev/virtio.hh"
#include "fs/file.hh"
#include "fs/fs.hh"
#include "kalloc.hh"
#include "net/ip.hh"
#include "printf.hh"
#include "proc.hh"
#include "slab.hh"
#include "vm.hh"

namespace kernel {

namespace {
volatile bool started = false; // hart 0 is done with shared setup
uint32_t npresent = 0;         // harts that reached main() (atomic)
uint32_t nstarted = 0;         // harts that reached the scheduler (atomic)

// Hart 0 starts the first process only once every other hart has said it
// is scheduling: init's first output is a user write(), which goes through
// the UART's ring and its interrupt while printf writes straight to the
// UART, so a late hart's line could land in the middle of init's and break
// up the "init: starting sh" that people and the tests look for.
void wait_for_other_harts() {
  const uint32_t others = __atomic_load_n(&npresent, __ATOMIC_RELAXED) - 1;
  while (__atomic_load_n(&nstarted, __ATOMIC_ACQUIRE) < others) {
  }
}
} // namespace

int started_harts() { return static_cast<int>(__atomic_load_n(&nstarted, __ATOMIC_RELAXED)); }

} // namespace kernel

using namespace kernel;

extern "C" void main() {
  // Every hart gets here at once, long before hart 0 is done with setup.
  __atomic_fetch_add(&npresent, 1u, __ATOMIC_RELAXED);
  if (cpuid() == 0) {
    kinit();       // physical page allocator
    slab_init();   // the kmalloc caches
    kvminit();     // the kernel's page table
    procinit();    // process table, kernel stacks and their guard pages
    kvminithart(); // paging on: devices are reachable from here
    consoleinit();
    printf("\nkite: a teaching kernel for RISC-V, booting on hart 0\n");
    printf("kite: %lu KiB of free memory in %lu pages\n", kfree_pages() * 4, kfree_pages());
    arch::trapinithart();
    arch::plicinit();
    arch::plicinithart();
    binit();            // buffer cache
    fileinit();         // file table
    net_init();         // the loopback network's software interrupt
    virtio_disk_init(); // the disk holding fs.img
    printf("kite: hart 0 scheduling\n");
    __sync_synchronize();
    started = true;
    wait_for_other_harts();
    userinit(); // the first process
  } else {
    while (!started) {
    }
    __sync_synchronize();
    kvminithart();
    arch::trapinithart();
    arch::plicinithart();
    printf("kite: hart %d scheduling\n", cpuid());
  }
  __atomic_fetch_add(&nstarted, 1u, __ATOMIC_RELEASE);
  scheduler();
}
