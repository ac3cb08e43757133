// The physical page allocator: a free list of the 4096-byte pages between
// the end of the kernel image and PHYSTOP. A free page holds the link to the
// next free page in its first word, so the list costs no memory.
// Mirrors xv6's kalloc.c.
#include "kalloc.hh"
#include "arch.hh"
#include "debug/debug.hh"
#include "printf.hh"
#include "slab.hh"
#include "spinlock.hh"
#include "lib/string.hh"
#include "vm.hh"

extern "C" char end[]; // first address after the kernel image (kernel.ld)

namespace kernel {

namespace {

struct free_page {
  free_page *next;
};

// Guarded by lock.
struct page_pool {
  spinlock lock{"kmem"};
  free_page *free = nullptr;
  uint64_t nfree = 0;
};

// Junk in freed and fresh pages makes a use-after-free or a missing
// initialisation fail loudly instead of working by accident.
constexpr int JUNK_FREED = 0x01;
constexpr int JUNK_ALLOCATED = 0x05;

} // namespace

// Outside the anonymous namespace so that GDB can name it (p kernel::kmem);
// static keeps it private to this file all the same.
static constinit page_pool kmem;

void kinit() {
  for (uint64_t pa = pgroundup(reinterpret_cast<uint64_t>(end)); pa + PGSIZE <= PHYSTOP; pa += PGSIZE)
    kfree(reinterpret_cast<void *>(pa));
}

// Takes back a page from kalloc() or anything from kmalloc(): a slab
// object never starts a page (slab.cc), so an address inside a page is one.
void kfree(void *pa) {
  const uint64_t a = reinterpret_cast<uint64_t>(pa);
  if (a % PGSIZE != 0 && a >= reinterpret_cast<uint64_t>(end) && a < PHYSTOP) return slab_free(pa);
  if (a % PGSIZE != 0 || a < reinterpret_cast<uint64_t>(end) || a >= PHYSTOP)
    panic("kfree: not a page from the allocator");
  if constexpr (JUNK_PAGES) memset(pa, JUNK_FREED, PGSIZE);
  auto *page = static_cast<free_page *>(pa);
  lock_guard g(kmem.lock);
  page->next = kmem.free;
  kmem.free = page;
  kmem.nfree++;
}

void *kalloc() {
  free_page *page;
  {
    lock_guard g(kmem.lock);
    page = kmem.free;
    if (!page) return nullptr;
    kmem.free = page->next;
    kmem.nfree--;
  }
  if constexpr (JUNK_PAGES) memset(page, JUNK_ALLOCATED, PGSIZE);
  return page;
}

uint64_t kfree_pages() {
  lock_guard g(kmem.lock);
  return kmem.nfree;
}

} // namespace kernel
