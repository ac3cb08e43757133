// struct socket (the file side) and struct sock (the protocol side), as in
// Linux, for UDP over IPv4 only. One page from kalloc() holds both.
//
// Locks: the receive queue's own lock guards the queue; ptable.lock is
// taken inside wakeups. udp_table.lock (udp.cc) guards the port table and
// every sock's address fields. The other shared fields are atomic. Lock
// order: udp_table.lock, then a receive queue's lock, then sk_wq.lock,
// then ptable.lock.
#pragma once
#include <cstdint>
#include "lib/list.hh"
#include "net/skbuff.hh"
#include "uapi/socket.h"
#include "wait.hh"

namespace kernel {

struct file;
struct socket;
struct msghdr;

constexpr uint32_t RCV_SHUTDOWN = 1;
constexpr uint32_t SEND_SHUTDOWN = 2;

struct sock {
  // The inet part. Always under udp_table.lock, read or written: bind and
  // connect write them in udp.cc, the receive path's lookup reads them
  // there, and everyone else reads a copy from udp_addrs(). So a lookup on
  // another hart sees the peer before or after a connect(), never a mix.
  uint32_t rcv_saddr = 0; // local address (network order); 0: any
  uint16_t sport = 0;     // local port (network order); 0: not bound
  uint32_t daddr = 0;     // peer, if connected
  uint16_t dport = 0;
  bool connected = false;
  list_node hash; // on the UDP port table

  // Receiving. The queue and sk_wq have their own locks. The fields
  // between them are always atomic; sock_init_data sets them before the
  // sock is shared.
  sk_buff_head sk_receive_queue{"sk_receive_queue"};
  uint32_t sk_rmem_alloc = 0;     // bytes charged by queued packets
  uint32_t sk_rcvbuf = 0;         // the limit (SO_RCVBUF)
  long sk_rcvtimeo = 0;           // ticks (SO_RCVTIMEO); MAX_SCHEDULE_TIMEOUT: block for ever
  int sk_err = 0;                 // a pending error (ECONNREFUSED), taken by the next call
  uint32_t sk_shutdown = 0;       // RCV_SHUTDOWN | SEND_SHUTDOWN
  wait_queue_head sk_wq{"sk_wq"}; // readers, writers and pollers

  // Set by sock_init_data before the sock is shared; never changed after.
  void (*sk_data_ready)(struct sock *sk) = nullptr; // the callbacks the protocol calls on events
  void (*sk_write_space)(struct sock *sk) = nullptr;
  void (*sk_state_change)(struct sock *sk) = nullptr;
  void (*sk_error_report)(struct sock *sk) = nullptr;
  socket *sk_socket = nullptr;

  // Always atomic.
  uint32_t refcnt = 1;     // the socket's, plus one per receive path using it now
  net_counters stats = {}; // this socket's counters (sock_inc_stats; read_net_counters)
};

// A copy of a sock's address fields, taken at one moment (udp_addrs()).
struct inet_addrs {
  uint32_t rcv_saddr;
  uint16_t sport;
  uint32_t daddr;
  uint16_t dport;
  bool connected;
};

struct socket {
  // Set when the socket is made; never changed after.
  struct file *file = nullptr;
  struct sock *sk = nullptr;
  // Always atomic: fcntl writes them, the receive path (sk_wake_async) reads them.
  uint32_t flags = 0; // O_NONBLOCK | O_ASYNC, from fcntl
  int owner = 0;      // F_SETOWN: who gets SIGIO
};

inline wait_queue_head *sk_sleep(struct sock *sk) { return &sk->sk_wq; }

void sock_init_data(socket *sock, struct sock *sk);
void sock_hold(struct sock *sk);
void sock_put(struct sock *sk); // the last reference frees the page and its queue

// Take the pending error, if any: -errno or 0.
[[nodiscard]] int sock_error(struct sock *sk);
// Charge skb to sk and queue it, then tell readers (sk_data_ready).
[[nodiscard]] int sock_queue_rcv_skb(struct sock *sk, sk_buff *skb);
void sock_rfree(sk_buff *skb); // uncharge a freed packet

void sock_def_readable(struct sock *sk);
void sock_def_write_space(struct sock *sk);
void sock_def_wakeup(struct sock *sk);
void sock_def_error_report(struct sock *sk);
void sk_wake_async(struct sock *sk, int band);

// A copy of counters that other harts are bumping: each field read atomically.
[[nodiscard]] net_counters read_net_counters(const net_counters &c);

// The counters netstat() reports (net_counters in uapi/socket.h): the
// whole stack's here, each socket's in sock::stats. A counter orders
// nothing, so the increments are relaxed atomics, safe from any context.
extern net_counters net_stats;
using net_counter = uint64 net_counters::*; // which counter: &net_counters::drops_nomem

// Count an event that belongs to no socket (Linux: NET_INC_STATS) ...
inline void net_inc_stats(net_counter c) { __atomic_add_fetch(&(net_stats.*c), 1, __ATOMIC_RELAXED); }
// ... or one of sk's, which the stack's total includes.
inline void sock_inc_stats(struct sock *sk, net_counter c) {
  __atomic_add_fetch(&(sk->stats.*c), 1, __ATOMIC_RELAXED);
  net_inc_stats(c);
}

} // namespace kernel
