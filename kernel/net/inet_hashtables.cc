// Finding the TCP socket a segment belongs to, and who holds which port
// (Linux's net/ipv4/inet_hashtables.c). As in Linux, three tables: the
// connections, hashed by their four addresses (ehash); the listeners (a
// list: there are few); and the bound ports, hashed by port (bhash). Small
// tables under one lock, where Linux sizes them to its memory and reads
// them under RCU -- but hashed all the same: a closed connection stays in
// TIME_WAIT for a second, and a program that opens a few hundred
// connections a second would otherwise walk all of them for each segment.
#include "net/ip.hh"
#include "net/tcp.hh"
#include "kalloc.hh"
#include "slab.hh"
#include "uapi/errno.h"
#include "vm.hh"
#include "proc.hh"

namespace kernel {

namespace {

constexpr int EHASH_SIZE = 64;
constexpr int BHASH_SIZE = 64;

// Guarded by lock, as are the address fields of every sock on them (sock.hh).
struct inet_hashinfo {
  spinlock lock{"tcp_hashinfo"};
  intrusive_list<sock, &sock::hash> ehash[EHASH_SIZE];      // connections, SYN_SENT to TIME_WAIT
  intrusive_list<sock, &sock::hash> listening;              // listeners
  intrusive_list<sock, &sock::bind_node> bhash[BHASH_SIZE]; // every sock holding a port
  uint16_t next_ephemeral = EPHEMERAL_LOW;
};

} // namespace

// Outside the anonymous namespace so that GDB can name it (p kernel::tcp_hashinfo).
static constinit inet_hashinfo tcp_hashinfo;

namespace {

// A connection's bucket, from its local and foreign address and port
// (Linux's inet_ehashfn, without the random seed).
intrusive_list<sock, &sock::hash> &ehash_bucket(uint32_t laddr, uint16_t lport, uint32_t faddr,
                                                uint16_t fport) {
  uint32_t h = laddr ^ (faddr * 0x9e3779b1u) ^ (static_cast<uint32_t>(lport) << 16 | fport);
  h ^= h >> 16;
  h *= 0x45d9f3bu;
  h ^= h >> 16;
  return tcp_hashinfo.ehash[h % EHASH_SIZE];
}

intrusive_list<sock, &sock::bind_node> &bhash_bucket(uint16_t port) {
  return tcp_hashinfo.bhash[ntohs(port) % BHASH_SIZE];
}

bool port_in_use_locked(uint16_t port) {
  for (sock &s : bhash_bucket(port))
    if (s.sport == port) return true;
  return false;
}

// A free port from the ephemeral range (network order), or 0.
uint16_t pick_ephemeral_locked() {
  return inet_pick_ephemeral(&tcp_hashinfo.next_ephemeral, port_in_use_locked);
}

// Linux's inet_csk_bind_conflict: may sk take port at addr? Not if another
// sock holds it at an overlapping address -- unless both said SO_REUSEADDR
// and the other is not listening (a server restarting while its old
// connections are still in TIME_WAIT). A listener is the only sock hashed
// with no peer, which the table's lock lets us see.
bool bind_conflict_locked(sock *sk, uint32_t addr, uint16_t port) {
  const bool reuse = __atomic_load_n(&sk->sk_reuse, __ATOMIC_RELAXED);
  for (sock &s : bhash_bucket(port)) {
    if (&s == sk || s.sport != port) continue;
    if (s.rcv_saddr && addr && s.rcv_saddr != addr) continue;
    const bool listening = s.hash.linked() && s.dport == 0;
    if (reuse && __atomic_load_n(&s.sk_reuse, __ATOMIC_RELAXED) && !listening) continue;
    return true;
  }
  return false;
}

void bind_locked(sock *sk, uint32_t addr, uint16_t port) {
  sk->rcv_saddr = addr;
  sk->sport = port;
  bhash_bucket(port).push_back(*sk);
}

} // namespace

// bind() (proto::get_port) and listen() on a socket bound before. The caller owns the socket.
int inet_csk_get_port(sock *sk, uint32_t addr, uint16_t port) {
  lock_guard g(tcp_hashinfo.lock);
  if (sk->bind_node.linked()) { // listen() checks its port again: another may have listened since
    if (bind_conflict_locked(sk, sk->rcv_saddr, sk->sport)) return -EADDRINUSE;
    return 0;
  }
  if (port == 0) {
    port = pick_ephemeral_locked();
    if (port == 0) return -EADDRINUSE;
  } else if (bind_conflict_locked(sk, addr, port)) {
    return -EADDRINUSE;
  }
  bind_locked(sk, addr, port);
  return 0;
}

void inet_put_port(sock *sk) {
  lock_guard g(tcp_hashinfo.lock);
  if (sk->bind_node.linked()) sk->bind_node.unlink();
}

// A connection made by a listener shares the listener's port.
void __inet_inherit_port(sock *parent, sock *child) {
  lock_guard g(tcp_hashinfo.lock);
  child->sport = parent->sport;
  bhash_bucket(child->sport).push_back(*child);
}

void inet_hash(sock *sk) {
  lock_guard g(tcp_hashinfo.lock);
  tcp_hashinfo.listening.push_back(*sk);
}

void __inet_hash_nolisten(sock *sk) {
  lock_guard g(tcp_hashinfo.lock);
  ehash_bucket(sk->rcv_saddr, sk->sport, sk->daddr, sk->dport).push_back(*sk);
}

void inet_unhash(sock *sk) {
  lock_guard g(tcp_hashinfo.lock);
  if (sk->hash.linked()) sk->hash.unlink();
}

// connect(): take a port if bind() gave none, set the peer, and make the
// connection findable -- all under the table's lock, so a lookup never sees
// half of it. The source address is the loopback's (Linux's route lookup
// answers the same for 127/8). -EADDRNOTAVAIL if no port is free or the
// four addresses are taken.
int inet_hash_connect(sock *sk, uint32_t daddr, uint16_t dport) {
  lock_guard g(tcp_hashinfo.lock);
  const uint32_t saddr = sk->rcv_saddr ? sk->rcv_saddr : htonl(INADDR_LOOPBACK);
  if (!sk->bind_node.linked()) {
    const uint16_t port = pick_ephemeral_locked();
    if (port == 0) return -EADDRNOTAVAIL;
    bind_locked(sk, saddr, port);
  }
  auto &bucket = ehash_bucket(saddr, sk->sport, daddr, dport);
  for (sock &s : bucket)
    if (s.sport == sk->sport && s.daddr == daddr && s.dport == dport && s.rcv_saddr == saddr)
      return -EADDRNOTAVAIL;
  sk->rcv_saddr = saddr;
  sk->daddr = daddr;
  sk->dport = dport;
  bucket.push_back(*sk);
  return 0;
}

sock *inet_lookup_established(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport) {
  lock_guard g(tcp_hashinfo.lock);
  for (sock &s : ehash_bucket(daddr, dport, saddr, sport)) {
    if (s.sport == dport && s.dport == sport && s.daddr == saddr && s.rcv_saddr == daddr) {
      sock_hold(&s);
      return &s;
    }
  }
  return nullptr;
}

// The socket for a segment from saddr:sport to daddr:dport, with a
// reference: its connection if there is one, else a listener on the port
// (one bound to daddr before one bound to any address). Null: nobody.
sock *__inet_lookup(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport) {
  if (sock *sk = inet_lookup_established(saddr, sport, daddr, dport)) return sk;
  lock_guard g(tcp_hashinfo.lock);
  sock *wildcard = nullptr;
  for (sock &s : tcp_hashinfo.listening) {
    if (s.sport != dport) continue;
    if (s.rcv_saddr == daddr) {
      sock_hold(&s);
      return &s;
    }
    if (s.rcv_saddr == 0) wildcard = &s;
  }
  if (wildcard) sock_hold(wildcard);
  return wildcard;
}

// netconns(): every TCP socket holding a port, as a sock_info each. The
// socks are held under the table's lock, then described one at a time
// under their own socket lock, which may sleep.
int tcp_netconns(user_ptr<sock_info> buf, int max, int *count) {
  auto **held = static_cast<sock **>(kmalloc(PGSIZE));
  if (!held) return -ENOMEM;
  const int room =
      static_cast<int>(PGSIZE / sizeof(sock *)) < max ? static_cast<int>(PGSIZE / sizeof(sock *)) : max;
  int n = 0;
  {
    lock_guard g(tcp_hashinfo.lock);
    for (auto &bucket : tcp_hashinfo.bhash) {
      for (sock &s : bucket) {
        if (n == room) break;
        sock_hold(&s);
        held[n++] = &s;
      }
    }
  }
  int err = 0;
  for (int i = 0; i < n; i++) {
    sock_info info = {};
    lock_sock(held[i]);
    tcp_get_info(held[i], &info);
    release_sock(held[i]);
    sock_put(held[i]);
    if (!err && copyout(myproc()->pagetable, buf + (*count + i), &info) < 0) err = -EFAULT;
  }
  kfree(held);
  *count += n;
  return err;
}

} // namespace kernel
