// sk_buff allocation, reference counting and queues.
// Mirrors Linux's net/core/skbuff.c (whose __skb_* queue helpers are inlines in include/linux/skbuff.h).
#include "net/skbuff.hh"
#include <new>
#include "kalloc.hh"
#include "lib/string.hh"
#include "net/sock.hh"
#include "printf.hh"
#include "slab.hh"
#include "vm.hh"

namespace kernel {

// The head of every sk_buff (Linux's skbuff_head_cache); the packet bytes
// are a separate kmalloc() buffer sized to the packet.
kmem_cache *skbuff_head_cache;

void skb_init() { skbuff_head_cache = kmem_cache_create("skbuff_head_cache", sizeof(sk_buff)); }

// The largest packet, head room included: a page from kmalloc() less the
// skb_shared_info at its end. It is the loopback device's largest packet
// (TCP's segments are that big).
uint32_t skb_max_size() { return static_cast<uint32_t>(PGSIZE - sizeof(skb_shared_info)); }

// Linux's __alloc_skb.
sk_buff *alloc_skb(uint32_t size) {
  if (size > skb_max_size()) panic("alloc_skb: packet larger than skb_max_size()");
  void *obj = kmem_cache_alloc(skbuff_head_cache);
  if (!obj) return nullptr;
  auto *data = static_cast<uint8_t *>(kmalloc(size + sizeof(skb_shared_info)));
  if (!data) {
    kmem_cache_free(skbuff_head_cache, obj);
    return nullptr;
  }
  auto *skb = new (obj) sk_buff;
  const uint64_t size_class = ksize(data); // all of it usable
  skb->head = skb->data = skb->tail = data;
  skb->end = data + ((size_class - sizeof(skb_shared_info)) & ~uint64_t{7});
  skb->truesize = static_cast<uint32_t>(skbuff_head_cache->size + size_class);
  skb_shinfo(skb)->dataref = 1;
  return skb;
}

bool skb_cloned(const sk_buff *skb) {
  return __atomic_load_n(&skb_shinfo(skb)->dataref, __ATOMIC_ACQUIRE) > 1;
}

// Linux's skb_clone: a new head pointing into the same buffer. Nothing is
// copied; the buffer goes when the last of its sk_buffs does.
sk_buff *skb_clone(sk_buff *skb) {
  void *obj = kmem_cache_alloc(skbuff_head_cache);
  if (!obj) return nullptr;
  auto *n = new (obj) sk_buff;
  n->head = skb->head;
  n->data = skb->data;
  n->tail = skb->tail;
  n->end = skb->end;
  n->len = skb->len;
  n->truesize = skb->truesize;
  n->csum = skb->csum;
  n->network_header = skb->network_header;
  n->transport_header = skb->transport_header;
  memcpy(n->cb, skb->cb, sizeof n->cb);
  __atomic_add_fetch(&skb_shinfo(skb)->dataref, 1, __ATOMIC_RELAXED);
  return n;
}

sk_buff *skb_copy(sk_buff *skb) {
  const uint32_t headroom = static_cast<uint32_t>(skb->data - skb->head);
  sk_buff *n = alloc_skb(headroom + skb->len);
  if (!n) return nullptr;
  skb_reserve(n, headroom);
  memcpy(skb_put(n, skb->len), skb->data, skb->len);
  n->csum = skb->csum;
  memcpy(n->cb, skb->cb, sizeof n->cb);
  return n;
}

void skb_get(sk_buff *skb) { __atomic_add_fetch(&skb->users, 1, __ATOMIC_RELAXED); }

void kfree_skb(sk_buff *skb) {
  if (!skb) return;
  if (__atomic_sub_fetch(&skb->users, 1, __ATOMIC_ACQ_REL) != 0) return;
  if (skb->list.linked()) panic("kfree_skb: packet still queued");
  if (skb->sk) sock_rfree(skb); // give the receive memory back to its socket
  if (__atomic_sub_fetch(&skb_shinfo(skb)->dataref, 1, __ATOMIC_ACQ_REL) == 0) kfree(skb->head);
  skb->~sk_buff();
  kmem_cache_free(skbuff_head_cache, skb);
}

uint8_t *skb_put(sk_buff *skb, uint32_t n) {
  uint8_t *old = skb->tail;
  if (skb->tail + n > skb->end) panic("skb_put: past the end of the buffer");
  skb->tail += n;
  skb->len += n;
  return old;
}

uint8_t *skb_push(sk_buff *skb, uint32_t n) {
  if (skb->data - n < skb->head) panic("skb_push: no head room");
  skb->data -= n;
  skb->len += n;
  return skb->data;
}

uint8_t *skb_pull(sk_buff *skb, uint32_t n) {
  if (n > skb->len) return nullptr;
  skb->data += n;
  skb->len -= n;
  return skb->data;
}

namespace {

// The two-underscore helpers' precondition: the queue's lock is held, or
// the queue is a TCP receive queue, which the socket lock guards instead.
void check_guarded(sk_buff_head *q, source_location where = source_location::current()) {
  if (!q->socket_locked && !holding(&q->lock)) panic("queue lock not held", where);
}

} // namespace

void __skb_queue_tail(sk_buff_head *q, sk_buff *skb) {
  check_guarded(q);
  q->list.push_back(*skb);
  __atomic_store_n(&q->qlen, q->qlen + 1, __ATOMIC_RELAXED); // skb_queue_empty reads it unlocked
}

sk_buff *__skb_dequeue(sk_buff_head *q) {
  check_guarded(q);
  sk_buff *skb = q->list.pop_front();
  if (skb) __atomic_store_n(&q->qlen, q->qlen - 1, __ATOMIC_RELAXED);
  return skb;
}

void __skb_unlink(sk_buff *skb, sk_buff_head *q) {
  check_guarded(q);
  skb->list.unlink();
  __atomic_store_n(&q->qlen, q->qlen - 1, __ATOMIC_RELAXED);
}

sk_buff *skb_peek_tail(sk_buff_head *q) {
  check_guarded(q);
  return q->list.back();
}

sk_buff *skb_queue_next(sk_buff_head *q, sk_buff *skb) {
  check_guarded(q);
  return q->list.next(*skb);
}

sk_buff *skb_peek(sk_buff_head *q) {
  check_guarded(q);
  return q->list.front();
}

void skb_queue_tail(sk_buff_head *q, sk_buff *skb) {
  lock_guard g(q->lock);
  __skb_queue_tail(q, skb);
}

sk_buff *skb_dequeue(sk_buff_head *q) {
  lock_guard g(q->lock);
  return __skb_dequeue(q);
}

void skb_queue_purge(sk_buff_head *q) {
  while (sk_buff *skb = skb_dequeue(q)) kfree_skb(skb);
}

// Without the lock, as Linux's: a reader about to sleep on an empty queue
// has put itself on the wait queue first (prepare_to_wait's barrier), so a
// packet queued after this look still wakes it.
bool skb_queue_empty(const sk_buff_head *q) { return __atomic_load_n(&q->qlen, __ATOMIC_RELAXED) == 0; }

} // namespace kernel
