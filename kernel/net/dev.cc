// The loopback device and the receive backlog (Linux's
// drivers/net/loopback.c and net/core/dev.c, reduced).
//
// Sending to 127.0.0.1 "transmits" a packet by queueing it on this hart's
// backlog and raising the network softirq. The rest of the receive path
// runs as that softirq, as it would for a packet a network card delivered:
// with interrupts off, once the sender holds no spinlock -- still in the
// sender's system call, on its stack, as on Linux, where the loopback's
// packet is received at the local_bh_enable() that ends dev_queue_xmit().
#include "arch.hh"
#include "debug/debug.hh"
#include "printf.hh"
#include "net/ip.hh"
#include "net/sock.hh"
#include "net/socket.hh"
#include "net/tcp.hh"
#include "net/udp.hh"
#include "uapi/param.h"
#include "softirq.hh"

namespace kernel {

namespace {

constexpr uint32_t NETDEV_MAX_BACKLOG = 1000;

// Per hart: packets waiting for the receive path (Linux's softnet_data).
// Only its own hart touches it, always with interrupts off (netif_rx, and
// the softirq, which runs so): that is its only lock. (Linux's queue is an
// sk_buff_head whose lock it takes only when another CPU may queue to it,
// with RPS.)
struct softnet_data {
  intrusive_list<sk_buff, &sk_buff::list> input_pkt_queue;
  uint32_t qlen = 0;
};

} // namespace

// Outside the anonymous namespace so that GDB can name it (p kernel::softnet);
// static keeps it private to this file all the same.
static constinit softnet_data softnet[NCPU];

namespace {

// Linux's process_backlog: feed the queued packets to IP. (Linux stops
// after a budget and comes back later; with one hart's loopback traffic
// there is nothing to be fair to, so this drains the backlog.)
void process_backlog(softnet_data *sd) {
  while (sk_buff *skb = sd->input_pkt_queue.pop_front()) {
    sd->qlen--;
    ip_rcv(skb);
  }
}

} // namespace

namespace {

// netdrop()'s settings (Linux's netem qdisc, reduced to "lose every nth").
// Always atomic: set by the system call, read by every sender.
struct netem_t {
  uint32_t every = 0; // drop every nth TCP segment; 0: none
  uint32_t left = 0;  // drops still to make
  uint32_t seen = 0;  // TCP segments sent since it was set
};

} // namespace

// Outside the anonymous namespace so that GDB can name it (p kernel::netem).
static constinit netem_t netem;

void netem_set(uint32_t every, uint32_t count) {
  __atomic_store_n(&netem.seen, 0u, __ATOMIC_RELAXED);
  __atomic_store_n(&netem.left, count, __ATOMIC_RELAXED);
  __atomic_store_n(&netem.every, every, __ATOMIC_RELAXED);
}

namespace {

bool netem_drop(sk_buff *skb) {
  const uint32_t every = __atomic_load_n(&netem.every, __ATOMIC_RELAXED);
  if (!every || reinterpret_cast<const iphdr *>(skb->network_header)->protocol != IPPROTO_TCP_NR)
    return false;
  if (__atomic_add_fetch(&netem.seen, 1, __ATOMIC_RELAXED) % every != 0) return false;
  uint32_t left = __atomic_load_n(&netem.left, __ATOMIC_RELAXED);
  do {
    if (left == 0) return false;
  } while (
      !__atomic_compare_exchange_n(&netem.left, &left, left - 1, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  return true;
}

} // namespace

namespace {

// The checked build's look at a sent packet's TCP or UDP checksum (debug.hh).
void check_sent_csum(const sk_buff *skb) {
  const auto *iph = reinterpret_cast<const iphdr *>(skb->network_header);
  const uint32_t hlen = (iph->ihl_version & 0xf) * 4u;
  const uint8_t *th = skb->network_header + hlen;
  const auto len = static_cast<uint16_t>(skb->len - hlen);
  const bool udp = iph->protocol == IPPROTO_UDP_NR;
  if (!udp && iph->protocol != IPPROTO_TCP_NR) return;
  if (udp && reinterpret_cast<const udphdr *>(th)->check == 0) return; // "no checksum"
  if (!transport_csum_ok(iph, th, len)) {
    printf("loopback_xmit: a %s packet of %u bytes to port %u\n", udp ? "UDP" : "TCP", len,
           ntohs(reinterpret_cast<const udphdr *>(th)->dest)); // the port is at the same place in both
    panic("loopback_xmit: the sender's checksum is wrong");
  }
}

} // namespace

// The packet never leaves the machine, so nothing can damage it on the
// way: the receiver need not check its TCP or UDP checksum (Linux's
// loopback device marks its packets so too). netinject()'s packets come
// in through netif_rx directly, and are checked.
int loopback_xmit(sk_buff *skb) {
  if constexpr (CSUM_DEBUG) check_sent_csum(skb);
  if (netem_drop(skb)) {
    net_inc_stats(&net_counters::tcp_drops_injected);
    kfree_skb(skb);
    return 0;
  }
  skb->ip_summed = checksum::UNNECESSARY;
  return netif_rx(skb);
}

int netif_rx(sk_buff *skb) {
  push_off(); // stay on this hart: the backlog is per hart
  softnet_data *sd = &softnet[arch::hartid()];
  const bool dropped = sd->qlen >= NETDEV_MAX_BACKLOG;
  if (!dropped) {
    sd->input_pkt_queue.push_back(*skb);
    sd->qlen++;
    raise_softirq(NET_RX_SOFTIRQ);
  }
  pop_off(); // if this turns interrupts on, the softirq runs in it
  if (dropped) {
    net_inc_stats(&net_counters::drops_backlog);
    kfree_skb(skb);
    return -1;
  }
  return 0;
}

// The NET_RX softirq, on the hart that queued.
void net_rx_action() { process_backlog(&softnet[arch::hartid()]); }

void net_init() {
  skb_init();
  socket_init();
  proto_register(&udp_prot);
  tcp_init();
  open_softirq(NET_RX_SOFTIRQ, net_rx_action);
}

} // namespace kernel
