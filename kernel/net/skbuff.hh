// sk_buff: one network packet and its headers (Linux's struct sk_buff,
// much reduced). The struct comes from the skbuff_head_cache, the packet
// bytes from kmalloc() sized to the packet (slab.hh), with head room in
// front so each layer on the way down can prepend its header (skb_push)
// without copying.
//
//   head        data              tail        end
//    | headroom  | headers+payload |  tailroom  | skb_shared_info |
//
// Two sk_buffs may share one buffer (skb_clone): TCP keeps a segment on
// its write queue and sends a clone. The buffer's skb_shared_info counts
// its sk_buffs; the last kfree_skb frees it.
#pragma once
#include <cstdint>
#include "lib/list.hh"
#include "spinlock.hh"

namespace kernel {

struct sock;

// After the data, in the same kmalloc() buffer (Linux's skb_shared_info).
struct skb_shared_info {
  uint32_t dataref; // sk_buffs using the buffer (atomic)
  uint32_t pad;
};

// How far the packet's checksum can be trusted (Linux's ip_summed values).
enum class checksum : uint8_t {
  NONE,        // not checked yet: the receiver verifies it
  UNNECESSARY, // it never left this machine (loopback_xmit): no need
};

struct sk_buff {
  list_node list;            // on one sk_buff_head at a time
  uint32_t users = 1;        // references (atomic); MSG_PEEK takes one more
  struct sock *sk = nullptr; // the socket whose receive memory it is charged to
  uint8_t *head = nullptr;
  uint8_t *data = nullptr;
  uint8_t *tail = nullptr;
  uint8_t *end = nullptr;
  uint32_t len = 0;      // tail - data
  uint32_t truesize = 0; // memory it really uses: head + data buffer
  checksum ip_summed = checksum::NONE;
  uint32_t csum = 0; // a TCP segment being sent: the sum of its payload, added up as it was copied in
  uint8_t *network_header = nullptr;   // the IPv4 header
  uint8_t *transport_header = nullptr; // the TCP, UDP or ICMP header
  alignas(8) uint8_t cb[16] = {};      // the protocol's own notes (TCP_SKB_CB)
};

constexpr uint32_t SKB_MAX_HEADER = 64; // head room for all headers

void skb_init();                                 // the skbuff_head_cache; after slab_init()
[[nodiscard]] sk_buff *alloc_skb(uint32_t size); // null if out of memory
[[nodiscard]] uint32_t skb_max_size();
void kfree_skb(sk_buff *skb); // drop a reference; the last frees and uncharges
void skb_get(sk_buff *skb);
// A second sk_buff for skb's packet, sharing its buffer: its own data, len
// and headers from then on. Null if out of memory.
[[nodiscard]] sk_buff *skb_clone(sk_buff *skb);
// A copy with a buffer of its own (head room as skb's): for a packet whose
// buffer is shared, before writing its head room. Null if out of memory.
[[nodiscard]] sk_buff *skb_copy(sk_buff *skb);
[[nodiscard]] bool skb_cloned(const sk_buff *skb); // its buffer is shared now
inline skb_shared_info *skb_shinfo(const sk_buff *skb) {
  return reinterpret_cast<skb_shared_info *>(skb->end);
}

inline void skb_reserve(sk_buff *skb, uint32_t n) {
  skb->data += n;
  skb->tail += n;
}
uint8_t *skb_put(sk_buff *skb, uint32_t n);  // grow at the tail; returns the new bytes
uint8_t *skb_push(sk_buff *skb, uint32_t n); // grow at the front (a header)
uint8_t *skb_pull(sk_buff *skb, uint32_t n); // drop n bytes at the front; returns new data
inline uint32_t skb_tailroom(const sk_buff *skb) { return static_cast<uint32_t>(skb->end - skb->tail); }

// A queue of packets with its own lock: socket receive and write queues,
// the device's backlog. Interrupt context (the receive path) takes the lock
// too. Only the queue functions below change list and qlen, so the two
// always agree; a walk over the list holds the lock.
//
// One exception: a TCP socket's receive queue is guarded by the socket lock
// (sock.hh), as in Linux, which takes no queue lock there. TCP marks it
// socket_locked, and checks that it holds the socket (sock_owned_by_me)
// where it uses the two-underscore helpers without the queue's lock.
struct sk_buff_head {
  constexpr explicit sk_buff_head(const char *name) : lock(name) {}
  spinlock lock;
  intrusive_list<sk_buff, &sk_buff::list> list; // guarded by lock
  uint32_t qlen = 0;                            // guarded by lock (skb_queue_empty reads it without)
  bool socket_locked = false;                   // TCP's receive queue: the socket lock guards it
};

// Linux's queue helpers. The ones with two underscores are called with
// q->lock held (and check it; a socket_locked queue's caller holds the
// socket instead): a caller that must look at the queue and change it in
// one step, like __skb_recv_datagram, holds the lock across both. The
// others take the lock themselves, but for skb_queue_empty.
void __skb_queue_tail(sk_buff_head *q, sk_buff *skb);
[[nodiscard]] sk_buff *__skb_dequeue(sk_buff_head *q); // null if empty
void __skb_unlink(sk_buff *skb, sk_buff_head *q);      // skb must be on q
[[nodiscard]] sk_buff *skb_peek_tail(sk_buff_head *q); // the last; q->lock held
[[nodiscard]] sk_buff *skb_queue_next(sk_buff_head *q,
                                      sk_buff *skb); // the one after skb, or null; q->lock held
[[nodiscard]] sk_buff *skb_peek(sk_buff_head *q);    // the first, left queued; q->lock held

void skb_queue_tail(sk_buff_head *q, sk_buff *skb);
[[nodiscard]] sk_buff *skb_dequeue(sk_buff_head *q);
void skb_queue_purge(sk_buff_head *q);                     // free every packet
[[nodiscard]] bool skb_queue_empty(const sk_buff_head *q); // no lock taken

} // namespace kernel
