// provoke() (provoke.h): deliberate kernel errors, one per checker, for the
// tests that show each checker catches what it is for.
#include "debug/debug.hh"
#include "uapi/errno.h"
#include "debug/lockdep.hh"
#include "printf.hh"
#include "uapi/provoke.h"
#include "fs/sleeplock.hh"
#include "kalloc.hh"
#include "net/ip.hh"
#include "proc.hh"
#include "uapi/socket.h"
#include "slab.hh"
#include "spinlock.hh"
#include "syscall.hh"

namespace kernel {

namespace {

constinit spinlock provoke_a{"provoke A"};
constinit spinlock provoke_b{"provoke B"};
constinit sleeplock provoke_sleeplock{"provoke"};
constinit kmem_cache *provoke_cache = nullptr; // use_after_free's own; guarded by provoke_a

int64_t shift_too_far() {
  volatile int width = 32; // volatile: the compiler must not see the UB coming
  return 1 << width;
}

void lock_order_inversion() {
  {
    lock_guard a(provoke_a);
    lock_guard b(provoke_b); // records: A before B
  }
  lock_guard b(provoke_b);
  lock_guard a(provoke_a); // B before A: the checker panics here
}

void sleep_with_spinlock() {
  lock_guard a(provoke_a);
  acquiresleep(&provoke_sleeplock); // may sleep: the checker panics here
  releasesleep(&provoke_sleeplock);
}

void unlock_twice() {
  lock_guard a(provoke_a);
  a.unlock();
  a.unlock(); // the guard knows it let go: it panics here
}

// Sends a wakeup IPI with a spinlock held, which release() never does (it
// sends make_runnable's pokes when the hart's last spinlock goes).
void ipi_with_spinlock() {
  lock_guard a(provoke_a);
  smp_send_reschedule(cpuid()); // the checked build panics here
}

// Frees an object twice. The object must share its page with another live
// one, or the first free would give the page back and the second would
// read a page that is no longer the slab's: of three objects in a row, two
// share a page (a 64-byte class holds dozens per page).
void double_free() {
  void *a = kmalloc(64), *b = kmalloc(64), *c = kmalloc(64);
  if (!a || !b || !c) panic("provoke: no memory for the double free");
  kfree(b);
  kfree(b); // the checked build finds b on the free list: it panics here
  kfree(a);
  kfree(c);
}

// Writes into a slab object after freeing it, then allocates from its cache
// again. The cache is this function's own, made on its first call, so no
// other hart can take the freed object first. In that fresh cache a and b
// share the first page; b keeps the page in use, so it stays at the front
// of the partial list, and the free puts a at the head of its free list:
// the next allocation hands out a, whose poison the checked build finds
// overwritten at byte 40 (the poison check skips the first 8, the free
// list's link).
void use_after_free() {
  kmem_cache *c;
  {
    lock_guard g(provoke_a);
    if (!provoke_cache) provoke_cache = kmem_cache_create("provoke", 64);
    c = provoke_cache;
  }
  auto *a = static_cast<uint8_t *>(kmem_cache_alloc(c));
  void *b = kmem_cache_alloc(c);
  if (!a || !b) panic("provoke: no memory for the use after free");
  kmem_cache_free(c, a);
  a[40] = 0;                         // the use after free
  void *again = kmem_cache_alloc(c); // a again: the checked build panics here
  if (again != a) panic("provoke: the freed object was not handed out next");
  kmem_cache_free(c, again);
  kmem_cache_free(c, b);
}

// Sends a UDP datagram whose checksum is one off: the checked build's
// loopback_xmit checks every sender's checksum, and panics.
void bad_checksum() {
  sk_buff *skb = alloc_skb(SKB_MAX_HEADER + sizeof(udphdr));
  if (!skb) panic("provoke: no memory for the datagram");
  skb_reserve(skb, SKB_MAX_HEADER);
  auto *uh = reinterpret_cast<udphdr *>(skb_put(skb, sizeof(udphdr)));
  skb->transport_header = skb->data;
  const uint32_t lo = htonl(INADDR_LOOPBACK);
  uh->source = uh->dest = htons(9); // the discard port
  uh->len = htons(sizeof(udphdr));
  uh->check = 0;
  const uint16_t right = csum_fold(
      csum_partial(uh, sizeof(udphdr), csum_tcpudp_nofold(lo, lo, sizeof(udphdr), IPPROTO_UDP_NR, 0)));
  uh->check = right == 0xffff ? 1 : static_cast<uint16_t>(right + 1); // wrong, and not 0 ("none")
  (void)ip_queue_xmit(skb, lo, lo, IPPROTO_UDP_NR);
}

} // namespace

int64_t sys_provoke() {
  switch (argint(0)) {
  case PROVOKE_PANIC: panic("provoked by a user program");
  case PROVOKE_UBSAN:
    if constexpr (!UBSAN) return -ENOSYS;
    return shift_too_far();
  case PROVOKE_LOCK_ORDER:
    if constexpr (!LOCKDEP) return -ENOSYS;
    lock_order_inversion();
    return 0;
  case PROVOKE_SLEEP_LOCKED:
    if constexpr (!LOCKDEP) return -ENOSYS;
    sleep_with_spinlock();
    return 0;
  case PROVOKE_UNLOCK_TWICE: unlock_twice(); return 0;
  case PROVOKE_IPI_LOCKED:
    if constexpr (!LOCKDEP) return -ENOSYS;
    ipi_with_spinlock();
    return 0;
  case PROVOKE_DOUBLE_FREE:
    if constexpr (!SLAB_DEBUG) return -ENOSYS;
    double_free();
    return 0;
  case PROVOKE_USE_AFTER_FREE:
    if constexpr (!SLAB_DEBUG) return -ENOSYS;
    use_after_free();
    return 0;
  case PROVOKE_BAD_CSUM:
    if constexpr (!CSUM_DEBUG) return -ENOSYS;
    bad_checksum();
    return 0;
  }
  return -EINVAL;
}

} // namespace kernel
