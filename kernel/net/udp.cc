// UDP over IPv4 loopback (Linux's net/ipv4/udp.c, reduced): the port
// table, sending, and the receive path from ip_rcv to the socket's queue.
#include "net/udp.hh"
#include <new>
#include "uapi/errno.h"
#include "net/ip.hh"
#include "net/sock.hh"
#include "printf.hh"
#include "proc.hh"
#include "lib/string.hh"
#include "kalloc.hh"
#include "slab.hh"
#include "vm.hh"

namespace kernel {

namespace {

// The bound sockets. Guarded by lock, as are every sock's address fields
// (sock.hh): so a lookup never sees a peer half-way through a connect().
struct udp_table_t {
  spinlock lock{"udp_table"};
  intrusive_list<sock, &sock::hash> bound;
  uint16_t next_ephemeral = EPHEMERAL_LOW;
};

} // namespace

// Outside the anonymous namespace so that GDB can name it (p kernel::udp_table);
// static keeps it private to this file all the same.
static constinit udp_table_t udp_table;

namespace {

struct sock *find_port_locked(uint16_t port) {
  for (sock &sk : udp_table.bound)
    if (sk.sport == port) return &sk;
  return nullptr;
}

// The socket a datagram to daddr:dport from saddr:sport belongs to, or null.
struct sock *udp_lookup_locked(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport) {
  KASSERT(holding(&udp_table.lock));
  for (sock &sk : udp_table.bound) {
    if (sk.sport != dport || (sk.rcv_saddr && sk.rcv_saddr != daddr)) continue;
    if (sk.connected && (sk.daddr != saddr || sk.dport != sport)) continue;
    return &sk;
  }
  return nullptr;
}

// The same, with a reference held: the caller uses it after the table
// lock is gone, while a close on another hart may be unhashing it.
struct sock *__udp4_lib_lookup(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport) {
  lock_guard g(udp_table.lock);
  struct sock *sk = udp_lookup_locked(saddr, sport, daddr, dport);
  if (sk) sock_hold(sk);
  return sk;
}

int udp_bind_locked(struct sock *sk, uint32_t addr, uint16_t port) {
  KASSERT(holding(&udp_table.lock));
  if (sk->sport) return -EINVAL; // already bound
  if (port == 0) {
    port = inet_pick_ephemeral(&udp_table.next_ephemeral, find_port_locked);
    if (port == 0) return -EAGAIN;
  } else if (find_port_locked(port)) {
    return -EADDRINUSE;
  }
  sk->rcv_saddr = addr;
  sk->sport = port;
  udp_table.bound.push_back(*sk);
  return 0;
}

// Bind to an ephemeral port unless bound already.
int udp_autobind_locked(struct sock *sk) { return sk->sport ? 0 : udp_bind_locked(sk, 0, 0); }

int __udp_queue_rcv_skb(struct sock *sk, sk_buff *skb) {
  const int rc = sock_queue_rcv_skb(sk, skb);
  if (rc < 0) {
    kfree_skb(skb); // counted by sock_queue_rcv_skb
    return -1;
  }
  return 0;
}

// Linux queues here on the socket's backlog when a process holds the
// socket lock; our receive queue has its own spinlock, so there is none.
int udp_queue_rcv_skb(struct sock *sk, sk_buff *skb) { return __udp_queue_rcv_skb(sk, skb); }

int __udp4_lib_rcv(sk_buff *skb) {
  const auto *iph = reinterpret_cast<const iphdr *>(skb->network_header);
  auto *uh = reinterpret_cast<udphdr *>(skb->data);
  const uint32_t ulen = skb->len >= sizeof(udphdr) ? ntohs(uh->len) : 0;
  if (ulen < sizeof(udphdr) || ulen > skb->len) goto drop;
  skb->len = ulen; // anything after the datagram is padding
  skb->tail = skb->data + ulen;
  if (uh->check != 0 && skb->ip_summed != checksum::UNNECESSARY && // as in tcp_v4_rcv
      !transport_csum_ok(iph, uh, static_cast<uint16_t>(ulen)))
    goto drop;
  {
    struct sock *sk = __udp4_lib_lookup(iph->saddr, uh->source, iph->daddr, uh->dest);
    if (!sk) {
      net_inc_stats(&net_counters::drops_noport);
      icmp_send_port_unreach(skb);
      kfree_skb(skb);
      return 0;
    }
    const int rc = udp_queue_rcv_skb(sk, skb);
    sock_put(sk);
    return rc;
  }
drop:
  net_inc_stats(&net_counters::drops_malformed);
  kfree_skb(skb);
  return -1;
}

} // namespace

int udp_rcv(sk_buff *skb) { return __udp4_lib_rcv(skb); }

void udp_err(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport) {
  net_inc_stats(&net_counters::icmp_unreachable);
  // Our socket sent from saddr:sport to daddr:dport: look it up as if the
  // datagram were coming back.
  lock_guard g(udp_table.lock);
  struct sock *sk = udp_lookup_locked(daddr, dport, saddr, sport);
  // As Linux without IP_RECVERR: only a connected socket hears of it.
  if (!sk || !sk->connected) return;
  sock_hold(sk);
  g.unlock(); // the error report wakes readers, under other locks
  __atomic_store_n(&sk->sk_err, ECONNREFUSED, __ATOMIC_RELEASE);
  sk->sk_error_report(sk);
  sock_put(sk);
}

int udp_bind(struct sock *sk, uint32_t addr, uint16_t port) {
  lock_guard g(udp_table.lock);
  return udp_bind_locked(sk, addr, port);
}

int udp_autobind(struct sock *sk) {
  lock_guard g(udp_table.lock);
  return udp_autobind_locked(sk);
}

// Linux's inet_dgram_connect and ip4_datagram_connect (AF_UNSPEC: its
// udp_disconnect, which we do without unbinding): set or clear the peer
// that sends go to by default and the only source datagrams are taken
// from. len is the caller's address length; addr holds that much of it.
int udp_connect(struct sock *sk, const sockaddr_in &addr, uint32_t len) {
  if (addr.sin_family == AF_UNSPEC) { // forget the peer
    lock_guard g(udp_table.lock);
    sk->connected = false;
    sk->daddr = 0;
    sk->dport = 0;
    return 0;
  }
  if (len < sizeof addr) return -EINVAL;
  if (addr.sin_family != AF_INET) return -EAFNOSUPPORT;
  if (!ipv4_is_loopback(addr.sin_addr.s_addr)) return -ENETUNREACH;
  lock_guard g(udp_table.lock);
  if (const int err = udp_autobind_locked(sk)) return err;
  sk->daddr = addr.sin_addr.s_addr;
  sk->dport = addr.sin_port;
  sk->connected = true;
  return 0;
}

inet_addrs udp_addrs(struct sock *sk) {
  lock_guard g(udp_table.lock);
  return {sk->rcv_saddr, sk->sport, sk->daddr, sk->dport, sk->connected};
}

void udp_unhash(struct sock *sk) {
  lock_guard g(udp_table.lock);
  if (sk->hash.linked()) sk->hash.unlink();
}

int udp_sendmsg(struct sock *sk, msghdr *msg, uint64_t len) {
  if (__atomic_load_n(&sk->sk_shutdown, __ATOMIC_RELAXED) & SEND_SHUTDOWN) return -EPIPE;
  if (len > UDP_MAX_PAYLOAD) return -EMSGSIZE;
  inet_addrs addrs = udp_addrs(sk); // the peer, as a connect() may be changing it
  uint32_t daddr;
  uint16_t dport;
  if (msg->has_name) {
    if (msg->name.sin_family != AF_INET) return -EAFNOSUPPORT;
    daddr = msg->name.sin_addr.s_addr;
    dport = msg->name.sin_port;
    if (dport == 0) return -EINVAL;
  } else {
    if (!addrs.connected) return -EDESTADDRREQ;
    daddr = addrs.daddr;
    dport = addrs.dport;
    if (const int err = sock_error(sk)) return err; // an ICMP error from before
  }
  if (!ipv4_is_loopback(daddr)) return -ENETUNREACH;
  if (!addrs.sport) {
    if (const int err = udp_autobind(sk)) return err;
    addrs = udp_addrs(sk); // the port just chosen (a bound port never changes)
  }

  sk_buff *skb = alloc_skb(SKB_MAX_HEADER + static_cast<uint32_t>(len));
  if (!skb) {
    sock_inc_stats(sk, &net_counters::drops_nomem);
    return -ENOBUFS;
  }
  skb_reserve(skb, SKB_MAX_HEADER);
  uint8_t *payload = skb_put(skb, static_cast<uint32_t>(len));
  uint32_t payload_csum = 0;
  if (csum_and_copy_from_user(myproc()->pagetable, payload, msg->buf, static_cast<uint32_t>(len),
                              &payload_csum) < 0) {
    kfree_skb(skb);
    return -EFAULT;
  }
  const uint32_t saddr = addrs.rcv_saddr ? addrs.rcv_saddr : htonl(INADDR_LOOPBACK);
  const uint16_t ulen = static_cast<uint16_t>(len + sizeof(udphdr));
  auto *uh = reinterpret_cast<udphdr *>(skb_push(skb, sizeof(udphdr)));
  skb->transport_header = skb->data;
  uh->source = addrs.sport;
  uh->dest = dport;
  uh->len = htons(ulen);
  uh->check = 0;
  // The pseudo-header of the IP addresses, the payload's sum, the header.
  uh->check = csum_fold(
      csum_partial(uh, sizeof *uh, csum_tcpudp_nofold(saddr, daddr, ulen, IPPROTO_UDP_NR, payload_csum)));
  if (uh->check == 0) uh->check = 0xffff; // 0 would mean "no checksum"
  sock_inc_stats(sk, &net_counters::datagrams_out);
  (void)ip_queue_xmit(skb, saddr, daddr, IPPROTO_UDP_NR);
  return static_cast<int>(len);
}

int udp_recvmsg(struct sock *sk, msghdr *msg, uint64_t len, int noblock, int flags) {
  int err = 0;
  sk_buff *skb = __skb_recv_datagram(sk, flags | (noblock ? MSG_DONTWAIT : 0), &err);
  if (!skb) return err;
  const auto *iph = reinterpret_cast<const iphdr *>(skb->network_header);
  const auto *uh = reinterpret_cast<const udphdr *>(skb->data);
  const uint64_t ulen = skb->len - sizeof(udphdr);
  uint64_t copied = len;
  if (copied > ulen)
    copied = ulen;
  else if (copied < ulen)
    msg->flags |= MSG_TRUNC; // the rest of the datagram is discarded
  err = copyout(myproc()->pagetable, msg->buf, skb->data + sizeof(udphdr), copied) < 0 ? -EFAULT : 0;
  if (err == 0) {
    if (msg->has_name) {
      msg->namelen = sizeof msg->name;
      msg->name = {};
      msg->name.sin_family = AF_INET;
      msg->name.sin_port = uh->source;
      msg->name.sin_addr.s_addr = iph->saddr;
    }
    err = static_cast<int>((flags & MSG_TRUNC) ? ulen : copied);
  }
  kfree_skb(skb); // Linux's skb_free_datagram
  return err;
}

int udp_netconns(user_ptr<sock_info> buf, int max, int *count) {
  // Copied out under no lock: collect a page's worth first.
  auto *infos = static_cast<sock_info *>(kmalloc(PGSIZE));
  if (!infos) return -ENOMEM;
  const int room = static_cast<int>(PGSIZE / sizeof(sock_info)) < max - *count
                       ? static_cast<int>(PGSIZE / sizeof(sock_info))
                       : max - *count;
  int n = 0;
  {
    lock_guard g(udp_table.lock);
    for (sock &sk : udp_table.bound) {
      if (n >= room) break;
      sock_info &info = infos[n++];
      info = {};
      info.type = SOCK_DGRAM;
      info.state = TCP_CLOSE;
      info.local.sin_family = info.peer.sin_family = AF_INET;
      info.local.sin_addr.s_addr = sk.rcv_saddr;
      info.local.sin_port = sk.sport;
      if (sk.connected) {
        info.peer.sin_addr.s_addr = sk.daddr;
        info.peer.sin_port = sk.dport;
      }
      info.rx_queue = __atomic_load_n(&sk.sk_rmem_alloc, __ATOMIC_RELAXED);
    }
  }
  int err = 0;
  if (n > 0 && copyout(myproc()->pagetable, (buf + *count).bytes(), infos, n * sizeof(sock_info)) < 0)
    err = -EFAULT;
  kfree(infos);
  *count += n;
  return err;
}

// ---- The protocol

namespace {

sock *udp_construct(void *mem) { return new (mem) sock; }

// close(): no datagram can find the sock any more; those queued hold no
// reference, and go with it (sock_put).
void udp_lib_close(struct sock *sk) {
  udp_unhash(sk);
  sock_put(sk);
}

} // namespace

proto udp_prot = {
    .name = "UDP",
    .obj_size = sizeof(sock),
    .construct = udp_construct,
    .init = nullptr,
    .close = udp_lib_close,
    .get_port = udp_bind,
    .sendmsg = udp_sendmsg,
    .recvmsg = udp_recvmsg,
    .backlog_rcv = nullptr,
};

} // namespace kernel
