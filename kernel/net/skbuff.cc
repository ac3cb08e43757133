// sk_buff allocation, reference counting and queues.
// Mirrors Linux's net/core/skbuff.c (whose __skb_* queue helpers are inlines in include/linux/skbuff.h).
#include "net/skbuff.hh"
#include <new>
#include "kalloc.hh"
#include "net/sock.hh"
#include "printf.hh"
#include "slab.hh"
#include "vm.hh"

namespace kernel {

// The head of every sk_buff (Linux's skbuff_head_cache); the packet bytes
// are a separate kmalloc() buffer sized to the packet.
kmem_cache *skbuff_head_cache;

void skb_init() { skbuff_head_cache = kmem_cache_create("skbuff_head_cache", sizeof(sk_buff)); }

// The largest data buffer kmalloc() hands out: a page. It is the loopback
// device's largest packet, head room included (TCP's segments are that big).
uint32_t skb_max_size() { return static_cast<uint32_t>(PGSIZE); }

// Linux's __alloc_skb, without the shared info at the buffer's end.
sk_buff *alloc_skb(uint32_t size) {
  if (size > skb_max_size()) panic("alloc_skb: packet larger than skb_max_size()");
  void *obj = kmem_cache_alloc(skbuff_head_cache);
  if (!obj) return nullptr;
  auto *data = static_cast<uint8_t *>(kmalloc(size));
  if (!data) {
    kmem_cache_free(skbuff_head_cache, obj);
    return nullptr;
  }
  auto *skb = new (obj) sk_buff;
  const uint64_t room = ksize(data); // the size class, all of it usable
  skb->head = skb->data = skb->tail = data;
  skb->end = data + room;
  skb->truesize = static_cast<uint32_t>(skbuff_head_cache->size + room);
  return skb;
}

void skb_get(sk_buff *skb) { __atomic_add_fetch(&skb->users, 1, __ATOMIC_RELAXED); }

void kfree_skb(sk_buff *skb) {
  if (!skb) return;
  if (__atomic_sub_fetch(&skb->users, 1, __ATOMIC_ACQ_REL) != 0) return;
  if (skb->list.linked()) panic("kfree_skb: packet still queued");
  if (skb->sk) sock_rfree(skb); // give the receive memory back to its socket
  kfree(skb->head);
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

void __skb_queue_tail(sk_buff_head *q, sk_buff *skb) {
  if (!holding(&q->lock)) panic("__skb_queue_tail: queue lock not held");
  q->list.push_back(*skb);
  q->qlen++;
}

sk_buff *__skb_dequeue(sk_buff_head *q) {
  if (!holding(&q->lock)) panic("__skb_dequeue: queue lock not held");
  sk_buff *skb = q->list.pop_front();
  if (skb) q->qlen--;
  return skb;
}

void __skb_unlink(sk_buff *skb, sk_buff_head *q) {
  if (!holding(&q->lock)) panic("__skb_unlink: queue lock not held");
  skb->list.unlink();
  q->qlen--;
}

void __skb_queue_after(sk_buff_head *q, sk_buff *prev, sk_buff *skb) {
  if (!holding(&q->lock)) panic("__skb_queue_after: queue lock not held");
  q->list.insert_after(*prev, *skb);
  q->qlen++;
}

sk_buff *skb_peek_tail(sk_buff_head *q) {
  if (!holding(&q->lock)) panic("skb_peek_tail: queue lock not held");
  return q->list.back();
}

sk_buff *skb_queue_next(sk_buff_head *q, sk_buff *skb) {
  if (!holding(&q->lock)) panic("skb_queue_next: queue lock not held");
  return q->list.next(*skb);
}

sk_buff *skb_peek(sk_buff_head *q) {
  if (!holding(&q->lock)) panic("skb_peek: queue lock not held");
  return q->list.front();
}

uint32_t skb_queue_len(sk_buff_head *q) {
  if (!holding(&q->lock)) panic("skb_queue_len: queue lock not held");
  return q->qlen;
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

bool skb_queue_empty(sk_buff_head *q) {
  lock_guard g(q->lock);
  return skb_queue_len(q) == 0;
}

} // namespace kernel
