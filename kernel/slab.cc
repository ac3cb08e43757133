// The small-object allocator, in the tradition of Bonwick's slab allocator
// and Linux's mm/slub.c.
//
// kalloc() hands out whole 4096-byte pages, which is far too coarse for a
// 200-byte packet header. A kmem_cache serves objects of one size: it takes
// pages from kalloc(), puts a struct slab header at the start of each, and
// threads the rest of the page onto a free list of equal objects, the next
// pointer kept in the free object itself. kmem_cache_alloc takes the first
// free object of a page on the cache's partial list (pages with at least
// one free object), grabbing a new page when that list is empty;
// kmem_cache_free finds the page header by rounding the address down to
// its page, so an object needs no header of its own.
//
// kmalloc(size) rounds size up to a size class (lib/kmalloc_size.hh: the
// powers of two to 1024, then half a page) and allocates from that class's
// cache; above KMALLOC_MAX it returns a
// whole page from kalloc(). kfree tells the two apart by alignment: a slab
// object never starts a page (the header does), a big allocation always does.
//
// A page whose last object is freed goes back to kalloc(), unless it is
// the cache's one empty slab (MIN_PARTIAL): a cache that swings between no
// object and one would otherwise take a page and build its free list each
// time. The empty slabs count as free memory in sysinfo (slab_empty_pages),
// so that make test's leak check still finds every page free again once a
// test has freed everything.
//
// What SLUB does more: per-CPU slabs that allocate without any lock, a
// struct page per frame instead of an in-page header (so its 2048-byte class
// fits two per page, where Kite's largest is 2016), higher-order pages for big objects, keeping more
// empty slabs (min_partial is 5 to 10, by object size), merging caches of similar
// size, constructors, NUMA nodes, and the debugging of slub_debug (red zones,
// owner tracking), of which the checked build keeps poisoning and the
// double-free check.
#include "slab.hh"
#include "debug/debug.hh"
#include "kalloc.hh"
#include "lib/string.hh"
#include "printf.hh"
#include "uapi/sysinfo.h"
#include "vm.hh"

namespace kernel {

kmem_cache kmem_caches[KMEM_CACHES_MAX];
int nkmem_caches = 0;

namespace {

// The caches created so far (kmem_cache_create publishes each one whole).
int ncaches() { return __atomic_load_n(&nkmem_caches, __ATOMIC_ACQUIRE); }

constexpr uint32_t SLAB_ALIGN = 16;
constexpr uint32_t SLAB_HEADER = (sizeof(slab) + SLAB_ALIGN - 1) / SLAB_ALIGN * SLAB_ALIGN;
static_assert(PGSIZE == SLAB_PAGE && SLAB_HEADER <= SLAB_HEADER_MAX);
static_assert(slab_objects_per_page(PGSIZE, SLAB_HEADER, KMALLOC_MAX) == 2,
              "the largest class fits twice a page");
constexpr int POISON_FREE = 0x6b; // Linux's byte for freed objects

// The kmalloc-N caches, by class.
kmem_cache *kmalloc_caches[KMALLOC_CLASSES];
const char *const kmalloc_names[KMALLOC_CLASSES] = {
    "kmalloc-32", "kmalloc-64", "kmalloc-128", "kmalloc-256", "kmalloc-512", "kmalloc-1024", "kmalloc-2016"};

struct free_object {
  free_object *next;
};

slab *slab_of(const void *obj) {
  return reinterpret_cast<slab *>(pgrounddown(reinterpret_cast<uint64_t>(obj)));
}

uint8_t *first_object(slab *s) { return reinterpret_cast<uint8_t *>(s) + SLAB_HEADER; }

// A fresh page cut into c->per_page free objects; null if none is left.
slab *new_slab(kmem_cache *c) {
  auto *s = static_cast<slab *>(kalloc());
  if (!s) return nullptr;
  s->cache = c;
  s->link = list_node{};
  s->inuse = 0;
  s->freelist = nullptr;
  for (uint32_t i = c->per_page; i-- > 0;) {
    auto *o = reinterpret_cast<free_object *>(first_object(s) + i * c->size);
    if constexpr (SLAB_DEBUG) memset(o, POISON_FREE, c->size);
    o->next = static_cast<free_object *>(s->freelist);
    s->freelist = o;
  }
  return s;
}

// The checked build's look at an object being freed: it must be one this
// cache handed out, and not already free.
void check_free(kmem_cache *c, slab *s, void *obj) {
  const uint64_t off = static_cast<uint8_t *>(obj) - first_object(s);
  if (off % c->size != 0 || off / c->size >= c->per_page) {
    printf("kmem_cache_free: %p is not an object of cache %s\n", obj, c->name);
    panic("slab: bad free");
  }
  for (auto *o = static_cast<free_object *>(s->freelist); o; o = o->next) {
    if (o != obj) continue;
    printf("kmem_cache_free: double free of %p in cache %s\n", obj, c->name);
    panic("slab: double free");
  }
}

// The checked build's look at an object being handed out: the poison its
// free left must be intact, or somebody wrote to it after freeing it.
void check_poison(kmem_cache *c, void *obj) {
  const auto *p = static_cast<const uint8_t *>(obj);
  for (uint32_t i = sizeof(free_object); i < c->size; i++) {
    if (p[i] == POISON_FREE) continue;
    printf("kmem_cache_alloc: %p in cache %s written after it was freed (byte %u)\n", obj, c->name, i);
    panic("slab: use after free");
  }
}

} // namespace

// Creators run one at a time (at boot; later only provoke, under its lock).
kmem_cache *kmem_cache_create(const char *name, uint32_t size) {
  const int n = nkmem_caches;
  if (n == KMEM_CACHES_MAX) panic("kmem_cache_create: too many caches");
  if (size < sizeof(free_object)) size = sizeof(free_object);
  size = (size + SLAB_ALIGN - 1) / SLAB_ALIGN * SLAB_ALIGN;
  const uint32_t per_page = slab_objects_per_page(PGSIZE, SLAB_HEADER, size);
  if (per_page == 0) panic("kmem_cache_create: object larger than a page");
  kmem_cache *c = &kmem_caches[n];
  c->name = name;
  c->lock.name = name;
  c->size = size;
  c->per_page = per_page;
  // Counted last: the readers below take no lock for the table, so a cache
  // they can see must be whole.
  __atomic_store_n(&nkmem_caches, n + 1, __ATOMIC_RELEASE);
  return c;
}

void *kmem_cache_alloc(kmem_cache *c) {
  lock_guard g(c->lock);
  slab *s = c->partial.front();
  const bool fresh = !s;
  if (fresh) {
    g.unlock(); // kalloc() takes kmem.lock; keep the cache lock a leaf
    s = new_slab(c);
    if (!s) return nullptr;
    g.relock();
    c->partial.push_front(*s);
    c->pages++;
  }
  auto *o = static_cast<free_object *>(s->freelist);
  s->freelist = o->next;
  // An empty slab that is not fresh is a kept one. (While the lock was let
  // go for kalloc(), another hart may have freed a slab empty and kept it:
  // that one stays kept, and counted.)
  if (s->inuse++ == 0 && !fresh) c->empty_slabs--;
  if (s->inuse == c->per_page) s->link.unlink(); // full: off the partial list
  c->objects_in_use++;
  if constexpr (SLAB_DEBUG) check_poison(c, o);
  return o;
}

void kmem_cache_free(kmem_cache *c, void *obj) {
  slab *s = slab_of(obj);
  if (s->cache != c) panic("kmem_cache_free: object from another cache");
  lock_guard g(c->lock);
  if constexpr (SLAB_DEBUG) {
    check_free(c, s, obj); // before the poison overwrites a free object's link
    memset(obj, POISON_FREE, c->size);
  }
  auto *o = static_cast<free_object *>(obj);
  o->next = static_cast<free_object *>(s->freelist);
  s->freelist = o;
  c->objects_in_use--;
  if (s->inuse-- == c->per_page) c->partial.push_front(*s); // it has room again
  if (s->inuse != 0) return;
  s->link.unlink();
  if (c->empty_slabs < MIN_PARTIAL) { // kept, last: slabs in use fill up first
    c->partial.push_back(*s);
    c->empty_slabs++;
    return;
  }
  c->pages--;
  g.unlock();
  kfree(s);
}

uint64_t slab_empty_pages() {
  uint64_t n = 0;
  for (int i = 0; i < ncaches(); i++) {
    lock_guard g(kmem_caches[i].lock);
    n += kmem_caches[i].empty_slabs;
  }
  return n;
}

void slab_init() {
  for (int i = 0; i < KMALLOC_CLASSES; i++)
    kmalloc_caches[i] = kmem_cache_create(kmalloc_names[i], kmalloc_class_size(i));
}

void *kmalloc(uint64_t size) {
  const int i = kmalloc_index(size);
  if (i >= 0) return kmem_cache_alloc(kmalloc_caches[i]);
  return size <= PGSIZE ? kalloc() : nullptr;
}

uint64_t ksize(const void *obj) {
  if (reinterpret_cast<uint64_t>(obj) % PGSIZE == 0) return PGSIZE;
  return slab_of(obj)->cache->size;
}

void slab_free(void *obj) {
  slab *s = slab_of(obj);
  if (s->cache < kmem_caches || s->cache >= kmem_caches + ncaches())
    panic("kfree: neither a page nor an object of a slab page");
  kmem_cache_free(s->cache, obj);
}

void slab_sysinfo(struct sysinfo *info) {
  static_assert(KMEM_CACHES_MAX <= SYSINFO_CACHES);
  const int n = ncaches();
  info->ncaches = static_cast<uint64_t>(n);
  for (int i = 0; i < n; i++) {
    kmem_cache *c = &kmem_caches[i];
    sysinfo_cache *out = &info->caches[i];
    safestrcpy(out->name, c->name, sizeof out->name);
    lock_guard g(c->lock);
    out->size = c->size;
    out->objects = c->objects_in_use;
    out->pages = c->pages;
  }
}

} // namespace kernel
