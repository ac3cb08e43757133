// Small objects: kmem_cache for one fixed size, kmalloc for any size
// (slab.cc says how they work).
#pragma once
#include <cstdint>
#include "lib/kmalloc_size.hh"
#include "lib/list.hh"
#include "spinlock.hh"

struct sysinfo;

namespace kernel {

struct kmem_cache;

// The header at the start of every slab page; the objects follow it, so no
// object ever starts a page (kfree relies on that).
struct slab {
  kmem_cache *cache;
  list_node link; // on cache->partial while it has a free object
  void *freelist; // first free object; each holds the next
  uint32_t inuse; // objects handed out from this page
};

// Guarded by lock: partial, objects_in_use, pages, and every slab on
// partial. Each cache's lock is a leaf: nothing else is taken under it but
// the page allocator's kmem.lock.
struct kmem_cache {
  constexpr kmem_cache() : lock("kmem_cache") {}
  spinlock lock;
  const char *name = nullptr;
  uint32_t size = 0;                         // object size, a multiple of 16
  uint32_t per_page = 0;                     // objects in one slab page
  intrusive_list<slab, &slab::link> partial; // with a free object; an empty one last
  uint64_t objects_in_use = 0;
  uint64_t pages = 0;       // slab pages held
  uint32_t empty_slabs = 0; // of those, empty ones kept for the next allocation (at most MIN_PARTIAL)
};

// Empty slabs a cache keeps rather than give back (SLUB's min_partial,
// which is 5 to 10): without one, a cache that swings between no object
// and one -- a packet sent and freed, over and over -- would take a page
// from kalloc() and build its free list every time.
constexpr uint32_t MIN_PARTIAL = 1;

constexpr int KMEM_CACHES_MAX = 16;

// Every cache, for sysinfo and GDB (p kernel::kmem_caches). The first
// nkmem_caches are live; they are created at boot and never destroyed
// (but for the checked build's `provoke use-after-free`, which makes a
// cache of its own just before it panics).
extern kmem_cache kmem_caches[KMEM_CACHES_MAX];
extern int nkmem_caches;

void slab_init();                          // the kmalloc caches; after kinit()
[[nodiscard]] uint64_t slab_empty_pages(); // the empty slabs all caches keep
[[nodiscard]] kmem_cache *kmem_cache_create(const char *name, uint32_t size);
[[nodiscard]] void *kmem_cache_alloc(kmem_cache *c); // null if out of memory
void kmem_cache_free(kmem_cache *c, void *obj);

// size bytes (contents undefined), null if out of memory or size > PGSIZE;
// kfree (kalloc.hh) gives it back.
[[nodiscard]] void *kmalloc(uint64_t size);
[[nodiscard]] uint64_t ksize(const void *obj); // bytes really allocated for a kmalloc'd obj
void slab_free(void *obj);                     // kfree's half for an object that is not a page
void slab_sysinfo(struct sysinfo *info);       // each cache's counters

} // namespace kernel
