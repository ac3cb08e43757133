// struct socket (the file side) and struct sock (the protocol side), as in
// Linux (include/linux/net.h, include/net/sock.h), for TCP and UDP over
// IPv4. A socket is made by socket() or accept() and freed by the last
// close of its file; its sock can outlive it (a closing TCP connection
// still sends and acknowledges), so the two are separate objects.
//
// Locks, in the order they are taken:
//   1. the socket lock, sk_lock (TCP): a process owns it (lock_sock), or the
//      receive path or a timer holds its spinlock, sk_lock.slock, while no
//      process owns it. It guards the connection's state: sk_state, the
//      queues' contents, tcp_sock's sequence numbers and timers. A
//      listener's is taken before a new connection's (acquire_nested).
//   2. the port tables' locks: tcp_hashinfo.lock (TCP), udp_table.lock (UDP).
//   3. a queue's own lock: sk_receive_queue.lock; then sk_wq.lock; then
//      ptable.lock (inside wakeups).
// UDP takes no socket lock: its receive queue's own lock is all it needs.
// TCP's receive queue is the other way round: the socket lock guards it,
// and TCP does not take the queue's lock (sk_buff_head::socket_locked).
//
// Why both a socket lock and spinlocks: a process copying data to or from
// user memory may sleep (a page of the user's is not a spinlock's
// business), so it cannot hold a spinlock across its work; the receive
// path runs in a software interrupt and cannot sleep, so it cannot wait
// for a process. The socket lock lets each have the sock in turn: while a
// process owns it, the interrupt side parks segments on the backlog and the
// owner processes them in release_sock(). docs/tcp.md tells the story.
#pragma once
#include <cstdint>
#include <type_traits>
#include "debug/debug.hh"
#include "lib/list.hh"
#include "net/skbuff.hh"
#include "printf.hh"
#include "spinlock.hh"
#include "timer.hh"
#include "uapi/socket.h"
#include "user_ptr.hh"
#include "wait.hh"

namespace kernel {

struct file;
struct socket;
struct sock;
struct msghdr;
struct poll_table;
struct kmem_cache;

constexpr uint32_t RCV_SHUTDOWN = 1;
constexpr uint32_t SEND_SHUTDOWN = 2;
constexpr uint32_t SHUTDOWN_MASK = 3;

// sk_state: TCP's states (RFC 793), with Linux's numbers and names
// (include/net/tcp_states.h). A UDP sock stays TCP_CLOSE.
enum tcp_state : uint32_t {
  TCP_ESTABLISHED = 1,
  TCP_SYN_SENT,
  TCP_SYN_RECV,
  TCP_FIN_WAIT1,
  TCP_FIN_WAIT2,
  TCP_TIME_WAIT,
  TCP_CLOSE,
  TCP_CLOSE_WAIT,
  TCP_LAST_ACK,
  TCP_LISTEN,
  TCP_CLOSING,
};
// A set of states, as Linux's TCPF_ masks: (1 << state).
constexpr uint32_t tcpf(tcp_state s) { return 1u << s; }
[[nodiscard]] const char *tcp_state_name(uint32_t state); // "ESTABLISHED"

// sk_flags (Linux spreads these over sk_flags and socket::flags).
enum sock_flags : uint32_t {
  SOCK_DEAD = 1 << 0,          // orphaned: its socket was closed, the protocol finishes alone
  SOCK_DONE = 1 << 1,          // the peer's FIN arrived: reads end at the queue's end
  SOCK_NOSPACE = 1 << 2,       // a writer found the send buffer full: wake it when there is room
  SOCK_QUEUE_SHRUNK = 1 << 3,  // an ACK freed send-buffer memory (tcp_check_space)
  SOCK_BINDPORT_LOCK = 1 << 4, // the port was bound by bind(), not picked by connect()
};

// The socket lock (Linux's socket_lock_t). See the top of this file.
struct socket_lock_t {
  spinlock slock{"sk_lock"};
  uint32_t owned = 0;               // a process holds the socket; guarded by slock
  wait_queue_head wq{"sk_lock.wq"}; // processes waiting to own it
};

// Segments that arrived while a process owned the socket, in arrival order.
// Guarded by sk_lock.slock.
struct sk_backlog_t {
  intrusive_list<sk_buff, &sk_buff::list> list;
  uint32_t len = 0; // bytes (truesize) queued, against sk_add_backlog's limit
};

// TCP's write queue. Only the socket lock's holder touches it -- a process
// owning the socket, or the receive path or a timer with sk_lock.slock --
// so it needs no lock of its own (Linux uses the unlocked __skb_ helpers
// on it for the same reason). tcp.hh has the helpers.
struct sk_write_queue_t {
  intrusive_list<sk_buff, &sk_buff::list> list;
  uint32_t qlen = 0;
};

// What a protocol does with a sock (Linux's struct proto): sk->sk_prot.
struct proto {
  const char *name; // "TCP", "UDP": also its sock cache's name
  uint32_t obj_size;
  sock *(*construct)(void *mem); // a new protocol sock in mem
  void (*init)(sock *sk);        // its defaults, after sock_init_data's; may be null
  void (*close)(sock *sk);       // the last close of its socket
  // bind(): take port (network order, 0: any free one) at addr; -errno.
  int (*get_port)(sock *sk, uint32_t addr, uint16_t port);
  int (*sendmsg)(sock *sk, msghdr *msg, uint64_t len);
  int (*recvmsg)(sock *sk, msghdr *msg, uint64_t len, int noblock, int flags);
  int (*backlog_rcv)(sock *sk, sk_buff *skb); // a backlogged segment, in release_sock
  kmem_cache *slab = nullptr;                 // the socks; made by proto_register
};

struct sock {
  // ---- The inet part (Linux's inet_sock). UDP: always under
  // udp_table.lock (udp.cc), so a lookup sees a peer before or after a
  // connect(), never a mix; others read a copy from udp_addrs(). TCP:
  // written with both the socket lock and tcp_hashinfo.lock held, so a
  // lookup (which holds only the table's lock) and the socket's owner
  // (which holds only the socket lock) each read them safely.
  uint32_t rcv_saddr = 0; // local address (network order); 0: any
  uint16_t sport = 0;     // local port (network order); 0: not bound
  uint32_t daddr = 0;     // peer, if connected
  uint16_t dport = 0;
  bool connected = false; // UDP
  list_node hash;         // UDP: udp_table.bound; TCP: tcp_hashinfo.listening or an .ehash bucket
  list_node bind_node;    // TCP: a tcp_hashinfo.bhash bucket, while it holds its port

  // ---- Set when the sock is made, never changed after.
  int sk_type = 0; // SOCK_STREAM or SOCK_DGRAM
  proto *sk_prot = nullptr;
  void (*sk_data_ready)(sock *sk) = nullptr; // the callbacks the protocol calls on events
  void (*sk_write_space)(sock *sk) = nullptr;
  void (*sk_state_change)(sock *sk) = nullptr;
  void (*sk_error_report)(sock *sk) = nullptr;

  // ---- TCP's, under the socket lock (top of file).
  socket_lock_t sk_lock;
  sk_backlog_t sk_backlog; // guarded by sk_lock.slock
  tcp_state sk_state = TCP_CLOSE;
  uint32_t sk_flags = 0;           // sock_flags bits
  socket *sk_socket = nullptr;     // the file side; null once orphaned (SOCK_DEAD)
  sk_write_queue_t sk_write_queue; // sent but unacknowledged, then unsent (tcp.hh)
  uint32_t sk_ack_backlog = 0;     // a listener's accept queue length ...
  uint32_t sk_max_ack_backlog = 0; // ... and its limit, from listen()
  timer_list sk_timer;             // a listener's SYN-ACK timer; TIME_WAIT's end

  // ---- Receiving. The queue and sk_wq have their own locks. The fields
  // between them are always atomic: read by the receive path, poll and
  // waits' conditions without the socket lock. sock_init_data sets them
  // before the sock is shared.
  sk_buff_head sk_receive_queue{"sk_receive_queue"};
  uint32_t sk_rmem_alloc = 0;     // bytes charged by queued packets
  uint32_t sk_rcvbuf = 0;         // the limit (SO_RCVBUF)
  uint32_t sk_wmem_queued = 0;    // TCP: bytes (truesize) in the write queue ...
  uint32_t sk_sndbuf = 0;         // ... and their limit (SO_SNDBUF)
  long sk_rcvtimeo = 0;           // ticks (SO_RCVTIMEO); MAX_SCHEDULE_TIMEOUT: block for ever
  long sk_sndtimeo = 0;           // ticks (SO_SNDTIMEO)
  int sk_err = 0;                 // a pending error (ECONNREFUSED), taken by the next call
  uint32_t sk_shutdown = 0;       // RCV_SHUTDOWN | SEND_SHUTDOWN
  uint32_t sk_reuse = 0;          // SO_REUSEADDR
  uint32_t sk_fasync = 0;         // O_ASYNC is set on its file: SIGIO on events ...
  int sk_owner = 0;               // ... to this process (F_SETOWN)
  wait_queue_head sk_wq{"sk_wq"}; // readers, writers, acceptors, connectors and pollers

  // ---- Always atomic.
  uint32_t refcnt = 1;     // the socket's (or a connection's life), plus lookups, timers
  net_counters stats = {}; // this socket's counters (sock_inc_stats; read_net_counters)
};
static_assert(std::is_trivially_destructible_v<sock>, "socks are freed without a destructor");

// A copy of a sock's address fields, taken at one moment (udp_addrs()).
struct inet_addrs {
  uint32_t rcv_saddr;
  uint16_t sport;
  uint32_t daddr;
  uint16_t dport;
  bool connected;
};

// Linux's socket_state: where the file side is in connecting.
enum class socket_state { UNCONNECTED, CONNECTING, CONNECTED, DISCONNECTING };

// What a socket's calls do, per type (Linux's struct proto_ops):
// inet_stream_ops for TCP, inet_dgram_ops for UDP (af_inet.cc).
struct proto_ops {
  int (*release)(socket *sock);
  int (*bind)(socket *sock, const sockaddr_in &addr);
  // connect(): addr holds len bytes of the caller's address (at least the family).
  int (*connect)(socket *sock, const sockaddr_in &addr, uint32_t len, int flags);
  int (*accept)(socket *sock, socket *newsock, int flags);
  int (*getname)(socket *sock, sockaddr_in *addr, bool peer);
  uint32_t (*poll)(socket *sock, poll_table *pt);
  int (*listen)(socket *sock, int backlog);
  int (*shutdown)(socket *sock, int how);
  int (*sendmsg)(socket *sock, msghdr *msg, uint64_t len);
  int (*recvmsg)(socket *sock, msghdr *msg, uint64_t len, int flags);
};

struct socket {
  // Set when the socket is made (or grafted by accept); never changed after.
  const proto_ops *ops = nullptr;
  struct file *file = nullptr;
  struct sock *sk = nullptr;
  socket_state state = socket_state::UNCONNECTED; // under the sock's socket lock
};

// One send or receive, as the socket layer hands it down.
struct msghdr {
  user_ptr<char> buf;    // the data, in user memory
  sockaddr_in name = {}; // sendto's destination / recvfrom's source
  bool has_name = false; // a destination was given / a source is wanted
  uint32_t namelen = 0;  // recvfrom: the bytes of name the protocol filled (TCP: none)
  int flags = 0;         // send: MSG_DONTWAIT, MSG_NOSIGNAL; receive (out): MSG_TRUNC
};

inline wait_queue_head *sk_sleep(struct sock *sk) { return &sk->sk_wq; }
inline bool sock_flag(const sock *sk, sock_flags f) { return sk->sk_flags & f; }
inline void sock_set_flag(sock *sk, sock_flags f) { sk->sk_flags |= f; }
inline void sock_reset_flag(sock *sk, sock_flags f) { sk->sk_flags &= ~static_cast<uint32_t>(f); }

void proto_register(proto *prot); // its sock cache; at boot
// A new sock of prot's, one reference, not yet tied to a socket. Null if out of memory.
[[nodiscard]] sock *sk_alloc(proto *prot);
void sock_init_data(socket *sock, struct sock *sk); // defaults, and tie sk to sock (if any)
void sock_hold(struct sock *sk);
void sock_put(struct sock *sk); // the last reference frees it and what its receive queue holds
void sock_graft(struct sock *sk, socket *parent);
void sock_orphan(struct sock *sk); // its socket is gone: SOCK_DEAD; under the socket lock

// The socket lock (top of file). lock_sock may sleep, uninterruptibly.
void lock_sock(struct sock *sk);
void release_sock(struct sock *sk); // and process the backlog
[[nodiscard]] inline bool sock_owned_by_user(const sock *sk) { return sk->sk_lock.owned; }
// The checked build's check that sk is locked: a process owns it, or this
// hart holds slock (Linux's sock_owned_by_me, which asks lockdep).
inline void sock_owned_by_me(sock *sk, source_location where = source_location::current()) {
  if (LOCKDEP && !sock_owned_by_user(sk) && !holding(&sk->sk_lock.slock))
    panic("the socket is not locked", where);
}
// From the receive path (sk_lock.slock held, owned): park skb for the owner. -ENOBUFS if full.
[[nodiscard]] int sk_add_backlog(struct sock *sk, sk_buff *skb, uint32_t limit);

// Take the pending error, if any: -errno or 0.
[[nodiscard]] int sock_error(struct sock *sk);
// Charge skb to sk and queue it, then tell readers (sk_data_ready).
[[nodiscard]] int sock_queue_rcv_skb(struct sock *sk, sk_buff *skb);
void skb_set_owner_r(sk_buff *skb, struct sock *sk);                    // charge skb to sk's receive memory
void sock_rfree(sk_buff *skb);                                          // uncharge a freed packet
[[nodiscard]] bool sock_rmem_room(struct sock *sk, const sk_buff *skb); // does sk_rcvbuf have room for skb?

// A blocking call's time limit: 0 if it must not block.
[[nodiscard]] long sock_rcvtimeo(struct sock *sk, bool noblock);
[[nodiscard]] long sock_sndtimeo(struct sock *sk, bool noblock);
// A signal ended the wait: restart (SA_RESTART) if there is no time-out, else EINTR.
[[nodiscard]] int sock_intr_errno(long timeo);

// Sleep, releasing the socket lock, until cond() holds or the time runs
// out or a signal or wakeup comes (Linux's sk_wait_event macro). The caller
// owns the socket and has its wait entry queued (prepare_to_wait).
// Returns cond() after taking the socket lock back.
template <typename Cond> bool sk_wait_event(struct sock *sk, long *timeo, Cond cond) {
  release_sock(sk);
  if (!cond()) *timeo = schedule_timeout(*timeo);
  lock_sock(sk);
  return cond();
}
// tcp_recvmsg's wait for data: true if some arrived.
bool sk_wait_data(struct sock *sk, long *timeo);

void sock_def_readable(struct sock *sk);
void sock_def_write_space(struct sock *sk);
void sock_def_wakeup(struct sock *sk);
void sock_def_error_report(struct sock *sk);
void sk_wake_async(struct sock *sk, int band);
[[nodiscard]] bool wq_has_sleeper(wait_queue_head *wq);
void sock_poll_wait(struct sock *sk, poll_table *pt); // poll_wait, then the barrier wq_has_sleeper pairs with

// setsockopt/getsockopt at SOL_SOCKET (the caller copied nothing yet).
[[nodiscard]] int sock_setsockopt(socket *sock, int name, user_ptr<char> val, uint32_t len);
[[nodiscard]] int sock_getsockopt(socket *sock, int name, user_ptr<char> val, user_ptr<int> len);

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
